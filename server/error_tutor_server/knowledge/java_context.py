"""Facts read from a Java line where javac's message alone does not say what is wrong.

javac names the symptom: "';' expected" on a line whose text is in single quotes, "illegal start of
type" on a line that is comment text read as code or on ``new int{...}``, "non-static method m() cannot
be referenced from a static context" for ``ClassName.m()`` in any method. These functions read the
offending line (and the program, when there is one) and answer "" or False when unsure; ``texts_for``
picks the texts that fit, which ``context.in_context`` puts in place of the rule's own.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import java_misreads, token_at, token_before
from error_tutor_server.knowledge.java_misreads import STRING as _STRING, bad_char_literal, quoted_code

# the inside of a comment: `* text`, `*/`, a mistyped opener `/ *`, or a rule of dashes
_COMMENT_MARK = re.compile(r"^\s*(?:\*+(?=\s|/|$)|\*+/|/\s+\*|[-=*_~]{4,}\s*$)")
# `new int{...}`: array creation without the brackets
_NEW_WITHOUT_BRACKETS = re.compile(r"\bnew\s+(?P<type>[A-Za-z_$][\w$.]*(?:\s*<[^<>(){}]*>)?)\s*\{")
_STATEMENT_START = re.compile(r"^\s*(?:(?:for|if|while|do|switch|return|throw|try|else|break|continue)\b"
                              r"|this\s*\.|[A-Za-z_$][\w$]*(?:\s*\[[^\]]*\])*\s*(?:[-+*/%]?=(?!=)|\+\+|--))")
_STATIC_MEMBER = re.compile(r"non-static (?:method|variable) (?P<name>[\w$]+)")
_NAME_CHAIN = r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*"
# parse errors that a broken line produces wherever it stands; their texts would explain the symptom only
PARSE_ERRORS = {"java.missing-semicolon", "java.missing-parenthesis", "java.identifier-expected", "java.not-a-statement",
                "java.illegal-start-of-type", "java.illegal-start-of-expression", "java.illegal-start-of-statement",
                "java.token-expected", "java.missing-bracket", "java.new-without-parentheses"}


def comment_text_line(diagnostic: CompilerDiagnostic) -> bool:
    """Whether the offending line reads as the inside of a block comment (`* Inputs`, `*/`, `/ **`): javac
    stopped at its leading mark, or the line does not end like code (`;`, `)`) that a `*` could continue."""
    found = _COMMENT_MARK.match(diagnostic.source_line)
    if not found:
        return False
    at_mark = diagnostic.column - 1 < found.end()
    return at_mark or not diagnostic.source_line.rstrip().endswith((";", ")"))


def _code(diagnostic: CompilerDiagnostic) -> str:
    """The offending line without its strings' text and its `//` comment."""
    return _STRING.sub('""', diagnostic.source_line).split("//", 1)[0].strip()


def lone_name(diagnostic: CompilerDiagnostic) -> str:
    """The name or field (`thi`, `get.distanceToX`) when it is all the offending line holds (a `;` aside), else ""."""
    code = _code(diagnostic).rstrip(";").strip()
    found = re.fullmatch(_NAME_CHAIN, code)
    return code if found and code not in ("return", "break", "continue", "this", "super") else ""


def bare_array_values(diagnostic: CompilerDiagnostic) -> bool:
    """Whether the line passes `{ ... }` where an expression goes: after `(` or `,` (an argument), or after `=`
    in a statement that is not a declaration with `[]` (`int[] a = {1, 2};` is allowed)."""
    code = _code(diagnostic)
    if re.search(r"[(,]\s*\{", code):
        return True
    assigned = re.search(r"(?<![=!<>])=\s*\{", code)
    return bool(assigned) and "[" not in code[:assigned.start()] and not re.search(r"\bnew\b", code)


# a type (a primitive, or a class name: capitalised, maybe generic) and a name, as an argument of a call
_TYPED_ARGUMENT = re.compile(r"(?P<method>[A-Za-z_$][\w$]*)\s*\((?:[^()]*?,)??\s*(?P<typed>(?:final\s+)?(?P<type>int|double|float|"
                             r"long|short|byte|char|boolean|[A-Z][\w$]*(?:\s*<[^<>()]*>)?)(?:\s*\[\s*\])*\s+"
                             r"(?P<name>[A-Za-z_$][\w$]*))\s*[,)]")
_DECLARES = re.compile(r"^\s*(?:(?:public|private|protected|static|final|abstract)\s+)*[\w$<>\[\]]+\s+[\w$]+\s*\(")
# words before `(` that are no call; and calls whose argument may be words meant as text (`println(Hello world)`)
_NOT_CALLS = {"for", "while", "if", "switch", "catch", "try", "synchronized", "return", "throw", "case", "assert", "yield"}
_TEXT_CALLS = {"print", "println", "printf", "format"}


def types_in_call(diagnostic: CompilerDiagnostic) -> tuple[str, str] | None:
    """(method, "int symbol") when a statement's call writes a type before an argument: a primitive, or a class
    name before a lowercase name (`x = f(int a);`, `f(n, Point p);`); not a method's header (`int f(int a) {`)."""
    code = _code(diagnostic)
    found = _TYPED_ARGUMENT.search(code)
    if not found or not code.endswith(";") or found["method"] in _NOT_CALLS:
        return None
    if found["type"][0].isupper() and (not found["name"][0].islower() or found["method"] in _TEXT_CALLS):
        return None  # `println(Hello world)`: text without its quotes, perhaps
    declared = _DECLARES.match(code)
    if declared and declared.end() >= found.end("method"):
        return None  # `int f(int a);`: a declaration, not a call
    return found["method"], " ".join(found["typed"].split())


