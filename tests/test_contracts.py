"""Fact contracts (``contracts.py``): every rule's own text keeps its contract on the corpora, and
the wrong kinds of explanation found in the audit are rejected, with real compiler diagnostics.

Model texts here are hand-written; each one passes the checks that ran before the contracts
(``check_explanation``) and is turned down by ``Tutor.judge`` now.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

import test_knowledge_java
import test_knowledge_python
from conftest import corpus
from error_tutor_server.case import Case, rule_explanation
from error_tutor_server.checks import check_explanation
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.contracts import contract_violations
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import classify
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor, subject_words

C_PROGRAMS_PER_RULE = 4  # compiling every corpus program takes minutes; a few per rule cover every rule
_RECORDED_FIRST = re.compile(r"(?:error|warning): (.*)")


def rule_text(case: Case) -> str:
    explanation = rule_explanation(case, "hint")
    return "\n".join(part for part in (explanation.meaning, explanation.why, explanation.hint) if part)


def diagnostics(language: str, program: str) -> list[CompilerDiagnostic]:
    return diagnose_sync(language, program, TutorSettings())


@lru_cache(maxsize=None)
def c_corpus_cases() -> tuple[tuple[CompilerDiagnostic, str], ...]:
    """Real gcc diagnostics of a few corpus programs per rule (chosen by their recorded first message)."""
    chosen: Counter = Counter()
    cases = []
    for row in corpus("c_tracer.jsonl") + corpus("c_tracer_more.jsonl"):
        first = _RECORDED_FIRST.search(row.get("gcc12_message", ""))
        if not first:
            continue
        recorded_rule = classify(CompilerDiagnostic("c", 1, 1, 1, 2, "error", first.group(1))).rule_id
        if chosen[recorded_rule] < C_PROGRAMS_PER_RULE:
            chosen[recorded_rule] += 1
            cases += [(diagnostic, row["source"]) for diagnostic in diagnostics("c", row["source"])]
    return tuple(cases)


def python_corpus_cases() -> list[tuple[CompilerDiagnostic, str]]:
    return [(test_knowledge_python._diagnostic(row), row["source"]) for row in test_knowledge_python._cases()]


def java_corpus_cases() -> list[tuple[CompilerDiagnostic, str]]:
    """Recorded javac messages (the corpus has no programs): the offending line stands for the program."""
    return [(d, d.source_line) for d in map(test_knowledge_java._diagnostic, test_knowledge_java._cases())]


@pytest.mark.parametrize("cases, at_least_rules", [(c_corpus_cases, 60), (python_corpus_cases, 40),
                                                   (java_corpus_cases, 35)])
def test_every_rule_text_keeps_its_contract_on_the_corpora(cases, at_least_rules):
    broken, rules = [], set()
    for diagnostic, program in cases():
        case = Case.of(diagnostic, program)
        rules.add(case.classification.rule_id)
        broken += [(case.classification.rule_id, diagnostic.message, v) for v in contract_violations(rule_text(case), case)]
    assert len(rules) >= at_least_rules, sorted(rules)
    assert not broken, broken[:30]


# ---- the wrong kinds of explanation the audit found ----------------------------------------------------------------

def only_case(language: str, program: str, message_part: str) -> Case:
    [diagnostic] = [d for d in diagnostics(language, program) if message_part in d.message]
    return Case.of(diagnostic, program)


def passed_the_old_checks(text: str, case: Case) -> bool:
    """What ``Tutor.judge`` asked before the contracts (the same checks, the same arguments)."""
    return check_explanation(text, case.diagnostic, case.program, allowed_lines=set(case.lines), locale="en",
                             anchors=subject_words(case.classification)).ok


def judged(text: str, case: Case):
    return Tutor(TutorSettings(backend="none")).judge(case, text, "stop")


UNUSED = "#include <stdio.h>\n\nint main(void)\n{\n    int count = 0;\n    return 0;\n}\n"
SCANF = "#include <stdio.h>\n\nint main(void)\n{\n    int n;\n    scanf(\"%d\", n);\n    return n;\n}\n"
AVERAGE = ("#include <stdio.h>\n\nint main(void)\n{\n    int total = 0;\n    for (int i = 0; i < 5; i++) {\n"
           "        total = total + i;\n    }\n    printf(\"%d\\n\", totl / 5);\n    return 0;\n}\n")


@pytest.mark.parametrize("language, program, message_part, wrong, right, reason", [
    ("c", UNUSED, "unused variable",
     "You declare the variable `count`, but C has not seen a declaration of `count` before this point.",
     "You declare the variable `count` but never use its value, which often means a typo or leftover code.",
     "unused variable undeclared"),
    ("c", SCANF, "expects argument of type",
     "The `%d` in the format string is an invalid format specifier for `n`, so scanf cannot read it.",
     "The format `%d` wants the address of an int, but `n` itself is passed; scanf needs an address to store into.",
     "valid format specifier invalid"),
    ("c", AVERAGE, "undeclared",
     "The variable `total` has not been declared, so C does not know what `totl` means when you divide it.",
     "You use `totl`, which is undeclared; `total` is declared and has a similar name, so check the spelling.",
     "suggested name as the missing one"),
    ("python", "def (width):\n    return width\n", "invalid syntax",
     "This syntax error means Python expected a colon at the end of the `def` line, because a block header ends with one.",
     "This syntax error means the `def` line has no function name between the keyword and the parentheses.",
     "colon is missing"),
    ("python", "x = 1\n(x = 1):\n    print(x)\n", "invalid syntax",
     "A single `=` appears in this condition where Python expected a comparison; to compare two values you need `==`.",
     "This line is a condition followed by a colon, but no keyword such as if or while starts it, so Python cannot read it.",
     "without its if"),
    # from the audit of shown model texts on the checking halves: claims copied from another kind of error
    ("c", "#include <string.h>\nint main(void)\n{\n    int len = strlen();\n    return len;\n}\n", "too few arguments",
     "The compiler says `strlen` is too-few-arguments: line 4 uses `strlen`, but no declaration of it comes before.",
     "The call to `strlen` on line 4 passes fewer arguments than the function takes.",
     "undeclared, but the message is not about an unknown name"),
    ("java", "public class Main {\n    public static void main(String[] a) {\n        int x = 1\n    }\n}\n", "expected",
     "On line 3 Java cannot find the `x` statement, and the compiler expects a semicolon after it.",
     "On line 3 javac expected a semicolon to end the statement that declares `x` before the next line.",
     "undeclared, but the message is not about an unknown name"),
    # the fine-tuned models' confusion (issue of the student model): an unused variable said to be used, and a
    # set-but-unused one said to have no value
    ("c", "#include <stdio.h>\n\nint main(void)\n{\n    int marks[2] = {1, 2};\n    marks[0] = 3;\n    return 0;\n}\n",
     "set but not used",
     "Unused variable on line 5: the variable `marks` is used here, but no value is assigned to it.",
     "Unused variable on line 5: `marks` gets a value but is never used afterwards, so the compiler warns.",
     "says the variable is used"),
    ("c", "#include <stdio.h>\n\nint main(void)\n{\n    int marks[2] = {1, 2};\n    marks[0] = 3;\n    return 0;\n}\n",
     "set but not used",
     "The variable `marks` on line 5 is never assigned a value and never used, so the compiler warns.",
     "The variable `marks` on line 5 is given values but they are never read afterwards, so it is unused.",
     "has no value, but the message says one is assigned"),
    ("python", "a = 3 \\ 4.0\n", "continuation character",
     "Python expected a colon at the end of line 1, because the line is not finished.",
     "On line 1 a `\\` outside a string must be the last character of its line, but something follows it.",
     "colon is missing, but the message does not mention one"),
    # from the audit of the fine-tuned Qwen's shown texts: another kind of error's label, and its explanation
    ("c", "#include <stdio.h>\nint main(void)\n{\n    int j, s = 0;\n    for(j=1,j<=3;j++)\n        s += j;\n"
          "    return s;\n}\n", "before ')'",
     "Extra closing parenthesis on line 5: one `)` too many stands where the compiler expected a semicolon `;`.",
     "Missing semicolon on line 5: the compiler expected `;` before `)`, so the `for` header lacks one of its parts.",
     "opens as extra closing paren"),
])
def test_wrong_kinds_pass_the_old_checks_and_are_rejected_now(language, program, message_part, wrong, right, reason):
    case = only_case(language, program, message_part)
    assert passed_the_old_checks(wrong, case)
    shown = judged(wrong, case)
    assert shown.source == "rules", shown.note
    assert any(reason in violation for violation in contract_violations(wrong, case))
    assert judged(right, case).source == "model", contract_violations(right, case)


def test_the_message_identifier_must_be_named():
    case = only_case("c", AVERAGE, "undeclared")
    assert "does not name `totl`, which the message names" in contract_violations(
        "A variable is used here that C does not know yet, because it was not declared.", case)


def test_the_name_the_meaning_quotes_must_be_named():
    """A keyword used as a name: the message names nothing, the meaning names the keyword; a text that has lost it
    ("a variable, a function or a parameter uses a name on line 2") says nothing of the error."""
    case = only_case("python", "x = 1\ndef = 2\n", "invalid syntax")
    assert "`def`" in case.classification.meaning and case.classification.token == "def"
    lost = "Keyword as name on line 2: a variable, a function or a parameter uses a name on line 2."
    assert passed_the_old_checks(lost, case)
    assert "does not name `def`, which its meaning names" in contract_violations(lost, case)
    assert not contract_violations("Keyword as name on line 2: `def` on line 2 is a Python keyword.", case)


# ---- rule texts that read the code (knowledge/context.py) -----------------------------------------------------------

def test_a_bad_declaration_inside_main_is_not_said_to_be_outside_any_function():
    program = "#include <stdio.h>\n\nint main(void)\n{\n    int 2x = 5;\n    return 0;\n}\nint 3y = 1;\n"
    inside, outside = [Case.of(d, program) for d in diagnostics("c", program) if "expected identifier" in d.message]
    old_text = classify(inside.diagnostic).meaning  # the rule's text without the code's context
    assert "outside any function" in old_text and contract_violations(old_text, inside)
    assert "inside a function" in inside.classification.meaning and not contract_violations(rule_text(inside), inside)
    assert "outside any function" in outside.classification.meaning  # at file scope the rule's own text is right


def test_expected_paren_before_a_string_names_the_string():
    program = "#include <stdio.h>\n\nint main(void)\n{\n    int x = 2;\n    printf(\"%d items\", x \"left\");\n    return 0;\n}\n"
    case = only_case("c", program, "before string constant")
    old = classify(case.diagnostic)
    assert old.token == ")" and contract_violations(old.meaning, case)  # gcc's expected `)` shown as the offender
    assert case.token == '"left"' and '`"left"`' in case.classification.meaning
    assert not contract_violations(rule_text(case), case)


@pytest.mark.parametrize("language, program, message_part", [
    ("python", "x = 1\n(x = 1):\n    print(x)\n", "Maybe you meant '=='"),
    ("c", "int main(void)\n{\n    int x = 1;\n    (x == 1) {\n        x = 2;\n    }\n    return x;\n}\n", "expected ';'"),
])
def test_a_condition_without_its_if_is_explained_as_a_missing_keyword(language, program, message_part):
    case = only_case(language, program, message_part)
    old_text = "\n".join((classify(case.diagnostic).meaning, classify(case.diagnostic).why))
    assert contract_violations(old_text, case)  # `=` versus `==`, or a missing `;`
    assert "`if`" in case.classification.meaning and not contract_violations(rule_text(case), case)


def test_unsure_scope_falls_back_to_a_general_text():
    program = "int main(void);\n{\n    return 0;\n}\nint 2x = 1;\n"  # a body after a `;`: the braces cannot be trusted
    case = only_case("c", program, "before numeric constant")
    assert "outside" not in case.classification.meaning and "`2x`" in case.classification.meaning


def test_context_texts_follow_the_locale():
    program = "#include <stdio.h>\n\nint main(void)\n{\n    int 2x = 5;\n    return 0;\n}\n"
    [diagnostic] = [d for d in diagnostics("c", program) if "expected identifier" in d.message]
    japanese = Case.of(diagnostic, program, "ja").classification
    assert "関数の中" in japanese.meaning and "`2x`" in japanese.meaning
    assert not contract_violations(rule_text(Case.of(diagnostic, program, "ja")), Case.of(diagnostic, program, "ja"))


# ---- texts that name the token the student's fix is about ----------------------------------------------------------

def test_an_empty_operand_is_named_by_the_operator_before_it():
    case = only_case("c", "int main(void)\n{\n    int n = 3;\n    if (n > 0 ||) {\n        n = 1;\n    }\n    return n;\n}\n",
                     "expected expression")
    assert case.token == ")" and "between `||` and `)`" in case.classification.meaning
    assert "`||`" in case.classification.hint and not contract_violations(rule_text(case), case)
    alone = only_case("c", "int main(void)\n{\n    int x = 1;\n    x = x +\n}\n", "expected expression")
    assert alone.token == "}" and "between" not in alone.classification.meaning  # no token before it on its line
    assert "before `}`" in alone.classification.meaning


def test_a_condition_after_a_plain_else_is_explained_as_a_missing_if():
    program = ("int main(void)\n{\n    int k = 1, a = 0;\n    if (k > 0) {\n        a = 1;\n    }\n"
               "    else (k == 0) {\n        a = 2;\n    }\n    return a;\n}\n")
    case = only_case("c", program, "expected ';'")
    assert case.classification.rule_id == "c.missing-semicolon"
    assert "`else` takes no condition" in case.classification.meaning and "`if`" in case.classification.why
    assert not contract_violations(rule_text(case), case)
    japanese = Case.of(case.diagnostic, program, "ja").classification
    assert "`else`" in japanese.meaning and "`if`" in japanese.why


def test_a_body_after_a_prototype_names_the_semicolon_that_ends_the_header():
    program = "int max(int a, int b);\n{\n    return a > b ? a : b;\n}\n\nint main(void)\n{\n    return 0;\n}\n"
    case = only_case("c", program, "expected identifier")
    assert (case.diagnostic.line, case.token) == (2, "{")
    assert "ends with `;`" in case.classification.meaning and "`;`" in case.classification.fix
    assert not contract_violations(rule_text(case), case)
    stray = only_case("c", "int total = 0;\n{\n    total = 1;\n}\n", "expected identifier")  # no header above
    assert "ends with `;`" not in stray.classification.meaning


def test_a_value_before_a_parenthesis_and_a_short_call_name_their_operators():
    product = only_case("c", "int main(void)\n{\n    int a = 2, d;\n    d = a(a + 1);\n    return d;\n}\n",
                        "called object")
    assert "`*`" in product.classification.why and not contract_violations(rule_text(product), product)
    short = only_case("c", "int add(int a, int b)\n{\n    return a + b;\n}\n\nint main(void)\n{\n    return add(1);\n}\n",
                      "too few arguments")
    assert "comma" in short.classification.hint and "parentheses" in short.classification.hint


def test_a_call_without_parentheses_names_the_function_and_its_missing_parenthesis():
    program = '#include <stdio.h>\n\nint main(void)\n{\n    int sum = 1;\n    printf sum;\n    return 0;\n}\n'
    case = only_case("c", program, "expected ';'")
    assert case.token == "sum" and "`printf` is followed by `sum` without a `(`" in case.classification.meaning
    assert not contract_violations(rule_text(case), case)
    twice = "int main(void)\n{\n    int count = 1;\n    count count + 1;\n    return count;\n}\n"  # not a function
    assert "without a `(`" not in only_case("c", twice, "expected ';'").classification.meaning
    # braces instead of parentheses (audit, 2026-11-30: "the previous statement ... ended with `;`" was wrong)
    braced = only_case("c", program.replace("printf sum;", 'printf{"%d", sum};'), "expected ';'")
    assert "`printf` is followed by `{` without a `(`" in braced.classification.meaning
    assert not contract_violations(rule_text(braced), braced)


def test_an_undeclared_name_is_told_to_need_a_type():
    case = only_case("c", "int main(void)\n{\n    for (i = 0; i < 3; i++) {\n    }\n    return 0;\n}\n", "undeclared")
    assert "`int`" in case.classification.why and not contract_violations(rule_text(case), case)


def test_a_condition_without_its_keyword_names_the_keywords_of_its_language():
    """C has no `elif` (audit, 2026-11-30: "an `if`, an `elif` or a loop" for a C line that lost its `for`)."""
    c_program = "int main(void)\n{\n    int j, n = 3;\n    (j < n) {\n        j++;\n    }\n    return 0;\n}\n"
    c_case = only_case("c", c_program, "expected ';'")
    assert "looks like a condition" in c_case.classification.meaning, c_case.classification
    assert "elif" not in rule_text(c_case) and "`for`" in c_case.classification.hint
    py_case = only_case("python", "x = 3\nx > 2:\n    print(x)\n", "SyntaxError")
    assert "`elif`" in py_case.classification.meaning, py_case.classification
    assert "elif" not in Case.of(c_case.diagnostic, c_program, "ja").classification.hint


def test_a_variable_size_array_given_a_value_is_not_said_to_have_braces():
    """`int c[k]=0;` has no braces (audit, 2026-11-30)."""
    case = only_case("c", "int main(void)\n{\n    int k = 3;\n    int c[k]=0;\n    return c[0];\n}\n", "variable-sized")
    assert "braces" not in rule_text(case) and "`=`" in case.classification.meaning


def test_a_star_in_a_comprehension_is_not_said_to_be_allowed_in_a_list():
    """`[*x for x in xs]` stands inside a list: the text says the comprehension's item is the place (audit)."""
    case = only_case("python", "xs = [[1], [2]]\nys = [*x for x in xs]\n", "unpacking")
    assert "comprehension" in case.classification.why and not contract_violations(rule_text(case), case)


