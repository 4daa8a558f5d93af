"""Knowledge base: Python's bare "invalid syntax", told apart by the offending line.

Python gives the same message for many beginner mistakes; each rule here also needs its
``source`` regex to match the line (case-sensitive: ``True`` is a keyword, ``true`` a name).
``python_rules`` places these rules just before its general ``python.invalid-syntax``.
"""

from error_tutor_server.knowledge import Rule

_PY = "python"
# Python's keywords, which cannot be names (``keyword.kwlist``, spelled out so the table reads alone)
_KEYWORDS = ("False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|"
             "finally|for|from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield")

INVALID_SYNTAX_RULES: list[Rule] = [
    Rule(
        id="python.keyword-as-name", language=_PY, patterns=(r"invalid syntax",),
        source=rf"^\s*(?P<token>{_KEYWORDS})\s*=(?!=)|^\s*(?:def|class)\s+(?P<token_name>{_KEYWORDS})\s*[(:]"
               rf"|\bdef\s+\w+\s*\((?:[^()]*,)?\s*\**\s*(?P<token_parameter>{_KEYWORDS})\s*[,)=:]",
        concept="reserved names",
        meaning="`{token}` on line {line} is a Python keyword, so it cannot be used as a name for a variable, a function or a parameter.",
        why="Keywords such as `def`, `pass`, `else` or `None` are part of Python's grammar and cannot be used as identifiers (variable names), function names or parameter names.",
        hint="Which name did you mean to give on line {line}? It needs a word that is not a Python keyword.",
        fix="Choose a different, descriptive name instead of the keyword `{token}`.",
        translations={"ja": {
            "meaning": "{line} 行目で Python のキーワード `{token}` を、変数・関数・引数の名前として使っています。",
            "why": "`def`・`pass`・`else`・`None` などのキーワードは Python の文法の一部なので、変数名・関数名・引数名には使えません。",
            "hint": "{line} 行目でどんな名前を付けるつもりでしたか？キーワードではない語が必要です。",
            "fix": "キーワード `{token}` の代わりに、別のわかりやすい名前を付けます。"}},
    ),
    Rule(
        id="python.elseif", language=_PY, patterns=(r"invalid syntax",),
        source=r"^\s*(?P<token>elseif|elsif|else\s+if)\b",
        concept="if / elif / else",
        meaning="Line {line} writes `{token}`, which Python does not know: its keyword for \"else if\" is spelled differently.",
        why="Other languages write `else if` or `elseif`; Python uses its own single short keyword for another condition after an `if`.",
        hint="How does Python spell the keyword that adds another condition after an `if` block?",
        fix="Replace `{token}` with Python's keyword `elif`.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` は Python にはありません。Python の「else if」のキーワードは別の綴りです。",
            "why": "他の言語では `else if` や `elseif` と書きますが、Python は `if` の後の別の条件に専用の短いキーワードを使います。",
            "hint": "`if` ブロックの後に別の条件を加えるキーワードは、Python ではどう綴りますか？",
            "fix": "`{token}` を Python のキーワード `elif` に置き換えます。"}},
    ),
    Rule(
        id="python.operator-typo", language=_PY, patterns=(r"invalid syntax",),
        source=r"(?P<token>===|!==|=<|=>|=!|<>)(?P<glued>[-+*/%<>=!&|^~@]*)",  # and the signs glued after it: `=<*`
        concept="comparison operators",
        meaning="On line {line}, `{token}{glued}` is not an operator Python knows: its signs are in the wrong order, or there are too many of them.",
        why="Python's comparisons are `==`, `!=`, `<=` and `>=`, always with `=` second; `===` and `<>` come from other languages.",
        hint="Which comparison did you mean with `{token}` on line {line}, and how does Python write it?",
        fix="Write the comparison with Python's operator (`==`, `!=`, `<=` or `>=`), or use `is` to test identity.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}{glued}` は Python の演算子ではありません。記号の順番が違うか、記号が多すぎます。",
            "why": "Python の比較は `==`・`!=`・`<=`・`>=` で、`=` は必ず後ろです。`===` や `<>` は他の言語のものです。",
            "hint": "{line} 行目の `{token}` でどんな比較をするつもりでしたか？Python ではどう書きますか？",
            "fix": "Python の演算子（`==`・`!=`・`<=`・`>=`）で書くか、同一性なら `is` を使います。"}},
    ),
    Rule(
        id="python.for-without-in", language=_PY, patterns=(r"invalid syntax",),
        source=r"^\s*for\s+\w+(?:\s*,\s*\w+)*\s+(?!in\b)(?P<token>\w+)",
        concept="for loops",
        meaning="The `for` loop on line {line} is missing the keyword `in` between the loop variable and `{token}`.",
        why="A `for` loop is an iteration over a sequence, written as: for, the loop variable, `in`, then the sequence and a colon.",
        hint="Read the `for` line aloud: for each what, in which sequence? Which small word is missing?",
        fix="Put the keyword `in` between the loop variable and `{token}`.",
        translations={"ja": {
            "meaning": "{line} 行目の `for` ループで、ループ変数と `{token}` の間のキーワード `in` が抜けています。",
            "why": "`for` ループは並びを順にたどるもので、for・ループ変数・`in`・並び・コロンの順に書きます。",
            "hint": "`for` の行を声に出して読みましょう。どの並びの、どの要素ごとに？抜けている短い語はどれですか？",
            "fix": "ループ変数と `{token}` の間にキーワード `in` を入れます。"}},
    ),
    Rule(
        id="python.header-without-name", language=_PY, patterns=(r"invalid syntax",),
        source=r"^\s*(?P<token>class|def|for|while|if|elif|with|except\s+as)\s*:",
        concept="block headers",
        meaning="The `{token}` statement on line {line} ends at its colon, but it is missing what must come before the colon.",
        why="A `class` or `def` needs a name, a `for` needs a variable, `in` and a sequence, and `if`, `elif` and `while` need a condition before the colon.",
        hint="What does a `{token}` statement need between the keyword and the colon?",
        fix="Write the missing name, condition or loop parts between `{token}` and the colon.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` 文はすぐコロンで終わっていて、コロンの前に必要なものがありません。",
            "why": "`class` や `def` には名前、`for` には変数・`in`・並び、`if`・`elif`・`while` には条件がコロンの前に必要です。",
            "hint": "`{token}` 文では、キーワードとコロンの間に何が必要ですか？",
            "fix": "`{token}` とコロンの間に、抜けている名前・条件・ループの部分を書きます。"}},
    ),
    Rule(
        id="python.space-in-name", language=_PY, patterns=(r"invalid syntax",),
        source=rf"^\s*(?!(?:{_KEYWORDS})\b)(?P<token>[A-Za-z_]\w*\s+(?!(?:{_KEYWORDS})\b)[A-Za-z_]\w*)\s*=(?!=)",
        concept="naming variables",
        meaning="The name `{token}` on line {line} contains a space, and a variable name cannot.",
        why="Identifiers (variable names) are single words made of letters, digits and underscores; a space ends the name, so Python reads two names in a row.",
        hint="How can the words of `{token}` be joined into one name?",
        fix="Join the words with an underscore, and use that same name everywhere.",
        translations={"ja": {
            "meaning": "{line} 行目の名前 `{token}` には空白が入っていますが、変数名には入れられません。",
            "why": "識別子（変数名）は文字・数字・アンダースコアでできた 1 語です。空白で名前が終わるので、Python には名前が 2 つ並んで見えます。",
            "hint": "`{token}` の語を 1 つの名前につなげるにはどうしますか？",
            "fix": "語をアンダースコアでつなぎ、どこでもその同じ名前を使います。"}},
    ),
    Rule(
        id="python.shell-command", language=_PY, patterns=(r"invalid syntax",),
        source=r"^\s*(?P<token>pip3?|python3?|conda|cd|ls)\s+[\w.-]",
        concept="the terminal and the interpreter",
        meaning="Line {line} is a terminal (shell) command starting with `{token}`, not Python code.",
        why="Commands such as `pip install` are run in a terminal window; inside a Python file or the Python interpreter they are read as Python and make no sense.",
        hint="Where should the `{token}` command on line {line} be typed instead of in this file?",
        fix="Remove the line from the program and run the command in a terminal.",
        translations={"ja": {
            "meaning": "{line} 行目は `{token}` で始まるターミナル（シェル）のコマンドで、Python のコードではありません。",
            "why": "`pip install` などのコマンドはターミナルで実行します。Python のファイルやインタープリタの中では Python として読まれ、意味をなしません。",
            "hint": "{line} 行目の `{token}` コマンドは、このファイルではなくどこで入力すべきですか？",
            "fix": "その行をプログラムから消し、コマンドはターミナルで実行します。"}},
    ),
]
