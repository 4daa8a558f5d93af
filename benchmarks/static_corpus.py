"""The novice programs under tests/static_programs/: what Error Tutor explains on each.

Each program's first line says what it must get: ``// expect: line N RULE_ID [deep]`` (``#`` in
Python). A program counts as *explained* when a diagnostic of the check is classified by that
rule (not the fallback), and *on the right line* when that diagnostic is on line N. ``deep``
programs need the ``deep`` analysis (gcc's -fanalyzer); the others are checked with ``standard``. A final ``clang``
marks a wording only clang prints (that program is checked with clang).

    .venv/bin/python benchmarks/static_corpus.py            # one line per program, then the figures
    .venv/bin/python benchmarks/static_corpus.py --write-corpora tests/static_programs/corpora
        # the same programs as JSON Lines corpora (one per language) for `error-tutor eval --corpus`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server.analysis import analyse
from error_tutor_server.case import Case
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import language_for_path
from error_tutor_server.settings import TutorSettings

PROGRAMS = Path(__file__).resolve().parents[1] / "tests" / "static_programs"
_EXPECT = re.compile(r"^(?://|#)\s*expect: line (?P<line>\d+) (?P<rule>[a-z]+\.[a-z0-9-]+)(?: (?P<depth>deep))?"
                     r"(?: (?P<compiler>clang))?")


@dataclass(frozen=True)
class Program:
    path: Path
    language: str
    line: int
    rule: str
    depth: str
    compiler: str = ""  # "clang": a wording only clang has (the C compiler otherwise is the setting's)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Outcome:
    program: Program
    diagnostics: list[CompilerDiagnostic]
    found: CompilerDiagnostic | None  # the first diagnostic the expected rule classifies
    case: Case | None

    @property
    def explained(self) -> bool:
        return self.found is not None

    @property
    def right_line(self) -> bool:
        return self.found is not None and self.found.line == self.program.line


def programs() -> list[Program]:
    found = []
    for path in sorted(PROGRAMS.rglob("*")):
        language = language_for_path(path.name)
        if not path.is_file() or language is None:
            continue
        head = _EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
        if head:
            found.append(Program(path, language, int(head["line"]), head["rule"], head["depth"] or "standard",
                                 head["compiler"] or ""))
    return found


async def check(program: Program, settings: TutorSettings | None = None) -> Outcome:
    settings = (settings or TutorSettings()).replace(analysis=program.depth)
    if program.compiler:
        settings = settings.replace(c_compiler=program.compiler)
    analysis = await analyse(program.language, program.text, settings, filename=program.path.name)
    text = program.text
    cases = [(d, Case.of(d, text)) for d in analysis.diagnostics]
    matching = [(d, c) for d, c in cases if c.classification.rule_id == program.rule]
    best = next(((d, c) for d, c in matching if d.line == program.line), matching[0] if matching else (None, None))
    return Outcome(program, analysis.diagnostics, *best)


def corpus_rows(language: str) -> list[dict]:
    """The programs of ``language`` as rows of a static-analysis corpus (``eval_cases.static_case``)."""
    return [{"id": str(p.path.relative_to(PROGRAMS)), "filename": p.path.name, "source": p.text,
             "expected_line": p.line, "expected_rule": p.rule, "analysis": p.depth,
             **({"c_compiler": p.compiler} if p.compiler else {})}
            for p in programs() if p.language == language]


def write_corpora(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for language in sorted({p.language for p in programs()}):
        path = folder / f"static_{language}.jsonl"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in corpus_rows(language)),
                        encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-corpora", metavar="DIR", help="write the programs as JSON Lines corpora into DIR")
    args = parser.parse_args(argv)
    if args.write_corpora:
        for path in write_corpora(Path(args.write_corpora)):
            print(path)
        return 0
    outcomes = [asyncio.run(check(program)) for program in programs()]
    for outcome in outcomes:
        p = outcome.program
        mark = "ok " if outcome.right_line else ("~  " if outcome.explained else "-- ")
        got = [(d.line, Case.of(d, p.text).classification.rule_id) for d in outcome.diagnostics][:4]
        print(f"{mark}{p.path.relative_to(PROGRAMS)}: want line {p.line} {p.rule}; got {got}")
    total = len(outcomes)
    explained = sum(o.explained for o in outcomes)
    right = sum(o.right_line for o in outcomes)
    print(f"\nprograms: {total}  explained: {explained} ({100 * explained / total:.0f}%)  "
          f"on the right line: {right} ({100 * right / total:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
