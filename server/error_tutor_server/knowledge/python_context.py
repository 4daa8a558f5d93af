"""Facts read from a Python program where the message alone does not say what is wrong.

Python says "cannot assign to __debug__" whether the fixed name is set as a variable, as an attribute
(after a `.`) or as a keyword argument, and "expected an indented block after 'for' statement on line N"
whether the block is mis-indented or missing altogether (nothing but blank lines and comments follow the
header), and "expected '('" whatever stands in a `def` line's name (`def test.x():`, `def my-func():`).
These functions read the offending line and the program and answer "" or None when unsure;
``texts_for`` gives the texts that fit, which ``context.in_context`` puts in place of the rule's own.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import code_of


_FIXED_NAME_AS = {
    "attribute": {
        "meaning": "On line {line} `{token}` is set as an attribute, after a `.`, but `{token}` is a name fixed by Python: it cannot be given a new value, not even as an attribute of an object.",
        "why": "A few names are fixed by the language, and Python refuses every assignment to them: as a variable, as an attribute or as a keyword argument.",
        "hint": "Which attribute did you mean to set on line {line}? It needs a name that is not `{token}`.",
        "fix": "Give the attribute a different, descriptive name instead of `{token}`.",
    },
    "keyword argument": {
        "meaning": "On line {line} `{token}` is used as the name of a keyword argument, but `{token}` is a name fixed by Python, so it cannot be given a value there.",
        "why": "A few names are fixed by the language, and Python refuses every assignment to them: as a variable, as an attribute or as a keyword argument.",
        "hint": "Which parameter did you mean to pass on line {line}? Its name cannot be `{token}`.",
        "fix": "Pass the value under the name of one of the function's parameters, not `{token}`.",
    },
}


def fixed_name_role(diagnostic: CompilerDiagnostic, token: str) -> str:
    """What a name Python fixes (`__debug__`) is assigned as on the line: "attribute" after a `.`, "keyword
    argument" after `(` or `,` and before a single `=`, "" otherwise (a variable, or unsure)."""
    if not token or diagnostic.language != "python":
        return ""
    code, name = code_of(diagnostic.source_line, "python"), re.escape(token)
    if re.search(rf"\.\s*{name}\b", code):
        return "attribute"
    return "keyword argument" if re.search(rf"[(,]\s*{name}\s*=(?!=)", code) else ""


_BLOCK_MISSING = {
    "meaning": "The `{keyword}` header on line {header} ends with `:`, so it starts a block, but its block is missing: nothing indented follows it in the file.",
    "why": "After a header line such as an if, for, while, def or class line, Python needs at least one indented statement; when the file ends, or only blank lines and comments follow, the block is empty.",
    "hint": "Which statements belong to the `{keyword}` on line {header}, and where must they stand in relation to it?",
    "fix": "Write the statements of the block below line {header}, indented one level deeper than the header; if the block is meant to be empty for now, give it the placeholder statement pass.",
}
_BLOCK_MISSING_JA = {
    "meaning": "{header} 行目の `{keyword}` の見出しは `:` で終わりブロックを始めていますが、そのブロックがありません。ファイルの中で、インデントされた行が後に続いていません。",
    "why": "if・for・while・def・class などの見出しの行の後には、インデントされた文が少なくとも 1 つ必要です。ファイルが終わるか、空行とコメントしか続かないと、ブロックは空になります。",
    "hint": "{header} 行目の `{keyword}` に属する文はどれですか？それはその行に対してどこに書く必要がありますか？",
    "fix": "{header} 行目の下に、見出しより 1 段深くインデントしてブロックの文を書きます。今は空にしておきたいなら、何もしない文 pass を書きます。",
}
_BLOCK_AFTER = re.compile(r"expected an indented block after '?(?P<keyword>[\w ]+?)'? (?:statement|definition)? ?on line (?P<header>\d+)")


def block_missing_after(diagnostic: CompilerDiagnostic, program: str) -> tuple[str, int] | None:
    """(keyword, header line) for "expected an indented block after 'for' statement on line N" when no code follows
    the header in the program (the file ends, or only blank lines and comments follow); None when unsure."""
    found = _BLOCK_AFTER.search(diagnostic.message)
    lines = program.splitlines()
    if not found or not 1 <= int(found["header"]) <= len(lines):
        return None
    header = int(found["header"])
    if any(code_of(text, "python").strip() for text in lines[header:]):
        return None
    keyword = found["keyword"].split()[0]
    return ("def" if keyword == "function" else keyword), header


_NAME_NOT_ONE_WORD = {
    "meaning": "The function's name `{written}` on line {line} is not a single name: Python read `{name}` as the name, then expected the `(` of the parameters and found `{after}`.",
    "why": "A function's name is one word of letters, digits and underscores, directly followed by the parentheses of its parameters; a `.`, a `-` or a space cannot be part of it.",
    "hint": "Which single name should the function on line {line} have?",
    "fix": "Write the function's name as one word, with underscores in place of dots, dashes or spaces.",
}
_NAME_NOT_ONE_WORD_JA = {
    "meaning": "{line} 行目の関数名 `{written}` は 1 つの名前になっていません。Python は `{name}` を名前と読み、次に引数の `(` を期待しましたが `{after}` がありました。",
    "why": "関数名は文字・数字・アンダースコアでできた 1 語で、すぐ後に引数の括弧が続きます。`.`・`-`・空白は名前に含められません。",
    "hint": "{line} 行目の関数には、どんな 1 つの名前を付けるべきですか？",
    "fix": "関数名を 1 語にし、点・ハイフン・空白の代わりにアンダースコアを使います。",
}
_DEF_NAME = re.compile(r"^\s*(?:async\s+)?def\s+(?P<name>\w+)(?P<after>\.|-|\s+(?=\w))(?P<rest>[^(:]*)")


def name_not_one_word(diagnostic: CompilerDiagnostic) -> dict[str, str] | None:
    """{name, after, written} for "expected '('" on a `def` line whose name runs on with `.`, `-` or a space and
    another word (`def test.x():`); None otherwise (`def f:` only lacks its parentheses)."""
    found = _DEF_NAME.match(code_of(diagnostic.source_line, "python"))
    if not found or "expected '('" not in diagnostic.message:
        return None
    written = (found["name"] + found["after"] + found["rest"]).strip()
    return {"name": found["name"], "after": found["after"].strip() or found["rest"].split()[0], "written": written}


def texts_for(rule_id: str, diagnostic: CompilerDiagnostic, program: str,
              token: str) -> tuple[dict, dict] | tuple[dict, dict, dict] | None:
    """(English texts, Japanese texts[, values]) for a fixed name set as an attribute or keyword argument, a
    header with no block after it, or a function name that is not one word; None when the rule's own texts fit."""
    if rule_id == "python.assign-to-keyword" and (role := fixed_name_role(diagnostic, token)):
        return _FIXED_NAME_AS[role], {}
    if rule_id == "python.expected-indented-block" and (block := block_missing_after(diagnostic, program)):
        return _BLOCK_MISSING, _BLOCK_MISSING_JA, {"keyword": block[0], "header": str(block[1])}
    if rule_id == "python.expected-token" and (parts := name_not_one_word(diagnostic)):
        return _NAME_NOT_ONE_WORD, _NAME_NOT_ONE_WORD_JA, parts
    return None