def semicolon_spot(diagnostic: CompilerDiagnostic) -> str:
    """Where javac's caret for "';' expected" stands: "after" when it is on the blank right after a token (javac
    marks the end of the code it read as complete), "unnamed" when it is on a `;` (the line's own, or a column
    that is off), "" otherwise."""
    line, index = diagnostic.source_line, diagnostic.column - 1
    token = token_at(line, diagnostic.column)
    if token == ";":
        return "unnamed"
    on_blank = 0 < index < len(line) and line[index].isspace() and not line[index - 1].isspace()
    return "after" if on_blank and token_before(line, diagnostic.column, token) else ""


def new_before(diagnostic: CompilerDiagnostic, program: str) -> int | None:
    """For "'(' or '[' expected": the line of the last `new` before javac's caret, 0 when none is found (the
    program may be that line alone), None when it is on the caret's line (the rule's own text says it)."""
    lines = program.splitlines()[:diagnostic.line]
    if len(lines) < diagnostic.line:
        lines = [""] * (diagnostic.line - 1) + [diagnostic.source_line]
    lines[-1] = lines[-1][:diagnostic.column - 1]
    for number in range(diagnostic.line, 0, -1):
        if re.search(r"\bnew\b", _STRING.sub('""', lines[number - 1]).split("//", 1)[0]):
            return None if number == diagnostic.line else number
    return 0


# methods a novice indexes like an array (`word.charAt[i]`); a program's own are known by a `(` after the name
_KNOWN_METHODS = {"charAt", "length", "substring", "size", "get", "indexOf", "equals", "toUpperCase", "toLowerCase",
                  "split", "toCharArray", "nextInt", "nextLine", "next", "nextDouble", "contains", "add", "remove",
                  "isEmpty", "trim", "parseInt", "valueOf", "pow", "sqrt", "abs", "max", "min", "random"}
_SYMBOL_NOTE = re.compile(r"symbol:\s+(?P<kind>\w+)\s+(?P<name>[\w$]+)")


def _looked_up(diagnostic: CompilerDiagnostic) -> tuple[str, str]:
    """(kind, name) of the symbol javac could not find: its `symbol:` note, else the name at (or after a `.` at)
    the caret with an unknown kind."""
    for note in diagnostic.notes:
        if found := _SYMBOL_NOTE.search(note):
            return found["kind"], found["name"]
    token = token_at(diagnostic.source_line, diagnostic.column)
    if token == ".":
        token = token_at(diagnostic.source_line, diagnostic.column + 1)
    return "", token if re.fullmatch(r"[A-Za-z_$][\w$]*", token) else ""


def method_with_brackets(diagnostic: CompilerDiagnostic, program: str) -> str:
    """The method named before `[` (`word.charAt[i]`) when javac looked for it as a variable: a well-known method,
    or one the program calls or declares with `(`; else ""."""
    kind, name = _looked_up(diagnostic)
    if kind not in ("", "variable") or not name or not re.search(rf"\.\s*{re.escape(name)}\s*\[", _code(diagnostic)):
        return ""
    return name if name in _KNOWN_METHODS or re.search(rf"\b{re.escape(name)}\s*\(", program) else ""


def method_on_array(diagnostic: CompilerDiagnostic, program: str) -> tuple[str, str] | None:
    """(array, method) for a method called on an array (`counts.length()`), known from javac's `location:` note
    or the array's declaration in the program; None when unsure."""
    kind, name = _looked_up(diagnostic)
    found = re.search(rf"([A-Za-z_$][\w$]*)\s*\.\s*{re.escape(name)}\s*\(", _code(diagnostic)) if name else None
    if kind not in ("", "method") or not found:
        return None
    array = re.escape(found[1])
    noted = any(re.search(rf"location:\s+variable\s+{array}\s+of type\s+\S+\[\]", note) for note in diagnostic.notes)
    declared = re.search(rf"\[\s*\]\s*{array}\b|\b{array}\s*\[\s*\]|\b{array}\s*=\s*new\s+[\w$.]+\s*\[", program)
    return (found[1], name) if noted or declared else None


_OWNER_BEFORE_DOT = re.compile(r"((?:[A-Za-z_$][\w$]*\s*\.\s*)*[A-Za-z_$][\w$]*)\s*$")


def member_after_dot(diagnostic: CompilerDiagnostic) -> tuple[str, str, bool] | None:
    """(owner, member, called) when javac's caret is on the `.` of `owner.member` (`symbols.length()`,
    `System.out.printn`): javac looked the name up among the owner's fields and methods, not among the declared
    names; ``called`` when `(` follows the member. None otherwise."""
    kind, name = _looked_up(diagnostic)
    line, at = diagnostic.source_line, diagnostic.column - 1
    if kind in ("class", "package") or not name or not 0 <= at < len(line) or line[at] != ".":
        return None
    after = re.match(rf"\s*{re.escape(name)}\b(\s*\()?", line[at + 1:])
    if not after:
        return None
    owner = _OWNER_BEFORE_DOT.search(line[:at])
    return (re.sub(r"\s+", "", owner[1]), name, bool(after[1])) if owner else None


# a binary operator (or an assignment) that ends the code before javac's caret
_OPERATOR_AT_END = re.compile(r"(?P<operator>&&|\|\||[-+*/%&|^]?=|==|!=|<=|>=|<<|>>|[-+*/%<>&|^])\s*$")


