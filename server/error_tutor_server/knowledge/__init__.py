"""A knowledge base of the errors novices meet, per compiler.

``classify(diagnostic)`` finds the rule whose pattern matches the compiler's message and
returns a :class:`Classification`: the category, the concept behind it, the offending token
and texts (what it means, why it happens, a hint, and a fix for self-study). The texts are
templates over the regex's named groups plus ``{token}``, ``{line}``, ``{previous}`` (the
token just before the offending one on its line, "" when there is none) and ``{span}`` (the code the
compiler marks, such as Python's `x + 1` in `x + 1 = 2`; else the token). The rule-based
explanation is built from these texts, and the model is given them as facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import LANGUAGES

TEXT_FIELDS = ("meaning", "why", "hint", "fix")


@dataclass(frozen=True)
class Rule:
    """One kind of error: how to recognise it and what to say about it."""

    id: str  # "<language>.<kebab-case-name>", unique, e.g. "c.missing-semicolon"
    language: str  # a name in languages.LANGUAGES, e.g. "c"
    patterns: tuple[str, ...]  # regexes searched in the message; named groups feed the texts
    concept: str  # the idea a student must grasp, e.g. "statement terminators"
    meaning: str  # what the message means, in plain words
    why: str  # why it happens: the usual novice cause
    hint: str  # a nudge toward the fix that contains no corrected code
    fix: str = ""  # how to fix it (only shown at hint level "fix", still no full line of code)
    translations: dict = field(default_factory=dict)  # {"ja": {"meaning": ..., "why": ..., ...}}
    # for messages as general as "invalid syntax": a regex the offending line must match too
    # (its named groups feed the texts, like the message's)
    source: str = ""

    @property
    def compiled(self) -> tuple[re.Pattern, ...]:
        return _compile(self.patterns)

    def source_match(self, source_line: str) -> dict[str, str] | None:
        """The source regex's groups ({} without one), or None when the line does not fit."""
        if not self.source:
            return {}
        found = re.search(self.source, source_line)  # case matters: `True` is a keyword, `true` a name
        if not found:
            return None
        groups = found.groupdict(default="")
        # alternatives name their token token_<what> (a group name cannot repeat): the one that matched is the token
        token = next((v for k, v in groups.items() if k.startswith("token") and v), "")
        return {**groups, "token": token} if token else groups


@lru_cache(maxsize=None)
def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@dataclass(frozen=True)
class Classification:
    """A diagnostic understood: category, concept, offending token and the texts."""

    rule_id: str
    category: str  # the rule id without the language prefix, e.g. "missing-semicolon"
    concept: str
    token: str  # the offending token in the student's code ("" when unknown)
    meaning: str
    why: str
    hint: str
    fix: str
    matched: bool  # False when only the language's generic fallback applied

    def facts(self) -> str:
        """The grounding facts handed to the model. The meaning is among them: a small model restates a
        checked sentence faithfully, where it garbles one it must infer from the compiler's message
        (the audit of 2026-11-30: "a keyword argument comes after the positional ones", reversed)."""
        parts = [f"{FACT_KEYS[0]}: {self.category}", f"{FACT_KEYS[1]}: {self.concept}"]
        if self.token:
            parts.append(f"{FACT_KEYS[2]}: {self.token}")
        if self.meaning:
            parts.append(f"{FACT_KEYS[3]}: {self.meaning}")
        parts.append(f"{FACT_KEYS[4]}: {self.why}")
        return "\n".join(parts)


FACT_KEYS = ("Category", "Concept", "Offending token", "Meaning", "Likely cause")  # the facts' names in a prompt


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


_QUOTED = re.compile(r"[‘'`\"]([^‘’'`\"]{1,60})[’'`\"]")
_WORD = re.compile(r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*'
                   r"|==|!=|<=|>=|&&|\|\||\+\+|--|->|\S")


def code_of(line: str, language: str) -> str:
    """``line`` without a trailing comment (`#` in Python, `//` otherwise; kept when the line has quotes), trailing
    blanks removed."""
    comment = "#" if language == "python" else "//"
    return line.split(comment, 1)[0].rstrip() if comment in line and '"' not in line and "'" not in line \
        else line.rstrip()


def token_at(source_line: str, column: int) -> str:
    """The token that starts at (or covers) the 1-based ``column`` of ``source_line``."""
    index = max(column - 1, 0)
    tokens = list(_WORD.finditer(source_line))
    for match in tokens:
        if match.start() <= index < match.end() or match.start() >= index:
            return match.group(0)
    return tokens[-1].group(0) if tokens else ""  # reported past the end: the line's last token


