"""The real C compiler's diagnostics, as the server reads them (gcc's JSON, and calls that cannot link)."""

from __future__ import annotations

import pytest

from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.linking import c_libraries, cannot_link, declared_in, mark_unlinkable_calls
from error_tutor_server.settings import TutorSettings

GCC = TutorSettings(c_compiler="gcc")


def errors(text: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in diagnose_sync("c", text, GCC) if d.severity == "error"]


def test_an_error_reported_right_after_a_lexer_warning_is_not_lost():
    # gcc 12 nests this error among the children of the "/*" warning in its JSON output
    text = "int main(void)\n{\n    int x = 1\n    /* old /* note */\n    return x;\n}\n"
    assert errors(text) == [(5, "expected ',' or ';' before 'return'")]


def test_an_unterminated_string_is_the_first_error():
    text = '#include <stdio.h>\nint main(void)\n{\n    printf("hello);\n    return 0;\n}\n'
    assert errors(text)[0] == (4, 'missing terminating " character')


def test_a_misspelt_call_that_cannot_link_is_an_error_that_says_so():
    text = '#include <stdio.h>\nint main(void)\n{\n    prinf("hi");\n    return 0;\n}\n'
    found = errors(text)
    assert [line for line, _ in found] == [4]
    assert "'prinf'" in found[0][1] and "cannot be built" in found[0][1]


@pytest.mark.parametrize("text", [
    "int main(void)\n{\n    double r = sqrt(2.0);\n    return (int) r;\n}\n",  # libm: links without its #include
    "int main(void)\n{\n    return twice(2);\n}\nint twice(int n)\n{\n    return 2 * n;\n}\n",  # defined below the call
])
def test_implicit_declarations_that_link_stay_warnings(text):
    diagnostics = diagnose_sync("c", text, GCC)
    assert errors(text) == []
    assert any("implicit declaration" in d.message and d.severity == "warning" for d in diagnostics)


def implicit(name: str, severity: str = "warning") -> CompilerDiagnostic:
    return CompilerDiagnostic("c", 3, 5, 3, 10, severity, f"implicit declaration of function '{name}'",
                              code="-Wimplicit-function-declaration")


def test_only_unknown_names_are_marked():
    if not c_libraries():
        pytest.skip("no process-wide symbol lookup on this platform")
    program = "#define SQUARE(x) ((x) * (x))\nint helper (int a);\n"
    assert cannot_link(implicit("prinf"), program) == "prinf"
    assert cannot_link(implicit("malloc"), program) is None  # libc
    assert cannot_link(implicit("helper"), program) is None  # declared in the file
    assert cannot_link(implicit("SQUARE"), program) is None  # a macro
    assert cannot_link(implicit("prinf", severity="error"), program) is None  # already an error
    marked = mark_unlinkable_calls([implicit("prinf"), implicit("malloc")], program)
    assert [d.severity for d in marked] == ["error", "warning"]


def test_a_declaration_is_found_wherever_it_is():
    assert declared_in("int main(void) { return f(); }\nstatic int *f (void)\n{ return 0; }\n", "f")
    assert not declared_in("int main(void) { return f(); }\n", "f")
    assert not declared_in("int main(void) { int fx = 0; return fx(1); }\n", "f")


def test_includes_outside_the_project_are_never_read(tmp_path):
    (tmp_path / "helper.h").write_text("int helper(void);\n")
    program = '#include <stdio.h>\n#include "helper.h"\n#include "/etc/passwd"\n#include "../../etc/hostname"\nint main(void) { return helper(); }\n'
    diagnostics = diagnose_sync("c", program, GCC, filename="main.c", include_dir=str(tmp_path))
    assert [(d.line, d.code) for d in diagnostics] == [(1, "error-tutor-include")], "one refusal, no compiler output"
    assert "outside your project folder" in diagnostics[0].message
    assert all("root:" not in d.message for d in diagnostics), "nothing from /etc/passwd reaches the student"
    allowed = program.replace('#include "/etc/passwd"\n#include "../../etc/hostname"\n', "")
    assert diagnose_sync("c", allowed, GCC, filename="main.c", include_dir=str(tmp_path)) == [], "the project's own header is found"
