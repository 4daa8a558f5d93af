"""Evaluation cases from the development corpora: the program, its first error, and what is known to be right.

Each corpus row becomes a :class:`Case` (or a :class:`Skipped` with the reason):

* C (TRACER): the student's program is compiled live with gcc; the truth is TRACER's
  ``error_line_numbers`` and the tokens the student's own fix changed.
* Python (friendly-traceback): the program is compiled live with python3; the truth is the
  line Python reports, the names friendly-traceback puts in backticks and the token at the
  error column; its ``friendly_output`` is the expert explanation.
* Java (UPenn): there is no full program, only javac's message and the offending line with
  its caret, so the diagnostic is rebuilt from them and the line is placed at its line number.
* Static-analysis corpora (rows with ``expected_rule``, any language; ``benchmarks/static_corpus.py
  --write-corpora``): novice programs that compile, checked live with the deeper analysis
  (``analysis.py``); the truth is the row's ``expected_line``, and its first shown diagnostic is explained.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from error_tutor_server.checks import normalize_code
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.knowledge import token_at
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.eval")

REQUIRED = {
    "c": ("source", "error_line_numbers", "source_error_line", "student_fixed_line"),
    "python": ("source", "friendly_output"),
    "java": ("line", "message", "message_with_context"),
}
STATIC_REQUIRED = ("source", "expected_line", "expected_rule")
_QUOTED_NAME = re.compile(r"['‘`]([A-Za-z_][A-Za-z0-9_]*)['’`]")
# a field only this corpus has -> its language
SIGNATURES = {"student_fixed_line": "c", "friendly_output": "python", "message_with_context": "java"}

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?|[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*'
                   r"|==|!=|<=|>=|&&|\|\||\+\+|--|->|<<|>>|\+=|-=|\*=|/=|\S")
_BACKTICKED = re.compile(r"`([^`\s]{1,40})`")
_EXCEPTION_NAME = re.compile(r"^[A-Z]\w*(Error|Warning|Exception)$")
_FRIENDLY_CODE = re.compile(r"^\s*(-*>\s*)?\d+\|")  # "   4|     var:int = 1" and "-->4| ..."
_FRIENDLY_CARETS = re.compile(r"^\s*\^[\s^]*$")
_FRIENDLY_BOILERPLATE = re.compile(
    r"A `SyntaxError` occurs when Python cannot understand your code\.|"
    r"Python could not understand the code in the file\s*'[^']*'\s*(beyond\s*)?at the location indicated\.?|"
    r"Python could not understand the code in the file\s*'[^']*'\.?", re.IGNORECASE)
_EXPECTED = re.compile(r"'([^'\s]{1,3})' expected")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_JAVA_JUNK = re.compile(r"^(\d+ (errors?|warnings?)|/|\.?/\S*\.java|\S+\.java)$")


HALVES = ("tuning", "checking")
# corpora that are tuning material as a whole (by decision): every case in them is "tuning"
TUNING_ONLY_CORPORA = frozenset({"c_tracer_more.jsonl"})


def half_of(case_id: str) -> str:
    """The half a development case belongs to: ``"tuning"`` or ``"checking"``.

    Rules, the locator and prompts are tuned on the tuning half only; the checking half says whether
    the gains carry over to programs nobody tuned them on. The half depends on the id alone (the first
    8 bytes of its SHA-256, even or odd), so it is the same on every run, every machine and Python
    version (unlike ``hash()``), whatever the order of the rows or the other rows in the file.
    """
    digest = hashlib.sha256(case_id.encode("utf-8")).digest()
    return HALVES[int.from_bytes(digest[:8], "big") % 2]


def corpus_half(corpus: str, case_id: str) -> str:
    """The half of a case of ``corpus`` (a file name): a tuning-only corpus is all tuning."""
    return "tuning" if Path(corpus).name in TUNING_ONLY_CORPORA else half_of(case_id)


@dataclass(frozen=True)
class Case:
    """One evaluated error: the program, the diagnostic to explain, and the truth to score against."""

    id: str
    corpus: str
    language: str
    program: str
    diagnostic: CompilerDiagnostic
    truth_lines: frozenset[int]
    targets: tuple[str, ...]  # tokens a specific explanation names
    fixed_line: str = ""  # the student's corrected line, when it differs from the error line
    reference: str = ""  # an expert's explanation (Python only)


@dataclass(frozen=True)
class Skipped:
    corpus: str
    row: int  # 1-based line of the corpus file
    id: str
    reason: str


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """``(row number, row, "")`` for each JSON object, ``(row number, None, reason)`` for a bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TutorError(f"Cannot read the corpus '{path}' ({exc.strerror}).",
                         "Check the path given to --corpus.") from None
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, None, f"invalid UTF-8 (byte {exc.start} of the row)"
            continue
        try:
            row = json.loads(text)
        except ValueError as exc:
            yield number, None, f"not valid JSON ({exc.msg})"
            continue
        if not isinstance(row, dict):
            yield number, None, "not a JSON object"
            continue
        yield number, row, ""


