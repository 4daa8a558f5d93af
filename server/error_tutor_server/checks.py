"""The checker: an explanation is shown only if it passes every check.

It rejects text that leaks the fix (code the student did not write, the fixed line),
names a line or token that is not the error's, is empty, garbled or truncated, or is
not in the student's language. Pure functions: tests call them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import FACT_KEYS

_CODE_FENCE = re.compile(r"```|~~~")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_QUOTED_CODE = re.compile(r"`([^`\n]+)`|\"([^\"\n]{3,})\"|“([^”\n]{3,})”")
_PRESCRIBES = re.compile(r"\b(correct|change|rewrite|replace|fix|modify|update)\b[^.\n]{0,60}\b(to|with|as|into)\s*[:\"`“']",
                         re.IGNORECASE)
_GIVEAWAY = re.compile(r"\b(solution|answer|fix|corrected (code|line|version))\s*(is|would be|:)|\bhere is the\b|"
                       r"\b(write|type|use|put)\b[^.\n]{0,60}\binstead\b|\bjust (add|write|type|put)\b", re.IGNORECASE)
# statements embedded in prose: declarations, assignments, calls, block headers
_EMBEDDED_CODE = re.compile(
    r"\b(?:int|float|double|char|long|short|void|String|boolean|unsigned)\s+\**\w+\s*(?:=[^.;\n]*)?;"
    r"|\b\w+(?:\[[^\]\n]*\])?\s*(?:[-+*/]?=)\s*[^=\s.][^;\n]{0,60};"
    r"|\b\w+(?:\.\w+)*\s*\((?![^()\n]*\b[a-z]+,? [a-z]+,? [a-z]+\b)[^()\n]{0,80}\)\s*;"  # a call, not prose
    r"|\b(?:if|while|for|elif|def|class)\b[^\n:;{]{1,80}(?::|\{)\s*(?:$|\n)"
    r"|#include\s*[<\"][^>\"\n]+[>\"]"
    r"|\b(?:if|elif|while|for|def|class)\b[^\n:.]{0,80}?(?:[()<>=\[\]]|\bin\b)[^\n:.]{0,80}:(?=[\s\"'”]|$)"  # Python headers
    r"|\b\w+\s*=\s*[\[({\"'][^\n]{0,80}[\])}\"']"  # assignments of literals, without ';'
    r"|\b(?:if|while|for|switch)\s*\([^\n]{0,80}\)\s*\{")
# an aside in parentheses, "(or switch)", "(if any)": prose, never a call or a condition
_PROSE_ASIDE = re.compile(r"\((?:at|or|and|if|e\.g\.|i\.e\.|for example|such as|the|a|an|any|not|only|usually|often|"
                          r"maybe|possibly|which|that|see|it|they|also)\b[A-Za-z ,'.-]{0,40}\)")
_PROMPT_KEYS = re.compile(r"\b(?:%s):" % "|".join(map(re.escape, FACT_KEYS)))  # "Meaning:" echoed from the prompt
_META = re.compile(r"\bthe student\b|\bignore (the|all|your|my|previous)\b|\bas an ai\b|\bI am\b|\bI'm\b|\blanguage model\b|\bassistant\b", re.IGNORECASE)
MAX_CHARS, MAX_SENTENCES = 700, 5
_LINE_REF = re.compile(r"\b(?:line|ligne|行)\s*(\d+)|(\d+)\s*行目", re.IGNORECASE)
_CODE_LIKE = re.compile(r"[;{}]|\w\s*\(.*\)|\w\s*=\s*\S|\bprint\s*\(|#include|\breturn\b.*;")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MIN_CHARS = 25


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)


def normalize_code(text: str) -> str:
    return re.sub(r"\s+", "", text)


def without_quoted_lines(text: str, program: str) -> str:
    """``text`` without the student's own code quoted in backticks (longer than a token or two)."""
    def blank(match: re.Match) -> str:
        compact = normalize_code(match.group(1))
        return " " if (len(compact) >= 8 or " " in match.group(1).strip()) and compact in program else match.group(0)
    return _BACKTICK.sub(blank, text)


def without_asides(text: str) -> str:
    """``text`` with its prose asides in parentheses blanked out."""
    return _PROSE_ASIDE.sub(lambda m: " " * len(m.group()), text)


def unquoted_prose(text: str) -> str:
    """``text`` without its backticked spans and its asides: where unquoted code would show."""
    return without_asides(_BACKTICK.sub(" ", text))


def introduced_code(text: str, program_text: str, hint_level: str = "hint") -> list[str]:
    """Code-like spans in ``text`` that the student did not write (a possible fix)."""
    program = normalize_code(program_text)
    spans = [next(g for g in m.groups() if g) for m in _QUOTED_CODE.finditer(text)]
    prose_free = unquoted_prose(text)  # quoted spans were taken above
    spans += [line for line in prose_free.splitlines()
              if _CODE_LIKE.search(line) and len(line.split()) <= 12 and not _JAPANESE.search(line)]
    leaks = []
    for span in spans:
        compact = normalize_code(span)
        if len(compact) <= 2 or _IDENTIFIER.match(compact) or compact in program:
            continue  # a symbol, a name, or the student's own code quoted back
        if hint_level == "fix" and len(compact) <= 12:
            continue  # self-study level may name a short fragment
        if _CODE_LIKE.search(span):
            leaks.append(span.strip())
    return leaks


