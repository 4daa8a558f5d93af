"""The Python knowledge base against the friendly-traceback corpus of beginner syntax errors."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import corpus
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import TEXT_FIELDS, classify, python_rules

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
CORPUS = CORPORA / "python_friendly_syntax.jsonl"
RULES = python_rules.RULES


def _cases() -> list[dict]:
    return corpus("python_friendly_syntax.jsonl")


def _diagnostic(case: dict) -> CompilerDiagnostic:
    """Message from the corpus; line and column from compiling the source here."""
    line, column = 1, 1
    try:
        compile(case["source"], "x.py", "exec")
    except SyntaxError as error:  # the corpus holds syntax errors; a few compile differently here
        line, column = error.lineno or 1, error.offset or 1
    except ValueError:
        pass
    diagnostic = CompilerDiagnostic(language="python", line=line, column=column, end_line=line,
                                    end_column=column + 1, severity="error", message=case["python_error"],
                                    code=case["python_error"].split(":", 1)[0])
    return diagnostic.with_source(case["source"])


def test_most_frequent_rules_are_translated():
    counts = Counter(classify(_diagnostic(case)).rule_id for case in _cases())
    top = [rule_id for rule_id, _ in counts.most_common(10)]
    by_id = {rule.id: rule for rule in RULES}
    assert all("ja" in by_id[rule_id].translations for rule_id in top), top


def test_corpus_coverage_at_least_98_percent():
    cases = _cases()
    missed = [case["python_error"] for case in cases if not classify(_diagnostic(case)).matched]
    coverage = 1 - len(missed) / len(cases)
    assert coverage >= 0.98, missed


def test_every_distinct_message_kind_has_its_own_rule():
    # Messages other than the bare "invalid syntax" are specific enough for a specific rule.
    for case in _cases():
        result = classify(_diagnostic(case))
        if case["python_error"] != "SyntaxError: invalid syntax":
            assert result.rule_id != "python.invalid-syntax", case["python_error"]


@pytest.mark.parametrize("message, expected", [
    ("SyntaxError: expected ':'", "python.missing-colon"),
    ("IndentationError: expected an indented block after 'if' statement on line 3",
     "python.expected-indented-block"),
    ("IndentationError: expected an indented block", "python.expected-indented-block"),
    ("IndentationError: unexpected indent", "python.unexpected-indent"),
    ("IndentationError: unindent does not match any outer indentation level", "python.unindent-mismatch"),
    ("TabError: inconsistent use of tabs and spaces in indentation", "python.tabs-and-spaces"),
    ("SyntaxError: '(' was never closed", "python.unclosed-bracket"),
    ("SyntaxError: unexpected EOF while parsing", "python.unclosed-bracket"),
    ("SyntaxError: unmatched ')'", "python.unmatched-bracket"),
    ("SyntaxError: invalid syntax. Perhaps you forgot a comma?", "python.missing-comma"),
    ("SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='?", "python.equals-in-condition"),
    ("SyntaxError: cannot assign to function call here. Maybe you meant '==' instead of '='?",
     "python.assignment-target"),
    ("SyntaxError: can't assign to function call", "python.assignment-target"),
    ("SyntaxError: cannot assign to f-string expression here. Maybe you meant '==' instead of '='?",
     "python.assignment-target"),
    ("SyntaxError: 'tuple' is an illegal expression for augmented assignment", "python.assignment-target"),
    ("SyntaxError: cannot assign to True", "python.assign-to-keyword"),
    ("SyntaxError: unterminated string literal (detected at line 1)", "python.unterminated-string"),
    ("SyntaxError: EOL while scanning string literal", "python.unterminated-string"),
    ("SyntaxError: unterminated f-string literal (detected at line 1)", "python.unterminated-string"),
    ("SyntaxError: unterminated triple-quoted string literal (detected at line 9)",
     "python.unterminated-triple-quote"),
    ("SyntaxError: f-string: expecting '}'", "python.fstring-braces"),
    ("SyntaxError: f-string: single '}' is not allowed", "python.fstring-braces"),
    ("SyntaxError: f-string: valid expression required before '}'", "python.fstring-braces"),
    ("SyntaxError: f-string: invalid syntax. Perhaps you forgot a comma?", "python.fstring-expression"),
    ("SyntaxError: f-string expression part cannot include a backslash", "python.fstring-expression"),
    ("SyntaxError: invalid character '“' (U+201C)", "python.invalid-character"),
    ("SyntaxError: invalid non-printable character U+00A0", "python.non-printable-character"),
    ("SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?", "python.print-statement"),
    ("SyntaxError: 'return' outside function", "python.outside-function"),
    ("SyntaxError: 'await' outside async function", "python.outside-function"),
    ("SyntaxError: 'continue' not properly in loop", "python.outside-loop"),
    ("SyntaxError: name 'x' is assigned to before global declaration", "python.global-declaration"),
    ("SyntaxError: no binding for nonlocal 'x' found", "python.nonlocal-declaration"),
    ("SyntaxError: invalid decimal literal", "python.invalid-decimal-literal"),
    ("SyntaxError: leading zeros in decimal integer literals are not permitted; "
     "use an 0o prefix for octal integers", "python.leading-zeros"),
    ("SyntaxError: cannot use assignment expressions with attribute", "python.walrus-target"),
    ("SyntaxError: can't use starred expression here", "python.star-expression"),
    ("SyntaxError: non-default argument follows default argument", "python.parameter-list"),
    ("SyntaxError: parameter without a default follows parameter with a default", "python.parameter-list"),
    ("SyntaxError: expected 'else' after 'if' expression", "python.conditional-expression"),
    ("SyntaxError: invalid syntax. Did you mean 'for'?", "python.misspelled-keyword"),
    ("SyntaxWarning: \"is\" with a literal. Did you mean \"==\"?", "python.is-literal"),
    ("SyntaxWarning: \"is\" with 'int' literal. Did you mean \"==\"?", "python.is-literal"),
    ("SyntaxWarning: invalid escape sequence '\\d'", "python.invalid-escape"),
    ("SyntaxWarning: 'tuple' object is not callable; perhaps you missed a comma?", "python.missing-comma"),
    ("SyntaxError: invalid syntax", "python.invalid-syntax"),
    ("SyntaxError: something entirely new", "python.other"),
])
def test_messages_from_several_python_versions(message, expected):
    diagnostic = CompilerDiagnostic(language="python", line=1, column=1, end_line=1, end_column=2,
                                    severity="error", message=message, source_line="x = 1")
    assert classify(diagnostic).rule_id == expected


def test_tokens_and_texts_are_filled():
    for case in _cases():
        diagnostic = _diagnostic(case)
        for locale in ("en", "ja"):
            result = classify(diagnostic, locale)
            for name in TEXT_FIELDS:
                text = getattr(result, name)
                assert not re.search(r"\{[a-z_]+\}", text), (result.rule_id, name, text)
                assert "``" not in text, (result.rule_id, name, text)
                assert "()" not in text.replace("print(...)", ""), (result.rule_id, name, text)


def test_named_tokens_come_from_the_message():
    def token(message: str, source_line: str, column: int = 1) -> str:
        diagnostic = CompilerDiagnostic(language="python", line=1, column=column, end_line=1,
                                        end_column=column + 1, severity="error", message=message,
                                        source_line=source_line)
        return classify(diagnostic).token

    assert token("SyntaxError: '[' was never closed", "x = [1, 2", 5) == "["
    assert token("SyntaxError: unmatched ')'", "x = 1)", 6) == ")"
    assert token("SyntaxError: invalid character '“' (U+201C)", "print(“hi”)", 7) == "“"
    assert token("SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?",
                 "print 'hi'") == "print"
    assert token("SyntaxError: 'break' outside loop", "break") == "break"


_CODE_IN_BACKTICKS = re.compile(r"`([^`]+)`")


def _suggested_lines(case: dict) -> set[str]:
    """Lines of code the expert explanation proposes that the student's program does not contain."""
    source = case["source"]
    candidates = set()
    for line in case["friendly_output"].splitlines():
        if line.startswith("    ") and not re.match(r"\s*(?:-->)?\d+[|:]", line):
            candidates.add(line.strip())
        candidates.update(span.strip() for span in _CODE_IN_BACKTICKS.findall(line))
    return {c for c in candidates if len(c) >= 6 and " " in c and c not in source}


