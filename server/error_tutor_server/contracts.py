"""Fact contracts: what an explanation of a message must say, and the claims it must never make.

Every shown text (the model's, and each rule's own) is held to the contract of its case: it must
name the identifier the message names and the key terms of its category, and it must not
contradict the message's facts or the code (an unused variable is not undeclared; a valid
specifier is not invalid; gcc's suggested name is not the missing one; ...). Each forbidden
claim is a small pure detector over (text, case) that only fires when the message's facts or the
code make the claim false. ``contract_violations(text, case)`` lists the reasons.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from error_tutor_server.case import Case
from error_tutor_server.checks import named_lines
from error_tutor_server.knowledge import rules_for
from error_tutor_server.knowledge.context import c_scope_at, header_read_as_statements, missing_condition_keyword

_QUOTED = re.compile(r"[‘'`\"]([^‘’'`\"\s]{1,60})[’'`\"]")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SUGGESTION = re.compile(r"did you mean:? [‘'`\"]([^‘’'`\"]+)[’'`\"]", re.IGNORECASE)
_UNUSED = re.compile(r"\bunused (?:variable|parameter)\b|\bset but not used\b|\bdefined but not used\b"
                     r"|\bassigned to but never used\b|\bimported but unused\b", re.IGNORECASE)
_VALUE_SET = re.compile(r"\bset but not used\b|\bassigned to but never used\b", re.IGNORECASE)
_SAYS_USED = r"(?:\b|`)(?:{name}|the variable|it)`?\s+(?:is|was|gets)\s+(?:only\s+|also\s+)?(?:used|read)\b(?!\s+(?:nowhere|anywhere))"
_SAYS_UNASSIGNED = re.compile(r"\bno value (?:is |was |has been )?(?:assigned|given|stored|set)\b|\bnever (?:been )?(?:assigned|"
                              r"given a value|initiali[sz]ed|set)\b|\bnot (?:been |yet )?(?:assigned|initiali[sz]ed)\b"
                              r"|\buninitiali[sz]ed\b|\bwithout (?:a |any )?(?:value|initiali[sz]\w*)\b", re.IGNORECASE)
_FORMAT_TYPES = re.compile(r"expects argument of type [‘'](?P<expected>[^’']+)[’'], but argument \d+ has type [‘'](?P<actual>[^’']+)[’']"
                           r"|format specifies type '(?P<expected2>[^']+)' but the argument has type '(?P<actual2>[^']+)'")
_EXPECTED_BEFORE = re.compile(r"expected (?P<expected>.+?) before (?P<before>[‘'].+?[’']|[a-z ]+constant|[a-z]+)")
_NOT_DECLARED = re.compile(r"\b(?:undeclared|undefined|not (?:been |yet )?(?:declared|defined)|never (?:been )?(?:declared|defined)"
                           r"|no declaration|not seen a declaration|without (?:a |any |being )?declar\w*|(?:does not|doesn't) exist"
                           r"|unknown (?:variable|name|identifier)|not known|cannot find)\b", re.IGNORECASE)
_SPECIFIER_INVALID = re.compile(r"\b(?:invalid|unknown|unrecognized|illegal|not a valid|nonexistent)\s+(?:format\s+|conversion\s+)?"
                                r"(?:specifier|conversion|format)|\b(?:specifier|conversion)\b[^.;]{0,30}\b(?:is|was) (?:invalid|"
                                r"not valid|unknown|not recognized)", re.IGNORECASE)
_SPECIFIER_WRONG = re.compile(r"\b(?:wrong|incorrect|mismatched)\s+(?:format\s+)?(?:specifier|conversion)", re.IGNORECASE)
_MISSING_COLON = re.compile(r"\b(?:missing|forg[eo]t\w*|lacks?|without|no)\s+(?:a\s+|the\s+|its\s+|any\s+)?(?:`:`|colon)"
                            r"|\b(?:colon|`:`)\s+(?:is\s+)?missing|\bexpected\s+(?:a\s+)?(?:`:`|colon)"
                            r"|\bneeds?\s+(?:a\s+|to end with (?:a\s+)?)(?:`:`|colon)", re.IGNORECASE)
_SECOND_ERROR = re.compile(r"\b(?:another|a second|an additional|a further|one more|also an?)\s+(?:\w+\s+)?(?:error|mistake|problem|bug)\b"
                           r"|\bthere (?:is|are) also\b|\balso (?:missing|undeclared|misspelled)\b", re.IGNORECASE)
_OUTSIDE_FUNCTION = re.compile(r"\boutside (?:of )?(?:any|a|every|the|all) functions?\b|\bnot (?:inside|in|within) (?:any|a) function\b"
                               r"|\bat (?:the )?(?:top level|file scope)\b", re.IGNORECASE)
_COMPARISON_TALK = re.compile(r"`==`|\bcompar\w*|\bdouble equals\b|\bassignment\b", re.IGNORECASE)
_KEYWORD_TALK = re.compile(r"`(?:if|elif|while)`|\bif\b|\bkeyword\b", re.IGNORECASE)
# types and type-like keywords quoted in messages ("from 'int' to 'char'"): the two types, not the identifier
_TYPE_WORDS = {"int", "char", "float", "double", "long", "short", "unsigned", "signed", "void", "struct", "union", "enum",
               "const", "sizeof", "bool", "_Bool", "String", "boolean", "byte", "Object", "asm", "__attribute__"}
_SYMBOL_NAMES = {";": "semicolon", ")": "parenthes", "(": "parenthes", "}": "brace", "{": "brace", "]": "bracket",
                 "[": "bracket", ":": "colon", ",": "comma"}


_QUOTED_CODE = re.compile(r"`([^`\n]+)`")


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` (a whole word for identifiers, anywhere for symbols)."""
    if _IDENTIFIER.match(name):
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None
    return name in text