def operator_without_operand(diagnostic: CompilerDiagnostic) -> str:
    """The operator right before javac's caret when the caret is on a `)`, `;`, `]`, `,` or `}` (`i < )`, `n + ;`):
    the operator has no value on its right; "" otherwise (and for `i++`, `i--` and a lambda's `->`)."""
    if token_at(diagnostic.source_line, diagnostic.column) not in (")", ";", "]", ",", "}"):
        return ""
    before = _STRING.sub('""', diagnostic.source_line[:max(diagnostic.column - 1, 0)]).rstrip()
    found = _OPERATOR_AT_END.search(before)
    return found["operator"] if found and not before.endswith(("++", "--", "->")) else ""


_CONTROL_START = re.compile(r"^\s*(?:}\s*)?(?:if|else|while|for|do|switch)\b")


def stopped_at_punctuation(diagnostic: CompilerDiagnostic) -> bool:
    """For "not a statement": whether javac's caret is on a bracket or mark (`(`, `.`, `[`, `?` ...), not on a name,
    a literal or an operator, or the line starts with `if`, `else`, `while`, `for`, `do` or `switch`; a `(` that
    starts a line of its own opens a value in parentheses (`(n + 1);`), which is the rule's own case."""
    line = diagnostic.source_line
    token = token_at(line, diagnostic.column)
    if _CONTROL_START.match(line):
        return True
    first = not line[:max(diagnostic.column - 1, 0)].strip()
    return bool(re.fullmatch(r"[()\[\]{}.,;?:]", token)) and not (token == "(" and first)


# `if else (...)`: the two keywords of a chained condition out of order; `else (...)`: a condition after a plain else
_KEYWORDS_OUT_OF_ORDER = re.compile(r"\bif\s+else\b")
_ELSE_WITH_CONDITION = re.compile(r"^\s*(?:}\s*)?else\s*\(")


def keywords_out_of_order(diagnostic: CompilerDiagnostic) -> bool:
    """Whether the line has `if` directly followed by `else` (`if else(...)`): javac cannot read it, whatever
    symptom it reports on the line."""
    return bool(_KEYWORDS_OUT_OF_ORDER.search(_code(diagnostic)))


def else_with_condition(diagnostic: CompilerDiagnostic) -> bool:
    """Whether the line is a plain `else` directly followed by a condition in parentheses (`} else (a > b) {`):
    no `if` at all, so it is not a matter of order."""
    return bool(_ELSE_WITH_CONDITION.search(_code(diagnostic)))


def array_without_brackets(diagnostic: CompilerDiagnostic) -> str:
    """The type of a `new T{...}` on the line, at or before javac's column, else ""."""
    found = _NEW_WITHOUT_BRACKETS.search(diagnostic.source_line)
    return found["type"] if found and found.start() <= diagnostic.column - 1 else ""


def statement_in_class_body(diagnostic: CompilerDiagnostic) -> bool:
    """Whether javac stopped at the first token of a line that is a statement (`for`, `return`, `x = ...`):
    it was reading declarations, so the statement stands directly in a class."""
    line = diagnostic.source_line
    return bool(_STATEMENT_START.match(line)) and diagnostic.column - 1 <= len(line) - len(line.lstrip())


def class_qualifier(diagnostic: CompilerDiagnostic, program: str) -> str:
    """For "non-static method m() cannot be referenced from a static context": the class name the member is
    reached through (`Review` in `Review.getMovie()`), or "" for a use without one, or when unsure. javac says
    "non-static" of `x.m` only when `x` names a type (through a variable, `m` would have its object), so a
    qualifier written as a class name that the program does not declare as a variable is one."""
    member = _STATIC_MEMBER.search(diagnostic.message)
    if diagnostic.language != "java" or not member:
        return ""
    line = _STRING.sub(lambda m: " " * len(m.group()), diagnostic.source_line)
    uses = [(use.start(), _qualifier(line[:use.start()])) for use in re.finditer(rf"(?<![\w$]){re.escape(member['name'])}\b", line)]
    pointed = [chain for start, chain in uses if start >= diagnostic.column - 1 and not line[diagnostic.column - 1:start].strip(" .")]
    chains = pointed[:1] or ([chain for _, chain in uses[:1]] if len({chain for _, chain in uses}) == 1 else [])
    chain = chains[0] if chains else ""
    last = chain.rsplit(".", 1)[-1]
    if not last or last in ("this", "super") or re.search(rf"[\w$>\]]\s+{re.escape(last)}\s*[=;,)]", program):
        return ""
    written_as_class = last[0].isupper() or re.search(rf"\b(?:class|interface|enum|record)\s+{re.escape(last)}\b", program)
    return chain if written_as_class else ""


def _qualifier(before: str) -> str:
    """The names and dots that end ``before`` right up to a `.` (`Review` of `x || Review.`), "" if it does not end so."""
    found = re.search(rf"(?<![\w$.)\]])({_NAME_CHAIN})\s*\.\s*$", before)
    return re.sub(r"\s+", "", found[1]) if found else ""