def test_an_array_called_with_parentheses_is_not_told_it_lacks_a_multiplication():
    """`ch(i)` for an array `ch` (audit, 2026-11-30: "what should stand between the value and `(`"): the text
    names the brackets too, and the hint asks first whether `ch` is meant to be called."""
    program = '#include <stdio.h>\n\nint main(void)\n{\n    int ch[3] = {1, 2, 3};\n    int i = 1;\n    printf("%d", ch(i));\n    return 0;\n}\n'
    case = only_case("c", program, "is not a function")
    assert "`[ ]`" in case.classification.why and "meant to be called" in case.classification.hint
    assert not contract_violations(rule_text(case), case)


@pytest.mark.parametrize("header", ["for(i!=0 && i!=n){", "for(i=0, i<n, i++){"])
def test_a_for_header_without_semicolons_is_explained_as_its_three_parts(header):
    """gcc: "expected ';' before ')'" (audit, 2026-11-30: read as a statement missing its `;`)."""
    program = f"int main(void)\n{{\n    int i = 1, n = 5;\n    {header}\n        i++;\n    }}\n    return 0;\n}}\n"
    case = only_case("c", program, "expected ';'")
    assert "has no `;` inside its parentheses" in case.classification.meaning and "`while`" in case.classification.why
    assert case.classification.rule_id == "c.missing-semicolon" and not contract_violations(rule_text(case), case)
    fine = only_case("c", program.replace(header, "for(i=0; i<n; i++) {").replace("i++;\n", "n = n + x;\n"), "undeclared")
    assert "has no `;`" not in fine.classification.meaning


