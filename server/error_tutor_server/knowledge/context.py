"""Facts read from the program around a diagnostic, where a rule's text depends on them.

A message alone does not say whether the offending line is inside a function, which token
gcc really stopped at when it names a kind of token ("before string constant"), whether a
condition lacks its `if`, which `else` or loop a `}` leaves without its statement, or whether
the line javac calls "not a statement" is a method's header or a `for` loop's. These functions
decide it from the code, and answer None (unsure) rather than guess; ``in_context`` then swaps
a rule's text for one that fits, or for a more general one when unsure. The checker's fact
contracts (``contracts.py``) ask the same questions.
"""

from __future__ import annotations

import dataclasses
import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import (Classification, Rule, c_brace_context, c_expression_context, code_of, fill_rule,
                                         java_context, prose, python_context, rules_for, token_at, token_before)

# comments, string and character literals and preprocessor lines, blanked so braces in them do not count
_C_NOISE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|^[ \t]*#[^\n]*', re.S | re.M)
# gcc names a kind of token instead of quoting it: the token is the one at the column
_DESCRIBED_TOKEN = re.compile(r"\bbefore (?:string|numeric|character) constant\b")
_CONDITION_OPERATOR = re.compile(r"==|!=|<=|>=|<|>|&&|\|\||\b(?:and|or|not|in|is)\b|(?<![=!<>])=(?!=)")
_PY_BLOCK_KEYWORDS = {"if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
                      "async", "match", "case", "lambda"}
_C_OPEN_CONTINUATION = re.compile(r"(?:\b(?:if|while|for|switch|else|return)|&&|\|\||[,(=?:])\s*$")
# `else (a > b) {`: a condition written after a plain `else`
_ELSE_CONDITION = re.compile(r"^\}?\s*else\s*\((?P<inside>.*)\)\s*(?:\{.*)?$")
# library functions a novice calls; a program's own functions are recognised by a call or definition with `(`
_LIBRARY_FUNCTIONS = {"printf", "scanf", "puts", "gets", "fgets", "putchar", "getchar", "malloc", "calloc", "realloc",
                      "free", "strlen", "strcpy", "strcat", "strcmp", "sqrt", "pow", "abs", "exit"}
# a Java method's header: modifiers or a return type, a name, parameters (a type and a name each), then `{`
_JAVA_TYPE = r"[A-Za-z_$][\w$.]*(?:\s*<[^()]*?>)?(?:\s*\[\s*\])*"
_JAVA_PARAMETER = rf"(?:final\s+)?{_JAVA_TYPE}(?:\.\.\.)?\s+[A-Za-z_$][\w$]*(?:\[\])*"
_JAVA_METHOD_HEADER = re.compile(
    r"^\s*(?P<modifiers>(?:(?:public|private|protected|static|final|abstract|synchronized|native|strictfp)\s+)*)"
    rf"(?:<[^()<>]*>\s*)?(?:(?P<type>{_JAVA_TYPE})\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*"
    rf"\(\s*(?:{_JAVA_PARAMETER}(?:\s*,\s*{_JAVA_PARAMETER})*)?\s*\)\s*(?:throws\s+[\w$.,\s]+?)?\s*\{{?\s*$")
_JAVA_KEYWORDS = {"return", "new", "throw", "else", "case", "if", "while", "for", "switch", "catch", "do", "try"}
# a function header ended by `;` (a prototype): `int max(int a, int b);`
_PROTOTYPE = re.compile(r"^[A-Za-z_][\w\s*]*[\s*][A-Za-z_]\w*\s*\([^;{}]*\)\s*;$")


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _opened_by(header: str, at_file_scope: bool) -> str | None:
    """What a `{` after ``header`` opens: "data" (struct, initializer), "block" (a function body or a block
    in one), None when it cannot open anything at file scope (a body after `;`: the code is broken there)."""
    if header.endswith(("=", ",", "{")) or re.search(r"\b(?:struct|union|enum)\b[^()]*$", header):
        return "data"
    return "block" if not at_file_scope or header.endswith(")") else None


def c_scope_at(program: str, line: int) -> str | None:
    """"function" when ``line`` starts inside a function body, "file" when at file scope
    (possibly inside a struct or an initializer there); None when the braces before it do not balance."""
    code = _C_NOISE.sub(_blank, program)
    before = "".join(code.splitlines(keepends=True)[:max(line - 1, 0)])
    kinds: list[str] = []  # what each open brace opened
    last_separator = -1
    for index, char in enumerate(before):
        if char == "{":
            kind = "data" if kinds and kinds[-1] == "data" else \
                _opened_by(before[last_separator + 1:index].strip(), at_file_scope="block" not in kinds)
            if kind is None:
                return None
            kinds.append(kind)
        elif char == "}":
            if not kinds:
                return None
            kinds.pop()
        if char in "{};":
            last_separator = index
    return "function" if "block" in kinds else "file"


def described_token(diagnostic: CompilerDiagnostic) -> str:
    """The token the compiler stopped at when it only names its kind: gcc's "before string constant", Python's
    "unterminated triple-quoted string" (its three quotes as written, at the column or else the line's first);
    else ""."""
    if diagnostic.language == "python" and "triple-quoted" in diagnostic.message:
        quotes = list(re.finditer(r'"""|\'\'\'', diagnostic.source_line))
        at = [m for m in quotes if m.start() <= diagnostic.column - 1 < m.end()]
        return (at or quotes)[0].group() if quotes else ""
    if diagnostic.language != "c" or not _DESCRIBED_TOKEN.search(diagnostic.message) or not diagnostic.source_line:
        return ""
    return token_at(diagnostic.source_line, diagnostic.column)


