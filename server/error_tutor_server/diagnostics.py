"""What a compiler said, in one shape for every language.

Lines and columns are 1-based here (as compilers print them); the LSP layer converts. Which
languages there are, and which files are theirs, is in ``languages.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CompilerDiagnostic:
    """One message from a compiler, located in the student's file."""

    language: str
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    severity: str  # "error" | "warning" | "note"
    message: str  # first line of the compiler's message, without file:line: prefix
    code: str = ""  # compiler's own code, e.g. "-Wformat=" or "compiler.err.expected"
    source_line: str = ""  # the offending line of the student's code
    notes: tuple[str, ...] = field(default_factory=tuple)  # related notes, in order

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def with_source(self, text: str) -> "CompilerDiagnostic":
        """Fill ``source_line`` from the program text."""
        lines = text.splitlines()
        if 1 <= self.line <= len(lines):
            return dataclasses.replace(self, source_line=lines[self.line - 1])
        return self

