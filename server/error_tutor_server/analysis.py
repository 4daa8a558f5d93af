"""Static analysis beyond a syntax check: what novices meet after their program compiles.

Two passes, neither of which runs the student's program:

- the **syntax pass** (``compilers.diagnose``): fast, run after each change (debounced);
- the **deeper pass**, run on open and save, chosen by the ``analysis`` setting:

  - C: the program is compiled to an object and linked, inside the temporary directory, with
    optimisation on (gcc finds uninitialised values and out-of-bounds indexes only in its
    optimising passes) and a curated set of warnings for novices (shadowing, format strings,
    variable-length arrays, a function that does not return a value on every path, which is
    shown as an error); the link reports a missing ``main`` and functions that are declared but
    never defined. ``deep`` adds gcc's ``-fanalyzer`` (NULL dereference, use after free,
    double free, leaks). The executable is written to the temporary directory and never run.
  - Python: pyflakes (undefined names, names used before assignment, unused imports and
    variables, f-strings without placeholders, ``is`` with a literal...), in a child process
    of the server's own interpreter (``-I``) that reads the program on stdin and only parses it.
  - Java: javac with the ``-Xlint`` categories that matter to novices.

Each deeper pass goes through ``compilers.diagnose`` with a replaced language record, so it has
the same time, memory and output limits, the compile semaphore, and (for C) the preprocessor's
include check. Both passes' diagnostics are published together, without duplicates. A program
whose syntax pass reports an error gets nothing deeper (the optimising passes never run on it,
and what else a compiler says then is a cascade). Java runs once: javac with -Xlint reports every
error the plain compile does. A deeper pass that times out or crashes leaves the syntax pass's
diagnostics and one notice; a missing pyflakes is one notice too.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server import compilers
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import Language, language_named
from error_tutor_server.linking import IMPLICIT_CALL
from error_tutor_server.locate import function_declaration
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.analysis")

FAILED_CODE = "error-tutor-compiler-failed"
MISSING_PYFLAKES_CODE = "error-tutor-pyflakes-missing"
LINK_CODE = "ld"
DEBUG_PREFIX = "/error-tutor-src"  # the program's folder as the linker names it (-fdebug-prefix-map)

# The curated warnings, in the spirit of dcc's: what a novice's program gets wrong, not style.
GCC_STANDARD_FLAGS = ("-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-sign-compare",
                      "-Wno-missing-field-initializers", "-Wno-unused-but-set-parameter", "-Wshadow", "-Wformat=2",
                      "-Wreturn-type", "-Wnull-dereference")
# deep: the analyser, and variable-length arrays (valid C99 that 22 of 75 compiling TRACER programs use on
# purpose, so only the strict set flags them; an unset size is -Wuninitialized's anyway)
GCC_DEEP_FLAGS = ("-Wvla", "-fanalyzer", "-Wno-analyzer-possible-null-dereference", "-Wno-analyzer-possible-null-argument",
                  "-Wno-analyzer-fd-leak", "-Wno-analyzer-file-leak")
CLANG_STANDARD_FLAGS = ("-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-sign-compare",
                        "-Wno-missing-field-initializers", "-Wshadow", "-Wformat=2", "-Wreturn-type",
                        "-Wconditional-uninitialized", "-Warray-bounds", "-Wimplicit-fallthrough")
# warnings that are certainly mistakes, shown as errors (after the object is built, so the link still runs)
ANALYZER_REPEATS = ("-Wuse-after-free", "-Wnull-dereference")  # the same finding as the analyser's
AS_ERRORS = re.compile(r"control reaches end of non-void function|non-void function does not return a value")
JAVA_LINT = "-Xlint:fallthrough,empty,unchecked,rawtypes,divzero,finally,static,cast"
SUPERSEDES_SYNTAX = {"java"}  # javac -Xlint reports every error the plain compile does: one javac run
PYFLAKES_ERRORS = {"UndefinedName", "UndefinedLocal", "UndefinedExport"}

DEEP_FAILED_NOTICE = ("Error Tutor's deeper check of {name} {why}, so only the quick syntax check is shown. "
                      "Raise compileTimeoutS, or set analysis to 'syntax' for very large files.")
PYFLAKES_MISSING_NOTICE = ("pyflakes is not installed for Error Tutor's Python, so Python files get only the syntax "
                           "check (install the error-tutor package with its dependencies).")

# pyflakes in a child process: it parses the program (never imports or runs it) and prints JSON.
_PYFLAKES_CHECKER = r"""
import json, sys
src = sys.stdin.buffer.read().decode("utf-8", "replace")
try:
    from pyflakes import api