class FineTuned:
    """What ``Tutor.judge`` reads of a fine-tuned backend (it never generates here: pure logic)."""

    fine_tuned = True
    prompt_facts = "compact"


def test_a_tuned_sentence_that_names_none_of_the_code_its_meaning_quotes_is_not_shown():
    """From the fourth audit: "a compiler checks the types of the variables on the same line" for javac's
    incomparable types; the guide's meaning names `==` or `!=`, a right sentence names at least one of them."""
    line = '        if (word.charAt(0) == "a") {'
    diagnostic = CompilerDiagnostic(language="java", line=3, column=31, end_line=3, end_column=32, severity="error",
                                    message="incomparable types: char and String", source_line=line)
    case = Case.of(diagnostic, "\n\n" + line + "\n")
    tutor = Tutor(TutorSettings(backend="none"))
    tutor.backend = FineTuned()
    garbled = ("Incomparable types on line 3: a compiler checks the types of the variables on the same line and "
               "checks if they are the same type.")
    assert tutor.judge(case, garbled, "stop").source == "rules"
    right = "Incomparable types on line 3: the `==` compares a char with a String, two types that can never be equal."
    assert tutor.judge(case, right, "stop").source == "model"


def test_a_tuned_sentence_vaguer_than_the_guides_meaning_is_not_shown_though_the_why_names_the_token():
    """From the fourth audit: the model's sentence lost `def`; the guide's why after it names `def`, so checked
    together they passed. The sentence alone must name what the guide's meaning names."""
    case = only_case("python", "x = 1\ndef = 2\n", "invalid syntax")
    tutor = Tutor(TutorSettings(backend="none"))
    tutor.backend = FineTuned()
    lost = "Keyword as name on line 2: a variable, a function or a parameter is used as a name on a line."
    assert "`def`" in case.classification.why and not contract_violations(f"{lost} {case.classification.why}", case)
    assert tutor.judge(case, lost, "stop").source == "rules"
    assert tutor.judge(case, "Keyword as name on line 2: line 2 uses the keyword `def` as a name.", "stop").source == "model"