def corpus_language(path: Path, rows: list[dict]) -> str:
    """The corpus's language, from the fields only its kind of row has."""
    votes: dict[str, int] = {}
    for row in rows:
        if isinstance(row.get("expected_rule"), str):  # a static-analysis corpus: the rule says the language
            language = row["expected_rule"].split(".", 1)[0]
            votes[language] = votes.get(language, 0) + 1
            continue
        for name, language in SIGNATURES.items():
            if name in row:
                votes[language] = votes.get(language, 0) + 1
    if votes:
        return max(votes, key=votes.get)
    raise TutorError(f"'{path}' is not one of the known corpora (TRACER C, friendly-traceback Python, UPenn Java).",
                     "Each row needs 'student_fixed_line' (C), 'friendly_output' (Python) or 'message_with_context' (Java).")


def missing_fields(row: dict, language: str) -> str:
    """Why the row cannot be evaluated ("" when it can)."""
    absent = [name for name in REQUIRED[language] if row.get(name) is None]
    if absent:
        return "missing field(s) " + ", ".join(absent)
    wrong = [name for name in REQUIRED[language] if not isinstance(row[name], (str, int)) or isinstance(row[name], bool)]
    if wrong:
        return "field(s) of the wrong type: " + ", ".join(wrong)
    if language == "java":
        if not str(row["line"]).strip().isdigit() or int(row["line"]) < 1:
            return f"field line is not a line number ({row['line']!r})"
        if not str(row["message"]).strip():
            return "empty field message"
    if language in ("c", "python") and not str(row["source"]).strip():
        return "empty field source"
    return ""


def tokens(line: str) -> list[str]:
    return TOKEN.findall(line)


def changed_tokens(error_line: str, fixed_line: str) -> tuple[str, ...]:
    """Tokens the student's fix touched: the error line's replaced or deleted tokens, and the ones
    the fix put in (a missing `;` is named by the token that was missing)."""
    before, after = tokens(error_line), tokens(fixed_line)
    changed: list[str] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            changed += before[i1:i2]
        if op in ("replace", "insert"):
            changed += after[j1:j2]
    return tuple(dict.fromkeys(t for t in changed if t.strip()))


def first_error(language: str, program: str, settings: TutorSettings) -> tuple[CompilerDiagnostic | None, str]:
    """The compiler's first error on ``program``, or None and why there is none."""
    try:
        diagnostics = diagnose_sync(language, program, settings)
    except TutorError as exc:
        log.debug("compiling a %s case failed: %s", language, exc)
        return None, f"the compiler failed ({exc})"
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        command = settings.c_compiler if language == "c" else settings.python_command
        found = f"only {len(diagnostics)} warning(s)" if diagnostics else "no diagnostic at all"
        return None, f"{command} reports no error ({found})"
    return errors[0], ""


def clean_friendly(text: str) -> str:
    """friendly-traceback's explanation without its code excerpt, carets and boilerplate."""
    kept = [line for line in text.splitlines() if not _FRIENDLY_CODE.match(line) and not _FRIENDLY_CARETS.match(line)]
    return re.sub(r"\s+", " ", _FRIENDLY_BOILERPLATE.sub(" ", "\n".join(kept))).strip()


def python_targets(friendly: str, diagnostic: CompilerDiagnostic) -> tuple[str, ...]:
    names = [span for span in _BACKTICKED.findall(friendly) if not _EXCEPTION_NAME.match(span)]
    at_column = token_at(diagnostic.source_line, diagnostic.column)
    return tuple(dict.fromkeys(t for t in (*names, at_column) if t.strip()))


def c_case(row: dict, corpus: str, settings: TutorSettings) -> Case | str:
    diagnostic, why = first_error("c", row["source"], settings)
    if diagnostic is None:
        return why
    error_line, fixed = str(row["source_error_line"]), str(row["student_fixed_line"])
    differs = normalize_code(error_line) != normalize_code(fixed)
    return Case(id=str(row.get("id", "")), corpus=corpus, language="c", program=row["source"], diagnostic=diagnostic,
                truth_lines=frozenset(int(n) for n in re.findall(r"\d+", str(row["error_line_numbers"]))),
                targets=changed_tokens(error_line, fixed) if differs else (), fixed_line=fixed.strip() if differs else "")


