"""The code javac misread, quoted, for messages whose rule text would otherwise name none.

"invalid method declaration; return type required", "unclosed character literal", "-> expected" and
"> expected" say what javac wanted, not what it read. The student's own code says it: the name javac took
for a method (or a call written outside any method), the quotes around more than one character, the
parentheses it took for a lambda's parameters, the `name <` it took for a generic type. ``texts_for``
answers the texts that quote that code, or None when the line does not show it.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import token_at

# a well-formed char literal: one character or one escape ('a', '\n', '\'', '\u0041', '\0')
_CHAR_LITERAL = re.compile(r"'(?:[^'\\\n]|\\u+[0-9a-fA-F]{4}|\\[0-7]{1,3}|\\.)'")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_MODIFIERS_ONLY = re.compile(r"\s*(?:(?:public|private|protected|static|final|abstract|synchronized)\s+)*")
_CALL_CHAIN = re.compile(r"(?:[A-Za-z_$][\w$]*\s*\.\s*)*[A-Za-z_$][\w$]*\s*$")


def quoted_code(code: str, limit: int = 32) -> str:
    """Code put into a text template: cut with "…" past ``limit`` characters, its braces made literal."""
    code = code if len(code) <= limit else code[:limit - 2].rstrip() + "…"
    return code.replace("{", "{{").replace("}", "}}")


def _code_part(line: str) -> str:
    return line.split("//", 1)[0].rstrip()


def _code_before(diagnostic: CompilerDiagnostic) -> str:
    """The line's code before javac's caret, trailing blanks removed."""
    return _code_part(diagnostic.source_line)[:diagnostic.column - 1].rstrip()


def _name_called_at(diagnostic: CompilerDiagnostic) -> tuple[str, re.Match] | None:
    """(the line's code, the name at javac's caret) when `(` follows that name, else None."""
    line = _code_part(diagnostic.source_line)
    name = _NAME.match(line, diagnostic.column - 1)
    return (line, name) if name and re.match(r"\s*\(", line[name.end():]) else None


def _where(diagnostic: CompilerDiagnostic) -> tuple[str, str]:
    """Where javac stopped, in English and Japanese: at a token, or past the line's end."""
    if diagnostic.column - 1 >= len(_code_part(diagnostic.source_line)):
        return "at the end of the line", "行末"
    return "at the `{token}`", "`{token}` の所"


def call_outside_method(diagnostic: CompilerDiagnostic) -> str:
    """For "return type required" on a call statement (`System.out.println(x);`): the called chain, else ""."""
    found = _name_called_at(diagnostic)
    if not found or not found[0].endswith(";"):
        return ""
    line, name = found
    chain = _CALL_CHAIN.search(line[:name.end()])
    return re.sub(r"\s+", "", chain.group(0)) if chain else name.group(0)


def header_name(diagnostic: CompilerDiagnostic) -> str:
    """For "return type required" on a header (`public LFSR(int n) {`): the name javac stopped at, when only
    modifiers stand before it, else "" (after `double` or a garbled word, the line does not show what javac read)."""
    found = _name_called_at(diagnostic)
    if not found or found[0].endswith(";"):
        return ""
    line, name = found
    return name.group(0) if _MODIFIERS_ONLY.fullmatch(line[:name.start()]) else ""


def bad_char_literal(source_line: str) -> str:
    """The text a `'` on the line opens when it is not a one-character `char` literal (`'Error`, `'ab'`),
    else ""; strings, comments and well-formed literals such as 'a' or '\\n' are passed over."""
    index = 0
    while index < len(source_line) and '"""' not in source_line:
        if source_line.startswith("//", index):
            return ""
        if source_line.startswith("/*", index):
            end = source_line.find("*/", index + 2)
            index = end + 2 if end >= 0 else len(source_line)
        elif source_line[index] == '"':
            index = STRING.match(source_line, index).end()
        elif source_line[index] == "'" and not _CHAR_LITERAL.match(source_line, index):
            closing = source_line.find("'", index + 1)
            text = source_line[index:closing + 1 if closing > 0 else len(source_line)].rstrip()
            return text if len(text.strip("'")) > 1 else ""
        else:
            index = _CHAR_LITERAL.match(source_line, index).end() if source_line[index] == "'" else index + 1
    return ""


