"""Texts that read the code (knowledge/context.py), on real javac and the course's messages."""

from __future__ import annotations

import pytest

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import classify

from test_knowledge_java import _cases, _context, _corpus_case, _diagnostic, _java, _javac_cases


# ---- texts that read the code (knowledge/context.py), found wrong by the audit of rule texts ------------------------

def _rule_text(case) -> str:
    found = case.classification
    return "\n".join((found.meaning, found.why, found.hint))


def _in_main(line: str) -> str:
    return ("public class Main {\n    public static void main(String[] args) {\n        int n = 3;\n        int i = 0;\n"
            f"        {line}\n        }}\n    }}\n}}\n")


@pytest.mark.parametrize("case_id, token", [("upenn2020_hw03_4257", "offset"), ("upenn2020_hw06_8231", "(")])
def test_not_a_statement_on_a_method_header_blames_a_method_left_open_above(case_id, token):
    """javac reads a method's header as a statement when the method above it is never closed: the
    header's parameter or `(` is no value to store or print."""
    from error_tutor_server.contracts import contract_violations

    case = _corpus_case(case_id)
    found = case.classification
    assert (found.rule_id, found.token) == ("java.not-a-statement", token)
    assert "in a method header that javac reads as statements" in found.meaning and "inside another method" in found.why
    assert "`}`" in found.hint and "store it" not in found.hint and "does nothing" not in found.meaning
    assert not contract_violations(_rule_text(case), case)
    assert "メソッドの見出し" in _corpus_case(case_id, "ja").classification.meaning
    statement = _javac_cases(_in_main("n + 1;"), "not a statement")[0]  # a lone value keeps the rule's own text
    assert "does nothing on its own" in statement.classification.meaning


@pytest.mark.parametrize("header, part", [("for (i; i < n; i++) {", "start"), ("for (int j = 0; j < n; j + 1) {", "update")])
def test_not_a_statement_in_a_part_of_a_for_header_names_the_part(header, part):
    from error_tutor_server.contracts import contract_violations

    [case] = _javac_cases(_in_main(header), "not a statement")
    found = case.classification
    assert f"The {part} part of the `for` header on line 5" in found.meaning
    assert "store it" not in found.hint and f"{part} part" in found.hint
    assert not contract_violations(_rule_text(case), case)


def test_not_a_statement_in_a_mangled_for_header_explains_the_three_parts():
    [javac] = _javac_cases(_in_main("for (int j = 0leng<n j+++ {"), "not a statement")
    course = _corpus_case("upenn2020_hw08_96")  # `for (int i = 0leng<this.register.length i+++ {` at `+`
    for found in (javac.classification, course.classification):
        assert "inside the header of the `for` loop" in found.meaning and found.token == "+"
        assert "three parts separated by two `;`" in found.why and "store it" not in found.hint
    assert "`for`" in _corpus_case("upenn2020_hw08_96", "ja").classification.meaning


def test_not_a_statement_in_a_well_formed_for_header_looks_before_the_condition():
    """`for (int i = 0; i < 26; i++)` reported at `<`: the header's parts are right, so the text does not invent
    a mistake in it but points before the condition (the start part, or an earlier error)."""
    [javac] = _javac_cases(_in_main("for (int j == 0; j < n; j++) {"), "not a statement")  # the start part is wrong
    course = _corpus_case("upenn2020_hw03_7264")
    for found in (javac.classification, course.classification):
        assert found.token == "<" and "is laid out as three parts" in found.meaning
        assert "before `<`" in found.why and "start part" in found.hint and "test it in an if" not in found.hint


def test_a_unary_operator_on_the_wrong_type_is_not_explained_as_a_binary_one():
    from error_tutor_server.contracts import contract_violations

    program = ("public class Main {\n    public static void main(String[] args) {\n        double[] letters = new double[26];\n"
               "        letters++;\n        String s = \"x\";\n        boolean b = !s;\n    }\n}\n")
    [array] = _javac_cases(program, "bad operand type double[] for unary operator '++'")
    [negation] = _javac_cases(program, "bad operand type String for unary operator '!'")
    for case in (array, negation):
        found = case.classification
        assert "each side" not in found.hint and "comparison" not in found.hint
        assert "single" in found.meaning and not contract_violations(_rule_text(case), case)
    assert array.classification.rule_id == "java.bad-operand-unary-array"
    assert "`double[]`, an array" in array.classification.meaning and "element" in array.classification.hint
    assert "type `String`" in negation.classification.meaning and "`!` needs a boolean" in negation.classification.why
    assert "配列" in classify(array.diagnostic, "ja").meaning and "boolean" in classify(negation.diagnostic, "ja").why