def missing_condition_keyword(diagnostic: CompilerDiagnostic, program: str) -> bool:
    """Whether the offending line is a condition that opens a block but has no `if`/`while` before it."""
    lines = program.splitlines()
    if not 1 <= diagnostic.line <= len(lines):
        return False
    code = code_of(lines[diagnostic.line - 1], diagnostic.language).strip()
    if diagnostic.language == "python":
        first = re.match(r"\w*", code).group()
        return code.endswith(":") and first not in _PY_BLOCK_KEYWORDS and bool(_CONDITION_OPERATOR.search(code[:-1]))
    if diagnostic.language == "c":
        condition = re.fullmatch(r"\((?P<inside>.*)\)\s*\{?", code)
        above = next((code_of(text, "c").strip() for text in reversed(lines[:diagnostic.line - 1]) if text.strip()), "")
        return bool(condition and _CONDITION_OPERATOR.search(condition["inside"])
                    and not _C_OPEN_CONTINUATION.search(above))
    return False


# Texts that fit the context better than the rule's own, by rule id and the context decided.
_INSIDE_FUNCTION_DECLARATION = {
    "meaning": "The declaration on line {at}, inside a function, is unfinished: the compiler expected a name (or `(`) in it, and found `{token}` on line {line} instead.",
    "why": "After its type a declaration needs a name made of letters, digits and `_` that does not start with a digit and is not a keyword; a stray type word or comma leaves the compiler without it.",
    "hint": "Look at the declaration on line {at}: is the word after the type a valid name, and why is `{token}` where the name should be?",
    "fix": "Give the declaration a valid name, or remove the stray word or comma before `{token}`.",
}
_BRACE_INSIDE_FUNCTION = {
    "meaning": "The compiler did not expect the `}}` on line {line}: by its reading no block is open there, although your braces put line {line} inside a function.",
    "why": "An earlier error, such as a missing `;` or `(`, or a line it could not read, can make the compiler lose track of the blocks; a later `}}` then seems to close nothing.",
    "hint": "Look at the first error reported above line {line}, then check that each `{{` has exactly one `}}`.",
    "fix": "Correct the earlier error first; if this message remains, remove the extra `}}`.",
}
_BRACE_INSIDE_FUNCTION_JA = {
    "meaning": "コンパイラは {line} 行目の `}}` を予想していませんでした。括弧を数えると {line} 行目は関数の中ですが、コンパイラの読みではそこで開いているブロックがありません。",
    "why": "`;` や `(` の抜け、読めない行など前のエラーがあると、コンパイラはブロックを見失い、後の `}}` が何も閉じていないように見えます。",
    "hint": "{line} 行目より上で最初に報告されたエラーを見てから、各 `{{` にちょうど 1 つの `}}` があるか確認しましょう。",
    "fix": "まず前のエラーを直します。それでもこのメッセージが残るなら、余分な `}}` を削除します。",
}
_INSIDE_FUNCTION_DECLARATION_JA = {
    "meaning": "関数の中の {at} 行目の宣言が完成していません。名前（または `(`）が必要でしたが、代わりに {line} 行目の `{token}` がありました。",
    "why": "宣言では型の後に、英字・数字・`_` からなり数字で始まらずキーワードでもない名前が必要です。余分な型名やカンマがあると名前が見つかりません。",
    "hint": "{at} 行目の宣言を見ましょう。型の後の語は正しい名前ですか？なぜ名前の位置に `{token}` がありますか？",
    "fix": "宣言に正しい名前を付けるか、`{token}` の前の余分な語やカンマを削除します。",
}
_UNSURE_WHERE_DECLARATION_JA = {
    "meaning": "{line} 行目の `{token}` の前に名前（または `(`）が必要でしたが、そこのコードは正しい宣言になっていません。",
    "why": "宣言に正しい名前がない（名前は数字で始められず、キーワードも使えません）か、前の余分な `}}` が関数を早く閉じて、このコードが外に出ています。",
    "hint": "{at} 行目の宣言と、その上の括弧を確認しましょう。各 `{{` にちょうど 1 つの `}}` がありますか？",
    "fix": "宣言に正しい名前を付けるか、関数を早く閉じている `}}` を削除します。",
}
_UNSURE_WHERE_DECLARATION = {
    "meaning": "The compiler expected a name (or `(`) before `{token}` on line {line}, but the code there is not a valid declaration.",
    "why": "Either a declaration has no valid name (a name cannot start with a digit or be a keyword), or an extra `}}` earlier closed a function too soon and left this code outside it.",
    "hint": "Check the declaration on line {at}, and the braces above it: does every `{{` have exactly one `}}`?",
    "fix": "Give the declaration a valid name, or remove the `}}` that closes the function too early.",
}
_MISSING_KEYWORD = {
    "meaning": "Line {line} looks like a condition that opens a block, but no keyword such as {keywords} comes before it.",
    "why": "A condition controls a block only when a keyword introduces it; without one the line is read as an ordinary statement, and the block after it makes no sense.",
    "hint": "Which keyword should line {line} start with: is it meant to be {choices}?",
    "fix": "Start line {line} with the keyword that the condition belongs to.",
}
_MISSING_KEYWORD_JA = {
    "meaning": "{line} 行目はブロックを始める条件のように見えますが、その前に {keywords} などのキーワードがありません。",
    "why": "条件はキーワードが前にあるときだけブロックを制御します。ないと普通の文として読まれ、後のブロックが意味をなさなくなります。",
    "hint": "{line} 行目はどのキーワードで始まるべきですか？{choices}ですか？",
    "fix": "{line} 行目を、条件が属するキーワードで始めます。",
}