def python_case(row: dict, corpus: str, settings: TutorSettings) -> Case | str:
    diagnostic, why = first_error("python", row["source"], settings)
    if diagnostic is None:
        return why
    return Case(id=str(row.get("id", "")), corpus=corpus, language="python", program=row["source"],
                diagnostic=diagnostic, truth_lines=frozenset({diagnostic.line}),
                targets=python_targets(row["friendly_output"], diagnostic), reference=clean_friendly(row["friendly_output"]))


def java_diagnostic(row: dict) -> CompilerDiagnostic:
    """javac's diagnostic rebuilt from the message, the offending line (2nd), the caret (3rd) and notes."""
    line = int(str(row["line"]).strip())
    context = str(row["message_with_context"]).split("\n")
    source_line = context[1] if len(context) > 1 else ""
    caret = context[2] if len(context) > 2 and context[2].strip() == "^" else ""
    if caret:
        column = caret.index("^") + 1
    else:  # no caret recorded: the line's first token
        column = len(source_line) - len(source_line.lstrip()) + 1
    rest = context[3:] if caret else context[2:]
    notes = tuple(n.strip() for n in rest if n.strip() and not _JAVA_JUNK.match(n.strip()))
    return CompilerDiagnostic(language="java", line=line, column=column, end_line=line, end_column=column + 1,
                              severity="error", message=str(row["message"]).strip(), source_line=source_line,
                              notes=notes)


def java_case(row: dict, corpus: str) -> Case:
    diagnostic = java_diagnostic(row)
    program = "\n" * (diagnostic.line - 1) + diagnostic.source_line + "\n"
    return Case(id=str(row.get("id", "")), corpus=corpus, language="java", program=program, diagnostic=diagnostic,
                truth_lines=frozenset({diagnostic.line}), targets=java_targets(diagnostic))


def java_targets(diagnostic: CompilerDiagnostic) -> tuple[str, ...]:
    """The token at the caret (and the member after a caret on a dot), and the symbol of "'x' expected"."""
    found = [m.group(1) for m in _EXPECTED.finditer(diagnostic.message)]
    if diagnostic.source_line.strip():
        token = token_at(diagnostic.source_line, diagnostic.column)
        found.append(token)
        after = _NAME.search(diagnostic.source_line, diagnostic.column)
        if token == "." and after:
            found.append(after.group(0))
    return tuple(dict.fromkeys(t for t in found if t.strip()))


def static_case(row: dict, language: str, corpus: str, settings: TutorSettings) -> Case | str:
    """A program of a static-analysis corpus: its first diagnostic with the deeper check on."""
    from error_tutor_server.analysis import analyse  # the server's orchestration of both passes

    absent = [name for name in STATIC_REQUIRED if row.get(name) is None]
    if absent:
        return "missing field(s) " + ", ".join(absent)
    if not str(row["expected_line"]).strip().isdigit():
        return f"field expected_line is not a line number ({row['expected_line']!r})"
    depth = str(row.get("analysis") or settings.analysis)
    try:
        chosen = settings.replace(analysis=depth, c_compiler=str(row.get("c_compiler") or settings.c_compiler))
        found = asyncio.run(analyse(language, str(row["source"]), chosen,
                                    filename=str(row.get("filename") or "") or None)).diagnostics
    except TutorError as exc:
        return f"the compiler failed ({exc})"
    if not found:
        return f"no diagnostic at all (analysis {depth})"
    diagnostic = found[0]
    names = tuple(dict.fromkeys(n for n in _QUOTED_NAME.findall(diagnostic.message) if n in diagnostic.source_line))
    return Case(id=str(row.get("id", "")), corpus=corpus, language=language, program=str(row["source"]),
                diagnostic=diagnostic, truth_lines=frozenset({int(row["expected_line"])}),
                targets=names or (token_at(diagnostic.source_line, diagnostic.column),))


def build_case(row: dict, language: str, corpus: str, settings: TutorSettings) -> Case | str:
    """A case, or the reason the row was skipped."""
    if "expected_rule" in row:
        return static_case(row, language, corpus, settings)
    why = missing_fields(row, language)
    if why:
        return why
    if language == "c":
        return c_case(row, corpus, settings)
    if language == "python":
        return python_case(row, corpus, settings)
    return java_case(row, corpus)


def load_corpus(path: Path, limit: int = 0) -> tuple[str, list[tuple[int, dict | None, str]]]:
    """The corpus's language and its first ``limit`` rows (all when 0), bad lines included."""
    rows = []
    for item in read_rows(path):
        rows.append(item)
        if limit and len(rows) >= limit:
            break
    language = corpus_language(path, [row for _, row, _ in rows if row is not None])
    return language, rows
