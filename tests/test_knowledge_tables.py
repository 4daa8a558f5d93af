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
        allowed = groups | {"token", "line", "message"}
        for name in TEXT_FIELDS:
            english = getattr(rule, name)
            assert placeholders(english) <= allowed, (rule.id, name)
            for locale, texts in rule.translations.items():
                assert set(texts) <= set(TEXT_FIELDS), (rule.id, locale)
                if name in texts:
                    assert placeholders(texts[name]) <= placeholders(english), (rule.id, locale, name)