# the keywords a condition may lack, per language (C has no `elif`: audit, 2026-11-30), in English and Japanese
_KEYWORD_WORDS = {
    "python": ({"keywords": "`if`, `elif` or `while`", "choices": "an `if`, an `elif` or a loop"},
               {"keywords": "`if`・`elif`・`while`", "choices": "`if`、`elif`、それともループ"}),
    "c": ({"keywords": "`if`, `while` or `for`", "choices": "an `if` or a loop (`while`, `for`)"},
          {"keywords": "`if`・`while`・`for`", "choices": "`if`、それともループ（`while`・`for`）"}),
}

_OPERAND_MISSING = {
    "meaning": "The compiler expected a value or expression between `{previous}` and `{token}` on line {line}, but nothing there can be read as one.",
    "hint": "On line {line}, what should stand between `{previous}` and `{token}`, or is `{previous}` itself out of place?",
}
_OPERAND_MISSING_JA = {
    "meaning": "{line} 行目の `{previous}` と `{token}` の間に値や式があるはずでしたが、そこには読めるものがありません。",
    "hint": "{line} 行目で `{previous}` と `{token}` の間には何が入るべきですか？それとも `{previous}` 自体が余分ですか？",
}
_FOR_WITHOUT_PARTS = {
    "meaning": "The `for` on line {line} has no `;` inside its parentheses, so the compiler reached `{token}` still expecting the first `;` of its header.",
    "why": "A `for` header has three parts separated by two `;`: a start, a condition and a step. A loop that only tests a condition is written with `while`.",
    "hint": "On line {line}, which three parts does a `for` need, and what separates them? Or is this loop meant to be a `while`?",
    "fix": "Write the start, the condition and the step of the `for` separated by `;`, or use `while` for a loop with only a condition.",
}
_FOR_WITHOUT_PARTS_JA = {
    "meaning": "{line} 行目の `for` の括弧の中に `;` がひとつもないため、コンパイラは見出しの最初の `;` を待ったまま `{token}` に達しました。",
    "why": "`for` の見出しは、初期化・条件・更新の 3 つの部分を 2 つの `;` で区切ります。条件だけを調べるループは `while` で書きます。",
    "hint": "{line} 行目で、`for` にはどの 3 つの部分が必要で、何で区切りますか？それとも `while` のつもりですか？",
    "fix": "`for` の初期化・条件・更新を `;` で区切って書くか、条件だけのループには `while` を使います。",
}
_ELSE_CONDITION_TEXTS = {
    "meaning": "On line {line} a condition in parentheses follows `else`, but `else` takes no condition: the compiler read the parentheses as a statement of their own and expected a `;` after them, before `{token}`.",
    "why": "Only `if` (and so `else if`) takes a condition; a plain `else` runs whenever the `if` before it was false, so a condition written right after it belongs to no `if`.",
    "hint": "What should come between `else` and the condition on line {line}?",
    "fix": "Write `if` between `else` and the condition, or remove the condition if this branch should run in every other case.",
}
_ELSE_CONDITION_JA = {
    "meaning": "{line} 行目で `else` の後に括弧の条件がありますが、`else` は条件を取りません。コンパイラは括弧を 1 つの文として読み、`{token}` の前に `;` が必要だと判断しました。",
    "why": "条件を取るのは `if`（つまり `else if`）だけです。ただの `else` は前の `if` が偽のときに実行されるので、その直後の条件はどの `if` にも属しません。",
    "hint": "{line} 行目で `else` と条件の間には何が入るべきですか？",
    "fix": "`else` と条件の間に `if` を書くか、他のすべての場合に実行する分岐なら条件を削除します。",
}
_CALL_WITHOUT_PARENTHESES = {
    "meaning": "On line {line} the function `{previous}` is followed by `{token}` without a `(`: the compiler read `{previous}` alone as a complete expression and expected a `;` after it, before `{token}`.",
    "why": "A function is called by writing its arguments in parentheses right after its name; without `(` and `)` the name is not a call, and what follows it cannot be read.",
    "hint": "On line {line}, what must come right after `{previous}` and surround its arguments for it to be a call?",
    "fix": "Put the arguments of `{previous}` between `(` and `)`.",
}
_CALL_WITHOUT_PARENTHESES_JA = {
    "meaning": "{line} 行目で関数 `{previous}` の後に `(` がなく `{token}` が続いています。コンパイラは `{previous}` だけを完全な式として読み、`{token}` の前に `;` が必要だと判断しました。",
    "why": "関数は名前の直後に括弧で囲んだ引数を書いて呼び出します。`(` と `)` がないと呼び出しにならず、その後が読めません。",
    "hint": "{line} 行目で `{previous}` を呼び出しにするには、その直後に何を書いて引数を囲む必要がありますか？",
    "fix": "`{previous}` の引数を `(` と `)` で囲みます。",
}
_BODY_AFTER_PROTOTYPE = {
    "meaning": "The `{{` on line {line} is outside any function: the header on the line above ends with `;`, so the compiler read it as a complete declaration, and this `{{` opens a body that belongs to nothing.",
    "why": "A function definition's header is followed directly by its `{{` body; a `;` after the `)` ends the header as a prototype, a declaration without a body.",
    "hint": "Look at how the line above line {line} ends: should the header stop there, or lead into this body?",
    "fix": "Remove the `;` between the function's header and its `{{`.",
}
_BODY_AFTER_PROTOTYPE_JA = {
    "meaning": "{line} 行目の `{{` は関数の外にあります。上の行の見出しが `;` で終わっているため完全な宣言として読まれ、この `{{` はどこにも属さない本体を開いています。",
    "why": "関数定義の見出しの直後には `{{` で始まる本体が続きます。`)` の後の `;` は見出しをプロトタイプ（本体のない宣言）として終わらせます。",
    "hint": "{line} 行目の上の行がどう終わっているか見ましょう。見出しはそこで終わるべきですか、それともこの本体に続くべきですか？",
    "fix": "関数の見出しと `{{` の間の `;` を削除します。",
}