def test_hints_and_fixes_hold_no_corrected_code():
    for case in _cases():
        suggestions = _suggested_lines(case)
        for locale in ("en", "ja"):
            result = classify(_diagnostic(case), locale)
            for text in (result.hint, result.fix):
                for line in suggestions:
                    assert line not in text, (case["title"], line, text)
    corpus_lines = {line.strip() for case in _cases() for line in case["source"].splitlines()
                    if len(line.strip()) >= 8 and not line.strip().startswith(("#", '"', "'"))}
    for rule in RULES:  # no line of any corpus program, in any language
        for texts in [{name: getattr(rule, name) for name in TEXT_FIELDS}, *rule.translations.values()]:
            for text in texts.values():
                assert not [line for line in corpus_lines if line in text], rule.id
    for rule in RULES:  # only single symbols or words in backticks, never a statement
        texts = [rule.hint, rule.fix] + [t.get(k, "") for t in rule.translations.values() for k in ("hint", "fix")]
        for text in texts:
            for span in _CODE_IN_BACKTICKS.findall(text):
                assert len(span) <= 12 and span.count(" ") <= 1, (rule.id, span)


@pytest.mark.parametrize("program, rule_id, token", [
    ("lambda = 3\n", "python.keyword-as-name", "lambda"),
    ("def class(x):\n    return x\n", "python.keyword-as-name", "class"),
    ("def area(width, True):\n    return width\n", "python.keyword-as-name", "True"),
    ("if x > 1:\n    pass\nelsif x < 0:\n    pass\n", "python.elseif", "elsif"),
    ("if total === 3:\n    pass\n", "python.operator-typo", "==="),
    ("for name names:\n    print(name)\n", "python.for-without-in", "names"),
    ("while:\n    pass\n", "python.header-without-name", "while"),
    ("total score = 10\n", "python.space-in-name", "total score"),
    ("pip install numpy\n", "python.shell-command", "pip"),
    ("true = 1\nx = = 2\n", "python.invalid-syntax", None),  # `true` is a name, not the keyword
])
def test_invalid_syntax_is_told_apart_by_the_line(program, rule_id, token):
    """'invalid syntax' is one message for many mistakes: the offending line tells them apart."""
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = diagnose_sync("python", program, TutorSettings())
    assert "invalid syntax" in diagnostic.message
    result = classify(diagnostic)
    assert result.rule_id == rule_id, (result.rule_id, diagnostic.source_line)
    if token:
        assert result.token == token and f"`{token}`" in result.meaning