def quoted_literal(diagnostic: CompilerDiagnostic) -> str:
    """The quoted text javac stopped at; when a faulty literal starts earlier on the line (javac reports `'65'`
    twice, the second time at its closing quote), that one."""
    at_caret = token_at(diagnostic.source_line, diagnostic.column)
    first = bad_char_literal(diagnostic.source_line)
    starts = diagnostic.source_line.find(first) if first else -1
    return first if 0 <= starts < diagnostic.column - 1 else at_caret


def char_literal_fault(token: str) -> tuple[str, str] | None:
    """What is wrong with the quoted text javac stopped at, in English and Japanese, or None."""
    if not token.startswith("'") or "\n" in token:
        return None
    if len(token) < 2 or not token.endswith("'"):
        return "opens a character literal that the line never closes", "文字リテラルを開いたまま、その行で閉じていません"
    inside = len(token) - 2
    if inside == 0:
        return "is empty", "中身が空です"
    return (f"holds {inside} characters between its single quotes", f"シングルクォートの間に {inside} 文字あります")


def lambda_parameters(diagnostic: CompilerDiagnostic) -> str:
    """For "-> expected": the parenthesised code just before javac's caret, which it read as a lambda's
    parameters (`(int [] symbolArray)`, `()`), else ""."""
    before = _code_before(diagnostic)
    if not before.endswith(")"):
        return ""
    depth = 0
    for index in range(len(before) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(before[index], 0)
        if depth == 0:
            return before[index:]
    return ""


def generic_misread(diagnostic: CompilerDiagnostic) -> str:
    """For "> expected": `name < ...` just before javac's caret, which it read as a generic type, else ""."""
    before = _code_before(diagnostic)
    found = re.search(r"([A-Za-z_$][\w$]*\s*<(?![<=])[^<>;(){}]*)$", before)
    return found.group(1).strip() if found else ""


_CALL_OUTSIDE_METHOD = {
    "meaning": "The call to `{call}` on line {line} is a statement, but it stands directly in the class, outside any method, where javac reads only declarations: it took `{token}(` for the start of a method declaration without a return type.",
    "why": "Directly inside a class only declarations (fields, methods, constructors) are allowed; a call like this one must be inside a method's body, and a `}}` that closes a method too early often leaves it outside.",
    "hint": "Which method is line {line} meant to be in, and does a `}}` above it close that method too early?",
    "fix": "Move the call into a method body (for example `main`), or fix the braces above it so the method is still open.",
}
_CALL_OUTSIDE_METHOD_JA = {
    "meaning": "{line} 行目の `{call}` の呼び出しは文ですが、メソッドの外、クラスの直下にあります。javac はそこで宣言だけを読むので、`{token}(` を戻り値の型のないメソッド宣言の始まりと受け取りました。",
    "why": "クラスの直下に書けるのは宣言（フィールド・メソッド・コンストラクタ）だけです。このような呼び出しはメソッドの本体の中に必要で、`}}` がメソッドを早く閉じていると外に出てしまいます。",
    "hint": "{line} 行目はどのメソッドの中にあるはずですか？上の `}}` がそのメソッドを早く閉じていませんか？",
    "fix": "呼び出しをメソッドの本体（たとえば `main`）に移すか、上の波括弧を直してメソッドが開いたままになるようにします。",
}
_HEADER_WITHOUT_TYPE = {
    "meaning": "`{token}` on line {line} is declared like a method, but no return type stands before its name: only a constructor may leave it out, and a constructor's name must be exactly the class's name.",
    "hint": "Is `{token}` on line {line} meant as a constructor? If so, compare it with the class's name, capitals included; if not, what does it return?",
}
_HEADER_WITHOUT_TYPE_JA = {
    "meaning": "{line} 行目の `{token}` はメソッドのように宣言されていますが、名前の前に戻り値の型がありません。型を省けるのはコンストラクタだけで、コンストラクタの名前はクラス名とまったく同じでなければなりません。",
    "hint": "{line} 行目の `{token}` はコンストラクタのつもりですか？それならクラス名と（大文字・小文字も）比べてください。そうでなければ、何を返しますか？",
}
_CHAR_LITERAL_FAULT = {
    "meaning": "`{literal}` on line {line} {fault}: in Java single quotes make a `char` literal, which holds exactly one character.",
    "hint": "Look at `{literal}` on line {line}: is it meant as one character (single quotes), as text (double quotes), or as code that gives a value (no quotes at all)?",
}
_CHAR_LITERAL_FAULT_JA = {
    "meaning": "{line} 行目の `{literal}` は{fault}。Java のシングルクォートは `char` リテラルで、ちょうど 1 文字を表します。",
    "hint": "{line} 行目の `{literal}` を見てください。1 文字（シングルクォート）、文字列（ダブルクォート）、それとも値を返すコード（クォートなし）のつもりですか？",
}
_LAMBDA_PARAMETERS = {
    "meaning": "javac read `{code}` on line {line} as the parameters of a lambda (code in parentheses where a value was expected), so it expected `->` after them, {where}.",
    "why": "A type and a name inside parentheses, where a value is expected (after `return`, in a call), look to javac like the parameters of a lambda such as `(int x) -> x + 1`; a variable's value is written by its name alone, without its type.",
    "hint": "What should `{code}` on line {line} be: a value, such as a variable's name alone, or something else?",
}
_LAMBDA_PARAMETERS_JA = {
    "meaning": "javac は {line} 行目の `{code}` を、ラムダ式の引数（値が来るはずの場所にある括弧の中のコード）と読んだので、{where}で `->` を期待しました。",
    "why": "値が来るはずの場所（`return` の後や呼び出しの中）で括弧の中に型と名前があると、javac には `(int x) -> x + 1` のようなラムダ式の引数に見えます。変数の値は、型を付けずに名前だけで書きます。",
    "hint": "{line} 行目の `{code}` は何のつもりですか？変数名だけのような値ですか、それとも別のものですか？",
}
_GENERIC_TYPE = {
    "meaning": "javac read `{code}` on line {line} as the start of a generic type such as List<String> (a name followed by `<`), so it expected a closing `>` {where}.",
    "why": "Where javac expects a declaration, a name followed by `<` starts a generic type; a `,` where a for header needs `;` makes the rest of its first part a declaration, and a `for` that is missing or misspelled leaves its header looking like one.",
    "hint": "What was javac expecting on line {line} when it reached `{code}`: a declaration or a condition? Check the separators around it and the lines just above.",
}
_GENERIC_TYPE_JA = {
    "meaning": "javac は {line} 行目の `{code}` を List<String> のようなジェネリック型の始まり（名前の後に `<`）と読んだので、{where}で閉じる `>` を期待しました。",
    "why": "javac が宣言を待っている場所では、名前の後の `<` はジェネリック型の始まりです。for の見出しで `;` の代わりに `,` を書くと最初の部分の残りが宣言になり、`for` がない・つづりが違うと見出し全体が宣言のように見えます。",
    "hint": "{line} 行目の `{code}` に来たとき、javac は宣言と条件のどちらを待っていましたか？まわりの区切り記号とすぐ上の行を確かめてください。",
}


def texts_for(rule_id: str, diagnostic: CompilerDiagnostic) -> tuple[dict, dict, dict, dict] | None:
    """(English texts, Japanese texts, values, Japanese values) quoting the code javac misread, or None."""
    if rule_id == "java.return-type-required":
        if call := call_outside_method(diagnostic):
            return _CALL_OUTSIDE_METHOD, _CALL_OUTSIDE_METHOD_JA, {"call": quoted_code(call)}, {"call": quoted_code(call)}
        return (_HEADER_WITHOUT_TYPE, _HEADER_WITHOUT_TYPE_JA, {}, {}) if header_name(diagnostic) else None
    if rule_id == "java.unclosed-char-literal":
        literal = quoted_literal(diagnostic)
        fault = char_literal_fault(literal)
        values = {"literal": quoted_code(literal)}
        return (_CHAR_LITERAL_FAULT, _CHAR_LITERAL_FAULT_JA, {**values, "fault": fault[0]}, {**values, "fault": fault[1]}) \
            if fault else None
    if rule_id == "java.declaration-in-expression":
        lambda_code = lambda_parameters(diagnostic) if diagnostic.message.startswith("->") else ""
        code = lambda_code or (generic_misread(diagnostic) if diagnostic.message.startswith(">") else "")
        texts = (_LAMBDA_PARAMETERS, _LAMBDA_PARAMETERS_JA) if lambda_code else (_GENERIC_TYPE, _GENERIC_TYPE_JA)
        where, where_ja = _where(diagnostic)
        return (*texts, {"code": quoted_code(code), "where": where}, {"code": quoted_code(code), "where": where_ja}) if code else None
    return None