_PAREN_CLOSES_AN_OPEN_ONE = {
    "meaning": "The compiler expected a `;` before this `)` on line {line}: the `)` closes a `(` opened earlier on the line, but what stands between them is not complete.",
    "why": "Inside parentheses the compiler still reads statements' parts in order; in a `for` header it needs two `;` (start; condition; step) before the `)`, and a `,` or a missing part leaves it short of one.",
    "hint": "Between the `(` and this `)` on line {line}, which `;` or part is missing?",
    "fix": "Complete what stands inside the parentheses on line {line}: a `for` header has three parts separated by two `;`.",
}
_PAREN_CLOSES_AN_OPEN_ONE_JA = {
    "meaning": "{line} 行目のこの `)` の前に `;` が必要でした。この `)` は同じ行の前の `(` を閉じていますが、その間の内容が完成していません。",
    "why": "括弧の中でもコンパイラは順に読みます。`for` の見出しでは `)` の前に 2 つの `;`（初期化; 条件; 更新）が必要で、`,` や部分の抜けがあると 1 つ足りなくなります。",
    "hint": "{line} 行目の `(` とこの `)` の間で、どの `;` や部分が足りませんか？",
    "fix": "{line} 行目の括弧の中身を完成させます。`for` の見出しは 2 つの `;` で区切られた 3 つの部分からなります。",
}
_TAGLESS_STRUCT = {
    "meaning": "On line {line} `{previous}` is followed by `{token}`, but the keyword must be followed by the type's name (its tag), or by `{{` and its members.",
    "why": "`struct`, `union` and `enum` alone are not types: `struct point` names one, so a cast or declaration needs the name after the keyword.",
    "hint": "Which struct's name belongs between `{previous}` and `{token}` on line {line}?",
    "fix": "Write the struct's name after `{previous}` on line {line}.",
}
_TAGLESS_STRUCT_JA = {
    "meaning": "{line} 行目で `{previous}` の後に `{token}` が続いていますが、このキーワードの後には型の名前（タグ）か、`{{` とメンバーが必要です。",
    "why": "`struct`・`union`・`enum` だけでは型になりません。`struct point` のように名前を付けて型を表すので、キャストや宣言ではキーワードの後に名前が必要です。",
    "hint": "{line} 行目の `{previous}` と `{token}` の間には、どの構造体の名前が入りますか？",
    "fix": "{line} 行目の `{previous}` の後に構造体の名前を書きます。",
}
# gcc wants a declaration after a complete statement or block that the braces put inside a function
_BODY_LOST = {
    "meaning": "The compiler expected a declaration before `{token}` on line {line}: by its reading, the function's body had already ended (or had not begun) before `{token}`, and outside a body only declarations may stand.",
    "why": "Either a `}}` before `{token}` closes the function too early, or an earlier error (a missing `(`, `;` or `{{`, a function header with neither `;` nor a body, or a line it could not read) made the compiler lose track of the blocks.",
    "hint": "Is there a `}}` before `{token}` that closes the function too early? If not, look at the first error reported above line {line}.",
    "fix": "Remove the `}}` that closes the function too early, or correct the earlier error first and compile again.",
}
_BODY_LOST_JA = {
    "meaning": "{line} 行目の `{token}` の前に宣言が必要でした。コンパイラの読みでは、関数の本体は `{token}` より前で終わっている（またはまだ始まっていない）ため、そこには宣言しか書けません。",
    "why": "`{token}` より前の `}}` が関数を早く閉じているか、前のエラー（`(`・`;`・`{{` の抜け、`;` も本体もない関数の見出し、読めない行）のためにコンパイラがブロックを見失っています。",
    "hint": "`{token}` より前に、関数を早く閉じている `}}` はありますか？なければ、{line} 行目より上で最初に報告されたエラーを見ましょう。",
    "fix": "関数を早く閉じている `}}` を削除するか、まず前のエラーを直してからもう一度コンパイルします。",
}
# {keyword} and {at} are the `else` (or `if`, `while`, `for`, `switch`) found in the code and its line
_BODILESS_CONTROL = {
    "meaning": "The `{keyword}` on line {at} has no statement before the `}}` on line {line} that closes the block, so the compiler found `}}` where the statement that `{keyword}` controls should be.",
    "why": "`if`, `else`, `while`, `for` and `switch` each control the one statement (or `{{ }}` block) right after them, and C requires it to be there; it is lost when that statement was deleted or written before the keyword, or when a `}}` comes too early.",
    "hint": "What should happen when the `{keyword}` on line {at} applies: which statement belongs after it, before the `}}`? Or is the `{keyword}` not needed at all?",
    "fix": "Write the statement that the `{keyword}` controls right after it, or remove the `{keyword}` if it is not needed.",
}
_BODILESS_CONTROL_JA = {
    "meaning": "{at} 行目の `{keyword}` の後、ブロックを閉じる {line} 行目の `}}` までに文がありません。そのためコンパイラは、`{keyword}` が制御する文があるはずの場所で `}}` を見つけました。",
    "why": "`if`・`else`・`while`・`for`・`switch` は、それぞれ直後の 1 つの文（または `{{ }}` のブロック）を制御し、C ではその文が必要です。その文を消した、キーワードより前に書いた、`}}` が早すぎる、といった場合にこうなります。",
    "hint": "{at} 行目の `{keyword}` が当てはまるとき、何をするはずですか？`}}` の前、その後にはどの文が入りますか？それとも `{keyword}` 自体が不要ですか？",
    "fix": "`{keyword}` が制御する文をその直後に書くか、不要なら `{keyword}` を削除します。",
}
_METHOD_HEADER_IN_METHOD = {
    "meaning": "`{token}` on line {line} is in a method header that javac reads as statements, because the method above it is still open.",
    "why": "A method cannot be declared inside another method. When a `}}` is missing above (the previous method, or a block in it, is never closed), javac is still inside that method when it reaches this header.",
    "hint": "Which `}}` should close the method above line {line}, and is it there? Match the `{{` and `}}` of that method.",
    "fix": "Add the `}}` that closes the previous method (or the block in it that is still open) before line {line}.",
}
_METHOD_HEADER_IN_METHOD_JA = {
    "meaning": "{line} 行目の `{token}` は、javac が文として読んでいるメソッドの見出しの中にあります。その上のメソッドがまだ閉じていないためです。",
    "why": "メソッドの中に別のメソッドは宣言できません。上で `}}` が抜けている（前のメソッドや、その中のブロックが閉じていない）と、javac はこの見出しに来たときもまだそのメソッドの中にいます。",
    "hint": "{line} 行目の上のメソッドを閉じる `}}` はどれで、それはありますか？そのメソッドの `{{` と `}}` を対応させましょう。",
    "fix": "{line} 行目より前に、前のメソッド（またはその中でまだ開いているブロック）を閉じる `}}` を追加します。",
}
_FOR_HEADER_SHAPE = {
    "meaning": "javac stopped at `{token}` inside the header of the `for` loop on line {line}: its parts are not separated the way a `for` header needs, so javac read a piece of it as a statement that does nothing.",
    "why": "The parentheses after `for` hold three parts separated by two `;`: the start (run once), the condition (tested before each round) and the update (run after each round); or, to go through an array or list, a variable, `:` and the array. A `;` or `)` out of place, or a lost operator, runs the parts together.",
    "hint": "In the header on line {line}, where does each of the three parts end, and is each one followed by its separator (`;` after the start and the condition, `)` after the update)?",
    "fix": "Lay the header out as start, condition and update, separated by `;` and closed by `)`, each part complete on its own.",
}
_FOR_HEADER_SHAPE_JA = {
    "meaning": "javac は {line} 行目の `for` ループの見出しの中、`{token}` で止まりました。見出しが部分ごとに正しく区切られていないため、その一部を何もしない文として読みました。",
    "why": "`for` の後の括弧には、2 つの `;` で区切られた 3 つの部分が入ります。初期化（最初に 1 回）、条件（各回の前に判定）、更新（各回の後に実行）です。配列やリストを順にたどる場合は、変数・`:`・配列です。`;` や `)` の位置違いや演算子の抜けがあると、部分がつながってしまいます。",
    "hint": "{line} 行目の見出しで、3 つの部分はそれぞれどこで終わり、その後に区切り（初期化と条件の後は `;`、更新の後は `)`）がありますか？",
    "fix": "見出しを初期化・条件・更新の 3 つに分け、`;` で区切って `)` で閉じ、各部分をそれだけで完全なものにします。",
}
# {part} is "start" or "update": the part of a well-formed header that holds the token
_FOR_PART_NOT_A_STATEMENT = {
    "meaning": "The {part} part of the `for` header on line {line} (the code at `{token}`) is a value that does nothing on its own, but javac runs that part as a statement.",
    "why": "Of the three parts of a `for` header, the start and the update are statements: the start declares or sets the loop variable, and the update changes it (for example with `++` or `+=`); only the middle part is a condition that gives true or false.",
    "hint": "Does the {part} part of the header on line {line} set or change the loop variable, or does it only compute a value that is then thrown away?",
    "fix": "Make the {part} part a complete statement that sets or changes the loop variable.",
}
_FOR_PART_NOT_A_STATEMENT_JA = {
    "meaning": "{line} 行目の `for` の見出しの{part}部分（`{token}` のコード）はそれだけでは何もしない値ですが、javac はこの部分を文として実行します。",
    "why": "`for` の見出しの 3 つの部分のうち、初期化と更新は文です。初期化はループ変数を宣言または設定し、更新はそれを変えます（`++` や `+=` など）。真か偽を返す条件は真ん中の部分だけです。",
    "hint": "{line} 行目の見出しの{part}部分は、ループ変数を設定または変更していますか？それとも値を計算して捨てているだけですか？",
    "fix": "{part}部分を、ループ変数を設定または変更する完全な文にします。",
}
_FOR_CONDITION_MISREAD = {
    "meaning": "The header of the `for` loop on line {line} is laid out as three parts separated by `;`, yet javac read the condition at `{token}` as a statement: it had lost its place before this point.",
    "why": "javac reads the parts in order; when the start part is not a complete declaration or assignment, or the code before this line is unfinished (an earlier error), it can misread a correct condition, and the mistake is before `{token}`, not in the condition.",
    "hint": "Is the start part of the `for` on line {line} a complete declaration or assignment, and did javac report an error on the lines just above it?",
    "fix": "Correct the start part, or the earlier error above line {line}, then compile again.",
}
_FOR_CONDITION_MISREAD_JA = {
    "meaning": "{line} 行目の `for` の見出しは `;` で区切られた 3 つの部分になっていますが、javac は `{token}` の条件を文として読みました。これより前の位置で読み違えています。",
    "why": "javac は部分を順に読みます。初期化部分が完全な宣言や代入になっていない、またはこの行より前のコードが終わっていない（前のエラー）と、正しい条件も読み違えることがあり、間違いは条件ではなく `{token}` より前にあります。",
    "hint": "{line} 行目の `for` の初期化部分は完全な宣言や代入ですか？すぐ上の行で javac が報告したエラーはありますか？",
    "fix": "初期化部分、または {line} 行目より上の前のエラーを直してから、もう一度コンパイルします。",
}
_FOR_PARTS = {0: ("start", "初期化"), 2: ("update", "更新")}
# javac's "not a statement" at a bracket or mark, or on a line that starts with a control keyword: no value to store
_STATEMENT_CUT_SHORT = {
    "meaning": "javac could not read line {line} up to `{token}` as a statement and stopped at `{token}`: the code before this point does not make a complete statement.",
    "why": "A statement must be complete from its first word: a keyword that is misspelled, missing or out of place, an operator left out, or an unfinished statement on the line above leaves javac unable to read what comes before `{token}` as one.",
    "hint": "Read line {line} from its start up to `{token}`, and the line above it: is every keyword spelled right and in its place, and is the statement above complete?",
    "fix": "Correct the keyword, operator or unfinished statement before `{token}` (on this line or the line above), then compile again.",
}
_STATEMENT_CUT_SHORT_JA = {
    "meaning": "javac は {line} 行目の `{token}` までを文として読めず、`{token}` で止まりました。この位置より前のコードが完全な文になっていません。",
    "why": "文は最初の語から完全でなければなりません。キーワードの綴り間違い・抜け・位置違い、演算子の抜け、上の行の書きかけの文があると、javac は `{token}` より前を文として読めません。",
    "hint": "{line} 行目を先頭から `{token}` まで、上の行も読みましょう。キーワードは正しく綴られ正しい位置にありますか？上の文は完成していますか？",
    "fix": "`{token}` より前（この行か上の行）のキーワード・演算子・書きかけの文を直してから、もう一度コンパイルします。",
}


