"""Knowledge base, Python, part 1 of 3: indentation, strings and f-strings, and brackets: how the
lines of a program are laid out and what opens and closes on them.

Also ``_PY``, which every Python rule module uses. ``python_rules.RULES`` is the whole Python
table: these rules first, then ``python_rules_statements_literals``, then those in ``python_rules``.
"""

from error_tutor_server.knowledge import Rule

_PY = "python"

LAYOUT_RULES: list[Rule] = [
    # --- indentation --------------------------------------------------------------------------
    Rule(
        id="python.tabs-and-spaces", language=_PY,
        patterns=(r"TabError", r"inconsistent use of tabs and spaces"),
        concept="indentation with tabs vs spaces",
        meaning="The indentation of line {line} mixes tab characters and spaces in a way Python cannot compare.",
        why="Python measures blocks by their indentation; a tab and a few spaces can look the same in the editor but are different characters, often after pasting code.",
        hint="Make the invisible characters visible in your editor and compare how line {line} and the lines around it are indented.",
        fix="Re-indent the block using spaces only (4 per level is the convention); most editors can convert tabs to spaces for the whole file.",
        translations={"ja": {
            "meaning": "{line} 行目のインデントで、タブとスペースが Python には比べられない形で混ざっています。",
            "why": "Python はインデントでブロックを判断します。タブと数個のスペースは見た目が同じでも別の文字で、コードを貼り付けたときによく起こります。",
            "hint": "エディタで空白文字を表示させ、{line} 行目と周りの行のインデントを見比べましょう。",
            "fix": "ブロックをスペースだけで（1 段 4 個が慣例）インデントし直します。多くのエディタはファイル全体のタブをスペースに変換できます。"}},
    ),
    Rule(
        id="python.expected-indented-block", language=_PY,
        patterns=(r"expected an indented block",),
        concept="indented blocks",
        meaning="A line ending in `:` starts a block, but the line after it (line {line}) is not indented.",
        why="After a header line such as an if, for, while, def or class line, Python needs at least one indented statement; beginners often forget to indent or leave the block empty.",
        hint="Look at the line that ends with `:` just above line {line}: which lines are meant to belong to it, and are they indented further than it?",
        fix="Indent the body of the block one level deeper than its header line; if the block is meant to be empty for now, give it the placeholder statement pass.",
        translations={"ja": {
            "meaning": "`:` で終わる行がブロックを始めていますが、次の行（{line} 行目）がインデントされていません。",
            "why": "if・for・while・def・class などの見出しの行の後には、インデントされた文が少なくとも 1 つ必要です。インデント忘れや空のブロックがよくある原因です。",
            "hint": "{line} 行目のすぐ上の `:` で終わる行を見ましょう。そのブロックに属するはずの行は、それより深くインデントされていますか？",
            "fix": "ブロックの中身を見出しの行より 1 段深くインデントします。今は空にしておきたいなら、何もしない文 pass を書きます。"}},
    ),
    Rule(
        id="python.unexpected-indent", language=_PY,
        patterns=(r"unexpected indent",),
        concept="indentation",
        meaning="Line {line} is indented more than Python expected, although no block was started above it.",
        why="In Python indentation is part of the grammar: only the lines inside a block (after a line ending with `:`) may be indented more deeply.",
        hint="Compare the start of line {line} with the line above it: should it really be inside a block, or is there a stray space or tab?",
        fix="Move line {line} back so that it starts at the same column as the other statements of its block.",
        translations={"ja": {
            "meaning": "{line} 行目は、上でブロックが始まっていないのに、予想より深くインデントされています。",
            "why": "Python ではインデントは文法の一部です。より深くインデントできるのは、`:` で終わる行に続くブロックの中の行だけです。",
            "hint": "{line} 行目の先頭を上の行と比べましょう。本当にブロックの中にあるべき行ですか？余分なスペースやタブはありませんか？",
            "fix": "{line} 行目を、同じブロックの他の文と同じ列から始まるように戻します。"}},
    ),
    Rule(
        id="python.unindent-mismatch", language=_PY,
        patterns=(r"unindent does not match", r"dedent does not match"),
        concept="indentation levels",
        meaning="Line {line} is indented less than the line before it, but not back to any indentation level used above.",
        why="When a block ends, the next line must line up exactly with an earlier level; being off by one space (or mixing tabs and spaces) breaks this.",
        hint="Check which earlier line {line} is meant to line up with, and count the spaces at the start of both.",
        fix="Change the indentation of line {line} so it starts in exactly the same column as the statement it belongs with.",
        translations={"ja": {
            "meaning": "{line} 行目は前の行より浅くインデントされていますが、上で使われているどのインデントの深さとも一致しません。",
            "why": "ブロックが終わるとき、次の行は以前の深さにぴったり揃える必要があります。スペース 1 個のずれやタブとスペースの混在で崩れます。",
            "hint": "{line} 行目がどの行と揃うべきかを確認し、両方の行頭のスペースを数えましょう。",
            "fix": "{line} 行目のインデントを、同じまとまりに属する文とちょうど同じ列から始まるように直します。"}},
    ),
    Rule(
        id="python.too-deeply-nested", language=_PY,
        patterns=(r"too many levels of indentation", r"too many statically nested blocks",
                  r"too many nested parentheses"),
        concept="nesting depth",
        meaning="The code around line {line} is nested (blocks or brackets inside each other) more deeply than Python allows.",
        why="Python has a fixed limit on how deeply blocks or brackets may be nested; reaching it usually means something was repeated or generated by mistake.",
        hint="Count how many levels deep line {line} is: could some of the nesting be removed or split up?",
        fix="Remove the unneeded brackets or blocks, or move inner parts into separate functions or variables.",
    ),
    # --- strings and f-strings -------------------------------------------------------------------
    Rule(
        id="python.unterminated-triple-quote", language=_PY,
        patterns=(r"unterminated triple-quoted string", r"EOF while scanning triple-quoted"),
        concept="triple-quoted strings",
        meaning="A string that starts with three quotes on line {line} is never closed, so the rest of the file became part of it.",
        why="A triple-quoted string (often a docstring) only ends at the same three quote characters; a missing or different closing quote swallows everything after it.",
        hint="Find the three quotes that open the string on line {line}: where should the matching three quotes be, and are they the same kind?",
        fix="Add the same three quote characters where the text is meant to end.",
    ),
    Rule(
        id="python.fstring-braces", language=_PY,
        patterns=(r"f-string: expecting '[^']*'", r"f-string: single '\}' is not allowed",
                  r"f-string: (?:empty expression|valid expression required)", r"f-string: unmatched"),
        concept="f-string braces",
        meaning="Inside the f-string on line {line} the curly braces do not pair up around an expression.",
        why="In an f-string every `{{` must be closed by `}}` with an expression (like a variable name) between them; a literal brace has to be written twice.",
        hint="Count the `{{` and `}}` in the f-string on line {line}: does each pair surround a name or expression?",
        fix="Close each `{{` with a `}}`, put the expression you want to show between them, and double any brace meant to appear as text.",
    ),
    Rule(
        id="python.fstring-expression", language=_PY,
        patterns=(r"f-string(?::|\s+expression part)",),
        concept="f-strings",
        meaning="The code inside the braces of the f-string on line {line} is not valid there.",
        why="The part between `{{` and `}}` in an f-string is ordinary Python code, with a few extra limits (for example on backslashes and on what may follow `!`).",
        hint="Look only at what is between the braces on line {line}: would it work on its own as an expression?",
        fix="Simplify the expression in the braces, or compute the value in a variable first and put just that name in the braces.",
    ),
    Rule(
        id="python.unterminated-string", language=_PY,
        patterns=(r"unterminated (?:f-)?string literal", r"EOL while scanning string literal"),
        concept="string quotes",
        meaning="A string on line {line} starts with a quote but the line ends before the matching closing quote.",
        why="A string must open and close with the same kind of quote on the same line; a missing quote, or the same quote used inside the text, ends it early or never.",
        hint="Find where the string on line {line} starts: which quote opens it, and where is the same quote that should close it?",
        fix="Add the matching closing quote, or use the other kind of quote (or a backslash) for quotes that are part of the text.",
        translations={"ja": {
            "meaning": "{line} 行目の文字列は引用符で始まっていますが、対応する閉じ引用符の前に行が終わっています。",
            "why": "文字列は同じ行の中で、同じ種類の引用符で開いて閉じる必要があります。閉じ忘れや、文字列内で同じ引用符を使うと壊れます。",
            "hint": "{line} 行目の文字列がどこから始まるか見つけましょう。どの引用符で開いていて、閉じるはずの同じ引用符はどこですか？",
            "fix": "対応する閉じ引用符を追加するか、文中の引用符にはもう一方の種類（またはバックスラッシュ）を使います。"}},
    ),
    # --- brackets -------------------------------------------------------------------------------
    Rule(
        id="python.unclosed-bracket", language=_PY,
        patterns=(r"'(?P<token>[(\[{])' was never closed", r"unexpected EOF while parsing"),
        concept="matching brackets",
        meaning="The bracket `{token}` opened on line {line} is never closed.",
        why="Every `(`, `[` and `{{` needs a matching closing bracket; when one is missing Python keeps reading the following lines as part of the same expression.",
        hint="Start at `{token}` on line {line} and count the opening and closing brackets up to the end of that statement.",
        fix="Add the missing closing bracket where the expression is meant to end (usually at the end of line {line}).",
        translations={"ja": {
            "meaning": "{line} 行目で開いた括弧 `{token}` が閉じられていません。",
            "why": "開き括弧にはそれぞれ、同じ種類の閉じ括弧が必要です。足りないと、Python は次の行も同じ式の一部として読み続けます。",
            "hint": "{line} 行目の `{token}` から、その文の終わりまでの開き括弧と閉じ括弧を数えましょう。",
            "fix": "式が終わるはずの場所（たいてい {line} 行目の最後）に、足りない閉じ括弧を追加します。"}},
    ),
    Rule(
        id="python.mismatched-bracket", language=_PY,
        patterns=(r"closing parenthesis '(?P<token>[)\]}])' does not match opening parenthesis '(?P<opening>[(\[{])'",),
        concept="matching brackets",
        meaning="The closing bracket `{token}` does not match the bracket `{opening}` that is still open.",
        why="Brackets close in reverse order of opening, and each kind must be closed by its own partner; mixing up `)` and `]` is a common slip.",
        hint="Find the `{opening}` that is still open and decide whether `{token}` should be a different bracket, or whether a bracket is missing in between.",
        fix="Make the closing bracket the partner of `{opening}`, or add the bracket that is missing before it.",
    ),
    Rule(
        id="python.unmatched-bracket", language=_PY,
        patterns=(r"unmatched '(?P<token>[)\]}])'",),
        concept="matching brackets",
        meaning="There is a closing `{token}` on line {line} that has no opening bracket to match.",
        why="A closing bracket must pair with an opening one earlier in the same statement; usually there is one closing bracket too many, or the opening one is missing.",
        hint="Count opening and closing brackets on line {line}: which `{token}` has no partner?",
        fix="Remove the extra `{token}`, or add the opening bracket that belongs to it.",
    ),
]