# ---- texts: what the rule says instead, when the line shows what is wrong ----------------------------------------
_THROUGH_CLASS_NAME = {
    "meaning": "On line {line} `{token}` is reached through the class name `{qualifier}`, but `{token}` is not `static`: it belongs to each `{qualifier}` object, not to the class itself, so it needs a particular object.",
    "why": "A class name before the dot works only for `static` members. An instance member such as `{token}` works on one object's data, so it is reached through a variable that holds that object; this is so in every method, `static` or not.",
    "hint": "Which `{qualifier}` object's `{token}` do you mean on line {line}, and which variable holds that object?",
    "fix": "Write a variable holding a `{qualifier}` object before the dot instead of the class name (create the object first if there is none); or, if `{token}` is your own and uses no object's fields, declare it `static`.",
}
_THROUGH_CLASS_NAME_JA = {
    "meaning": "{line} 行目で `{token}` をクラス名 `{qualifier}` を通して使っていますが、`{token}` は `static` ではありません。クラスそのものではなく、`{qualifier}` の各オブジェクトに属するので、特定のオブジェクトが必要です。",
    "why": "ドットの前にクラス名を書けるのは `static` なメンバーだけです。`{token}` のようなインスタンスのメンバーは 1 つのオブジェクトのデータを扱うので、そのオブジェクトを持つ変数を通して使います。これは `static` かどうかに関係なく、どのメソッドでも同じです。",
    "hint": "{line} 行目で使いたいのはどの `{qualifier}` オブジェクトの `{token}` ですか？そのオブジェクトはどの変数に入っていますか？",
    "fix": "クラス名の代わりに、`{qualifier}` のオブジェクトを持つ変数をドットの前に書きます（なければ先にオブジェクトを作ります）。`{token}` が自分で書いたもので、オブジェクトのフィールドを使わないなら `static` にします。",
}
_COMMENT_AS_CODE = {
    "meaning": "Line {line} looks like part of a comment, but javac read it as code: no comment is open at this point, so its first symbols cannot start a declaration or a statement.",
    "why": "A block comment runs from `/*` to the first `*/`. When its `/*` is missing or mistyped (a space between `/` and `*`), or a `*/` above ends it early, the lines meant as comment text are read as Java code, and javac reports what they lack as code, such as a `;` or a name.",
    "hint": "Where does the comment around line {line} begin: is its `/*` written correctly, and is there a `*/` before line {line} that ends it too soon?",
    "fix": "Open the comment with `/*` above its first line and close it with one `*/` after its last, or start each of its lines with `//`.",
}
_COMMENT_AS_CODE_JA = {
    "meaning": "{line} 行目はコメントの一部のように見えますが、javac はコードとして読みました。ここではコメントが開いていないので、行頭の記号は宣言にも文にもなりません。",
    "why": "ブロックコメントは `/*` から最初の `*/` までです。`/*` がない・打ち間違えている（`/` と `*` の間に空白がある）、または上の `*/` で早く終わっていると、コメントのつもりの行が Java のコードとして読まれ、javac はコードとして足りないもの（`;` や名前など）を報告します。",
    "hint": "{line} 行目のまわりのコメントはどこで始まりますか？`/*` は正しく書けていますか？{line} 行目より前に、コメントを早く終わらせる `*/` はありませんか？",
    "fix": "コメントの最初の行の上に `/*`、最後の行の後に `*/` を 1 つだけ書くか、各行を `//` で始めます。",
}
_LONE_NAME = {
    "meaning": "Line {line} holds only `{name}`: a name on its own does nothing, so it is not a statement, and javac stopped there.",
    "why": "A Java statement declares, assigns, calls a method with `( )` or controls the flow; a bare name or field, such as an unfinished or leftover word, does none of these.",
    "hint": "What should line {line} do with `{name}`: store it, print it, call it? Or is it left over and does not belong there?",
    "fix": "Finish the statement that uses `{name}`, or remove the stray word.",
}
_LONE_NAME_JA = {
    "meaning": "{line} 行目には `{name}` しかありません。名前だけでは何もしないので文にならず、javac はそこで止まりました。",
    "why": "Java の文は宣言・代入・`( )` 付きのメソッド呼び出し・制御のどれかです。名前やフィールドだけ（書きかけや消し忘れの単語など）はどれにも当たりません。",
    "hint": "{line} 行目で `{name}` をどうしたいですか？保存する・表示する・呼び出す？それとも消し忘れで、そこには要らないものですか？",
    "fix": "`{name}` を使う文を書き終えるか、余分な単語を消します。",
}
_SINGLE_QUOTED_TEXT = {
    "meaning": "Line {line} puts text in single quotes (at `{quoted}`): in Java single quotes make a `char`, which holds exactly one character, so javac cannot read this text, and the rest of the line stops making sense to it.",
    "why": "A `char` literal is one character, or one escape such as a newline, between single quotes; text of several characters is a `String` and goes between double quotes. javac reports an unclosed character literal there, and the other errors it reports on this line, such as this one, may only follow from it.",
    "hint": "How many characters stand between the single quotes on line {line}, and which quotes does text need? Once they are right, is anything else on the line still missing, such as a `;`?",
    "fix": "Put the text between double quotes, then compile again and see whether this message remains.",
}
_SINGLE_QUOTED_TEXT_JA = {
    "meaning": "{line} 行目で文字列を単一引用符で囲んでいます（`{quoted}` のところ）。Java の単一引用符はちょうど 1 文字を表す `char` を作るので、javac はこの文字列を読めず、行の残りも正しく読めなくなります。",
    "why": "`char` のリテラルは単一引用符の間の 1 文字（または改行などのエスケープ 1 つ）です。複数の文字からなる文字列は `String` で、二重引用符で囲みます。javac はそこで閉じていない文字リテラルを報告し、この行で報告される他のエラー（これも含めて）は、それが原因にすぎないことがあります。",
    "hint": "{line} 行目の単一引用符の間には何文字ありますか？文字列にはどちらの引用符が必要ですか？引用符を直した後も、行に足りないもの（`;` など）はありますか？",
    "fix": "文字列を二重引用符で囲み、もう一度コンパイルしてこのメッセージが残るか確かめます。",
}
_ARRAY_WITHOUT_BRACKETS = {
    "meaning": "On line {line} `new {type}` is followed directly by `{{`: to create an array and list its values in braces, the type needs `[]` before the `{{`.",
    "why": "After `new` and a type, javac expects parentheses (a new object) or brackets (a new array); the values of an array in braces come after the brackets. Without them javac cannot read the braces, and it reports a symptom there instead, such as a `;` or `[` it expected.",
    "hint": "What must stand between `{type}` and `{{` on line {line} to make an array, and does each value in the braces fit the type `{type}`?",
    "fix": "Write `[]` right after the type, before the `{{`, and keep only values of that type in the braces.",
}
_ARRAY_WITHOUT_BRACKETS_JA = {
    "meaning": "{line} 行目で `new {type}` の直後に `{{` があります。配列を作って値を波括弧で並べるには、`{{` の前、型の後に `[]` が必要です。",
    "why": "javac は `new` と型の後に、丸括弧（新しいオブジェクト）か角括弧（新しい配列）を予想します。配列の値を並べる波括弧は角括弧の後に書きます。角括弧がないと波括弧を読めず、代わりに `;` や `[` が必要だといった症状を報告します。",
    "hint": "{line} 行目で配列を作るには `{type}` と `{{` の間に何が必要ですか？波括弧の中の値はどれも `{type}` 型に合っていますか？",
    "fix": "型の直後、`{{` の前に `[]` を書き、波括弧の中にはその型の値だけを書きます。",
}
_BARE_ARRAY_VALUES = {
    "meaning": "On line {line} a list of values in braces stands where an expression is expected (after `(`, `,` or `=` in a statement): javac cannot read a bare list of values there, so it reports a symptom inside it.",
    "why": "Braces alone make an array only where an array variable is declared; anywhere else, such as an argument of a call, an array must be created with `new` and its type.",
    "hint": "On line {line}, how does Java create an array that is not part of a declaration, and what must come before the `{{`?",
    "fix": "Write `new`, the element type and `[]` before the `{{`, or declare the array in a variable first and pass the variable.",
}
_BARE_ARRAY_VALUES_JA = {
    "meaning": "{line} 行目で、式が来るべき場所（文の中の `(`・`,`・`=` の後）に波括弧で囲んだ値の並びがあります。javac は裸の値の並びをそこで読めず、その中の症状を報告します。",
    "why": "波括弧だけで配列になるのは配列変数を宣言するときだけです。呼び出しの引数などそれ以外の場所では、`new` と型で配列を作る必要があります。",
    "hint": "{line} 行目で、宣言の一部ではない配列を Java ではどう作りますか？`{{` の前に何が必要ですか？",
    "fix": "`{{` の前に `new` と要素の型と `[]` を書くか、先に配列を変数として宣言してその変数を渡します。",
}
_TYPES_IN_CALL = {
    "meaning": "On line {line} the call to `{method}` has a type before an argument (`{typed}`): a call passes values only, so javac cannot read it.",
    "why": "Types are written where a method is declared, in its header; where it is called, each argument is just a value or a variable's name.",
    "hint": "On line {line}, what does the call to `{method}` need to pass: the types of its parameters, or values?",
    "fix": "Remove the type names from the call to `{method}` and pass only the values.",
}
_TYPES_IN_CALL_JA = {
    "meaning": "{line} 行目の `{method}` の呼び出しで、引数の前に型があります（`{typed}`）。呼び出しには値だけを渡すので、javac は読めません。",
    "why": "型はメソッドを宣言する見出しに書きます。呼び出すときの引数は、値か変数の名前だけです。",
    "hint": "{line} 行目の `{method}` の呼び出しには何を渡す必要がありますか？引数の型ですか、それとも値ですか？",
    "fix": "`{method}` の呼び出しから型名を取り、値だけを渡します。",
}
_OPERATOR_WITHOUT_OPERAND = {
    "meaning": "On line {line} the operator `{operator}` has nothing after it: javac reached `{token}` where the value on the right of `{operator}` should be.",
    "why": "An operator such as `+`, `<` or `&&` works on two values, one on each side; when the value on its right is missing (not written yet, or deleted), the `{token}` that follows cannot start an expression.",
    "hint": "On line {line}, which value should `{operator}` work on, to its right, before `{token}`?",
    "fix": "Write the missing value after `{operator}`, or remove the operator if it is not needed.",
}
_OPERATOR_WITHOUT_OPERAND_JA = {
    "meaning": "{line} 行目の演算子 `{operator}` の後に何もありません。javac は、`{operator}` の右側の値があるはずの場所で `{token}` に達しました。",
    "why": "`+`・`<`・`&&` のような演算子は両側に 1 つずつ、2 つの値を取ります。右側の値がない（まだ書いていない、消してしまった）と、その後の `{token}` は式を始められません。",
    "hint": "{line} 行目で、`{token}` の前、`{operator}` の右側にはどの値が入るべきですか？",
    "fix": "`{operator}` の後に足りない値を書くか、不要なら演算子を削除します。",
}
_STATEMENT_IN_CLASS_BODY = {
    "meaning": "Line {line} is a statement, but javac was reading declarations (fields, methods, types) there: it stands directly in a class, outside any method.",
    "why": "Directly inside a class only declarations are allowed; statements like for, if or return must be inside a method, and an extra or missing `}}` often leaves them outside.",
    "hint": "Which method is line {line} supposed to be in, and does a `}}` above close that method too early?",
    "fix": "Fix the braces so the statement is inside a method body, or wrap the code in a method.",
}
_STATEMENT_IN_CLASS_BODY_JA = {
    "meaning": "{line} 行目は文ですが、javac はそこで宣言（フィールド・メソッド・型）を読んでいました。この文はメソッドの外、クラスの直下にあります。",
    "why": "クラスの直下には宣言しか書けません。for・if・return などの文はメソッドの中に必要で、`}}` の過不足でメソッドの外に出てしまうことがよくあります。",
    "hint": "{line} 行目はどのメソッドの中にあるはずですか？上の `}}` がそのメソッドを早く閉じていませんか？",
    "fix": "文がメソッドの本体に入るように波括弧を直すか、コードをメソッドで囲みます。",
}