def names_in_code(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` as code: quoted, or bare when it cannot be an English word like "a"."""
    if re.search(rf"[`'\"‘“]{re.escape(name)}[`'\"’”]", text):
        return True
    return len(name) > 2 and mentions(text, name)


def suggestion(case: Case) -> str:
    """The name the compiler suggests ("did you mean 'total'?"), or ""."""
    found = _SUGGESTION.search(case.diagnostic.message)
    return found.group(1) if found else ""


def message_identifier(case: Case) -> str:
    """The identifier the message names and the student wrote (not the suggestion), or ""."""
    suggested = suggestion(case)
    message = _SUGGESTION.sub("", case.diagnostic.message)
    names = [name for name in _QUOTED.findall(message)
             if _IDENTIFIER.match(name) and name != suggested and name not in _TYPE_WORDS and mentions(case.program, name)]
    return case.token if case.token in names else next(iter(names), "")  # the offending one, else the first


def format_types(case: Case) -> tuple[str, str]:
    """(expected, actual) of a format/argument type mismatch, or ("", "")."""
    found = _FORMAT_TYPES.search(case.diagnostic.message)
    if not found:
        return "", ""
    return (found["expected"] or found["expected2"]).strip(), (found["actual"] or found["actual2"]).strip()


def wants_address(case: Case) -> bool:
    """The argument is a plain value where the format wants a pointer to it: a scanf argument without `&`."""
    expected, actual = format_types(case)
    return bool(expected) and expected.replace(" ", "") == actual.replace(" ", "") + "*"


# ---- forbidden claims: each returns a reason when the text makes a claim the facts contradict ----------------

def calls_unused_undeclared(text: str, case: Case) -> str:
    if _UNUSED.search(case.diagnostic.message) and _NOT_DECLARED.search(text):
        return "calls an unused variable undeclared"
    return ""


def calls_unused_used_or_unset(text: str, case: Case) -> str:
    """An unused variable is not used; one that is "set but not used" has a value (the small models'
    favourite confusion: "`A` is used but not assigned" for *variable 'A' set but not used*)."""
    message = case.diagnostic.message
    if not _UNUSED.search(message):
        return ""
    name = re.escape(message_identifier(case) or "the variable")
    if re.search(_SAYS_USED.format(name=name), text, re.IGNORECASE):
        return "says the variable is used, but the message says it is not"
    if _VALUE_SET.search(message) and _SAYS_UNASSIGNED.search(text):
        return "says the variable has no value, but the message says one is assigned"
    return ""


def calls_valid_specifier_invalid(text: str, case: Case) -> str:
    if not format_types(case)[0]:
        return ""
    if _SPECIFIER_INVALID.search(text) or (wants_address(case) and _SPECIFIER_WRONG.search(text)):
        return "calls a valid format specifier invalid"
    return ""


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[.;:!?]\s|,\s*(?:but|while|whereas|and)\b|\bbut\b", text) if c.strip()]


