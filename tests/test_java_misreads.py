"""Texts that quote the code javac misread (knowledge/java_misreads.py), on real javac and the course's messages.

Before them, "return type required", "unclosed character literal", "-> expected" and "> expected" were explained
without naming any of the student's code, and the first called a call outside any method "the method declared".
"""

from __future__ import annotations

import re

import pytest

from test_java_context import _rule_text
from test_knowledge_java import _cases, _context, _corpus_case, _diagnostic, _java, _javac_cases

PROGRAM = """public class Main {
    gcd(int 40, int 12);
    public main2(int n) {
    }
    static int[] f(int[] a) {
        return (int [] a);
    }
    static void g(int current, int[] a) {
        if (current >= '65') { }
        for (int i = 0, i < a.length, i++) { }
    }
}
"""


def _meanings(message: str) -> list[str]:
    return [case.classification.meaning for case in _javac_cases(PROGRAM, message)]


def test_a_call_outside_any_method_is_not_called_a_method_declaration():
    """javac reads `gcd(int 40, int 12);` in a class body as a method declaration without a return type."""
    meanings = _meanings("invalid method declaration; return type required")
    assert any("The call to `gcd` on line 2 is a statement" in m and "outside any method" in m for m in meanings), meanings
    course = _corpus_case("upenn2020_hw00_45").classification  # `System.out.println(numbers.charAt(i));`
    assert "The call to `System.out.println` on line 19" in course.meaning and "`println(`" in course.meaning
    assert "method declared" not in course.meaning
    from error_tutor_server.checks import leaks_fix  # what it quotes is the student's own code (the whole checking half)
    for case_id in ("upenn2020_hw00_45", "upenn2020_hw03_9177"):
        case = _corpus_case(case_id)
        assert not leaks_fix(_rule_text(case), case.program, "", "hint"), case.classification.meaning


def test_a_header_without_a_return_type_names_the_method():
    meanings = _meanings("invalid method declaration; return type required")
    assert any(m.startswith("`main2` on line 3 is declared like a method") for m in meanings), meanings
    assert "`LFSR` on line 34" in _corpus_case("upenn2020_hw08_5313").classification.meaning
    assert "`LFSR`" in _corpus_case("upenn2020_hw08_5313", "ja").classification.meaning
    # after a type or a garbled word the line does not show what javac read: the rule's own, general text
    for line in ("    public double distanceToY(Body other) {", "    pu double distance() {"):
        found = _context(_java("invalid method declaration; return type required", source_line=line,
                               column=line.index("dist") + 1))
        assert found.meaning.startswith("The method declared on line 3"), found.meaning


@pytest.mark.parametrize("line, literal, fault", [
    ("        if (c >= '65') {", "'65'", "holds 2 characters"),
    ("        char e = '';", "''", "is empty"),
    ("        String s = 'Error;", "'Error;", "never closes"),
])
def test_a_faulty_char_literal_is_quoted_with_what_is_wrong(line, literal, fault):
    found = _context(_java("unclosed character literal", source_line=line, column=line.index("'") + 1))
    assert found.meaning.startswith(f"`{literal}` on line 3 ") and fault in found.meaning, found.meaning


def test_code_in_single_quotes_is_not_pushed_towards_double_quotes():
    """`'[str.charAt(i)]'` (eleventh audit: a hint offering only single or double quotes leads to a String where the
    student meant the code's value): the hint names code without quotes as a choice too."""
    found = _corpus_case("upenn2020_hw03_6769").classification
    assert "`'[str.charAt(i)]'` on line 39 holds 15 characters" in found.meaning
    assert "code that gives a value (no quotes at all)" in found.hint


def test_javacs_second_report_on_a_literal_quotes_the_literal_not_its_closing_quote():
    meanings = _meanings("unclosed character literal")
    assert len(meanings) == 2 and all(m.startswith("`'65'` on line 9 holds 2 characters") for m in meanings), meanings


def test_parentheses_read_as_a_lambda_are_quoted():
    [meaning] = _meanings("-> expected")
    assert "`(int [] a)` on line 6 as the parameters of a lambda" in meaning and "at the `;`" in meaning, meaning
    at_end = _context(_java("-> expected", source_line="            else ()", column=20))
    assert "`()`" in at_end.meaning and "at the end of the line" in at_end.meaning, at_end.meaning


def test_a_comparison_read_as_a_generic_type_is_quoted():
    [meaning] = _meanings("> expected")
    # javac reads `i < a.length, i` as a type with two type arguments and stops at `++`
    assert "`i < a.length, i` on line 10 as the start of a generic type" in meaning and "at the `++`" in meaning, meaning


def test_every_course_message_of_these_kinds_gets_filled_texts():
    """On the course's own messages: each text is filled, and names code from the line whenever it is specific."""
    kinds = {"java.return-type-required", "java.unclosed-char-literal", "java.declaration-in-expression"}
    seen = 0
    for row in _cases():
        diagnostic = _diagnostic(row)
        for locale in ("en", "ja"):
            found = _context(diagnostic, locale)
            if found.rule_id not in kinds:
                break
            seen += locale == "en"
            for text in (found.meaning, found.why, found.hint):
                assert not re.search(r"\{[a-z_]+\}", text), text
            if "javac misread" in found.meaning or "The method declared" in found.meaning:
                continue  # the rule's own, general text
            code = found.meaning.split("`")[1].rstrip("(…")
            assert code and code in diagnostic.source_line, (found.meaning, diagnostic.source_line)
    assert seen >= 20, seen