_SEMICOLON_AFTER = {
    "meaning": "javac expected a `;` at the marked spot on line {line}, right after `{previous}` and before `{token}`: by its reading, the code is complete at that spot.",
    "hint": "On line {line}, why would the code end at `{previous}`, and does `{token}` belong right after it? Check the line above too.",
}
_SEMICOLON_AFTER_JA = {
    "meaning": "javac は {line} 行目の印の位置、`{previous}` の直後で `{token}` の前に `;` があると予想していました。javac の読みでは、コードはその位置で完結しています。",
    "hint": "{line} 行目で、なぜコードが `{previous}` で終わるのでしょうか？`{token}` はその直後に来てよいものですか？上の行も確認しましょう。",
}
_SEMICOLON_UNNAMED = {
    "meaning": "javac expected a `;` at the marked spot on line {line}.",
    "hint": "Read line {line} from its start, and the line above it: where does javac find a statement that has ended, and what follows it? If line {line} begins a method, is the method above it closed?",
}
_SEMICOLON_UNNAMED_JA = {
    "meaning": "javac は {line} 行目の印の位置に `;` があると予想していました。",
    "hint": "{line} 行目を先頭から、上の行も読みましょう。javac が文の終わりと見る場所はどこで、その後に何が続いていますか？{line} 行目がメソッドの始まりなら、上のメソッドは閉じていますか？",
}
_SEMICOLON_SPOTS = {"after": (_SEMICOLON_AFTER, _SEMICOLON_AFTER_JA), "unnamed": (_SEMICOLON_UNNAMED, _SEMICOLON_UNNAMED_JA)}


