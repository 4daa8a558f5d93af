"""Where the explanation points: the line the student has to change, not only where gcc noticed."""

import pytest

from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.locate import code_lines, indentation_cost, braces, likely_lines
from error_tutor_server.settings import TutorSettings

FORGOTTEN_BRACE = """#include <stdio.h>
int main(void)
{
    int i;
    for (i = 0; i < 3; i++)
    {
        printf("%d", i);

    return 0;
}
"""

EARLY_BRACE = """#include <stdio.h>
int main(void)
{
    int i;
    for (i = 0; i < 3; i++)
    {
        printf("%d", i);
    }
    }
    return 0;
}
"""

IF_WITH_SEMICOLON = """int main(void)
{
    int x = 1;
    if (x > 0);
        x = 2;
    else
        x = 3;
    return x;
}
"""

PROTOTYPE_WITHOUT_SEMICOLON = """#include <stdio.h>
void greet(int times)

int main(void)
{
    greet(2);
    return 0;
}
"""

LOOP_WITH_SEMICOLON = """int main(void)
{
    int i;
    for (i = 0; i < 3; i++);
    {
        break;
    }
    return 0;
}
"""

PARENTHESIS_LEFT_OPEN = """#include <stdio.h>
int main(void)
{
    int a = 1, b = 2;
    if ((a == 1 && b == 2) ||
        printf("yes");
    return 0;
}
"""

TABBED_MISSING_SEMICOLON = "int main(void)\n{\n\tint x = 1\n\t double y = 2;\n\treturn (int) y + x;\n}\n"


def first_error(text: str):
    return next(d for d in diagnose_sync("c", text, TutorSettings()) if d.severity == "error")


@pytest.mark.parametrize("program, expected, message_part", [
    (FORGOTTEN_BRACE, 8, "end of input"),  # the blank line after the loop body, not the file's last line
    (EARLY_BRACE, 9, "before 'return'"),  # the second `}`: it closed main, so `return` is outside it
    (IF_WITH_SEMICOLON, 4, "without a previous 'if'"),  # the `;` after if (...) ended the if
    (TABBED_MISSING_SEMICOLON, 3, "before 'double'"),  # the line above, even after a tab
    (PROTOTYPE_WITHOUT_SEMICOLON, 2, "before '{'"),  # the prototype, not main's header below it
    (LOOP_WITH_SEMICOLON, 4, "not within loop"),  # the `;` after for (...) ended the loop
    (PARENTHESIS_LEFT_OPEN, 5, "expected ')'"),  # the line that opened the `(`, not the printf below
])
def test_gcc_errors_point_at_the_line_to_change(program, expected, message_part):
    diagnostic = first_error(program)
    assert message_part in diagnostic.message
    lines = likely_lines(diagnostic, program)
    assert lines[0] == expected
    assert diagnostic.line in lines  # the compiler's own line is never dropped


def test_columns_are_characters_after_tabs_and_non_ascii():
    program = 'int main(void)\n{\n\tchar *s = "héllo"; int x = 1 y = 2;\n\treturn x;\n}\n'
    diagnostic = first_error(program)
    assert program.splitlines()[2][diagnostic.column - 1:].startswith("y = 2")


def test_braces_in_comments_and_strings_do_not_count():
    code = code_lines(['int main(void) {', '    char *s = "{";  /* } */', '    // {', '    return 0;', '}'])
    assert [b.char for b in braces(code)] == ["{", "}"]
    assert indentation_cost(code, braces(code)) == 0


def test_without_brace_trouble_the_compilers_line_stays():
    program = "int main(void)\n{\n    return y;\n}\n"
    diagnostic = first_error(program)
    assert likely_lines(diagnostic, program) == [3]