def closes_an_open_paren(diagnostic: CompilerDiagnostic, token: str) -> bool:
    """Whether the `)` gcc stopped at closes a `(` opened before it on the same line (so it is not extra)."""
    if token != ")" or not 1 <= diagnostic.column <= len(diagnostic.source_line):
        return False
    before = _C_NOISE.sub(_blank, diagnostic.source_line)[:diagnostic.column - 1]
    return before.count("(") > before.count(")")


def tagless_aggregate(diagnostic: CompilerDiagnostic, token: str) -> str:
    """`struct`, `union` or `enum` when it comes right before the token gcc stopped at, else ""."""
    keyword = token_before(diagnostic.source_line, diagnostic.column, token)
    return keyword if diagnostic.language == "c" and keyword in ("struct", "union", "enum") else ""


def _put(texts: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """``texts`` with the placeholders named in ``values`` filled now; the others are left for ``fill_rule``."""
    for name, value in values.items():
        texts = {key: text.replace("{" + name + "}", value) for key, text in texts.items()}
    return texts


def _variant(rule: Rule, texts: dict[str, str], ja: dict[str, str], values: dict[str, str] | None = None,
             values_ja: dict[str, str] | None = None) -> Rule:
    """``rule`` with other texts, in English and Japanese (the texts not given stay the rule's). ``values`` fill
    the placeholders of facts read from the code (another line's number, a keyword), in Japanese too unless
    ``values_ja`` gives its own words."""
    texts, ja = _put(texts, values or {}), _put(ja, values_ja if values_ja is not None else values or {})
    return dataclasses.replace(rule, **texts, translations={"ja": {**rule.translations.get("ja", {}), **ja}})


def _code_before(diagnostic: CompilerDiagnostic, program: str) -> tuple[str, int]:
    """The C code before the column the compiler reported, over all the lines above (comments, literals and
    preprocessor lines blanked, trailing blanks removed), and the line its last character is on (0: no code)."""
    lines = _C_NOISE.sub(_blank, program).splitlines()
    if not 1 <= diagnostic.line <= len(lines):
        return "", 0
    code = "\n".join([*lines[:diagnostic.line - 1], lines[diagnostic.line - 1][:max(diagnostic.column - 1, 0)]]).rstrip()
    return code, (code.count("\n") + 1 if code else 0)


def bodiless_control(diagnostic: CompilerDiagnostic, program: str, token: str) -> tuple[str, int] | None:
    """For a `}` the compiler wanted an expression before: the `else`, or the `if`, `while`, `for` or `switch`
    header, that the code before the `}` ends with (blank lines and comments between them skipped), and the
    line of its keyword; None when the code before the `}` ends otherwise."""
    if diagnostic.language != "c" or token != "}":
        return None
    code, last = _code_before(diagnostic, program)
    if re.search(r"\belse$", code):
        return "else", last
    return c_expression_context.control_header_ending(code)


def _declaration_variant(rule: Rule, diagnostic: CompilerDiagnostic, program: str, scope: str | None,
                         token: str) -> Rule | None:
    """For a declaration gcc cannot read where the braces say the code is inside a function (or cannot say):
    the declaration left waiting for its name, named by the line it is on (the line above when the token starts
    its line); or, after a complete statement or block, that gcc no longer (or not yet) reads a function body; at
    file scope, the function that the braces close before the compiler's line."""
    code, last = _code_before(diagnostic, program)
    at = {"at": str(last if code and not code.endswith((";", "{", "}")) else diagnostic.line)}
    if scope == "function" and code.endswith((";", "}")):
        return _variant(rule, _BODY_LOST, _BODY_LOST_JA)
    if scope == "function":
        return _variant(rule, _INSIDE_FUNCTION_DECLARATION, _INSIDE_FUNCTION_DECLARATION_JA, at)
    if scope is None:
        return _variant(rule, _UNSURE_WHERE_DECLARATION, _UNSURE_WHERE_DECLARATION_JA, at)
    found = c_brace_context.outside_texts(diagnostic, program, token)  # at file scope: the function closed before it
    return _variant(rule, *found) if found else None


def java_method_header(diagnostic: CompilerDiagnostic) -> bool:
    """Whether the offending Java line is a method's header: modifiers or a return type, a name, parameters
    (each a type and a name) in parentheses, then `{`, `throws` or nothing."""
    found = _JAVA_METHOD_HEADER.match(code_of(diagnostic.source_line, "java"))
    return bool(diagnostic.language == "java" and found and (found["modifiers"] or found["type"])
                and found["name"] not in _JAVA_KEYWORDS and found["type"] not in _JAVA_KEYWORDS)


def for_header_part(source_line: str, column: int) -> tuple[int, int, bool] | None:
    """Where the token at ``column`` is in the parentheses of a `for` header on the line: (the part it is in,
    0 for the start; how many parts `;` separates there; whether a `)` closes the header on the line), or
    None when the token is not inside such parentheses."""
    code = _C_NOISE.sub(_blank, source_line)
    found = re.search(r"\bfor\s*\(", code)
    index = column - 1
    if not found or index < found.end():
        return None
    depth, parts, part = 1, 1, None
    for position in range(found.end(), len(code)):
        part = parts - 1 if position == index else part
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(code[position], 0)
        parts += code[position] == ";" and depth == 1
        if depth == 0:
            return (part, parts, True) if part is not None else None
    part = parts - 1 if index >= len(code) else part  # reported at the end of the line
    return (part, parts, False) if part is not None else None


# what javac reports on a well-formed method header that it reads as statements, inside the method above it
_HEADER_SYMPTOMS = {"java.not-a-statement", "java.identifier-expected", "java.missing-semicolon",
                    "java.illegal-start-of-expression", "java.type-where-value-expected", "java.missing-parenthesis"}


def header_read_as_statements(rule_id: str, diagnostic: CompilerDiagnostic) -> bool:
    """javac's complaint on a well-formed method header: it is reading the header as statements, inside the method
    above it (a `}` is missing), whatever symbol it says it expected."""
    return rule_id in _HEADER_SYMPTOMS and java_method_header(diagnostic)


def _java_variant(rule: Rule, diagnostic: CompilerDiagnostic) -> Rule | None:
    """javac's "not a statement" inside a `for` header."""
    if rule.id != "java.not-a-statement":
        return None
    found = for_header_part(diagnostic.source_line, diagnostic.column)
    if found is None:
        cut_short = java_context.stopped_at_punctuation(diagnostic)
        return _variant(rule, _STATEMENT_CUT_SHORT, _STATEMENT_CUT_SHORT_JA) if cut_short else None
    part, parts, closed = found
    if not closed or parts != 3:
        return _variant(rule, _FOR_HEADER_SHAPE, _FOR_HEADER_SHAPE_JA)
    if part in _FOR_PARTS:
        english, japanese = _FOR_PARTS[part]
        return _variant(rule, _FOR_PART_NOT_A_STATEMENT, _FOR_PART_NOT_A_STATEMENT_JA, {"part": english}, {"part": japanese})
    return _variant(rule, _FOR_CONDITION_MISREAD, _FOR_CONDITION_MISREAD_JA)


def operand_missing_after(diagnostic: CompilerDiagnostic, token: str) -> str:
    """For "expected expression before X": the operator or separator just before X on the line, which has
    nothing after it (`=` in `n=;`, `||` in `a>0||)`), or "" when the token before X is a name, a value or a
    closing bracket (or X is not on the line)."""
    previous = token_before(diagnostic.source_line, diagnostic.column, token)
    return previous if previous and not re.match(r"[\w\"')\]}]", previous) else ""


def for_without_semicolons(diagnostic: CompilerDiagnostic) -> bool:
    """Whether gcc stopped inside a C `for` header that its `)` closes with no `;` in it (`for(i!=0 && i!=N)`,
    `for(i=0, i<n, i++)`)."""
    found = for_header_part(diagnostic.source_line, diagnostic.column) if diagnostic.language == "c" else None
    return found is not None and found[1:] == (1, True)


def else_with_condition(diagnostic: CompilerDiagnostic, program: str) -> bool:
    """Whether the offending line is a plain `else` followed by a condition in parentheses (`else (a > b) {`)."""
    lines = program.splitlines()
    if diagnostic.language != "c" or not 1 <= diagnostic.line <= len(lines):
        return False
    found = _ELSE_CONDITION.match(code_of(lines[diagnostic.line - 1], "c").strip())
    return bool(found and _CONDITION_OPERATOR.search(found["inside"]))


_C_KEYWORDS = {"if", "else", "for", "while", "do", "switch", "case", "return", "sizeof", "int", "char", "float",
               "double", "long", "short", "void", "struct", "union", "enum", "const", "static", "unsigned", "signed"}


def call_without_parentheses(diagnostic: CompilerDiagnostic, program: str, token: str) -> str:
    """The function named just before the token gcc stopped at, when that token is not the `(` a call
    needs (`printf "hi";`, `printf sum;`, `printf{"%d", n};`), else ""."""
    name = token_before(diagnostic.source_line, diagnostic.column, token)
    if (diagnostic.language != "c" or not re.fullmatch(r"[A-Za-z_]\w*", name) or name in _C_KEYWORDS
            or not re.match(r"[\w\"'{\[]", token)):
        return ""
    code = _C_NOISE.sub(_blank, program)
    return name if name in _LIBRARY_FUNCTIONS or re.search(rf"\b{name}\s*\(", code) else ""


def body_after_prototype(diagnostic: CompilerDiagnostic, program: str, token: str) -> bool:
    """Whether a `{` at file scope follows a function header that ends with `;` on the line above."""
    lines = program.splitlines()
    if diagnostic.language != "c" or token != "{" or not 1 < diagnostic.line <= len(lines):
        return False
    above = next((code_of(text, "c").strip() for text in reversed(lines[:diagnostic.line - 1]) if text.strip()), "")
    return bool(_PROTOTYPE.match(above)) and c_scope_at(program, diagnostic.line) == "file"


def _context_variant(rule: Rule, diagnostic: CompilerDiagnostic, program: str, token: str) -> Rule | None:
    """The rule with texts that fit the program, or None when its own texts fit."""
    if found := prose.texts_for(rule.id, diagnostic):
        return _variant(rule, *found)
    if header_read_as_statements(rule.id, diagnostic):
        return _variant(rule, _METHOD_HEADER_IN_METHOD, _METHOD_HEADER_IN_METHOD_JA)
    if diagnostic.language == "java":
        found = java_context.texts_for(rule.id, diagnostic, program)
        return _variant(rule, *found) if found else _java_variant(rule, diagnostic)
    if diagnostic.language == "python" and (found := python_context.texts_for(rule.id, diagnostic, program, token)):
        return _variant(rule, *found)
    if missing_condition_keyword(diagnostic, program):
        return _variant(rule, _MISSING_KEYWORD, _MISSING_KEYWORD_JA, *_KEYWORD_WORDS[diagnostic.language])
    if rule.id == "c.expected-expression" and (control := bodiless_control(diagnostic, program, token)):
        return _variant(rule, _BODILESS_CONTROL, _BODILESS_CONTROL_JA, {"keyword": control[0], "at": str(control[1])})
    if diagnostic.language == "c" and (found := c_expression_context.texts_for(
            rule.id, diagnostic, program, token, _code_before(diagnostic, program)[0])):
        return _variant(rule, *found)
    if rule.id == "c.expected-expression" and operand_missing_after(diagnostic, token):
        return _variant(rule, _OPERAND_MISSING, _OPERAND_MISSING_JA)
    if rule.id in ("c.missing-semicolon", "c.extra-closing-paren") and ";" in diagnostic.message \
            and for_without_semicolons(diagnostic):
        return dataclasses.replace(_variant(rule, _FOR_WITHOUT_PARTS, _FOR_WITHOUT_PARTS_JA), id="c.missing-semicolon")
    if rule.id == "c.missing-semicolon" and else_with_condition(diagnostic, program):
        return _variant(rule, _ELSE_CONDITION_TEXTS, _ELSE_CONDITION_JA)
    if rule.id == "c.missing-semicolon" and call_without_parentheses(diagnostic, program, token):
        return _variant(rule, _CALL_WITHOUT_PARENTHESES, _CALL_WITHOUT_PARENTHESES_JA)
    if rule.id == "c.extra-closing-paren" and ";" in diagnostic.message and closes_an_open_paren(diagnostic, token):
        # not an extra `)` but a `;` missing inside the parentheses: the category says so too (a model's label)
        return dataclasses.replace(_variant(rule, _PAREN_CLOSES_AN_OPEN_ONE, _PAREN_CLOSES_AN_OPEN_ONE_JA),
                                   id="c.missing-semicolon")
    if rule.id == "c.incomplete-type" and tagless_aggregate(diagnostic, token):
        return _variant(rule, _TAGLESS_STRUCT, _TAGLESS_STRUCT_JA)
    if rule.id == "c.code-outside-function" and body_after_prototype(diagnostic, program, token):
        return _variant(rule, _BODY_AFTER_PROTOTYPE, _BODY_AFTER_PROTOTYPE_JA)
    if rule.id in ("c.code-outside-function", "c.extra-closing-brace"):  # their texts say "outside any function"
        scope = c_scope_at(program, diagnostic.line)
        if rule.id == "c.code-outside-function":
            return _declaration_variant(rule, diagnostic, program, scope, token)
        if scope == "function":
            return _variant(rule, _BRACE_INSIDE_FUNCTION, _BRACE_INSIDE_FUNCTION_JA)
        found = c_brace_context.texts_for(diagnostic, program) if scope == "file" else None
        return _variant(rule, *found) if found else None
    return None


def in_context(found: Classification, diagnostic: CompilerDiagnostic, program: str, locale: str = "en") -> Classification:
    """``found`` with the texts and token that the program around the diagnostic calls for."""
    rule = next((r for r in rules_for(diagnostic.language) if r.id == found.rule_id), None)
    if rule is None or not found.matched:
        return found
    token = described_token(diagnostic)
    variant = _context_variant(rule, diagnostic, program, token or found.token)
    if variant is None and not token:
        return found
    text = "\n".join((diagnostic.message, *diagnostic.notes))
    match = next((m for p in rule.compiled if (m := p.search(text))), None)
    groups = {**(match.groupdict(default="") if match else {}), **(rule.source_match(diagnostic.source_line) or {})}
    if token:
        groups["token"] = token
    return fill_rule(variant or rule, diagnostic, groups, locale, True)
