"""Which `}` is one too many, read from the program, for gcc's "expected identifier or '(' before '}'".

gcc reports a `}` that closes nothing where it stands, after the function has already ended. Matching each
`{` with its `}` from the start of the function finds the `}` that ends it; the locator (``locate.py``)
picks, by the indentation, the line the explanation points at: that `}`, an earlier `}` one too many, a
header that lost its `{`, or the reported `}` itself. ``texts_for`` gives the texts that say what is true of
the line pointed at, or None (the rule's general text) when the braces do not show it.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.locate import braces, code_lines, likely_lines

# a function's header, what stands before its `{`: `int main(void)`, `main()`, `static int *f(int a)`
_HEADER = re.compile(r"^\s*(?:[A-Za-z_][\w\s*]*?[\s*])?(?P<name>[A-Za-z_]\w*)\s*\([^;{}]*\)\s*$")
_CONTROL = {"if", "for", "while", "switch", "else", "do", "return", "sizeof"}
_LOST_OPENER = re.compile(r"^\s*(?:}\s*)?(?P<keyword>else\s+if|if|for|while|else)\b")


def function_closed_before(code: list[str], line: int) -> tuple[str, int, int] | None:
    """(name, the line of its `{`, the line of the `}` that ends it) of the last function whose body the braces
    close before ``line``, matching them from the start of the file; None when that body is not a function's."""
    stack, last = [], None
    for brace in braces(code[:line - 1]):
        if brace.char == "{":
            stack.append(brace)
        elif stack:
            opener = stack.pop()
            last = (opener, brace) if not stack else last
    if last is None or stack:
        return None
    opener, closer = last
    before = code[opener.line - 1].split("{", 1)[0]
    above = next((code[n - 1] for n in range(opener.line - 1, 0, -1) if code[n - 1].strip()), "")
    header = _HEADER.match(before) if before.strip() else _HEADER.match(above)
    if not header or header["name"] in _CONTROL:
        return None
    return header["name"], opener.line, closer.line


def texts_for(diagnostic: CompilerDiagnostic, program: str) -> tuple[dict, dict, dict] | None:
    """(English texts, Japanese texts, values) for the line the explanation points at, or None when unsure."""
    source = program.splitlines()
    if not 1 <= diagnostic.line <= len(source):
        return None
    code = code_lines(source)
    function = function_closed_before(code, diagnostic.line)
    if function is None:
        return None
    name, opened, closed = function
    at = likely_lines(diagnostic, program)[0]
    values = {"function": name, "opened": str(opened), "closed": str(closed), "at": str(at)}
    if at == diagnostic.line:
        return _ENDED_BEFORE, _ENDED_BEFORE_JA, values
    if at == closed:
        return _CLOSES_FUNCTION, _CLOSES_FUNCTION_JA, values
    if "}" in code[at - 1]:
        return _PROBABLY_EXTRA, _PROBABLY_EXTRA_JA, values
    if lost := _LOST_OPENER.match(code[at - 1]):
        return _LOST_BRACE, _LOST_BRACE_JA, {**values, "keyword": re.sub(r"\s+", " ", lost["keyword"])}
    return None


_TYPE_WORDS = {"int", "char", "float", "double", "long", "short", "unsigned", "signed", "void", "struct", "union", "enum",
               "const", "static", "extern", "typedef", "volatile"}


def outside_texts(diagnostic: CompilerDiagnostic, program: str, token: str) -> tuple[dict, dict, dict] | None:
    """For a statement gcc finds at file scope ("expected identifier or '(' before 'return'"): the texts that name
    the function the braces close before the compiler's line, and where; None when the braces do not show one, or
    when the token is no word that starts a statement (`;`, a number, a type word: a broken declaration, perhaps)."""
    source = program.splitlines()
    if not re.fullmatch(r"[A-Za-z_]\w*", token) or token in _TYPE_WORDS or not 1 <= diagnostic.line <= len(source):
        return None
    function = function_closed_before(code_lines(source), diagnostic.line)
    if function is None:
        return None
    name, opened, closed = function
    return _CLOSED_BEFORE_CODE, _CLOSED_BEFORE_CODE_JA, {"function": name, "opened": str(opened), "closed": str(closed)}