def test_a_tuned_sentence_that_moves_the_guides_lines_is_not_shown():
    """From the fifth audit: the model copied the guide's meaning but wrote "at the start of line 10" where gcc
    stopped on line 11. A sentence naming lines names the ones its guide's meaning names."""
    program = "int main(void)\n{\n    float x = 3.0f / 2\n    double sum = 0;\n    return 0;\n}\n"
    case = only_case("c", program, "expected ',' or ';'")
    assert "line 4" in case.classification.meaning and "line 3" in case.classification.meaning
    tutor = Tutor(TutorSettings(backend="none"))
    tutor.backend = FineTuned()
    label = f"Missing semicolon on line {case.line}:"
    moved = (f"{label} the compiler stopped at `double` at the start of line 3: the declaration on line 3, just "
             "before it, does not end with `;` or `,`.")
    assert tutor.judge(case, moved, "stop").source == "rules"
    kept = (f"{label} the compiler stopped at `double` at the start of line 4: the declaration on line 3, just "
            "before it, does not end with `;` or `,`.")
    assert tutor.judge(case, kept, "stop").source == "model", tutor.judge(case, kept, "stop").note


def test_a_tuned_sentence_that_changes_the_capitals_of_a_name_is_not_shown():
    """From the tenth evaluation: the model began its sentence with "Decrypt on line 75" for the method `decrypt`;
    Java's names are case-sensitive, so that names another method."""
    line = "    public static String decrypt(String cipher, int key) {"
    diagnostic = CompilerDiagnostic(language="java", line=3, column=line.index("decrypt") + 1, end_line=3,
                                    end_column=line.index("decrypt") + 8, severity="error", message="';' expected",
                                    source_line=line)
    case = Case.of(diagnostic, "class A {\n  void f() {\n" + line + "\n")
    assert "`decrypt`" in case.classification.meaning
    tutor = Tutor(TutorSettings(backend="none"))
    tutor.backend = FineTuned()
    recased = "Missing semicolon on line 3: Decrypt on line 3 is in a method header that javac reads as statements."
    assert tutor.judge(case, recased, "stop").source == "rules"
    kept = "Missing semicolon on line 3: `decrypt` on line 3 is in a method header that javac reads as statements."
    assert tutor.judge(case, kept, "stop").source == "model", tutor.judge(case, kept, "stop").note
    # as the model really wrote it: bare and right; the label goes, and the name keeps its small letter
    bare = tutor.judge(case, "Missing semicolon on line 3: decrypt on line 3 is in a method header.", "stop")
    assert bare.source == "model" and bare.meaning.startswith("decrypt on line 3"), bare.meaning


def test_a_paren_that_pairs_up_is_not_called_one_too_many():
    """`make demo`'s average.c: after `int total = 0` without its `;`, gcc says "expected statement before ')'" on
    `for (int i = 0; i < 5; i++) {`, whose parentheses pair up. "There is a `)` that does not close any `(`" was false
    there; a line with a `)` too many keeps its count."""
    program = Path(__file__).resolve().parents[1].joinpath("samples", "average.c").read_text()
    case = only_case("c", program, "expected statement before ')'")
    assert case.classification.rule_id == "c.extra-closing-paren"
    assert "pair up" in case.classification.meaning and "does not close any" not in case.classification.meaning
    assert not contract_violations(rule_text(case), case)
    extra = only_case("c", "int main(void)\n{\n    int n = 2;\n    if (n > 1))\n        n = 0;\n    return n;\n}\n",
                      "expected statement before ')'")
    assert "holds 2 `)` but only 1 `(`" in extra.classification.meaning, extra.classification.meaning
