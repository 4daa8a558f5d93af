"""Calls that cannot link, found while C is only syntax-checked.

The server runs the C compiler with ``-fsyntax-only``, which never links. A misspelt call such
as ``prinf("hi")`` is then only a warning (an implicit declaration), and the student meets the
real failure later, as the linker's "undefined reference to `prinf'" with no line number.
gcc 14 and clang 16 reject every implicit declaration in C99 and later; Error Tutor marks as an
error the ones that certainly cannot link: a function that is neither defined nor declared in
the file nor exported by this machine's C library (libc and libm). A library function called
without its ``#include`` links and runs, so it stays the compiler's warning.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import logging
import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.locate import function_declaration

log = logging.getLogger("error_tutor.linking")

IMPLICIT_CALL = re.compile(r"(?:implicit declaration of function|call to undeclared function) ['‘]([A-Za-z_]\w*)['’]")
MATH_LIBRARIES = ("libm.so.6", "libm.dylib")


@functools.cache
def c_libraries() -> tuple[ctypes.CDLL, ...]:
    """The C library as this process sees it (libc, and libm where it is separate); empty where
    symbols cannot be looked up process-wide (then nothing is marked)."""
    try:
        libraries = [ctypes.CDLL(None)]
    except (OSError, TypeError):  # Windows has no process-wide symbol lookup
        log.info("cannot look up C library symbols here; implicit declarations stay warnings")
        return ()
    for name in MATH_LIBRARIES:
        try:
            libraries.append(ctypes.CDLL(name))
        except OSError:
            continue
    return tuple(libraries)


def in_c_library(name: str) -> bool:
    return any(hasattr(library, name) for library in c_libraries())


def declared_in(program_text: str, name: str) -> bool:
    """A definition, prototype or macro of ``name`` anywhere in the file (even below the call)."""
    macro = re.compile(rf"^\s*#\s*define\s+{name}\b", re.MULTILINE)
    return bool(function_declaration(name).search(program_text) or macro.search(program_text))


def cannot_link(diagnostic: CompilerDiagnostic, program_text: str) -> str | None:
    """The called name when ``diagnostic`` is an implicit declaration that cannot link."""
    found = IMPLICIT_CALL.search(diagnostic.message)
    if diagnostic.severity != "warning" or found is None or not c_libraries():
        return None
    name = found.group(1)
    return None if declared_in(program_text, name) or in_c_library(name) else name


def mark_unlinkable_calls(diagnostics: list[CompilerDiagnostic], program_text: str) -> list[CompilerDiagnostic]:
    """``diagnostics`` with every call that cannot link turned into an error that says so."""
    marked = []
    for diagnostic in diagnostics:
        name = cannot_link(diagnostic, program_text)
        if name is not None:
            diagnostic = dataclasses.replace(
                diagnostic, severity="error",
                message=f"{diagnostic.message} (no function '{name}' exists in this file or the C library, "
                        "so the program cannot be built)")
        marked.append(diagnostic)
    return marked