def token_before(source_line: str, column: int, token: str) -> str:
    """The token just before ``token`` when ``token`` is the one at ``column`` on the line, else ""."""
    index = max(column - 1, 0)
    tokens = [m.group(0) for m in _WORD.finditer(source_line)]
    at = next((i for i, m in enumerate(_WORD.finditer(source_line)) if m.end() > index), len(tokens))
    return tokens[at - 1] if 0 < at < len(tokens) and tokens[at] == token else ""


_LOOKED_UP = re.compile(r"cannot find symbol\b")
# javac's "';' expected", "'(' or '[' expected": the quoted symbols are what it wanted, not what the student wrote
# what the compiler says it expected, not what it found: javac's "';' expected", Python's "expected '('"
_EXPECTED_LIST = re.compile(r"^(?:'[^']+'(?:\s*,\s*|\s+or\s+))*'[^']+'\s+expected\b|^(?:\w+Error:\s*)?expected\s+'[^']+'\s*$")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")


def offending_token(diagnostic: CompilerDiagnostic, groups: dict[str, str]) -> str:
    """The token to name: the rule's ``token`` group, a quoted name (not the symbols the compiler says it expected),
    or the one at the column."""
    if groups.get("token"):
        return groups["token"].strip()
    quoted = None if _EXPECTED_LIST.match(diagnostic.message) else _QUOTED.search(diagnostic.message)
    if quoted and quoted.group(1).strip() and quoted.group(1) in diagnostic.source_line:
        return quoted.group(1).strip()
    token = token_at(diagnostic.source_line, diagnostic.column)
    if token == "." and _LOOKED_UP.match(diagnostic.message):
        # javac points at the '.' of `x.name` when it cannot find `name`: the symbol is the member after it
        member = token_at(diagnostic.source_line, diagnostic.column + 1)
        return member if _NAME.fullmatch(member) else token
    return token


def rules_for(language: str) -> tuple[Rule, ...]:
    """The language's rule table (named by its record, imported on first use); () for an unknown one."""
    return LANGUAGES[language].rules if language in LANGUAGES else ()


def _texts(rule: Rule, locale: str) -> dict[str, str]:
    texts = {name: getattr(rule, name) for name in TEXT_FIELDS}
    texts.update(rule.translations.get(locale, {}))
    return texts


def classify(diagnostic: CompilerDiagnostic, locale: str = "en") -> Classification:
    """Match the message (then its notes) against the language's rules; the last is the fallback."""
    rules = rules_for(diagnostic.language)
    if not rules:
        raise ValueError(f"no knowledge base for language {diagnostic.language!r}")
    text = "\n".join((diagnostic.message, *diagnostic.notes))
    for rule in rules:
        for pattern in rule.compiled:
            match = pattern.search(text)
            if match and (in_source := rule.source_match(diagnostic.source_line)) is not None:
                return fill_rule(rule, diagnostic, {**match.groupdict(default=""), **in_source}, locale, True)
    return fill_rule(rules[-1], diagnostic, {}, locale, False)


def marked_code(diagnostic: CompilerDiagnostic, token: str) -> str:
    """The code the compiler marks from its column to its end column on the line (Python marks `x + 1` in
    `x + 1 = 2`), when that is a short run of code and more than a part of the offending token; else the token."""
    if diagnostic.end_line == diagnostic.line and diagnostic.end_column > diagnostic.column:
        code = diagnostic.source_line[diagnostic.column - 1:diagnostic.end_column - 1].strip()
        if 0 < len(code) <= 40 and code not in token:  # a part of the token (`j` of `42java`): the token
            return code
    return token


# "a `{required}`" filled with a type that is said with a vowel first: "an `int`", "an `Object`", "an `unsigned`"
_A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (`(?:[aeioAEIO]|un(?!i)))")


def with_articles(text: str, locale: str) -> str:
    """English ``text`` with "a" before a quoted name said with a vowel first made "an"."""
    return _A_BEFORE_VOWEL.sub(lambda m: f"{m[1]}n {m[2]}", text) if locale == "en" else text


def fill_rule(rule: Rule, diagnostic: CompilerDiagnostic, groups: dict, locale: str,
              matched: bool) -> Classification:
    """The rule's texts filled with ``groups`` (the message's, and the code's for a rule read in context)."""
    token = offending_token(diagnostic, groups)
    values = _Blank(groups, token=token, line=str(diagnostic.line), message=diagnostic.message,
                    span=marked_code(diagnostic, token),
                    previous=groups.get("previous") or token_before(diagnostic.source_line, diagnostic.column, token))
    texts = {k: with_articles(v.format_map(values).strip(), locale) for k, v in _texts(rule, locale).items()}
    return Classification(rule_id=rule.id, category=rule.id.split(".", 1)[1], concept=rule.concept,
                          token=token, matched=matched, **texts)