_NEW_ON_EARLIER_LINE = {
    "meaning": "The `new` on line {at} is unfinished: javac reached `{token}` on line {line} still expecting `(` (a new object) or `[` (a new array) after the type that follows that `new`.",
    "hint": "Look at the end of line {at}: is it an object or an array you want to create there, and what must follow its type?",
}
_NEW_ON_EARLIER_LINE_JA = {
    "meaning": "{at} 行目の `new` が完成していません。javac はその `new` の後の型に続く `(`（新しいオブジェクト）か `[`（新しい配列）を待ったまま、{line} 行目の `{token}` に達しました。",
    "hint": "{at} 行目の終わりを見ましょう。そこで作りたいのはオブジェクトですか、配列ですか？型の後には何が必要ですか？",
}
_NEW_NOT_SEEN = {
    "meaning": "javac reached `{token}` on line {line} still expecting `(` (a new object) or `[` (a new array) after a `new` and its type, so that `new` stands before this spot, probably at the end of an earlier line.",
    "hint": "Find the last `new` before line {line}: is it an object or an array you want to create, and what must follow its type?",
}
_NEW_NOT_SEEN_JA = {
    "meaning": "javac は `new` と型の後の `(`（新しいオブジェクト）か `[`（新しい配列）を待ったまま、{line} 行目の `{token}` に達しました。その `new` はこの位置より前、おそらく前の行の終わりにあります。",
    "hint": "{line} 行目より前の最後の `new` を探しましょう。作りたいのはオブジェクトですか、配列ですか？型の後には何が必要ですか？",
}


