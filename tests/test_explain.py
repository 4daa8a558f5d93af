"""The explanation's text and lines (``explain``): the Where line, the hint, the likely lines."""

from __future__ import annotations

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.locate import likely_lines
from missing_semicolon import DIAG, PROGRAM


def test_where_quotes_the_line_and_names_only_a_token_on_it():
    from error_tutor_server.case import Explanation
    from error_tutor_server.render import student_text, where_text

    on_line = Explanation("x.", "", "rules", "missing-semicolon", 4, "total", "Look at the end.", "")
    assert where_text(on_line, PROGRAM, "en") == "**Where:** line 4: `int total = 0` (at `total`)"
    elsewhere = Explanation("x.", "", "rules", "unclosed-brace", 6, "printf", "", "")
    assert where_text(elsewhere, PROGRAM + "\n", "en") == "**Where:** line 6: `}`"
    assert student_text(on_line, PROGRAM, "en").endswith("**Hint:** Look at the end.")
    assert "Hint" not in student_text(on_line, PROGRAM, "en", hint=False)


def test_missing_terminator_points_at_previous_line():
    assert likely_lines(DIAG, PROGRAM) == [4, 5]
    other = CompilerDiagnostic("c", 5, 20, 5, 25, "error", "'totl' undeclared", source_line="")
    assert likely_lines(other, PROGRAM) == [5]
