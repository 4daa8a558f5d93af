"""The language server's state (``server_state``): which diagnostic a hover position is on."""

from __future__ import annotations

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.server_state import diagnostic_at


def test_diagnostic_at_picks_the_narrowest_range():
    wide = CompilerDiagnostic("c", 2, 1, 2, 30, "warning", "w")
    narrow = CompilerDiagnostic("c", 2, 10, 2, 12, "error", "e")
    assert diagnostic_at([wide, narrow], 1, 10) == 1
    assert diagnostic_at([wide, narrow], 1, 2) == 0
    assert diagnostic_at([wide, narrow], 3, 0) is None