_CLOSED_BEFORE_CODE = {
    "meaning": "The compiler found `{token}` on line {line} outside any function: matching each `{{` with its `}}` from the `{{` that opens `{function}` on line {opened}, the function already ends at the `}}` on line {closed}, before this `{token}`.",
    "why": "Statements such as `return`, loops and calls must be inside a function body; a `}}` that closes the function early, one too many or meant for a block whose `{{` is missing, leaves the code after it outside.",
    "hint": "Which block was the `}}` on line {closed} meant to close: the function `{function}`, or a block inside it? Should line {line} still be inside `{function}`?",
    "fix": "Remove the `}}` that closes `{function}` too early, or restore the missing `{{`, so that line {line} is inside the function.",
}
_CLOSED_BEFORE_CODE_JA = {
    "meaning": "コンパイラは {line} 行目の `{token}` を関数の外で見つけました。{opened} 行目で `{function}` を開く `{{` から `{{` と `}}` を対応させると、関数はこの `{token}` より前の {closed} 行目の `}}` ですでに終わっています。",
    "why": "`return`・ループ・関数呼び出しなどの文は関数の本体の中に必要です。1 つ多い `}}` や、`{{` が抜けたブロックのための `}}` が関数を早く閉じると、その後のコードは外に出てしまいます。",
    "hint": "{closed} 行目の `}}` はどのブロックを閉じるためのものですか？関数 `{function}` ですか、それとも中のブロックですか？{line} 行目はまだ `{function}` の中にあるべきですか？",
    "fix": "`{function}` を早く閉じている `}}` を削除するか、抜けた `{{` を戻して、{line} 行目が関数の中に入るようにします。",
}
_ENDED_BEFORE = {
    "meaning": "The `}}` on line {line} does not close any open block, so it is outside every function: matching each `{{` with its `}}` from the `{{` that opens `{function}` on line {opened}, the function already ends at the `}}` on line {closed}.",
    "why": "So `{function}` has one `}}` too many: the one on line {line}, or an earlier one that closes a block twice, or one meant for a block whose `{{` is missing (deleted or commented out).",
    "hint": "Which block was the `}}` on line {closed} meant to close: the function `{function}`, or a block inside it whose `{{` is missing?",
    "fix": "Remove the `}}` that is one too many, or restore the missing `{{`, so that each `{{` has exactly one `}}`.",
}
_ENDED_BEFORE_JA = {
    "meaning": "{line} 行目の `}}` は開いているどのブロックも閉じておらず、すべての関数の外にあります。{opened} 行目で `{function}` を開く `{{` から `{{` と `}}` を対応させると、関数は {closed} 行目の `}}` ですでに終わっています。",
    "why": "つまり `{function}` には `}}` が 1 つ多くあります。{line} 行目のもの、ブロックを二重に閉じている前のもの、または `{{` が抜けた（消した・コメントにした）ブロックのためのもののどれかです。",
    "hint": "{closed} 行目の `}}` はどのブロックを閉じるためのものですか？関数 `{function}` ですか、それとも `{{` が抜けた中のブロックですか？",
    "fix": "1 つ多い `}}` を削除するか、抜けた `{{` を戻して、各 `{{` にちょうど 1 つの `}}` が対応するようにします。",
}
_CLOSES_FUNCTION = {
    "meaning": "The `}}` on line {at} ends the function `{function}`, whose `{{` is on line {opened} (matching each `{{` with its `}}` from there), so the `}}` on line {line} after it closes no open block and is outside every function.",
    "why": "Such a `}}` is usually meant for a block inside the function whose `{{` is missing (deleted or commented out), or it closes a block twice; either way it ends the function early.",
    "hint": "Which block was the `}}` on line {at} meant to close: does that block still have its `{{`, or is this `}}` one too many?",
    "fix": "Restore the `{{` of the block that the `}}` on line {at} was meant to close, or remove the `}}` that is one too many.",
}
_CLOSES_FUNCTION_JA = {
    "meaning": "{at} 行目の `}}` は、{opened} 行目の `{{` で始まる関数 `{function}` を終わらせています（そこから `{{` と `}}` を対応させた場合）。そのため、その後の {line} 行目の `}}` は開いているブロックを閉じておらず、すべての関数の外にあります。",
    "why": "このような `}}` は、たいてい `{{` が抜けた（消した・コメントにした）関数内のブロックのためのものか、ブロックを二重に閉じています。どちらにしても関数を早く終わらせます。",
    "hint": "{at} 行目の `}}` はどのブロックを閉じるためのものですか？そのブロックに `{{` はまだありますか？それともこの `}}` が 1 つ多いのですか？",
    "fix": "{at} 行目の `}}` が閉じるはずだったブロックの `{{` を戻すか、1 つ多い `}}` を削除します。",
}
_PROBABLY_EXTRA = {
    "meaning": "The `}}` on line {line} does not close any open block: matching each `{{` with its `}}` from the `{{` that opens `{function}` on line {opened}, the function already ends on line {closed}. By the indentation, the `}}` one too many is probably the one on line {at}.",
    "why": "A block closed twice, or a `}}` left over after editing, makes every later `}}` close the block around the one it was meant for, so the last one is left over outside the function.",
    "hint": "Which `{{` does the `}}` on line {at} close, and does that block already have its own `}}`?",
    "fix": "Remove the `}}` that is one too many, so that each `{{` has exactly one `}}`.",
}
_PROBABLY_EXTRA_JA = {
    "meaning": "{line} 行目の `}}` は開いているどのブロックも閉じていません。{opened} 行目で `{function}` を開く `{{` から `{{` と `}}` を対応させると、関数は {closed} 行目ですでに終わっています。インデントから見ると、1 つ多い `}}` はおそらく {at} 行目のものです。",
    "why": "ブロックを二重に閉じたり、編集の後に `}}` が残ったりすると、後の `}}` はそれぞれ本来より 1 つ外のブロックを閉じ、最後の 1 つが関数の外に残ります。",
    "hint": "{at} 行目の `}}` はどの `{{` を閉じていますか？そのブロックにはすでに自分の `}}` がありませんか？",
    "fix": "1 つ多い `}}` を削除して、各 `{{` にちょうど 1 つの `}}` が対応するようにします。",
}
_LOST_BRACE = {
    "meaning": "The `}}` on line {line} does not close any open block: matching each `{{` with its `}}` from the `{{` that opens `{function}` on line {opened}, the function already ends on line {closed}. The `{keyword}` on line {at} has no `{{`, although the lines below it are indented as its block and a `}}` under it ends them.",
    "why": "Without a `{{`, `{keyword}` controls only the one statement after it, and the `}}` meant for its block closes the block around it instead, so every later `}}` closes one block too far out.",
    "hint": "Should the lines under the `{keyword}` on line {at} form one block, and where does that block start?",
    "fix": "Add the `{{` that opens the block of the `{keyword}` on line {at}, or remove the `}}` meant to close it.",
}
_LOST_BRACE_JA = {
    "meaning": "{line} 行目の `}}` は開いているどのブロックも閉じていません。{opened} 行目で `{function}` を開く `{{` から `{{` と `}}` を対応させると、関数は {closed} 行目ですでに終わっています。{at} 行目の `{keyword}` には `{{` がありませんが、その下の行はブロックとして字下げされ、下の `}}` で終わっています。",
    "why": "`{{` がないと `{keyword}` は直後の 1 つの文しか制御せず、そのブロックのための `}}` は外側のブロックを閉じてしまいます。そのため後の `}}` はそれぞれ 1 つ外のブロックを閉じます。",
    "hint": "{at} 行目の `{keyword}` の下の行は 1 つのブロックになるべきですか？そのブロックはどこから始まりますか？",
    "fix": "{at} 行目の `{keyword}` のブロックを開く `{{` を追加するか、それを閉じるための `}}` を削除します。",
}