except ImportError:
    print(json.dumps([{"missing": "pyflakes"}]))
    raise SystemExit(0)
out = []
class Reporter:
    def unexpectedError(self, filename, message):
        pass
    def syntaxError(self, filename, message, lineno, offset, text):
        pass  # the syntax pass reports it
    def flake(self, m):
        out.append({"type": type(m).__name__, "msg": m.message % m.message_args, "line": m.lineno,
                    "col": (getattr(m, "col", 0) or 0) + 1})
api.check(src, sys.argv[1], Reporter())
print(json.dumps(out[:200]))
"""


@dataclass(frozen=True)
class Analysis:
    """What both passes found, and a notice for the student when the deeper one failed."""

    diagnostics: list[CompilerDiagnostic]
    notice: str = ""
    deep_ran: bool = False


def has_deeper_pass(language: str, filename: str) -> bool:
    """Headers are only syntax-checked: they are not programs to link."""
    return language in _DEEP_RECORDS and not filename.lower().endswith(".h")


async def analyse(language: str, text: str, settings: TutorSettings, filename: str | None = None,
                  include_dir: str | None = None, deep: bool = True) -> Analysis:
    """The syntax pass, and when ``deep`` and the setting ask for it, the deeper pass; their union."""
    record = language_named(language)
    filename = Path(filename or record.default_filename).name
    wanted = deep and settings.analysis != "syntax" and has_deeper_pass(language, filename)
    if wanted and language in SUPERSEDES_SYNTAX:
        deeper = await _deeper(language, record, text, settings, filename, include_dir)
        if not _failed(deeper):
            return Analysis(deeper, deep_ran=True)
        syntax = await compilers.diagnose(language, text, settings, filename=filename, include_dir=include_dir)
        return Analysis(syntax, "" if _failed(syntax) else _notice(deeper, filename))
    syntax = await compilers.diagnose(language, text, settings, filename=filename, include_dir=include_dir)
    if not wanted or _refused(syntax) or any(d.severity == "error" for d in syntax):
        return Analysis(syntax)  # a program that does not compile gets no deeper analysis, only cascades
    deeper = await _deeper(language, record, text, settings, filename, include_dir)
    if any(d.code == MISSING_PYFLAKES_CODE for d in deeper):
        return Analysis(syntax, PYFLAKES_MISSING_NOTICE)
    if _failed(deeper):
        return Analysis(syntax, _notice(deeper, filename))
    if language == "c" and include_dir:
        deeper = _defined_elsewhere_dropped(deeper, filename, include_dir)
    return Analysis(union(syntax, [d for d in deeper if not _said_already(d, syntax)]), deep_ran=True)


async def _deeper(language: str, record: Language, text: str, settings: TutorSettings, filename: str,
                  include_dir: str | None) -> list[CompilerDiagnostic]:
    return await compilers.diagnose(language, text, settings, filename=filename, include_dir=include_dir,
                                    record=_DEEP_RECORDS[language](record, settings.analysis))


def _failed(diagnostics: list[CompilerDiagnostic]) -> bool:
    return any(d.code == FAILED_CODE for d in diagnostics)


def _notice(deeper: list[CompilerDiagnostic], filename: str) -> str:
    failed = next(d for d in deeper if d.code == FAILED_CODE)
    log.warning("deeper check of %s failed: %s", filename, failed.message)
    why = "took too long and was stopped" if "longer than" in failed.message else "failed"
    return DEEP_FAILED_NOTICE.format(name=filename, why=why)


def _said_already(d: CompilerDiagnostic, syntax: list[CompilerDiagnostic]) -> bool:
    """pyflakes' "use ==/!= to compare constant literals" repeats Python's own SyntaxWarning on that line."""
    return d.code == "IsLiteral" and any(s.line == d.line and "with a literal" in s.message for s in syntax)


def _refused(diagnostics: list[CompilerDiagnostic]) -> bool:
    """The include check refused the file, or the compiler could not check it: nothing deeper."""
    return any(d.code in ("error-tutor-include", FAILED_CODE) for d in diagnostics)


def union(first: list[CompilerDiagnostic], second: list[CompilerDiagnostic]) -> list[CompilerDiagnostic]:
    """Both lists without duplicates (the same place and message), in line order, errors first on a line."""
    seen, result = set(), []
    for d in [*first, *second]:
        key = (d.line, d.column, d.message)
        if key not in seen:
            seen.add(key)
            result.append(d)
    order = {"error": 0, "warning": 1, "note": 2}
    result.sort(key=lambda d: (d.line, order.get(d.severity, 3), d.column))
    return result[:compilers.MAX_DIAGNOSTICS]


# ---- C: compile to an object with optimisation, then link, inside the temporary directory ---------

def build_c_deep_run(depth: str):
    def build(text: str, settings: TutorSettings, workdir: str, filename: str,
              include_dir: str | None) -> compilers.CompilerRun:
        compiler = compilers.resolve_c_compiler(settings)
        gcc = compiler == "gcc"
        own = [flag for flag in settings.c_flags if not flag.startswith("-O")]  # optimisation is ours
        argv = [compilers._require(compiler, "cCompiler"), "-fdiagnostics-color=never", *own]
        argv += GCC_STANDARD_FLAGS if gcc else CLANG_STANDARD_FLAGS
        if depth == "deep":
            argv += GCC_DEEP_FLAGS if gcc else ("-Wvla",)
        argv += ["-fdiagnostics-format=json"] if gcc else ["-ferror-limit=50", "-fno-caret-diagnostics"]
        argv += compilers.includes.GCC_INCLUDE_FLAGS if gcc else compilers.includes.CLANG_INCLUDE_FLAGS
        if include_dir:
            argv += ["-iquote", include_dir]
        argv += [f"-fdebug-prefix-map={workdir}={DEBUG_PREFIX}", "-o", str(Path(workdir) / "program-not-run"),
                 filename, "-lm"]
        (Path(workdir) / filename).write_text(text, encoding="utf-8")
        # the compiler's own temporary files (the object, the assembly) go to the work directory too
        return compilers.CompilerRun(argv, None, workdir, env=(("TMPDIR", workdir),))
    return build


_LD_UNDEFINED = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+):(?: \([^)]*\))? undefined reference to [`'‘](?P<name>[^'’`]+)['’`]$",
                           re.MULTILINE)
_FUNCTION_BODY = re.compile(r"\)\s*\{")  # a function's body begins (the file has code)
_LD_NO_MAIN = re.compile(r"undefined reference to [`'‘]main['’`]")
_LD_MULTIPLE = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+): multiple definition of [`'‘](?P<name>[^'’`]+)['’`]",
                          re.MULTILINE)


def parse_c_deep_output(output: str, filename: str) -> list[CompilerDiagnostic]:
    """The compiler's diagnostics, then the linker's: an undefined function at the line that calls
    it (from the debug information), a missing main at line 1."""
    diagnostics = compilers.parse_c_output(output, filename)
    linker = _linker_part(output)
    own = f"{DEBUG_PREFIX}/{filename}"
    for found in _LD_UNDEFINED.finditer(linker):
        if found["file"] == own and found["name"] != "main":
            diagnostics.append(_link_diagnostic(int(found["line"]), f"undefined reference to '{found['name']}'"))
    for found in _LD_MULTIPLE.finditer(linker):
        if found["file"] == own:
            diagnostics.append(_link_diagnostic(int(found["line"]), f"multiple definition of '{found['name']}'"))
    if _LD_NO_MAIN.search(linker) and not any(d.severity == "error" for d in diagnostics):
        diagnostics.append(_link_diagnostic(1, "undefined reference to 'main': this file has no main function, "
                                               "so the program cannot be built"))
    return diagnostics


def _linker_part(output: str) -> str:
    stripped = output.strip()
    if stripped.startswith("["):
        try:
            _, end = json.JSONDecoder().raw_decode(stripped)
            return stripped[end:]
        except ValueError:
            return output
    return output


def _link_diagnostic(line: int, message: str) -> CompilerDiagnostic:
    return CompilerDiagnostic(language="c", line=line, column=1, end_line=line, end_column=2, severity="error",
                              message=message, code=LINK_CODE)


def _linked_name(d: CompilerDiagnostic) -> str:
    """The function a link diagnostic is about (the first name it quotes)."""
    return re.search(r"'([^']+)'", d.message).group(1)


def refine_c_deep(diagnostics: list[CompilerDiagnostic], text: str) -> list[CompilerDiagnostic]:
    """Columns in characters and unlinkable calls marked (as the syntax pass does), certain
    mistakes raised to errors, link errors placed on the name and not repeated for a call the
    compiler already reported."""
    diagnostics = compilers.refine_c_diagnostics(diagnostics, text)
    lines = text.splitlines()
    implicit = {m.group(1) for d in diagnostics if d.code != LINK_CODE and (m := IMPLICIT_CALL.search(d.message))}
    analysed = {d.line for d in diagnostics if d.code.startswith("-Wanalyzer-")}
    result = []
    for d in diagnostics:
        if d.code in ANALYZER_REPEATS and d.line in analysed:
            continue  # the analyser says the same about this line, with the path that leads there
        if AS_ERRORS.search(d.message) and d.severity == "warning":
            d = dataclasses.replace(d, severity="error")
        if d.code == LINK_CODE:
            name = _linked_name(d)
            if name in implicit:
                continue  # "implicit declaration of 'prinf'" already says it, on the same line
            if name == "main" and not _FUNCTION_BODY.search(compilers.includes.without_comments(text)):
                continue  # an empty file, or only declarations: a program still being started
            d = _on_name(d, name, lines)
        result.append(d)
    return result


def _on_name(d: CompilerDiagnostic, name: str, lines: list[str]) -> CompilerDiagnostic:
    if not 1 <= d.line <= len(lines):
        return d
    found = re.search(rf"\b{re.escape(name)}\b", lines[d.line - 1])
    if found is None:
        return d
    return dataclasses.replace(d, column=found.start() + 1, end_column=found.end() + 1)


def _defined_elsewhere_dropped(diagnostics: list[CompilerDiagnostic], filename: str,
                               include_dir: str) -> list[CompilerDiagnostic]:
    """In a project of several files, a function (or main) defined in another of its .c files is
    not missing: this check links one file only."""
    links = [d for d in diagnostics if d.code == LINK_CODE]
    if not links:
        return diagnostics
    others = _other_sources(include_dir, filename)
    if not others:
        return diagnostics
    def elsewhere(d: CompilerDiagnostic) -> bool:
        return any(function_declaration(_linked_name(d)).search(source) for source in others)
    return [d for d in diagnostics if d.code != LINK_CODE or not elsewhere(d)]


def _other_sources(folder: str, filename: str, limit: int = 50, max_bytes: int = 1_000_000) -> list[str]:
    found = []
    try:
        for path in sorted(Path(folder).glob("*.c"))[:limit]:
            if path.name != filename and path.is_file() and path.stat().st_size <= max_bytes:
                found.append(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        pass
    return found


def c_deep_reported_anything(output: str) -> bool:
    """The compiler's report, or the linker's (clang prints nothing of its own when only the link fails)."""
    return compilers.c_reported_anything(output) or bool(_LD_UNDEFINED.search(output) or _LD_NO_MAIN.search(output)
                                                         or _LD_MULTIPLE.search(output))


def _c_record(base: Language, depth: str) -> Language:
    return dataclasses.replace(base, build_run=build_c_deep_run(depth), parse_output=parse_c_deep_output,
                               refine=refine_c_deep, reported_anything=c_deep_reported_anything)


# ---- Python: pyflakes, in a child process -------------------------------------------------------

def build_pyflakes_run(text: str, settings: TutorSettings, workdir: str, filename: str,
                       include_dir: str | None) -> compilers.CompilerRun:
    """pyflakes ships with the server, so the server's own interpreter runs it, isolated (-I)."""
    argv = [sys.executable, "-I", "-X", "utf8", "-c", _PYFLAKES_CHECKER, filename]
    return compilers.CompilerRun(argv, text.encode("utf-8"), workdir)


