"""The Python expert teacher: friendly-traceback's explanation of a program's SyntaxError.

friendly-traceback (MIT, installed with the ``train`` extra) reads the program and the error and says
what the student wrote and why Python refuses it ("You wrote a statement beginning with `def` but
forgot to add a colon `:` at the end."): the expert explanations of the Python corpus are its output.
The data build asks it to explain every synthetic Python error too, so the targets of Python examples
are an expert's words about the student's own construct instead of the rule's general meaning. The
program is only compiled, never run. Training data only: the server does not use it.
"""

from __future__ import annotations

import itertools
import logging
import re
import sys

from error_tutor_finetune.eval_cases import clean_friendly

log = logging.getLogger("error_tutor.experts")

_EXCERPT_LINE = re.compile(r"^\s*(-*>\s*)?\d+:\s")  # "    1: x = [1, 2" (the cause's own code excerpt)
_IDENTIFIED_ABOVE = re.compile(r"\b(Line|line) `(\d+)` identified above")  # points at friendly's own excerpt
_NAMES = itertools.count()


def _cause_text(cause: str) -> str:
    """The cause in one line of prose: no code excerpt, carets or boilerplate."""
    kept = [line for line in cause.splitlines() if not _EXCERPT_LINE.match(line)]
    return _IDENTIFIED_ABOVE.sub(r"\1 \2", clean_friendly("\n".join(kept)))


def friendly_explanation(program: str) -> str:
    """friendly-traceback's cause of the SyntaxError ``program`` raises when compiled ("" when it compiles,
    when friendly-traceback is not installed or when it cannot explain this error)."""
    try:
        from friendly_traceback import source_cache
        from friendly_traceback.core import FriendlyTraceback
    except ImportError:
        log.warning("friendly-traceback is not installed (pip install -e '.[train]'); Python targets use the rules")
        return ""
    filename = f"<student-{next(_NAMES)}>"
    source_cache.cache.add(filename, program)  # friendly reads the lines around the error from here
    try:
        compile(program, filename, "exec")
        return ""
    except (SyntaxError, ValueError):  # ValueError: a null byte in the source
        info = sys.exc_info()
    try:
        explained = FriendlyTraceback(*info)
        explained.compile_info()
        return _cause_text(explained.info.get("cause", ""))
    except Exception as exc:  # friendly-traceback's own analysis can fail on odd code: no expert then
        log.debug("friendly-traceback could not explain %s: %s", filename, exc)
        return ""