def test_a_line_of_plain_words_is_explained_as_a_note_without_its_comment_mark():
    """"invalid syntax" on a line of English words: a note that lacks its `#`, not a statement to repair."""
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    program = "def mean(values):\n    here we divide the total by the count\n    return sum(values) / len(values)\n"
    [diagnostic] = diagnose_sync("python", program, TutorSettings())
    found = Case.of(diagnostic, program).classification
    assert "run of plain words" in found.meaning and "`#`" in found.why, found.meaning
    code = "x = 1\nprint x y z w\n"  # not plain words: Python's own rule for print
    [diagnostic] = diagnose_sync("python", code, TutorSettings())
    assert "plain words" not in Case.of(diagnostic, code).classification.meaning


def _first_case(program: str):
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    return Case.of(diagnose_sync("python", program, TutorSettings())[0], program).classification


@pytest.mark.parametrize("program, role, asked", [("shape.__debug__ = 2\n", "as an attribute", "Which attribute"),
                                                  ("run(limit=1, __debug__=0)\n", "keyword argument", "Which parameter")])
def test_a_fixed_name_set_as_an_attribute_or_argument_is_not_called_a_variable(program, role, asked):
    """`a.__debug__ = 1` (audit: "which variable did you mean to create"): the name is an attribute there."""
    found = _first_case(program)
    assert found.rule_id == "python.assign-to-keyword" and role in found.meaning, found.meaning
    assert asked in found.hint and "variable" not in found.hint
    assert "Which variable" in _first_case("__debug__ = 5\n").hint


@pytest.mark.parametrize("program, quotes", [('def area(r):\n    """Area of a circle\n    return r * r\n', '"""'),
                                             ("label = '''first part\nsecond part\n", "'''")])
def test_an_unclosed_triple_quoted_string_is_named_by_its_three_quotes(program, quotes):
    """The token was `""` (two quotes) for a string opened with three (audit)."""
    found = _first_case(program)
    assert found.rule_id == "python.unterminated-triple-quote" and found.token == quotes, found.token


@pytest.mark.parametrize("program, keyword, header", [
    ("scores = [4, 7]\ntotal = 0\nwhile total < 10:", "while", 3),
    ("scores = [4, 7]\nfor score in scores:\n\n# to do\n", "for", 2),
    ("def average(values):\n", "def", 1),
])
def test_a_header_with_nothing_after_it_is_told_its_block_is_missing(program, keyword, header):
    """A header that ends the file (or only blank lines and comments follow): there is no "line after it" that
    lacks indentation, so the text names the header's line and says its block is missing."""
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.contracts import contract_violations
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = diagnose_sync("python", program, TutorSettings())
    case = Case.of(diagnostic, program)
    found = case.classification
    assert f"`{keyword}` header on line {header}" in found.meaning and "block is missing" in found.meaning
    assert "the line after" not in found.meaning and "just above" not in found.hint
    assert not contract_violations("\n".join((found.meaning, found.why, found.hint)), case)
    assert f"{header} 行目の `{keyword}`" in Case.of(diagnostic, program, "ja").classification.meaning
    followed = _first_case("scores = [4, 7]\nfor score in scores:\nprint(score)\n")  # a line follows: the rule's own text
    assert "the line after it (line 3)" in followed.meaning