def _said_undeclared(clause: str, names: tuple[str, ...]) -> str:
    """Which of ``names`` the clause calls undeclared: the last one named before the phrase, else the first after."""
    found = _NOT_DECLARED.search(clause)
    if not found:
        return ""
    def positions(part: str) -> list[tuple[int, str]]:
        return sorted((m.start(), name) for name in names if name
                      for m in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", part)
                      if names_in_code(part, name))
    before, after = positions(clause[:found.start()]), positions(clause[found.end():])
    return before[-1][1] if before else (after[0][1] if after else "")


def names_suggestion_as_missing(text: str, case: Case) -> str:
    suggested, missing = suggestion(case), message_identifier(case)
    if suggested and any(_said_undeclared(clause, (suggested, missing)) == suggested for clause in _clauses(text)):
        return "presents the suggested name as the missing one"
    return ""


def claims_missing_colon_present(text: str, case: Case) -> str:
    """The header line already ends with `:` (a def without a name, a condition without its `if`)."""
    diagnostic = case.diagnostic
    code = diagnostic.source_line.split("#", 1)[0].rstrip()
    if diagnostic.language == "python" and code.endswith(":") and "expected ':'" not in diagnostic.message \
            and _MISSING_COLON.search(text):
        return "says a colon is missing where the line has one"
    return ""


def invents_second_error(text: str, case: Case) -> str:
    return "invents a second error" if _SECOND_ERROR.search(text) else ""


def calls_inside_outside_function(text: str, case: Case) -> str:
    if case.diagnostic.language == "c" and _OUTSIDE_FUNCTION.search(text) \
            and c_scope_at(case.program, case.diagnostic.line) == "function":
        return "says the code is outside any function, but it is inside one"
    return ""


def names_expected_token_as_offending(text: str, case: Case) -> str:
    """gcc's "expected ')' before string constant": the `)` is what it wanted, not what it found."""
    found = _EXPECTED_BEFORE.search(case.diagnostic.message.replace("‘", "'").replace("’", "'"))
    if not found:
        return ""
    for symbol in re.findall(r"'([^']+)'", found["expected"]):
        if f"'{symbol}'" != found["before"] and re.search(rf"\bbefore (?:the )?`{re.escape(symbol)}`", text):
            return f"names the expected {symbol} as the token the compiler stopped at"
    return ""


def missing_keyword_as_comparison(text: str, case: Case) -> str:
    if missing_condition_keyword(case.diagnostic, case.program) and _COMPARISON_TALK.search(text) \
            and not _KEYWORD_TALK.search(text):
        return "explains a condition without its if as = versus =="
    return ""


# a message about a name that is not known: only then may a text say that something is undeclared
_LOOKUP_FAILED = re.compile(r"undeclared|undefined|not (?:been )?(?:declared|defined)|implicit declaration|cannot find symbol"
                            r"|unknown type|is not a type|no member|has no attribute|cannot (?:be )?resolve|unresolved"
                            r"|(?:does not|doesn't) exist|before assignment|not found|NameError|not visible|incomplete|No such file",
                            re.IGNORECASE)
_SAYS_UNDECLARED = re.compile(r"\bundeclared\b|\bnot (?:been |yet )?declared\b|\bno declaration\b|\bnever (?:been )?declared\b"
                              r"|\bnot seen a declaration\b|\b(?:cannot|can't|could not) find (?:any|the|a|an)\b"
                              r"|\b(?:is|was|are|were) not (?:been )?defined\b", re.IGNORECASE)
_EXCEPTION_PREFIX = re.compile(r"^\w+(?:Error|Warning): ")  # Python's "SyntaxError: " is not part of the facts
_SAYS_MISSING_SEMICOLON = re.compile(r"(?:missing|forg[eo]t\w*|lacks?|without|no)\s+(?:a\s+|the\s+|its\s+)?(?:`;`|semicolon)"
                                     r"|(?:semicolon|`;`)\s+(?:is\s+)?missing", re.IGNORECASE)


def claims_another_category(text: str, case: Case) -> str:
    """A claim that belongs to another kind of error than the message's: something undeclared when the
    message is not about an unknown name, a missing `;` or `:` when the message mentions neither. Small
    models copy such claims from the prompt's worked example or from the errors they saw most often."""
    message = "\n".join((case.diagnostic.message, *case.diagnostic.notes))
    if _SAYS_UNDECLARED.search(text) and not _LOOKUP_FAILED.search(message) and not _UNUSED.search(message):
        return "says something is undeclared, but the message is not about an unknown name"
    if _SAYS_MISSING_SEMICOLON.search(text) and ";" not in message and "semicolon" not in case.classification.category:
        return "says a semicolon is missing, but the message does not mention one"
    if _MISSING_COLON.search(text) and ":" not in _EXCEPTION_PREFIX.sub("", message) \
            and "colon" not in case.classification.category:
        return "says a colon is missing, but the message does not mention one"
    return ""


