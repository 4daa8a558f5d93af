"""What stands where gcc wanted a value, a statement or a declared name, read from the code around it.

gcc's "expected expression before X" names X only: the code says whether X is a stray mark right after
the condition of an `if` or a loop (or at the start of a statement), where no operator lacks its operand,
or a type name written where a value belongs (`calloc(n, char)`). For "expected statement before ')'"
the line says whether it holds more `)` than `(`. A name gcc calls undeclared may be a library function
with its argument written right after it (`sqrt2`), and the name gcc suggests may be a function, not a
variable. These functions answer "" or None when unsure; ``texts_for`` gives the texts that fit.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic

_CONTROL_HEADER_KEYWORD = re.compile(r"\b(?P<keyword>if|while|for|switch)\s*$")
# comments, string and character literals, blanked so that the brackets in them do not count
_NOISE = re.compile(r'//.*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
# marks that can neither begin a statement nor a value
_STRAY_MARKS = {".", ",", ":", "]", ")"}
_TYPE_WORDS = {"int", "char", "double", "float", "long", "short", "unsigned", "signed", "struct", "union", "enum",
               "void", "_Bool"}
# `(int)`, `(unsigned long *)`, `(struct node*)`: the type words of a cast up to its `)`
_CAST_REST = re.compile(r"(?:(?:const|unsigned|signed|long|short|int|char|double|float|void|_Bool)\b\s*"
                        r"|(?:struct|union|enum)\s+\w+\s*)+\**\s*\)")
_CALL_OPEN = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*\([^()]*$")
# a declaration's type, before the names it declares
_DECLARED_TYPE = r"(?:int|char|double|float|long|short|unsigned|signed)"
_NOT_CALLS = {"if", "while", "for", "switch", "return", "sizeof"}
# functions of <stdio.h>, <stdlib.h>, <string.h>, <math.h> and <ctype.h> that novices call
_LIBRARY_FUNCTIONS = {
    "printf", "scanf", "puts", "gets", "fgets", "putchar", "getchar", "sprintf", "fprintf", "fscanf", "fopen", "fclose",
    "malloc", "calloc", "realloc", "free", "exit", "atoi", "atof", "rand", "srand", "abs", "labs",
    "strlen", "strcpy", "strncpy", "strcat", "strcmp", "strncmp", "strchr", "strstr",
    "sqrt", "cbrt", "pow", "fabs", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "exp2", "log", "log2",
    "log10", "floor", "ceil", "round", "fmod", "hypot", "toupper", "tolower", "isdigit", "isalpha", "isspace"}


def control_header_ending(code: str) -> tuple[str, int] | None:
    """The keyword (`if`, `while`, `for`, `switch`) whose header's `)` ``code`` ends with, and the line of that
    keyword (counted in ``code``); None when ``code`` ends otherwise."""
    depth = 0
    for index in range(len(code) - 1, -1, -1) if code.endswith(")") else ():
        depth += {")": 1, "(": -1}.get(code[index], 0)
        if depth == 0:  # the `(` that the last `)` closes: a control keyword before it makes this a header
            found = _CONTROL_HEADER_KEYWORD.search(code[:index])
            return (found["keyword"], code.count("\n", 0, found.start()) + 1) if found else None
    return None


def stray_mark_place(code_before: str, token: str) -> tuple[str, int] | None:
    """For a `.`, `,`, `:`, `]` or `)` gcc wanted an expression before: ("statement", 0) when it begins a statement,
    (keyword, its line) when it comes right after the header of an `if`, `while`, `for` or `switch` (or an
    `else`); None otherwise (an operator before it, or inside parentheses)."""
    if token not in _STRAY_MARKS:
        return None
    line = code_before.rsplit("\n", 1)[-1]
    if re.search(r"(?:^|[;{}])\s*$", code_before) and line.count("(") <= line.count(")"):
        return "statement", 0
    if re.search(r"\belse$", code_before):
        return "else", code_before.count("\n") + 1
    return control_header_ending(code_before)


def type_where_value_belongs(diagnostic: CompilerDiagnostic, token: str) -> str | None:
    """For a type word gcc wanted an expression before: the function whose argument it stands in ("" when it
    stands in no call); None when it starts the line or a statement (a declaration), a cast, or follows `sizeof`."""
    code = _NOISE.sub(lambda m: " " * len(m.group()), diagnostic.source_line)
    index = diagnostic.column - 1
    if token not in _TYPE_WORDS or not code[index:].startswith(token):
        return None
    before = code[:index].rstrip()
    if not before or before.endswith((";", "{", "}")) or re.search(r"\bsizeof$", before):
        return None
    if before.endswith("(") and _CAST_REST.match(code[index:]):
        return None
    call = _CALL_OPEN.search(before)
    return call["name"] if call and call["name"] not in _NOT_CALLS else ""


def is_library_function(name: str) -> bool:
    """Whether ``name`` is a library function, or its `float` / `long double` form (`sqrtf`, `powl`)."""
    return name in _LIBRARY_FUNCTIONS or (name[-1:] in ("f", "l") and name[:-1] in _LIBRARY_FUNCTIONS)


def glued_argument(diagnostic: CompilerDiagnostic, name: str, program: str) -> tuple[str, str] | None:
    """(function, the rest) when the undeclared ``name`` is a library function's name followed by a number or by the
    name of a variable the program declares (`sqrt2`, `powx` after `double x;`); None when ``name`` is assigned to
    anywhere (a variable the program meant to have), or is not built so."""
    code = _NOISE.sub(" ", program + "\n" + diagnostic.source_line)
    if not name or is_library_function(name) or re.search(rf"\b{re.escape(name)}\s*=(?!=)", code):
        return None
    for function in sorted(_LIBRARY_FUNCTIONS, key=len, reverse=True):
        rest = name[len(function):]
        if not name.startswith(function) or not rest:
            continue
        if re.fullmatch(r"\d+", rest) or re.search(rf"\b{_DECLARED_TYPE}\b[^;(){{}}]*(?<![\w.]){re.escape(rest)}\b", code):
            return function, rest
    return None


# a declaration with its type first (`int count=0`, `const char *name`), not a function's header
_DECLARATION = re.compile(rf"^(?:(?:const|static|unsigned|signed)\s+)*(?:{_DECLARED_TYPE}|_Bool|struct\s+\w+)\b[\s*]*[A-Za-z_]\w*"
                          r"(?!\s*\()")


def unended_declaration_above(diagnostic: CompilerDiagnostic, program: str, token: str) -> int | None:
    """The line of the declaration just above, when gcc stopped at the first token of its own line and that
    declaration does not end with `;` or `,` (`int count=0` before `int size;`); None when unsure."""
    lines = program.splitlines()
    if diagnostic.source_line[:max(diagnostic.column - 1, 0)].strip() \
            or not diagnostic.source_line[diagnostic.column - 1:].startswith(token) or diagnostic.line > len(lines):
        return None
    above = next((n for n in range(diagnostic.line - 1, 0, -1) if _NOISE.sub("", lines[n - 1]).strip()), 0)
    code = _NOISE.sub('""', lines[above - 1]).strip() if above else ""
    return above if _DECLARATION.match(code) and not code.endswith((";", ",", "{", "}", ")")) else None


def extra_closing_parens(diagnostic: CompilerDiagnostic, code_before: str) -> tuple[int, int] | None:
    """(the `(`, the `)`) counted on the offending line when it holds more `)` than `(`, and every `(` of the lines
    above is closed there (no parenthesis is carried over onto this line); else None."""
    depth = 0  # the `(` still open where the line starts (an extra `)` above closes nothing there)
    for char in code_before.rsplit("\n", 1)[0] if "\n" in code_before else "":
        depth = max(depth + {"(": 1, ")": -1}.get(char, 0), 0)
    code = _NOISE.sub(" ", diagnostic.source_line)
    opening, closing = code.count("("), code.count(")")
    return (opening, closing) if closing > opening and depth == 0 else None


def parens_pair_up(diagnostic: CompilerDiagnostic) -> bool:
    """Whether every `(` on the offending line has its `)` there, in order (strings and comments aside)."""
    depth = 0
    for char in _NOISE.sub(" ", diagnostic.source_line):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and "(" in diagnostic.source_line


# ---- texts: what the rule says instead, when the code shows what is wrong ----------------------------------------
# {after} is where the stray mark stands: right after an `if`'s condition, or at the start of a statement
_STRAY_MARK = {
    "meaning": "The `{token}` on line {line} {after}: no statement and no value can begin with `{token}`, so the compiler found nothing it could read there.",
    "why": "A mark such as `.` or `,` typed by accident, often next to a `)` or before a comment, is read as the beginning of the next statement; nothing before it is missing, and no statement can start with such a mark.",
    "hint": "What is the `{token}` on line {line} meant to do there, and does it belong in the code at all?",
    "fix": "Remove the stray `{token}`, or write what it was meant to belong to.",
}
_STRAY_MARK_JA = {
    "meaning": "{line} 行目の `{token}` は{after}。`{token}` で始まる文や値はないので、コンパイラはそこで読めるものを見つけられませんでした。",
    "why": "`.` や `,` のような記号をうっかり（`)` の隣やコメントの前などに）打つと、次の文の始まりとして読まれます。その前に欠けているものはなく、このような記号で始まる文はありません。",
    "hint": "{line} 行目の `{token}` はそこで何をするためのものですか？そもそもコードに必要ですか？",
    "fix": "余分な `{token}` を削除するか、それが属するはずのものを書きます。",
}
_TYPE_FOR_VALUE = {
    "meaning": "On line {line} the type name `{token}` stands where a value (an expression) is needed{place}.",
    "why": "A type such as `int` or `char` names a kind of value, not a value: it is written in a declaration or a cast, while an argument, an operand or the right side of `=` needs a value, a variable or an expression.",
    "hint": "On line {line}, what value should stand where `{token}` is written: a variable, a number, or something computed from the type?",
    "fix": "Write a value or an expression where `{token}` is; if the size of the type is meant, compute it with `sizeof`.",
}
_TYPE_FOR_VALUE_JA = {
    "meaning": "{line} 行目で、値（式）が必要な場所{place}に型名 `{token}` が書かれています。",
    "why": "`int` や `char` のような型は値の種類を表す名前で、値ではありません。型は宣言やキャストに書きます。引数・演算の相手・`=` の右側には、値・変数・式が必要です。",
    "hint": "{line} 行目で `{token}` の位置にはどんな値が入るべきですか？変数、数、それとも型から計算したものですか？",
    "fix": "`{token}` の位置に値や式を書きます。型の大きさが必要なら `sizeof` で求めます。",
}
_GLUED_ARGUMENT = {
    "meaning": "`{token}` on line {line} is not declared: it begins with `{function}`, the name of a library function, followed by `{rest}`, and C reads the whole as one unknown name.",
    "why": "A function is called by writing its argument in parentheses right after its name; written together with the name, the argument becomes part of one longer name that nothing declares.{suggested}",
    "hint": "On line {line}, is `{rest}` meant as what `{function}` works on? How is a function's argument written after its name?",
    "fix": "Call `{function}` with `{rest}` as its argument, in parentheses after the name.",
}
_GLUED_ARGUMENT_JA = {
    "meaning": "{line} 行目の `{token}` は宣言されていません。ライブラリ関数の名前 `{function}` の後に `{rest}` が続いていて、C は全体を 1 つの未知の名前として読みます。",
    "why": "関数は名前の直後に括弧で囲んだ引数を書いて呼び出します。名前に続けて書くと、引数は宣言されていない 1 つの長い名前の一部になります。{suggested}",
    "hint": "{line} 行目の `{rest}` は `{function}` で処理するつもりのものですか？関数の引数は名前の後にどう書きますか？",
    "fix": "`{function}` を呼び出し、`{rest}` を名前の後の括弧の中に引数として書きます。",
}
_SUGGESTED_FUNCTION = {
    "meaning": "`{token}` is used on line {line} but was never declared; gcc suggests `{suggestion}`, which is the name of a function.",
    "hint": "Compare `{token}` with the function `{suggestion}`: is it a misspelling of that function's name, or a name you meant to declare yourself?",
}
_SUGGESTED_FUNCTION_JA = {
    "meaning": "`{token}` は {line} 行目で使われていますが宣言されていません。gcc は関数の名前 `{suggestion}` を示しています。",
    "hint": "`{token}` と関数 `{suggestion}` を比べましょう。その関数名の綴り間違いですか、それとも自分で宣言するつもりの名前ですか？",
}
_UNENDED_DECLARATION = {
    "meaning": "The compiler stopped at `{token}` at the start of line {line}: the declaration on line {above}, just before it, does not end with `;` or `,`, so the compiler read on into line {line} as if the declaration went on.",
    "why": "In C a declaration ends with a semicolon, or continues with a comma and another name; a line break ends nothing, so the compiler only notices at the next token, here the first one of line {line}.",
    "hint": "Look at how line {above} ends: what must come after the last value it declares, before line {line} starts?",
    "fix": "End the declaration on line {above} as C requires, then compile again.",
}
_UNENDED_DECLARATION_JA = {
    "meaning": "コンパイラは {line} 行目の先頭の `{token}` で止まりました。その直前の {above} 行目の宣言が `;` でも `,` でも終わっていないので、コンパイラは宣言が続くものとして {line} 行目まで読み進めました。",
    "why": "C の宣言はセミコロンで終わるか、コンマと次の名前で続きます。改行では何も終わらないので、コンパイラは次のトークン、ここでは {line} 行目の最初のトークンで初めて気づきます。",
    "hint": "{above} 行目がどう終わっているか見ましょう。宣言する最後の値の後、{line} 行目が始まる前に何が必要ですか？",
    "fix": "{above} 行目の宣言を C の決まりどおりに終わらせ、もう一度コンパイルします。",
}
_PARENS_TOO_MANY = {
    "meaning": "Line {line} has {surplus} too many: it holds {closing} `)` but only {opening} `(`, so the compiler reached a `)` that does not close any `(`, where it expected a statement.",
    "why": "Every `(` is closed by exactly one `)`; once the condition's parentheses are balanced, the next thing must be the statement it controls, and a further `)` cannot start one.",
    "hint": "Count the `(` and `)` on line {line}: which `)` has no `(` to close?",
    "fix": "Remove the `)` that has no matching `(`, or add the `(` that is missing.",
}
_PARENS_TOO_MANY_JA = {
    "meaning": "{line} 行目は `)` が{surplus_ja}多すぎます。`)` が {closing} 個あるのに `(` は {opening} 個しかないので、コンパイラは文があるはずの場所で何も閉じない `)` に達しました。",
    "why": "`(` はちょうど 1 つの `)` で閉じます。条件の括弧が釣り合った後には、それが制御する文が来るはずで、さらに `)` があっても文は始まりません。",
    "hint": "{line} 行目の `(` と `)` を数えましょう。閉じる `(` のない `)` はどれですか？",
    "fix": "対応する `(` のない `)` を削除するか、足りない `(` を追加します。",
}

_PARENS_PAIR_UP = {
    "meaning": "The compiler reached the `)` on line {line} where it expected a statement, although the `(` and `)` on line {line} pair up: it had already lost its place before this `)`.",
    "why": "After a mistake earlier on the line or above it (a declaration that does not end, a `,` for a `;`), the compiler reads what follows differently, so a `)` that closes its `(` can still come where it no longer expects one.",
    "hint": "The parentheses on line {line} pair up: what comes before the `)`, on this line or just above it, that is not finished?",
    "fix": "Fix the earlier error first (often the one reported just before this one), then compile again.",
}
_PARENS_PAIR_UP_JA = {
    "meaning": "{line} 行目の `(` と `)` は対応していますが、コンパイラは文があるはずの場所でこの `)` に達しました。この `)` より前で、すでに読む位置を見失っています。",
    "why": "その行や上の行の誤り（終わっていない宣言、`;` の代わりの `,` など）の後では、コンパイラは続きを違うように読むので、自分の `(` を閉じる `)` でも予想しない場所に来ることがあります。",
    "hint": "{line} 行目の括弧は対応しています。この `)` より前、この行かすぐ上の行で、終わっていないものは何ですか？",
    "fix": "先にその前の誤り（多くはこの直前に報告されたもの）を直して、もう一度コンパイルします。",
}


def _stray_values(place: tuple[str, int], line: int) -> tuple[dict[str, str], dict[str, str]]:
    """Where the stray mark stands, in English and Japanese (the keyword's line named when it is another)."""
    keyword, at = place
    if keyword == "statement":
        return {"after": "begins a statement"}, {"after": "文の始まりにあります"}
    what = "`else`" if keyword == "else" else f"condition of the `{keyword}`"
    what_ja = "`else`" if keyword == "else" else f"`{keyword}` の条件"
    on, on_ja = (f" on line {at}", f"{at} 行目の") if at != line else ("", "")
    return {"after": f"comes right after the {what}{on}, where the statement it controls begins"}, \
        {"after": f"{on_ja}{what_ja}の直後、それが制御する文の始まりにあります"}


def texts_for(rule_id: str, diagnostic: CompilerDiagnostic, program: str, token: str,
              code_before: str) -> tuple[dict, dict, dict, dict] | None:
    """(English texts, Japanese texts, English values, Japanese values) that fit the code better than the rule's own."""
    at_token = diagnostic.source_line[diagnostic.column - 1:].startswith(token)  # the column is the token's
    if rule_id == "c.expected-expression" and at_token and (place := stray_mark_place(code_before, token)):
        return _STRAY_MARK, _STRAY_MARK_JA, *_stray_values(place, diagnostic.line)
    if rule_id == "c.expected-expression" and (call := type_where_value_belongs(diagnostic, token)) is not None:
        return _TYPE_FOR_VALUE, _TYPE_FOR_VALUE_JA, {"place": f", as an argument of `{call}`" if call else ""}, \
            {"place": f"（`{call}` の引数）" if call else ""}
    if rule_id == "c.missing-semicolon" and (above := unended_declaration_above(diagnostic, program, token)):
        return _UNENDED_DECLARATION, _UNENDED_DECLARATION_JA, {"above": str(above)}, {"above": str(above)}
    if rule_id in ("c.undeclared-did-you-mean", "c.undeclared-identifier"):
        return _undeclared_texts(rule_id, diagnostic, program, token)
    counts = extra_closing_parens(diagnostic, code_before) if rule_id == "c.extra-closing-paren" else None
    if counts and ";" not in diagnostic.message:
        surplus = counts[1] - counts[0]
        values = {"opening": str(counts[0]), "closing": str(counts[1])}
        return _PARENS_TOO_MANY, _PARENS_TOO_MANY_JA, {**values, "surplus": "one `)`" if surplus == 1 else f"{surplus} `)`"}, \
            {**values, "surplus_ja": f" {surplus} 個"}
    if rule_id == "c.extra-closing-paren" and "expected statement" in diagnostic.message and parens_pair_up(diagnostic):
        return _PARENS_PAIR_UP, _PARENS_PAIR_UP_JA, {}, {}
    return None


def _undeclared_texts(rule_id: str, diagnostic: CompilerDiagnostic, program: str,
                      token: str) -> tuple[dict, dict, dict, dict] | None:
    """A library function with its argument written right after it, or gcc's suggestion that is a function."""
    found = re.search(r"did you mean ['‘](?P<suggestion>[^'’]+)['’]", diagnostic.message)
    suggestion = found["suggestion"] if found else ""
    is_function = bool(suggestion) and (is_library_function(suggestion)
                                        or bool(re.search(rf"\b{re.escape(suggestion)}\s*\(", program)))
    if glued := glued_argument(diagnostic, token, program):
        values = {"function": glued[0], "rest": glued[1]}
        said = f" gcc's suggestion, `{suggestion}`, is the name of a function too, not of a variable." if is_function else ""
        said_ja = f"gcc が示す `{suggestion}` も変数ではなく関数の名前です。" if is_function else ""
        return _GLUED_ARGUMENT, _GLUED_ARGUMENT_JA, {**values, "suggested": said}, {**values, "suggested": said_ja}
    if is_function:
        return _SUGGESTED_FUNCTION, _SUGGESTED_FUNCTION_JA, {}, {}
    return None
