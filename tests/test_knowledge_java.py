"""The Java knowledge base against real javac errors from a CS1 course (UPenn, Fall 2020)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import corpus
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import TEXT_FIELDS, classify, java_rules

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
CORPUS = CORPORA / "java_upenn_messages.jsonl"
RULES = java_rules.RULES


def _cases() -> list[dict]:
    return corpus("java_upenn_messages.jsonl")


def _diagnostic(case: dict) -> CompilerDiagnostic:
    """Message and line from the corpus; the offending line and the caret's column from the context."""
    context = case["message_with_context"].split("\n")
    source_line, column = "", 1
    if len(context) >= 3 and context[2].strip() == "^":
        source_line, column = context[1], context[2].index("^") + 1
    line = int(case["line"] or 1)
    return CompilerDiagnostic(language="java", line=line, column=column, end_line=line, end_column=column + 1,
                              severity="error", message=case["message"], source_line=source_line)


def _java(message: str, notes: tuple[str, ...] = (), source_line: str = "", column: int = 1) -> CompilerDiagnostic:
    return CompilerDiagnostic(language="java", line=3, column=column, end_line=3, end_column=column + 1,
                              severity="error", message=message, source_line=source_line, notes=notes)


def test_corpus_coverage():
    cases = _cases()
    results = [classify(_diagnostic(case)) for case in cases]
    missed = [case["message"] for case, result in zip(cases, results) if not result.matched]
    assert 1 - len(missed) / len(cases) >= 0.99, missed
    # the only misses allowed are the corpus's few empty messages
    assert all(message.strip() == "" for message in missed), missed


def test_most_frequent_rules_are_translated():
    counts = Counter(classify(_diagnostic(case)).rule_id for case in _cases())
    top = [rule_id for rule_id, _ in counts.most_common(10)]
    by_id = {rule.id: rule for rule in RULES}
    assert all("ja" in by_id[rule_id].translations for rule_id in top), top
    assert sum(1 for rule in RULES if "ja" in rule.translations) >= 10


def test_texts_are_filled_and_hold_no_code():
    for case in _cases():
        diagnostic = _diagnostic(case)
        for locale in ("en", "ja"):
            result = classify(diagnostic, locale)
            for name in TEXT_FIELDS:
                text = getattr(result, name)
                assert not re.search(r"\{[a-z_]+\}", text), (result.rule_id, name, text)
                if diagnostic.source_line and result.matched:
                    assert "``" not in text, (result.rule_id, name, text)
            for text in (result.hint, result.fix):  # never the student's line rewritten
                if len(diagnostic.source_line.strip()) > 12:
                    assert diagnostic.source_line.strip() not in text
    for rule in RULES:  # only single symbols or words in backticks, never a statement
        texts = [rule.hint, rule.fix] + [t.get(k, "") for t in rule.translations.values() for k in ("hint", "fix")]
        for text in texts:
            for span in re.findall(r"`([^`]+)`", text):
                assert len(span) <= 12 and span.count(" ") <= 1, (rule.id, span)


@pytest.mark.parametrize("kind, rule_id", [
    ("variable", "java.undefined-variable"), ("method", "java.undefined-method"), ("class", "java.undefined-class"),
])
def test_cannot_find_symbol_takes_kind_and_name_from_the_notes(kind, rule_id):
    name = "scoreFreq" if kind != "class" else "Scanner"
    signature = f"{name}(double[],int)" if kind == "method" else name
    diagnostic = _java("cannot find symbol", (f"symbol:   {kind} {signature}", "location: class hw0"),
                       source_line="        double total = compute(scores);", column=24)
    result = classify(diagnostic)
    assert result.rule_id == rule_id
    assert result.token == name  # from the notes, not the token at the column
    assert name in result.meaning


def test_cannot_find_symbol_without_notes_uses_the_column():
    result = classify(_java("cannot find symbol", source_line="    total = totl + 1;", column=13))
    assert result.rule_id == "java.cannot-find-symbol" and result.token == "totl"