_METHOD_WITH_BRACKETS = {
    "meaning": "On line {line} `{method}` is followed by `[`, but `{method}` is a method, not an array: javac read it as a variable to index, and there is no variable called `{method}`.",
    "why": "Square brackets index the elements of an array; a method, such as one of a `String`, is called with its arguments in round parentheses.",
    "hint": "On line {line}, is `{method}` an array to index or a method to call, and which brackets go with each?",
    "fix": "Call `{method}` with round parentheses around its argument, not square brackets.",
}
_METHOD_WITH_BRACKETS_JA = {
    "meaning": "{line} 行目で `{method}` の後に `[` がありますが、`{method}` は配列ではなくメソッドです。javac はこれを添字を付ける変数として読みましたが、`{method}` という変数はありません。",
    "why": "角括弧は配列の要素を指定します。`String` のメソッドなど、メソッドは引数を丸括弧で囲んで呼び出します。",
    "hint": "{line} 行目の `{method}` は添字を付ける配列ですか、呼び出すメソッドですか？それぞれどの括弧を使いますか？",
    "fix": "`{method}` は角括弧ではなく、引数を丸括弧で囲んで呼び出します。",
}
_METHOD_ON_ARRAY = {
    "meaning": "On line {line} the method `{method}` is called on `{array}`, which is an array: an array has no such method, so javac cannot find it.",
    "why": "An array is not an object with methods like a `String` or a list; the number of its elements is its field `length`, which is read without parentheses.",
    "hint": "On line {line}, how is the size of an array read, compared with the length of a `String`?",
    "fix": "Read the array's `length` field, without parentheses, in place of the call.",
}
_METHOD_ON_ARRAY_JA = {
    "meaning": "{line} 行目でメソッド `{method}` を配列 `{array}` に対して呼んでいます。配列にはそのメソッドがないので、javac は見つけられません。",
    "why": "配列は `String` やリストのようにメソッドを持つオブジェクトではありません。要素の数はフィールド `length` で、丸括弧を付けずに読みます。",
    "hint": "{line} 行目で、配列の大きさはどう読みますか？`String` の長さの読み方と比べましょう。",
    "fix": "呼び出しの代わりに、配列のフィールド `length` を丸括弧なしで読みます。",
}
_KEYWORDS_OUT_OF_ORDER_TEXT = {
    "meaning": "On line {line} the keywords `if` and `else` stand in an order Java does not read: javac reports a symptom (such as a missing parenthesis) only because the keywords before the condition do not make a statement it knows.",
    "why": "A condition in parentheses follows `if` directly; `else` continues an `if` statement that is already finished, and it takes no condition of its own. Written the other way round, javac cannot tell where the condition belongs.",
    "hint": "On line {line}, which keyword does javac expect right before a condition in parentheses, and in which order do `if` and `else` go when one condition is tested after another?",
    "fix": "Put the two keywords before the condition in the order Java reads them.",
}
_KEYWORDS_OUT_OF_ORDER_TEXT_JA = {
    "meaning": "{line} 行目のキーワード `if` と `else` が、Java の読めない順番に並んでいます。javac が（括弧の抜けなどの）症状を報告するのは、条件の前のキーワードが知っている文にならないためです。",
    "why": "丸括弧の条件は `if` の直後に書きます。`else` はすでに終わった `if` 文の続きで、自分の条件は取りません。逆の順番では、javac は条件がどこに属するか分かりません。",
    "hint": "{line} 行目で、丸括弧の条件の直前に javac が予想するキーワードはどれですか？条件を次々に調べるとき、`if` と `else` はどの順番で並びますか？",
    "fix": "条件の前の 2 つのキーワードを、Java が読める順番に並べます。",
}
_ELSE_WITH_CONDITION_TEXT = {
    "meaning": "On line {line} a condition in parentheses follows `else`, but `else` takes no condition: javac reports a symptom (such as \"not a statement\") only because an `else` followed by a condition is not a statement it knows.",
    "why": "Only `if` takes a condition; a plain `else` runs whenever the `if` before it was false, so a condition written right after it belongs to no `if`.",
    "hint": "What should come between `else` and the condition on line {line}?",
    "fix": "Write `if` between `else` and the condition, or remove the condition if this branch should run in every other case.",
}
_ELSE_WITH_CONDITION_TEXT_JA = {
    "meaning": "{line} 行目で `else` の後に括弧の条件がありますが、`else` は条件を取りません。javac が（「not a statement」などの）症状を報告するのは、条件の付いた `else` が知っている文にならないためです。",
    "why": "条件を取るのは `if` だけです。ただの `else` は前の `if` が偽のときに実行されるので、その直後の条件はどの `if` にも属しません。",
    "hint": "{line} 行目で `else` と条件の間には何が入るべきですか？",
    "fix": "`else` と条件の間に `if` を書くか、他のすべての場合に実行する分岐なら条件を削除します。",
}
_METHOD_NOT_FOUND = {
    "meaning": "`{member}` on line {line} is called as a method, but javac finds no method of that name in the type of `{owner}`, the value before the dot.",
    "why": "A method called after a `.` must be one that the type of the value (or class) before the dot has: a typo or other capitals, a method this type does not have, or a field called with `()` cause this; an array's `length`, for example, is a field, read without parentheses.",
    "hint": "On line {line}, what is the type of `{owner}`: does it have a method `{member}`, or is `{member}` a field, read without parentheses?",
    "fix": "Call a method that the type of `{owner}` really has, spelt as it is declared, or read the field without parentheses.",
}
_METHOD_NOT_FOUND_JA = {
    "meaning": "{line} 行目の `{member}` はメソッドとして呼ばれていますが、ドットの前の値 `{owner}` の型に、javac はその名前のメソッドを見つけられません。",
    "why": "`.` の後で呼ぶメソッドは、ドットの前の値（またはクラス）の型が持つものでなければなりません。綴りや大文字小文字の違い、その型にないメソッド、`()` を付けて呼んだフィールドが原因です。たとえば配列の `length` はフィールドで、丸括弧なしで読みます。",
    "hint": "{line} 行目の `{owner}` の型は何ですか？その型にはメソッド `{member}` がありますか？それとも `{member}` は丸括弧なしで読むフィールドですか？",
    "fix": "`{owner}` の型が本当に持つメソッドを宣言どおりの綴りで呼ぶか、フィールドを丸括弧なしで読みます。",
}
_FIELD_NOT_FOUND = {
    "meaning": "`{member}` on line {line} is read as a field, but javac finds no field of that name in the type of `{owner}`, the value before the dot.",
    "why": "A field read after a `.` must be one that the type of the value (or class) before the dot has: a typo or other capitals, a field this type does not have, or a method written without its `()` cause this; a `String`'s `length`, for example, is a method, called with parentheses.",
    "hint": "On line {line}, what is the type of `{owner}`: does it have a field `{member}`, or is `{member}` a method that needs parentheses?",
    "fix": "Read a field that the type of `{owner}` really has, spelt as it is declared, or call the method with parentheses.",
}
_FIELD_NOT_FOUND_JA = {
    "meaning": "{line} 行目の `{member}` はフィールドとして読まれていますが、ドットの前の値 `{owner}` の型に、javac はその名前のフィールドを見つけられません。",
    "why": "`.` の後で読むフィールドは、ドットの前の値（またはクラス）の型が持つものでなければなりません。綴りや大文字小文字の違い、その型にないフィールド、`()` を付け忘れたメソッドが原因です。たとえば `String` の `length` はメソッドで、丸括弧を付けて呼びます。",
    "hint": "{line} 行目の `{owner}` の型は何ですか？その型にはフィールド `{member}` がありますか？それとも `{member}` は丸括弧が必要なメソッドですか？",
    "fix": "`{owner}` の型が本当に持つフィールドを宣言どおりの綴りで読むか、メソッドを丸括弧を付けて呼びます。",
}
_MEMBER_OF_THIS = {
    "meaning": "`{member}` on line {line} is not a field or method that javac finds declared in this class, the one `this.` refers to.",
    "why": "`this.` reaches a field or method of the class itself: a field must be declared in the class body, outside every method (one declared inside a constructor or method is a local variable), and spelt the same, capitals included.",
    "hint": "Where in the class body, outside the methods, is `{member}` declared, and is it spelt exactly the same?",
    "fix": "Declare `{member}` as a field in the class body, or use the name the class already declares.",
}
_MEMBER_OF_THIS_JA = {
    "meaning": "{line} 行目の `{member}` は、`this.` が指すこのクラスで宣言されたフィールドでもメソッドでもありません。",
    "why": "`this.` はクラス自身のフィールドやメソッドを指します。フィールドはどのメソッドの外、クラスの本体で宣言し（コンストラクタやメソッドの中の宣言はローカル変数です）、大文字小文字まで同じ綴りにする必要があります。",
    "hint": "`{member}` はクラスの本体の、メソッドの外のどこで宣言されていますか？綴りはまったく同じですか？",
    "fix": "`{member}` をクラスの本体でフィールドとして宣言するか、クラスがすでに宣言している名前を使います。",
}
_LOOKUP_RULES = {"java.undefined-variable", "java.undefined-method", "java.cannot-find-symbol"}