def leaks_fix(text: str, program_text: str, fixed_line: str = "", hint_level: str = "hint") -> list[str]:
    """Reasons the text gives the fix away; ``fixed_line`` is known only in evaluation."""
    reasons = []
    if _CODE_FENCE.search(text):
        reasons.append("contains a code block")
    fixed = normalize_code(fixed_line)
    if fixed and len(fixed) > 3 and fixed not in normalize_code(program_text) and fixed in normalize_code(text):
        reasons.append("contains the fixed line")
    program = normalize_code(program_text)
    words = without_quoted_lines(text, program)  # a comment in the student's own line is not our advice
    if _PRESCRIBES.search(words) or _GIVEAWAY.search(words):
        reasons.append("tells the student what to write")
    for match in _EMBEDDED_CODE.finditer(unquoted_prose(text)):
        if normalize_code(match.group(0)) not in program:
            reasons.append(f"writes code `{match.group(0).strip()[:40]}`")
    reasons += [f"introduces code `{span}`" for span in introduced_code(text, program_text, hint_level)]
    return reasons


def named_lines(text: str) -> list[int]:
    """The line numbers ``text`` names ("line 7"), in order."""
    return [int(m.group(1) or m.group(2)) for m in _LINE_REF.finditer(text)]


def wrong_location(text: str, allowed_lines: set[int], program_text: str, message: str) -> list[str]:
    """Line numbers that are not the error's, and quoted names found nowhere in the code."""
    reasons = [f"names line {number}" for number in named_lines(text) if number not in allowed_lines]
    lines = program_text.splitlines()
    nearby_text = "\n".join(lines[n - 1] for n in allowed_lines if 0 < n <= len(lines))
    nearby = normalize_code(nearby_text)
    for span in _BACKTICK.findall(text):
        name = span.strip()
        if _IDENTIFIER.match(name) and name not in nearby_text and name not in message and len(name) > 1:
            where = "on the error's line" if name in program_text else "in the code"
            reasons.append(f"names `{name}`, which is not {where}")
    for match in _QUOTED_CODE.finditer(text):
        compact = normalize_code(next(g for g in match.groups() if g))
        if len(compact) > 3 and _CODE_LIKE.search(compact) and compact in normalize_code(program_text) \
                and compact not in nearby and compact not in normalize_code(message):
            reasons.append("quotes code from another line")
    return reasons


def is_garbled(text: str) -> list[str]:
    stripped = text.strip()
    if len(stripped) < MIN_CHARS:
        return ["empty or too short"]
    reasons = []
    letters = sum(ch.isalpha() for ch in stripped)
    if letters / len(stripped) < 0.55:
        reasons.append("mostly symbols")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in stripped) or "\ufffd" in stripped:
        reasons.append("control characters")
    if len(stripped) > MAX_CHARS or len(re.findall(r"[.!?。](\s|$)", stripped)) > MAX_SENTENCES:
        reasons.append("too long")
    if _META.search(stripped):
        reasons.append("talks about itself or the student instead of to the student")
    if _PROMPT_KEYS.search(stripped):
        reasons.append("echoes the names of the prompt's facts")
    words = stripped.lower().split()
    trigrams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    if len(trigrams) >= 6 and len(set(trigrams)) / len(trigrams) < 0.7:
        reasons.append("repeats itself")
    return reasons


def is_truncated(text: str, finish_reason: str) -> list[str]:
    if finish_reason == "length":
        return ["cut off at the token limit"]
    if not re.search(r"[.!?。！？)`]\s*$", text.strip()):
        return ["does not end a sentence"]
    return []


def wrong_language(text: str, locale: str) -> list[str]:
    japanese = len(_JAPANESE.findall(text))
    if locale == "ja" and japanese < 5:
        return ["not in Japanese"]
    if locale == "en" and japanese > 0:
        return ["not in English"]
    return []


def off_topic(text: str, anchors: set[str]) -> list[str]:
    """The text must mention the error's subject: its token or a word of its category/concept."""
    lowered = text.lower()
    if anchors and not any(anchor.lower() in lowered for anchor in anchors if anchor):
        return ["does not mention the error's subject"]
    return []


def check_explanation(text: str, diagnostic: CompilerDiagnostic, program_text: str, *,
                      allowed_lines: set[int] | None = None, finish_reason: str = "stop",
                      locale: str = "en", hint_level: str = "hint", fixed_line: str = "",
                      anchors: set[str] | None = None, facts: str = "") -> CheckResult:
    """All checks; ``ok`` only when no reason was found. ``facts``: what the model was handed besides the
    message (the rule's meaning and why): a name quoted from them, such as the `int` of "declared with a
    type (such as `int`)", is not a claim about the student's code."""
    allowed = allowed_lines or {diagnostic.line}
    reasons = (is_garbled(text) + is_truncated(text, finish_reason) + off_topic(text, anchors or set())
               + leaks_fix(text, program_text, fixed_line, hint_level)
               + wrong_location(text, allowed, program_text, "\n".join((diagnostic.message, facts)))
               + wrong_language(text, locale))
    return CheckResult(ok=not reasons, reasons=tuple(dict.fromkeys(reasons)))