def test_an_instance_method_called_through_its_class_name_is_not_blamed_on_a_static_method():
    """`Main.getMovie()` fails in any method, static or not: the text names the class the call goes through, while a
    call with no qualifier in `main` keeps the rule's own text about a static method."""
    from error_tutor_server.contracts import contract_violations

    program = ("public class Main {\n    private String movie;\n    public String getMovie() { return movie; }\n"
               "    public boolean same(String other) {\n        return Main.getMovie() == other;\n    }\n"
               "    public static void main(String[] args) {\n        System.out.println(getMovie());\n    }\n}\n")
    through_class, unqualified = _javac_cases(program, "non-static method getMovie() cannot be referenced from a static context")
    course = _corpus_case("upenn2020_hw08_7421")  # `String.charAt(i)`
    for case, qualifier in ((through_class, "Main"), (course, "String")):
        found = case.classification
        assert f"through the class name `{qualifier}`" in found.meaning and "static` method" not in found.meaning
        assert "every method" in found.why and not contract_violations(_rule_text(case), case)
    assert "クラス名 `String`" in _corpus_case("upenn2020_hw08_7421", "ja").classification.meaning
    assert "from a `static` method" in unqualified.classification.meaning


def test_comment_text_read_as_code_is_explained_as_a_broken_comment():
    """`* Inputs` or a mistyped `/ **`: javac reads comment text as code; the text is not about a statement."""
    program = ("public class Main {\n    / **\n     * Inputs\n     */\n    public static void main(String[] args) {\n"
               "    }\n}\n")
    cases = _javac_cases(program, "illegal start of type") + _javac_cases(program, "<identifier> expected")
    cases += [_corpus_case(case_id) for case_id in ("upenn2020_hw06_9649", "upenn2020_hw06_9706", "upenn2020_hw06_9708")]
    assert len(cases) == 5
    for case in cases:
        found = case.classification
        assert "looks like part of a comment" in found.meaning and "`/*`" in found.why, found.meaning
        assert "method" not in found.hint
    assert "コメント" in _corpus_case("upenn2020_hw06_9649", "ja").classification.meaning


def test_array_creation_without_brackets_asks_for_them():
    """`new double{...}`: the array's `[]` is missing (javac 17: "'[' expected"; the course's javac: "illegal start of type")."""
    [javac] = _javac_cases(_in_main("double[] w = new double{0.5, 0.5};"), "'[' expected")
    line = "        double[] w = new double{0.5, 0.5};"
    recorded = _java("illegal start of type", source_line=line, column=line.index(",") + 1)
    for found in (javac.classification, _context(recorded)):
        assert "`new double` is followed directly by `{`" in found.meaning and "`[]`" in found.meaning
        assert "statement" not in found.meaning and "method" not in found.hint


def test_illegal_start_of_type_calls_the_line_a_statement_only_when_javac_read_it_among_declarations():
    """At the first token of `while (...)` javac was reading a class body; inside `if (n =< 0)` it was reading
    an expression, where the general text must not say that a statement stands outside a method."""
    in_class = _corpus_case("upenn2020_hw07_2840").classification
    assert "stands directly in a class" in in_class.meaning
    in_method = _corpus_case("upenn2020_hw08_2606").classification  # `if (seedLength =< 0) {` at `0`
    assert "expected a type" in in_method.meaning and "`0`" in in_method.meaning
    assert "statement" not in in_method.meaning and "`=<`" in in_method.why
    assert "型" in _corpus_case("upenn2020_hw08_2606", "ja").classification.meaning


def test_a_missing_semicolon_on_a_line_with_single_quoted_text_points_at_the_quotes():
    """`throw new IllegalArgumentException('null review')`: text in single quotes is the line's certain error; the
    `;` javac asks for may be its consequence (or missing too), so the text says both."""
    from error_tutor_server.contracts import contract_violations

    case = _corpus_case("upenn2020_hw06_2120")
    found = case.classification
    assert "single quotes (at `'null review'`)" in found.meaning and "double quotes" in found.why
    assert "still missing" in found.hint and not contract_violations(_rule_text(case), case)
    assert "単一引用符" in _corpus_case("upenn2020_hw06_2120", "ja").classification.meaning
    line = "        char c = 'a'; String s = \"it's\"; // don't"  # well-formed literals, a quote in a string and a comment
    assert "single quotes" not in _context(_java("';' expected", source_line=line, column=len(line))).meaning