def _lookup_texts(diagnostic: CompilerDiagnostic, program: str) -> tuple[dict, dict, dict] | None:
    """A method indexed like an array, a method called on an array, or a member after a `.`, for javac's
    "cannot find symbol"."""
    if method := method_with_brackets(diagnostic, program):
        return _METHOD_WITH_BRACKETS, _METHOD_WITH_BRACKETS_JA, {"method": method}
    if found := method_on_array(diagnostic, program):
        return _METHOD_ON_ARRAY, _METHOD_ON_ARRAY_JA, {"array": found[0], "method": found[1]}
    if (found := member_after_dot(diagnostic)) and found[0] == "this":
        return _MEMBER_OF_THIS, _MEMBER_OF_THIS_JA, {"member": found[1]}
    if found:
        owner, member, called = found
        texts = (_METHOD_NOT_FOUND, _METHOD_NOT_FOUND_JA) if called else (_FIELD_NOT_FOUND, _FIELD_NOT_FOUND_JA)
        return (*texts, {"owner": owner, "member": member})
    return None


def texts_for(rule_id: str, diagnostic: CompilerDiagnostic, program: str) -> tuple[dict, ...] | None:
    """(English texts, Japanese texts, values read from the code[, their Japanese]) that fit the line better than
    the rule's own."""
    if found := java_misreads.texts_for(rule_id, diagnostic):
        return found
    if rule_id == "java.static-context" and (qualifier := class_qualifier(diagnostic, program)):
        return _THROUGH_CLASS_NAME, _THROUGH_CLASS_NAME_JA, {"qualifier": qualifier}
    if rule_id in _LOOKUP_RULES:
        return _lookup_texts(diagnostic, program)
    if rule_id not in PARSE_ERRORS:
        return None
    if rule_id == "java.new-without-parentheses" and (at := new_before(diagnostic, program)) is not None:
        return (_NEW_ON_EARLIER_LINE, _NEW_ON_EARLIER_LINE_JA, {"at": str(at)}) if at else (_NEW_NOT_SEEN, _NEW_NOT_SEEN_JA, {})
    if comment_text_line(diagnostic):
        return _COMMENT_AS_CODE, _COMMENT_AS_CODE_JA, {}
    if quoted := bad_char_literal(diagnostic.source_line):
        return _SINGLE_QUOTED_TEXT, _SINGLE_QUOTED_TEXT_JA, {"quoted": quoted_code(quoted, 24)}
    if array_type := array_without_brackets(diagnostic):
        return _ARRAY_WITHOUT_BRACKETS, _ARRAY_WITHOUT_BRACKETS_JA, {"type": array_type}
    if bare_array_values(diagnostic):
        return _BARE_ARRAY_VALUES, _BARE_ARRAY_VALUES_JA, {}
    if keywords_out_of_order(diagnostic):
        return _KEYWORDS_OUT_OF_ORDER_TEXT, _KEYWORDS_OUT_OF_ORDER_TEXT_JA, {}
    if else_with_condition(diagnostic):
        return _ELSE_WITH_CONDITION_TEXT, _ELSE_WITH_CONDITION_TEXT_JA, {}
    if typed := types_in_call(diagnostic):
        return _TYPES_IN_CALL, _TYPES_IN_CALL_JA, {"method": typed[0], "typed": typed[1]}
    if rule_id in ("java.missing-semicolon", "java.not-a-statement") and (name := lone_name(diagnostic)):
        return _LONE_NAME, _LONE_NAME_JA, {"name": name}
    if rule_id == "java.illegal-start-of-expression" and (operator := operator_without_operand(diagnostic)):
        return _OPERATOR_WITHOUT_OPERAND, _OPERATOR_WITHOUT_OPERAND_JA, {"operator": operator}
    if rule_id == "java.illegal-start-of-type" and statement_in_class_body(diagnostic):
        return _STATEMENT_IN_CLASS_BODY, _STATEMENT_IN_CLASS_BODY_JA, {}
    if rule_id == "java.missing-semicolon" and (spot := semicolon_spot(diagnostic)):
        return (*_SEMICOLON_SPOTS[spot], {})
    return None