def test_the_token_python_expected_is_not_named_as_the_one_it_found():
    """From the fifth audit: `def test.x():` gives "expected '('"; the `(` later on the line is what Python wanted,
    the `.` at its caret is what it found, and the Where names that."""
    found = _first_case("import math\n\ndef test.x():\n    return 1\n")
    assert found.rule_id == "python.expected-token" and found.token == "."
    assert "`(`" in found.meaning  # what it expected is still said


def test_signs_glued_after_a_mistyped_operator_are_named_with_it():
    """From the sixth audit: `a =<* 3` explained as `=<` alone hid the `*` that would still be wrong after a swap."""
    found = _first_case("a =<* 3\n")
    assert found.token == "=<" and "`=<*`" in found.meaning
    assert "`===` is not an operator" in _first_case("if total === 3:\n    pass\n").meaning  # nothing glued


@pytest.mark.parametrize("rule_id", ["python.keyword-as-name", "python.invalid-decimal-literal"])
def test_the_meaning_opens_with_the_offending_code(rule_id):
    """The model restates the meaning it is given and loses what comes late in it ("a variable, a function or a
    parameter is used as a name", without the keyword): the offending code comes first."""
    found = [(d, classify(d)) for d in map(_diagnostic, _cases())]
    found = [(d, result) for d, result in found if result.rule_id == rule_id]
    assert len(found) >= 3
    for diagnostic, result in found:
        assert result.token and result.meaning.startswith(f"`{result.token}` on line {diagnostic.line}"), result.meaning


@pytest.mark.parametrize("source, quoted", [
    ("... = 1\n", "`...` on the left side of `=`"), ("x + 1 = 2\n", "`x + 1` on the left side of `=`"),
    ('del "Hello world!"\n', "applied to `\"Hello world!\"`"), ("print(42java)\n", "`42java` on line 1"),
    ("f(x for x in L, 1)\n", "The generator expression `x for x in L`"),
])
def test_meanings_quote_the_code_python_marks(source, quoted):
    """The model restates the meaning it is given: one that quotes no code ("the left side of `=` (ellipsis)")
    left its sentence naming none either (the checking half, 2026-12-01)."""
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = diagnose_sync("python", source, TutorSettings())
    assert quoted in Case.of(diagnostic, source).classification.meaning


@pytest.mark.parametrize("source, rule_id, said, not_said", [
    ("print(42java)\n", "python.invalid-imaginary", "followed by `j` as an imaginary", "0x"),
    ("n = 1jx\n", "python.invalid-imaginary", "followed by `j` as an imaginary", "0x"),
    ("n = 0o8\n", "python.invalid-digit", "after `0o` only 0–7", "`j`"),
    ("n = 0xg1\n", "python.invalid-number", "letters a–f", "`j`"),
    ("f(x for x in L, 1)\n", "python.generator-parentheses", "sole argument of a call", "several"),
    ("pairs = [x, y for x, y in z]\n", "python.comprehension-target", "must be a single expression", "argument"),
])
def test_each_number_and_comprehension_message_gets_the_why_that_fits_it(source, rule_id, said, not_said):
    """The third Qwen audit (2026-12-01): one why for every malformed number spoke of `0x` prefixes and `j`
    not `i` for `42java` (Python read `42j` then letters), and one for both comprehension messages said a
    generator needs parentheses when "its target has several parts". Each message now has its own why."""
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = diagnose_sync("python", source, TutorSettings())
    result = classify(diagnostic)
    assert result.rule_id == rule_id and said in result.why and not_said not in result.why, result.why


def test_a_wrong_digit_is_named_as_a_digit_of_a_number_in_its_base():
    """friendly-traceback's `0O1876` was told as "The number `8`" (the message names only the digit)."""
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    [diagnostic] = diagnose_sync("python", "b = 0O1876\n", TutorSettings())
    assert classify(diagnostic).meaning == "The digit `8` on line 1 cannot appear in a number written in octal."


@pytest.mark.parametrize("header, written, found", [
    ("def test.x():", "test.x", "`.`"), ("def my-func():", "my-func", "`-`"), ("def my func():", "my func", "`func`"),
    ("async def a.b(x):", "a.b", "`.`"),
])
def test_a_function_name_that_is_not_one_word_is_told_as_such(header, written, found):
    """Python says only "expected '('" (friendly-traceback's `def test.x():`, read as "a missing part" in the third
    Qwen audit): the line says the name runs on; a header that only lacks its parentheses keeps the rule's text."""
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    source = f"{header}\n    pass\n"
    [diagnostic] = diagnose_sync("python", source, TutorSettings())
    result = Case.of(diagnostic, source).classification
    assert result.meaning.startswith(f"The function's name `{written}` on line 1 is not a single name") and found in result.meaning
    assert "one word" in result.why and written not in result.hint
    [plain] = diagnose_sync("python", "def f:\n    pass\n", TutorSettings())
    assert Case.of(plain, "def f:\n    pass\n").classification.meaning == "Python expected `(` at this point on line 1."