@pytest.mark.parametrize("line, name", [("thi", "thi"), ("get.distanceToX;", "get.distanceToX"), ("n;", "n")])
def test_a_line_holding_only_a_name_is_not_explained_as_a_missing_semicolon(line, name):
    """javac says "not a statement" and "';' expected" for a stray word: the texts say what the line holds,
    not that a statement lacks its `;` (audit, 2026-11-30: `thi`, and `.` called the value of `get.distanceToX;`)."""
    program = _in_main(line)
    cases = [case for message in ("not a statement", "';' expected") for case in _javac_cases(program, message)]
    assert cases and all(case.diagnostic.line == 5 for case in cases), cases
    for case in cases:
        assert f"holds only `{name}`" in case.classification.meaning, case.classification.meaning
        assert "semicolon" not in _rule_text(case)
    assert "holds only" not in _context(_java("';' expected", source_line="        int x = 3", column=18)).meaning


def test_values_in_braces_passed_as_an_argument_are_named_not_the_token_inside():
    """`f({ 1, 0 })`: javac reports "illegal start of expression" and "not a statement" at a `0` inside the braces
    (audit, 2026-11-30: "the code at `0` is a value that does nothing"); a declaration's braces are allowed."""
    program = ("public class Main {\n    static int sum(int[] a) { return a.length; }\n"
               "    public static void main(String[] args) {\n        System.out.println(sum({ 1, 0, 0, 1 }));\n"
               "        int[] ok = { 1, 2 };\n    }\n}\n")
    cases = _javac_cases(program, "illegal start of expression") + _javac_cases(program, "not a statement")
    assert cases and all("list of values in braces" in case.classification.meaning for case in cases if case.diagnostic.line == 4)
    from error_tutor_server.checks import leaks_fix
    assert not any(leaks_fix(_rule_text(case), program, "", "hint") for case in cases)  # no code of its own
    declared = _java("not a statement", source_line="        int[] ok = { 1, 2 };", column=22)
    lambda_body = _java("not a statement", source_line="        list.forEach(x -> { x; });", column=29)
    assert "list of values in braces" not in _context(declared).meaning + _context(lambda_body).meaning


def test_types_written_in_a_call_are_named_not_a_missing_semicolon():
    """`i = shift(int symbol, int offset);` (audit, 2026-11-30: "';' expected ... near `;`"); a header is not a call."""
    called = _context(_java("';' expected", source_line="        i = shift(int symbol, int offset);", column=29))
    assert "call to `shift` has a type before an argument (`int symbol`)" in called.meaning, called.meaning
    assert "semicolon" not in called.why
    for header in ("    static int shift(int symbol, int offset);", "    public int shift(int symbol) {"):
        assert "type before an argument" not in _context(_java("';' expected", source_line=header, column=20)).meaning


def test_a_missing_semicolon_names_the_token_at_javacs_caret_never_the_lines_own_semicolon():
    """javac marks "';' expected" right after the code it read as complete; the `;` in its message is what it
    wanted, not what the student wrote (audit: "near `;`" on a line that already ends with one)."""
    [case] = _javac_cases(_in_main("int count = n 5;"), "';' expected")
    assert "right after `n` and before `5`" in case.classification.meaning, case.classification.meaning
    line = "        Integer result = compute(a, b);"
    after = _context(_java("';' expected", source_line=line, column=line.index("Integer") + 8))
    assert after.token == "result" and "right after `Integer` and before `result`" in after.meaning, after.meaning
    for column in (line.index(";") + 1, len(line) + 3):  # on the line's own `;`, or a column past it
        unsure = _context(_java("';' expected", source_line=line, column=column))
        assert "near `;`" not in unsure.meaning + unsure.hint and "`;` at the marked spot on line 3." in unsure.meaning
    assert "`;` の近く" not in _context(_java("';' expected", source_line=line, column=len(line)), "ja").hint
    paren = _context(_java("')' expected", source_line="        total = add(x y);", column=23))
    assert paren.token == "y", paren.token