@pytest.mark.parametrize("message, notes, expected", [
    ("';' expected", (), "java.missing-semicolon"),
    ("')' expected", (), "java.missing-parenthesis"),
    ("'(' expected", (), "java.missing-parenthesis"),
    ("']' expected", (), "java.missing-bracket"),
    ("'{' expected", (), "java.missing-brace"),
    ("<identifier> expected", (), "java.identifier-expected"),
    ("class, interface, or enum expected", (), "java.code-outside-class"),
    ("class, interface, enum, or record expected", (), "java.code-outside-class"),
    ("'.class' expected", (), "java.type-where-value-expected"),
    ("= expected", (), "java.token-expected"),
    ("illegal start of expression", (), "java.illegal-start-of-expression"),
    ("illegal start of type", (), "java.illegal-start-of-type"),
    ("illegal start of statement", (), "java.illegal-start-of-statement"),
    ("not a statement", (), "java.not-a-statement"),
    ("incompatible types: String cannot be converted to int", (), "java.incompatible-types"),
    ("incompatible types: int cannot be converted to boolean", (), "java.condition-not-boolean"),
    ("incompatible types: possible lossy conversion from double to int", (), "java.lossy-conversion"),
    ("incompatible types: unexpected return value", (), "java.unexpected-return-value"),
    ("incompatible types", (), "java.incompatible-types-other"),
    ("missing return statement", (), "java.missing-return"),
    ("reached end of file while parsing", (), "java.reached-end-of-file"),
    ("missing method body, or declare abstract", (), "java.missing-method-body"),
    ("interface abstract methods cannot have body", (), "java.interface-method-body"),
    ("invalid method declaration; return type required", (), "java.return-type-required"),
    ("bad operand types for binary operator '&&'", ("first type:  int", "second type: boolean"),
     "java.bad-operand-types"),
    ("bad operand type String for unary operator '!'", (), "java.bad-operand-unary"),
    ("bad operand type double[] for unary operator '++'", (), "java.bad-operand-unary-array"),
    ("'else' without 'if'", (), "java.else-without-if"),
    ("unclosed string literal", (), "java.unclosed-string"),
    ("unclosed character literal", (), "java.unclosed-char-literal"),
    ("unreachable statement", (), "java.unreachable-statement"),
    ("variable total might not have been initialized", (), "java.uninitialized-variable"),
    ("variable i is already defined in method main(String[])", (), "java.already-defined"),
    ("non-static method getMovie() cannot be referenced from a static context", (), "java.static-context"),
    ("non-static variable head cannot be referenced from a static context", (), "java.static-context"),
    ("score has private access in Review", (), "java.private-access"),
    ("method draw in class Space cannot be applied to given types;",
     ("required: no arguments", "found:    Body[]", "reason: actual and formal argument lists differ in length"),
     "java.wrong-arguments"),
    ("constructor LFSR in class LFSR cannot be applied to given types;", (), "java.wrong-arguments"),
    ("no suitable method found for charAt(no arguments)", (), "java.wrong-arguments"),
    ("Tour is not abstract and does not override abstract method draw() in Shape", (), "java.missing-override"),
    ("method does not override or implement a method from a supertype", (), "java.override-mismatch"),
    ("int cannot be dereferenced", (), "java.primitive-dereference"),
    ("array required, but int found", (), "java.array-required"),
    ("incomparable types: String and char", (), "java.incomparable-types"),
    ("class Greeter is public, should be declared in a file named Greeter.java", (), "java.public-class-file-name"),
    ("unexpected type", ("required: variable", "found:    value"), "java.unexpected-type"),
    ("cannot access LFSR", ("bad source file: LFSR.java",), "java.cannot-access-class"),
    ("package curr does not exist", (), "java.package-not-found"),
    ("cannot assign a value to final variable length", (), "java.final-assignment"),
    ("illegal character: '\\u201c'", (), "java.illegal-character"),
    ("unreported exception FileNotFoundException; must be caught or declared to be thrown", (),
     "java.unreported-exception"),
    ("'void' type not allowed here", (), "java.void-value"),
    ("something javac has never said", (), "java.other"),
])
def test_messages(message, notes, expected):
    assert classify(_java(message, notes)).rule_id == expected


def test_named_groups_reach_the_texts():
    result = classify(_java("incompatible types: String cannot be converted to int"))
    assert "`String`" in result.meaning and "`int`" in result.meaning
    result = classify(_java("variable total might not have been initialized", source_line="  x = total;", column=7))
    assert result.token == "total"
    result = classify(_java("method leaveReview in class Customer cannot be applied to given types;",
                            source_line="   leaveReview(movie);", column=4))
    assert result.token == "leaveReview"
    result = classify(_java("class Greeter is public, should be declared in a file named Greeter.java"))
    assert "Greeter.java" in result.fix


def test_a_member_that_cannot_be_found_is_named_not_the_dot():
    """javac's caret sits on the '.' of `str.length` when it cannot find `length` (as the course's
    messages show it, without javac's symbol: note): the explanation names the member, never '.'."""
    found = [d for d in map(_diagnostic, _cases()) if d.message == "cannot find symbol"
             and d.source_line[d.column - 1:d.column] == "."]
    assert found, "the corpus has members javac could not find"
    for diagnostic in found:
        token = classify(diagnostic).token
        assert token != "." and re.fullmatch(r"[A-Za-z_$][\w$]*", token), (diagnostic.source_line, token)
        assert diagnostic.source_line[diagnostic.column:].startswith(token)


# ---- helpers shared with test_java_context.py and test_java_misreads.py ---------------------------------------------

def _javac_cases(program: str, message: str) -> list:
    from error_tutor_server.case import Case
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.settings import TutorSettings

    found = [d for d in diagnose_sync("java", program, TutorSettings(), filename="Main.java") if d.message == message]
    return [Case.of(d, program) for d in found]


def _corpus_case(case_id: str, locale: str = "en"):
    """A recorded javac diagnostic of the course (its offending line stands for the program)."""
    from error_tutor_server.case import Case

    diagnostic = _diagnostic(next(case for case in _cases() if case["id"] == case_id))
    return Case.of(diagnostic, diagnostic.source_line, locale)


def _context(diagnostic: CompilerDiagnostic, locale: str = "en"):
    from error_tutor_server.case import Case

    return Case.of(diagnostic, diagnostic.source_line, locale).classification