# "Extra closing parenthesis on line 8: ...": the label a fine-tuned model's text opens with (its targets' shape)
_LABEL = re.compile(r"^\s*(?P<label>[A-Z][A-Za-z' ()-]{2,60}?) on line \d+:")


def _label_words(text: str) -> frozenset[str]:
    return frozenset("paren" if word.startswith("parenthes") else word for word in re.findall(r"[a-z]+", text.lower()))


@functools.cache
def _category_labels(language: str) -> dict[frozenset[str], str]:
    """The words of every category of ``language`` (each rule id without its language), to the category."""
    return {_label_words(rule.id.split(".", 1)[-1].replace("-", " ")): rule.id.split(".", 1)[-1]
            for rule in rules_for(language)}


def labels_another_category(text: str, case: Case) -> str:
    """The text opens with the label of another kind of error than the message's ("Extra closing parenthesis"
    for gcc's `expected ';' before ')'` in a `for` header): a small model picks the label of the errors it saw
    most often, and the rest of its text then explains that other error."""
    found = _LABEL.match(text)
    other = _category_labels(case.diagnostic.language).get(_label_words(found["label"])) if found else None
    if other and other != case.classification.category:
        return f"opens as {other.replace('-', ' ')}, but the message is about {case.classification.category.replace('-', ' ')}"
    return ""


Detector = Callable[[str, Case], str]
DETECTORS: tuple[Detector, ...] = (calls_unused_undeclared, calls_unused_used_or_unset, calls_valid_specifier_invalid, names_suggestion_as_missing,
                                   claims_missing_colon_present, invents_second_error, calls_inside_outside_function,
                                   names_expected_token_as_offending, missing_keyword_as_comparison,
                                   claims_another_category, labels_another_category)


# ---- the contracts ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contract:
    """What a text for a case must name (each tuple: one of its words) and the claims it must not make."""

    key_terms: tuple[str, ...] = ()  # words of the category; one of them must appear (English texts)
    must_not_claim: tuple[Detector, ...] = DETECTORS

    def must_mention(self, case: Case) -> list[tuple[str, ...]]:
        """Key terms the text must use, each entry satisfied by any one of its words (English texts only)."""
        if case.locale != "en":
            return []
        if missing_condition_keyword(case.diagnostic, case.program):
            return [("`if`", " if ", "keyword")]  # the context decided what the error is (knowledge/context.py)
        if header_read_as_statements(case.classification.rule_id, case.diagnostic):
            return [_BRACES]  # a method header inside another method: the `}` missing above is the error
        wanted = [self.key_terms] if self.key_terms else []
        return wanted + [("&", "address", "pointer")] if wants_address(case) else wanted


_BRACES = ("}", "{", "brace")
# by category (the rule id without its language): the same kind of error has the same key terms in every language
CONTRACTS: dict[str, Contract] = {
    "missing-semicolon": Contract((";", "semicolon")),
    "struct-missing-semicolon": Contract((";", "semicolon")),
    "missing-closing-paren": Contract((")", "parenthes")),
    "extra-closing-paren": Contract((")", "parenthes")),
    "unclosed-brace": Contract(_BRACES), "brace-before-else": Contract(_BRACES),
    "extra-closing-brace": Contract(_BRACES), "missing-brace": Contract(_BRACES),
    "missing-colon": Contract((":", "colon")),
    "format-mismatch": Contract(("%", "format", "specifier", "conversion")),
    "format-missing-argument": Contract(("%", "format", "specifier", "conversion")),
    "format-extra-arguments": Contract(("%", "format", "specifier", "conversion")),
    "format-bad-conversion": Contract(("%", "format", "specifier", "conversion")),
    "unused-variable": Contract(("unused", "not used", "never used", "never use", "isn't used", "not use")),
    "undeclared-identifier": Contract(("declar",)), "undeclared-did-you-mean": Contract(("declar",)),
    "undefined-variable": Contract(("declar", "defined")),
    "implicit-declaration": Contract(("declar",)),
    "return-value-in-void": Contract(("return",)), "return-missing-value": Contract(("return",)),
    "missing-return": Contract(("return",)), "unexpected-return-value": Contract(("return",)),
    "assignment-as-condition": Contract(("==", "compar")),
    "equals-in-condition": Contract(("==", "compar")),
}
DEFAULT_CONTRACT = Contract()  # the message's identifier, and no forbidden claim