def test_a_line_of_plain_words_is_explained_as_a_note_without_its_comment_mark():
    """A line of English words (audit: "thiscode in the XOR calculation ...") is a comment without `//`, not a
    statement missing its `;`."""
    cases = _javac_cases(_in_main("Then, we sum every value of the row."), "';' expected")
    assert cases
    for case in cases:
        assert "run of plain words" in case.classification.meaning and "semicolon" not in _rule_text(case)
        assert "comment" in case.classification.why
    assert "普通の語" in _context(_java("';' expected", source_line="    sum every value here", column=8), "ja").meaning
    for code in ("    public static final int", "        int x = 3", "        System.out.println(a b c d)", "        for k in values",
                 "        int count, total, sum, max"):
        assert "plain words" not in _context(_java("';' expected", source_line=code, column=len(code))).meaning


@pytest.mark.parametrize("call", ["int n = size(Shape shape);", "size(3, Shape shape);"])
def test_a_class_name_written_in_a_call_is_named_as_a_type(call):
    """`distanceTo(Body other);` (audit): a class name before an argument is a type in a call, as `int` is; javac
    says "')' expected", "not a statement" and "';' expected" there."""
    program = ("public class Main {\n    static int size(Shape shape) { return 1; }\n"
               "    static int size(int k, Shape shape) { return 1; }\n"
               f"    public static void main(String[] args) {{\n        {call}\n    }}\n}}\nclass Shape {{ }}\n")
    cases = [c for m in ("')' expected", "not a statement", "';' expected") for c in _javac_cases(program, m)]
    assert len(cases) == 3
    for case in cases:
        assert "call to `size` has a type before an argument (`Shape shape`)" in case.classification.meaning


@pytest.mark.parametrize("line", ["        System.out.println(Hello world);", "        return (int[] values);",
                                  "        total = area(Shape Big);"])
def test_words_in_a_call_that_may_not_be_a_type_keep_the_general_text(line):
    found = _context(_java("')' expected", source_line=line, column=line.index("(") + 8))
    assert "type before an argument" not in found.meaning, found.meaning


def test_an_unfinished_new_at_the_end_of_an_earlier_line_is_named_there():
    """"'(' or '[' expected" at the `for` of the next line (audit: the text put the error at the for's `(`): the
    `new` left without `(` or `[` is on an earlier line, or, without the program, somewhere before the caret."""
    program = ("import java.util.Random;\npublic class Main {\n    public static void main(String[] args) {\n"
               "        Random dice = new Random\n        for (int k = 0; k < 3; k++) { }\n    }\n}\n")
    [case] = _javac_cases(program, "'(' or '[' expected")
    found = case.classification
    assert case.diagnostic.line == 5 and found.token == "for"
    assert "The `new` on line 4 is unfinished" in found.meaning and "end of line 4" in found.hint, found.meaning
    line = "        while (count < 3) {"
    alone = _context(_java("'(' or '[' expected", source_line=line, column=9))
    assert alone.token == "while" and "`(`" not in alone.hint and "earlier line" in alone.meaning, alone.meaning
    same = _context(_java("'(' or '[' expected", source_line="        Random dice = new Random;", column=33))
    assert "After `new` and a type name" in same.meaning


def test_a_method_indexed_like_an_array_or_called_on_an_array_is_named():
    """`message.charAt[i]` (audit: "no variable called charAt") is a method used with `[ ]`; `symbols.length()` on an
    array is a method an array does not have: its size is the field `length`."""
    program = ("public class Main {\n    public static void main(String[] args) {\n        String word = \"abc\";\n"
               "        int[] counts = new int[3];\n        char first = word.charAt[0];\n        int n = counts.length();\n"
               "        double[] w;\n        w = new double[2];\n        int m = w.size();\n    }\n}\n")
    cases = {case.diagnostic.line: case.classification for case in _javac_cases(program, "cannot find symbol")}
    assert "`charAt` is followed by `[`, but `charAt` is a method" in cases[5].meaning, cases[5].meaning
    assert "round parentheses" in cases[5].why
    for line, array, method in ((6, "counts", "length"), (9, "w", "size")):
        assert f"`{method}` is called on `{array}`, which is an array" in cases[line].meaning, cases[line].meaning
        assert "field `length`" in cases[line].why
    line = "        for (int k = 0; k < totals.length(); k++) {"  # as the course recorded it: no notes
    called = _java("cannot find symbol", source_line=line, column=line.index(".length") + 1)
    declared = "class A {\n  void f() {\n    long[] totals = new long[4];\n" + line + "\n  }\n}\n"
    assert "which is an array" in _in_program(called, declared, 4).meaning
    assert "which is an array" not in _context(called).meaning  # the declaration is not in view: unsure
    indexed = "        int c = grid.cells[2];"  # a field indexed: not a method
    assert "is a method" not in _context(_java("cannot find symbol", source_line=indexed, column=indexed.index(".") + 1)).meaning


