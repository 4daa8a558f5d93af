"""The shape of every language's rule table: ids, fallback, patterns and templates."""

from __future__ import annotations

import re
import string

import pytest

from error_tutor_server.knowledge import TEXT_FIELDS, rules_for


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["c", "python", "java"])
def test_rule_ids_unique_prefixed_and_fallback_last(language):
    rules = rules_for(language)
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids))
    assert all(rule.language == language for rule in rules)
    assert all(re.fullmatch(rf"{language}\.[a-z0-9]+(?:-[a-z0-9]+)*", rule_id) for rule_id in ids)
    assert rules[-1].id == f"{language}.other" and rules[-1].patterns == ()
    assert all(rule.patterns for rule in rules[:-1])
    for rule in rules:
        assert len(rule.compiled) == len(rule.patterns)  # every pattern compiles
        assert rule.meaning and rule.why and rule.hint and rule.concept
        assert rule.fix or rule is rules[-1] or language != "c"


@pytest.mark.parametrize("language", ["c", "python", "java"])
def test_templates_are_well_formed_and_translations_match(language):
    for rule in rules_for(language):
        groups = {name for pattern in rule.compiled for name in pattern.groupindex}
        groups |= set(re.compile(rule.source).groupindex) if rule.source else set()  # the line's groups feed them too
        allowed = groups | {"token", "line", "message", "previous", "span"}  # what fill_rule provides
        for name in TEXT_FIELDS:
            english = getattr(rule, name)
            assert placeholders(english) <= allowed, (rule.id, name)
            for locale, texts in rule.translations.items():
                assert set(texts) <= set(TEXT_FIELDS), (rule.id, locale)
                if name in texts:
                    assert placeholders(texts[name]) <= placeholders(english), (rule.id, locale, name)


def test_a_type_said_with_a_vowel_first_gets_an():
    """javac's "int cannot be converted to ..." filled into "where a `{required}` is needed" read "a `int`"."""
    from error_tutor_server.diagnostics import CompilerDiagnostic
    from error_tutor_server.knowledge import classify

    diagnostic = CompilerDiagnostic(language="java", line=4, column=17, end_line=4, end_column=18, severity="error",
                                    message="incompatible types: String cannot be converted to int",
                                    source_line='        int n = "3";')
    assert "where an `int` is needed" in classify(diagnostic).meaning
    assert "`int` が必要な場所" in classify(diagnostic, "ja").meaning  # other languages are left as they are
    from error_tutor_server.knowledge import with_articles
    assert with_articles("a `union u` and a `double`, a `unsigned`", "en") == "a `union u` and a `double`, an `unsigned`"