def contract_for(case: Case) -> Contract:
    return CONTRACTS.get(case.classification.category, DEFAULT_CONTRACT)


def meaning_name(case: Case) -> str:
    """The offending token when it is a name that the case's meaning quotes (`def` in "`def` on line 3 is a
    Python keyword"): a text without it has lost what the error is about ("" otherwise)."""
    token = case.classification.token
    return token if token and _IDENTIFIER.match(token) and f"`{token}`" in case.classification.meaning else ""


def names_code(text: str, code: str) -> bool:
    """``text`` names ``code`` as code, or a symbol by its name ("the semicolon" for `;`)."""
    return names_in_code(text, code) or (code in _SYMBOL_NAMES and _SYMBOL_NAMES[code] in text.lower())


def quoted_in_meaning(case: Case) -> list[str]:
    """The code the case's meaning quotes in backticks, each once, in order."""
    return list(dict.fromkeys(_QUOTED_CODE.findall(case.classification.meaning)))


def vaguer_than_the_guide(own_words: str, case: Case) -> str:
    """Why a model's own words say less than the guide's meaning would ("" when they do not): the meaning quotes
    code (the offending token, the keyword used as a name, the expected `;`) and they name none of it. Checked on
    the model's sentence alone, since the guide's why shown after it may name the code while the sentence itself
    says something else ("a variable, a function or a parameter is used as a name" for `def = 2`)."""
    quoted = quoted_in_meaning(case)
    if not quoted or any(names_code(own_words, code) for code in quoted):
        return ""
    return f"its own sentence names none of the code its guide's meaning names ({', '.join(quoted[:3])})"


def names_recased(own_words: str, case: Case) -> str:
    """Why a model's own words misname the code ("" when they do not): a name the guide's meaning quotes appears only
    with other capitals ("Decrypt" for `decrypt`), which in C, Java and Python is another name."""
    for name in quoted_in_meaning(case):
        if not _IDENTIFIER.match(name) or len(name) < 2:
            continue
        found = re.findall(rf"(?<![\w$]){re.escape(name)}(?![\w$])", own_words, re.IGNORECASE)
        if found and name not in found:
            return f"writes `{name}` as {found[0]}"
    return ""


_LINE_IN_PHRASE = re.compile(r"\b(\w+\s+\w+\s+lines?)\s+(\d+)", re.IGNORECASE)  # "the start of line 11"


def lines_unlike_the_guide(own_words: str, case: Case) -> str:
    """Why a model's own words misplace the error ("" when they do not): they repeat a phrase of the guide's
    meaning with another line number ("at the start of line 10" where the meaning says "at the start of line 11")."""
    guide: dict[str, set[str]] = {}
    for phrase, number in _LINE_IN_PHRASE.findall(case.classification.meaning):
        guide.setdefault(phrase.lower(), set()).add(number)
    for phrase, number in _LINE_IN_PHRASE.findall(own_words):
        if number not in guide.get(phrase.lower(), {number}):
            return f"says \"{phrase} {number}\" where its guide's meaning says line {' or '.join(sorted(guide[phrase.lower()]))}"
    return ""


def missing_mentions(text: str, case: Case) -> list[str]:
    """The message's identifier (a whole word, exactly), the name the meaning quotes, then the contract's key
    terms (any case)."""
    reasons = []
    if (name := message_identifier(case)) and not mentions(text, name):
        reasons.append(f"does not name `{name}`, which the message names")
    if (quoted := meaning_name(case)) and quoted != name and not mentions(text, quoted):
        reasons.append(f"does not name `{quoted}`, which its meaning names")
    lowered = text.lower()
    for alternatives in contract_for(case).must_mention(case):
        if not any(term.lower() in lowered for term in alternatives):
            reasons.append(f"does not mention {' or '.join(alternatives)}")
    return reasons


def contract_violations(text: str, case: Case) -> list[str]:
    """The reasons ``text`` breaks its case's contract ([] when it keeps it)."""
    contract = contract_for(case)
    claims = [reason for detector in contract.must_not_claim if (reason := detector(text, case))]
    return missing_mentions(text, case) + claims