def _in_program(diagnostic: CompilerDiagnostic, program: str, line: int):
    """A recorded diagnostic placed on ``line`` of ``program``, classified in it."""
    import dataclasses

    from error_tutor_server.case import Case

    return Case.of(dataclasses.replace(diagnostic, line=line, end_line=line), program).classification


@pytest.mark.parametrize("line, operator, token", [
    ("while (k >= ) { k--; }", ">=", ")"),
    ("boolean same = n != ;", "!=", ";"),
    ("int[] a = new int[n * ];", "*", "]"),
    ("if (n > 0 || ) { n = 1; }", "||", ")"),
])
def test_an_operator_with_nothing_after_it_is_named_not_a_method_left_open(line, operator, token):
    """Found by the audit of rule texts: `for (int i = 0; i < )` was explained by a `}` missing before a method; the `<`
    has no value on its right."""
    from error_tutor_server.case import Case
    from error_tutor_server.contracts import contract_violations

    program = _in_main(line).replace("int i = 0;", "int k = 2;")
    [case] = _javac_cases(program, "illegal start of expression")
    found = case.classification
    assert found.token == token and f"the operator `{operator}` has nothing after it" in found.meaning, found.meaning
    assert "method" not in found.why + found.hint and "`}`" not in found.why + found.hint
    assert not contract_violations(_rule_text(case), case)
    ja = Case.of(case.diagnostic, program, "ja").classification
    assert f"`{operator}`" in ja.meaning
    header = _javac_cases(_in_main("public int twice(int x) { return 2 * x; }"), "illegal start of expression")[0]
    assert "method" in header.classification.why  # a method declared inside another keeps the rule's text


@pytest.mark.parametrize("line, column_of", [
    ("      while(list.isEmpty() == false){", "("),
    ("  for(String w : words) {", "("),
])
def test_not_a_statement_at_punctuation_or_a_keyword_is_not_called_a_value_to_store(line, column_of):
    """Found by the audit of rule texts: javac's caret at the `(` of `if(this.size() == 0){` was explained as a value to
    store or print; `(` is no value, and the statement is incomplete before it (or on the line above)."""
    from error_tutor_server.case import Case
    from error_tutor_server.contracts import contract_violations

    diagnostic = _java("not a statement", source_line=line, column=line.index(column_of, 3) + 1)
    case = Case.of(diagnostic, line)
    found = case.classification
    assert found.token == column_of and "does nothing on its own" not in found.meaning, found.meaning
    assert "store it" not in found.hint and "line above" in found.hint
    assert not contract_violations(_rule_text(case), case)
    assert "保存する" not in Case.of(diagnostic, line, "ja").classification.hint
    value = _javac_cases(_in_main("(n + 1);"), "not a statement")[0]  # a value in parentheses keeps the rule's text
    assert value.classification.token == "(" and "does nothing on its own" in value.classification.meaning


@pytest.mark.parametrize("line, said, said_ja", [
    ("if else(total < max) {", "order Java does not read", "順番"),
    # from the fifth audit: no `if` on the line at all, so not a matter of order
    ("} else (total > max) {", "follows `else`, but `else` takes no condition", "条件を取りません")])
def test_if_and_else_in_the_wrong_order_are_not_blamed_on_a_parenthesis(line, said, said_ja):
    """`if else (...)`, or `else (...)` without `if`: javac reports a parenthesis or a statement, but the line's
    keywords do not make a statement it reads; the text says which, without writing the corrected line."""
    from error_tutor_server.checks import leaks_fix
    from error_tutor_server.contracts import contract_violations

    program = _in_main("int total = 1, max = 2;\n        if (total == max) {\n            total = 0;\n        " + line
                       + "\n            total = 4;")
    cases = [case for case in _javac_cases(program, "'(' expected") + _javac_cases(program, "not a statement")
             if case.diagnostic.line == 8]
    assert cases
    for case in cases:
        found = case.classification
        assert said in found.meaning and "else if" not in _rule_text(case) + found.fix
        assert not contract_violations(_rule_text(case), case)
        assert not leaks_fix(_rule_text(case), f"{case.program}\n{case.diagnostic.message}", "", "hint")
    assert said_ja in _context(cases[0].diagnostic, "ja").meaning
    closing = "        if else(size > limit) {"
    assert "order Java does not read" in _context(_java("')' expected", source_line=closing, column=16)).meaning
    kept = _javac_cases(_in_main("if (total < max {"), "')' expected")  # no keywords out of order: the rule's own text
    assert all("order Java" not in case.classification.meaning for case in kept)


