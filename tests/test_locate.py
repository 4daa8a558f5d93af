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

UNINDENTED_BODY_MISSING_BRACE = """#include <stdio.h>
int main(){
int n = 3, i, j;
for(i=1;i<n;i=i+1) {
    for(j=1;j<n;j=j+1){
        printf("%d",j);
    }
    printf("\\n");
return 0;
}
"""

STRAY_OPENER = """#include <stdio.h>
int main(){
    int i;{
    for(i=0;i<4;i++){
        printf(" %d",i);
    }
    return 0;
}
"""

IF_WITHOUT_OPENING_BRACE = """int power(int x, int k){
    int a = 2;
    if (k != 1)
        a = 1;
        x = a * x;
        return power(x, k - 1);
    }
    return x;
}
"""

ARRAY_DECLARED_AS_NUMBER = """#include <stdlib.h>
int main(void)
{
    int n = 3, i;
    int values;
    values = (int *) malloc(n * sizeof(int));
    for (i = 0; i < n; i++) values[i] = i;
    return 0;
}
"""

STATEMENT_BETWEEN_IF_AND_ELSE = """#include <stdio.h>
int main(void)
{
    int t = 0, p = 1;
    if (p > 0)
    {
        t = 1;
    }printf("%d", t);
    else
    {
        t = 2;
    }
    return t;
}
"""

CONSISTENT_BUT_UNCLOSED = """int main(void)
{
    int i, s = 0;
    for (i = 0; i < 3; i++)
    {
        s += i;
    }
    return s;
"""

TABBED_MISSING_SEMICOLON = "int main(void)\n{\n\tint x = 1\n\t double y = 2;\n\treturn (int) y + x;\n}\n"

STRAY_OPERATOR_AFTER_BRACE = """int main(void)
{
    int n = 2;
    if (n > 1)
    {
        n = 0;
    }|
    return n;
}
"""

TYPEDEF_AFTER_STRUCT_WITHOUT_SEMICOLON = """#include <stdlib.h>
int main(void)
{
    struct point {
        int x;
    }
    typedef struct point point_t;
    return 0;
}
"""

VARIABLE_HIDES_FUNCTION = """int twice(int n)
{
    return 2 * n;
}
int main(void)
{
    int x = 1, twice;
    return twice(x);
}
"""

NUMBER_HIDES_ARRAY = """#include <stdio.h>
int main(void)
{
    char line[80];
    int i;
    for (i = 0; i < 80; i++)
    {
        int line = getchar();
        if (line[i] == ' ') return i;
    }
    return 0;
}
"""


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
    (UNINDENTED_BODY_MISSING_BRACE, 8, "end of input"),  # the outer loop's end, though main is unindented
    (STRAY_OPENER, 3, "end of input"),  # the `{` after `int i;` opens nothing
    (IF_WITHOUT_OPENING_BRACE, 3, "before 'return'"),  # the `if` lost its `{`, so its `}` closed power
    (ARRAY_DECLARED_AS_NUMBER, 5, "subscripted value"),  # declared `int`, allocated as `int *`
    (STATEMENT_BETWEEN_IF_AND_ELSE, 8, "without a previous 'if'"),  # the printf after the if's `}`
    (CONSISTENT_BUT_UNCLOSED, 8, "end of input"),  # nothing fits better than where gcc noticed
    (STRAY_OPERATOR_AFTER_BRACE, 7, "expected expression before '|'"),  # the `}` ended the line above well
    (TYPEDEF_AFTER_STRUCT_WITHOUT_SEMICOLON, 6, "identifier or '('"),  # the struct's `}`, not the typedef
    (VARIABLE_HIDES_FUNCTION, 7, "not a function"),  # the variable named like the function
    (NUMBER_HIDES_ARRAY, 8, "subscripted value"),  # the inner `int line` hides the array
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


def test_an_allocation_that_agrees_with_the_declaration_leaves_the_use():
    program = ARRAY_DECLARED_AS_NUMBER.replace("int values;", "int *values;").replace("values[i] = i", "values[i][0] = i")
    diagnostic = first_error(program)
    assert "subscripted value" in diagnostic.message
    assert likely_lines(diagnostic, program) == [7]


def test_without_brace_trouble_the_compilers_line_stays():
    program = "int main(void)\n{\n    return y;\n}\n"
    diagnostic = first_error(program)
    assert likely_lines(diagnostic, program) == [3]


def test_a_plain_variable_in_another_function_hides_nothing():
    program = ("int count(int n)\n{\n    return n;\n}\n"
               "int main(void)\n{\n    int total = 0;\n    int items[4];\n    return total;\n}\n"
               "int last(int items, int n)\n{\n    return items[n - 1];\n}\n")
    diagnostic = first_error(program)
    assert "subscripted value" in diagnostic.message
    assert likely_lines(diagnostic, program) == [13]  # `items` in main is another function's array


ELSE_AFTER_A_STRAYING_BRACE = """#include <stdio.h>

int main() {
    int n = 4, c = 0, i;
    for (i = 0; i < n; i++)
    {
        if (i % 2 == 0){
            c = c + 1;
            }else{
                c = c - 1;
            }
        }
        if (c > 0){
            printf("yes");
        }
    }
    return 0;
}
"""


def test_a_brace_that_an_else_follows_is_never_the_one_too_many():
    """Line 9's `}` strays from under its `if`, but without it the `else` has no `if`: the extra `}` is another
    one, and taking out the one named leaves a program gcc accepts."""
    diagnostic = first_error(ELSE_AFTER_A_STRAYING_BRACE)
    assert "before 'return'" in diagnostic.message
    blamed = likely_lines(diagnostic, ELSE_AFTER_A_STRAYING_BRACE)[0]
    assert blamed == 12
    lines = ELSE_AFTER_A_STRAYING_BRACE.splitlines()
    assert lines[blamed - 1].strip() == "}"
    without = "\n".join(lines[:blamed - 1] + lines[blamed:]) + "\n"
    assert not [d for d in diagnose_sync("c", without, TutorSettings()) if d.severity == "error"]