def parse_pyflakes_output(output: str, filename: str) -> list[CompilerDiagnostic]:
    try:
        items = json.loads(output.strip().splitlines()[-1]) if output.strip() else []
    except ValueError:
        log.warning("pyflakes printed something unexpected: %.200s", output)
        return []
    result = []
    for item in items:
        if "missing" in item:
            return [CompilerDiagnostic("python", 1, 1, 1, 2, "warning", PYFLAKES_MISSING_NOTICE,
                                       code=MISSING_PYFLAKES_CODE)]
        line, col = max(int(item["line"]), 1), max(int(item["col"]), 1)
        result.append(CompilerDiagnostic(
            language="python", line=line, column=col, end_line=line, end_column=col + 1,
            severity="error" if item["type"] in PYFLAKES_ERRORS else "warning",
            message=item["msg"], code=item["type"]))
    return result


def refine_pyflakes(diagnostics: list[CompilerDiagnostic], text: str) -> list[CompilerDiagnostic]:
    """The range covers the name the message quotes, when it is on that line."""
    lines, result = text.splitlines(), []
    for d in diagnostics:
        quoted = re.search(r"'([A-Za-z_][\w.]*)'", d.message)
        if quoted and 1 <= d.line <= len(lines):
            line, name = lines[d.line - 1], quoted.group(1).split(".")[-1]
            at = line.find(name, max(d.column - 1, 0))
            at = at if at >= 0 else line.find(name)
            if at >= 0:
                d = dataclasses.replace(d, column=at + 1, end_column=at + 1 + len(name))
        result.append(d)
    return result


def _python_record(base: Language, depth: str) -> Language:
    return dataclasses.replace(base, build_run=build_pyflakes_run, parse_output=parse_pyflakes_output,
                               refine=refine_pyflakes)


# ---- Java: javac with -Xlint --------------------------------------------------------------------

def build_java_lint_run(text: str, settings: TutorSettings, workdir: str, filename: str,
                        include_dir: str | None) -> compilers.CompilerRun:
    run = compilers.build_java_run(text, settings, workdir, filename, include_dir)
    argv = list(run.argv)
    argv[argv.index("-Xmaxerrs"):argv.index("-Xmaxerrs")] = [JAVA_LINT, "-Xmaxwarns", str(compilers.MAX_DIAGNOSTICS)]
    return dataclasses.replace(run, argv=argv)


def _java_record(base: Language, depth: str) -> Language:
    return dataclasses.replace(base, build_run=build_java_lint_run)


_DEEP_RECORDS = {"c": _c_record, "python": _python_record, "java": _java_record}