@pytest.mark.parametrize("rule_id", ["java.code-outside-class", "java.missing-return"])
def test_the_meaning_names_the_code_at_javacs_caret(rule_id):
    """The model restates the meaning it is given: a meaning that names the code at the caret (the stray `}`,
    the `void` of a method left outside, the method's closing `}`) keeps that code in the model's words."""
    found = [(d, classify(d)) for d in map(_diagnostic, _cases()) if d.source_line]
    found = [(d, result) for d, result in found if result.rule_id == rule_id]
    assert len(found) >= 5
    for diagnostic, result in found:
        assert result.token and f"`{result.token}` on line {diagnostic.line}" in result.meaning, result.meaning


def test_a_member_after_a_dot_is_looked_up_in_the_owners_type_not_among_declared_names():
    """Audit: `symbols.length()`, recorded with no notes and no program, was told as "javac does not know the name
    `length`: where is `length` declared?". After a `.` javac looks in the type of what stands before it."""
    line = "        for (int i = 0; i < symbols.length(); i++) {"
    found = _context(_java("cannot find symbol", source_line=line, column=line.index(".length") + 1))
    assert found.meaning.startswith("`length` on line 3 is called as a method, but javac finds no method"), found.meaning
    assert "type of `symbols`" in found.meaning and "`length`, for example, is a field" in found.why
    assert "Where is `length` declared" not in found.hint and "a field, read without parentheses" in found.hint
    read = "        int n = word.length;"  # the other way round: a method read as a field
    as_field = _context(_java("cannot find symbol", source_line=read, column=read.index(".") + 1))
    assert as_field.meaning.startswith("`length` on line 3 is read as a field"), as_field.meaning
    assert "a method that needs parentheses" in as_field.hint
    field = "        this.mass = mass;"
    of_this = _context(_java("cannot find symbol", source_line=field, column=field.index(".") + 1))
    assert "declared in this class" in of_this.meaning and "outside every method" in of_this.why, of_this.meaning
    javac = _javac_cases("public class Main {\n    public static void main(String[] args) {\n"
                         "        String s = \"abc\";\n        int n = s.lenght();\n    }\n}\n", "cannot find symbol")
    assert "in the type of `s`" in javac[0].classification.meaning, javac[0].classification.meaning
    plain = "        total = total + 1;"  # no dot: the declared names are the place to look
    assert "field or method" not in _context(_java("cannot find symbol", source_line=plain, column=9)).meaning


def test_a_method_without_a_body_is_named_and_not_said_to_have_one():
    """Seventh audit: "has a body where none is allowed, or no body where one is needed" for `int[] encode(String str);`
    (one reader of three: wrong); javac's message says which: no body. The interface's own message has its own rule."""
    line = "    public static int[] encode(String str);"
    found = _context(_java("missing method body, or declare abstract", source_line=line, column=line.index("encode") + 1))
    assert found.meaning.startswith("The method `encode` declared on line 3 has no body"), found.meaning
    assert "has a body" not in found.meaning
    inside = _context(_java("interface abstract methods cannot have body", source_line="    void f() {", column=10))
    assert inside.rule_id == "java.interface-method-body" and "may not have a body" in inside.meaning


@pytest.mark.parametrize("header", ["    public static int shift(int symbol, int offset) {", "    int shift(int symbol, int offset) {",
                                    "    static String name(String first, int count) {"])
def test_every_complaint_on_a_well_formed_header_blames_the_method_left_open_above(header):
    """Ninth audit (three of three readers): `<identifier> expected` on `public static String decrypt(String cipher,
    int key) {` was told as a parameter missing its name. javac reads a header inside an unclosed method as statements
    and reports whatever symbol it wanted (`;`, `)`, `.class`, a name, an expression): the `}` missing above is the error."""
    program = ("public class Main {\n    static int twice(int n) {\n        return 2 * n;\n\n"
               f"{header}\n        return 1;\n    }}\n}}\n")
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    on_header = [d for d in diagnose_sync("java", program, TutorSettings(), filename="Main.java") if d.line == 5]
    assert on_header
    for diagnostic in on_header:
        found = Case.of(diagnostic, program).classification
        assert found.meaning.startswith(f"`{found.token}` on line 5 is in a method header that javac reads as statements, "
                                        "because the method above it is still open"), (diagnostic.message, found.meaning)
        assert "`}`" in found.why
