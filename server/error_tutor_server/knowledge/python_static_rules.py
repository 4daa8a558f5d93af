"""Knowledge base: Python, what pyflakes finds (analysis.py) beyond ``compile()``.

pyflakes' messages have no ``Type:`` prefix (``undefined name 'totl'``); the diagnostic's code
is pyflakes' message class. These rules are tried before ``python_rules.RULES`` (``RULES``
below is the whole Python table the registry names). Literal braces in the texts are doubled.
"""

from error_tutor_server.knowledge import Rule
from error_tutor_server.knowledge import python_rules

_PY = "python"
_NAME = r"'(?P<token>[A-Za-z_][\w.]*)'"

STATIC_RULES: list[Rule] = [
    Rule(
        id="python.used-before-assignment", language=_PY,
        patterns=(rf"^local variable {_NAME} (?:defined (?:in enclosing scope|as a builtin|immediately) )?.*referenced before assignment",),
        concept="local and global variables",
        meaning="Line {line} reads `{token}`, but the function assigns `{token}` later, so inside this function it is a local variable that has no value yet.",
        why="Assigning a name anywhere in a function makes it local to the whole function; reading it before that assignment fails with UnboundLocalError, even if a variable of the same name exists outside.",
        hint="Where does `{token}` get its value inside this function, and is that before line {line}?",
        fix="Give `{token}` a value in the function before line {line}, or pass the outside value in as a parameter.",
        translations={"ja": {
            "meaning": "{line} 行目で `{token}` を読んでいますが、関数の後の方で `{token}` に代入しているため、この関数の中ではまだ値のないローカル変数です。",
            "why": "関数のどこかで名前に代入すると、その名前は関数全体でローカルになります。代入より前に読むと、外に同じ名前の変数があっても UnboundLocalError になります。",
            "hint": "この関数の中で `{token}` はどこで値を得ますか？それは {line} 行目より前ですか？",
            "fix": "{line} 行目より前で `{token}` に値を入れるか、外の値を引数として渡します。"}},
    ),
    Rule(
        id="python.undefined-name", language=_PY,
        patterns=(rf"^undefined name {_NAME}",),
        concept="defining names before use",
        meaning="Line {line} uses the name `{token}`, but nothing named `{token}` is defined (no variable, function, parameter or import): Python will stop here with a NameError.",
        why="A name must be assigned, defined with `def`, or imported before it is used, and it must be spelt exactly the same (capital letters count); a typo in a name is the usual cause.",
        hint="Where did you mean `{token}` to come from? Compare its spelling with the names defined above line {line}.",
        fix="Correct the spelling to match the defined name, or define or import `{token}` before it is used.",
        translations={"ja": {
            "meaning": "{line} 行目で名前 `{token}` を使っていますが、`{token}` という変数・関数・引数・import はどこにも定義されていません。ここで NameError になります。",
            "why": "名前は使う前に代入・`def` での定義・import のいずれかが必要で、綴りも（大文字小文字も）完全に一致しなければなりません。名前の打ち間違いがよくある原因です。",
            "hint": "`{token}` はどこから来るはずでしたか？{line} 行目より上で定義した名前と綴りを比べましょう。",
            "fix": "定義した名前に綴りを合わせるか、使う前に `{token}` を定義または import します。"}},
    ),
    Rule(
        id="python.unused-import", language=_PY,
        patterns=(rf"^{_NAME} imported but unused",),
        concept="imports",
        meaning="`{token}` is imported on line {line} but never used in the file.",
        why="An unused import often means a name is used under another spelling, or the import is left over from earlier code.",
        hint="Where did you mean to use `{token}`? Is it spelt differently where you use it?",
        fix="Use the imported name where it is needed, or remove the unused import.",
        translations={"ja": {
            "meaning": "`{token}` は {line} 行目で import されていますが、ファイルの中で一度も使われていません。",
            "why": "使われない import は、名前を別の綴りで使っているか、前のコードの残りであることが多いです。",
            "hint": "`{token}` はどこで使うつもりでしたか？使っている場所では綴りが違いませんか？",
            "fix": "必要な場所で import した名前を使うか、使わない import を消します。"}},
    ),
    Rule(
        id="python.unused-variable", language=_PY,
        patterns=(rf"^local variable {_NAME} is (?:assigned to|annotated) but never used",),
        concept="using the variables you assign",
        meaning="The local variable `{token}` is given a value on line {line} but never used afterwards.",
        why="A value that is never read does nothing; often the variable was meant to be returned or used, or another name is used by mistake where `{token}` was meant.",
        hint="What should happen with `{token}` after line {line}? Is another name used where `{token}` was meant?",
        fix="Use `{token}` where its value is needed (for example return it), or remove the unused assignment.",
        translations={"ja": {
            "meaning": "ローカル変数 `{token}` は {line} 行目で値を入れられていますが、その後一度も使われていません。",
            "why": "読まれない値は何もしません。return や利用するつもりだったか、`{token}` のつもりの場所で別の名前を使っていることが多いです。",
            "hint": "{line} 行目のあと `{token}` はどう使われるべきですか？`{token}` のつもりで別の名前を使っていませんか？",
            "fix": "値が必要な場所で `{token}` を使う（例えば return する）か、使わない代入を消します。"}},
    ),
    Rule(
        id="python.fstring-without-placeholders", language=_PY,
        patterns=(r"^f-string is missing placeholders",),
        concept="f-strings",
        meaning="The f-string on line {line} has an `f` prefix but no placeholder in braces, so nothing is filled in.",
        why="An f-string inserts the values of expressions written in braces; without braces the `f` does nothing, which usually means the variable was written as plain text or the braces were forgotten.",
        hint="Which value should appear in the text on line {line}, and is it inside braces?",
        fix="Put the variable or expression inside braces in the f-string, or drop the `f` if no value is meant.",
        translations={"ja": {
            "meaning": "{line} 行目の f 文字列には `f` が付いていますが、波かっこの置き場所がないため、何も埋め込まれません。",
            "why": "f 文字列は波かっこの中の式の値を埋め込みます。波かっこがなければ `f` は何もしません。変数を普通の文字として書いたか、波かっこを忘れていることが多いです。",
            "hint": "{line} 行目の文字列にはどの値が入るべきですか？それは波かっこの中にありますか？",
            "fix": "変数や式を f 文字列の波かっこの中に入れるか、値を入れないなら `f` を外します。"}},
    ),
    Rule(
        id="python.redefined-unused", language=_PY,
        patterns=(rf"^redefinition of unused {_NAME} from line (?P<first>\d+)",),
        concept="function and variable names",
        meaning="Line {line} defines `{token}` again, replacing the one from line {first} before it was ever used.",
        why="A second `def` (or import) with the same name replaces the first one, so the earlier version is lost; usually two different things were given the same name.",
        hint="Are the `{token}` on line {first} and the one on line {line} meant to be different things?",
        fix="Give one of them a different name, or remove the version you no longer need.",
        translations={"ja": {
            "meaning": "{line} 行目で `{token}` をもう一度定義しており、{first} 行目のものを一度も使わないうちに置き換えています。",
            "why": "同じ名前の 2 つ目の `def`（や import）は 1 つ目を置き換えるので、前のものは失われます。たいていは別のものに同じ名前を付けています。",
            "hint": "{first} 行目の `{token}` と {line} 行目の `{token}` は別のもののつもりですか？",
            "fix": "片方の名前を変えるか、もう要らない方を消します。"}},
    ),
    Rule(
        id="python.format-arguments", language=_PY,
        patterns=(r"has (?P<placeholders>\d+) placeholder\(s\) but (?P<arguments>\d+) substitution\(s\)",
                  r"^'\.\.\.'\.format\(\.\.\.\) (?:has unused arguments|is missing argument)",
                  r"^'\.\.\.' % \.\.\. (?:has unused named argument|is missing argument|expected)"),
        concept="string formatting",
        meaning="The format string on line {line} and the values given to it do not match in number.",
        why="Each `%` placeholder (or each pair of braces in `.format`) takes one value; extra values or missing ones make Python raise a TypeError, IndexError or KeyError when the line runs.",
        hint="Count the placeholders in the string on line {line} and the values given after it: which one has no partner?",
        fix="Add the missing value or placeholder, or remove the extra one, so they pair up.",
        translations={"ja": {
            "meaning": "{line} 行目の書式文字列と、それに渡す値の数が合っていません。",
            "why": "`%` の置き場所（`.format` では波かっこの組）一つに値が一つ入ります。値が多すぎても足りなくても、その行で TypeError・IndexError・KeyError になります。",
            "hint": "{line} 行目の文字列の置き場所と、後ろに渡す値を数えましょう。相手のないものはどれですか？",
            "fix": "足りない値や置き場所を加えるか余分なものを消して、数を合わせます。"}},
    ),
    Rule(
        id="python.if-tuple", language=_PY,
        patterns=(r"'if tuple literal' is always true",),
        concept="conditions",
        meaning="The condition of the `if` on line {line} is a tuple (values separated by a comma), which is always true.",
        why="A comma makes a tuple, and any non-empty tuple counts as true, so the branch always runs; usually a comma was typed where `and`, `or` or a comparison was meant.",
        hint="What should the condition on line {line} test, and why is there a comma in it?",
        fix="Replace the comma with the intended `and`/`or`, or remove the stray comma.",
        translations={"ja": {
            "meaning": "{line} 行目の `if` の条件がタプル（カンマで区切った値）になっており、常に真です。",
            "why": "カンマはタプルを作り、空でないタプルは常に真なので、その分岐はいつも実行されます。`and`・`or` や比較のつもりでカンマを打っていることが多いです。",
            "hint": "{line} 行目の条件は何を調べるべきですか？なぜカンマがあるのでしょう？",
            "fix": "カンマを意図した `and`/`or` に置き換えるか、余分なカンマを消します。"}},
    ),
    Rule(
        id="python.repeated-dict-key", language=_PY,
        patterns=(r"^dictionary key (?P<token>.+?) repeated with different values",),
        concept="dictionaries",
        meaning="The dictionary on line {line} gives the key {token} more than once, with different values; only the last one is kept.",
        why="A dictionary holds one value per key, so a repeated key silently replaces the earlier value; usually one of the keys was meant to be different.",
        hint="Which of the entries with the key {token} near line {line} was meant to have another key?",
        fix="Give each entry its own key, or keep only the value you want for {token}.",
        translations={"ja": {
            "meaning": "{line} 行目の辞書で、キー {token} が違う値で何度も指定されています。残るのは最後のものだけです。",
            "why": "辞書はキー一つに値一つなので、同じキーは前の値を黙って置き換えます。たいていはどれかのキーを別にするつもりでした。",
            "hint": "{line} 行目付近のキー {token} の項目のうち、どれが別のキーのはずでしたか？",
            "fix": "項目ごとに別のキーにするか、{token} には欲しい値だけを残します。"}},
    ),
    Rule(
        id="python.star-import", language=_PY,
        patterns=(r"^'from (?P<token>[\w.]+) import \*' used", r"may be undefined, or defined from star imports"),
        concept="imports",
        meaning="Line {line} uses `from ... import *`, so it is not visible which names come from the module.",
        why="A star import brings in every public name of a module, which can silently replace your own names and hides where each name comes from; checkers then cannot tell a typo from an imported name.",
        hint="Which names from the module does your program actually use?",
        fix="Import the names you use explicitly (`from module import name`) or import the module and write `module.name`.",
        translations={"ja": {
            "meaning": "{line} 行目で `from ... import *` を使っているため、どの名前がモジュールから来たのか見えません。",
            "why": "* の import はモジュールの公開名をすべて取り込むので、自分の名前を黙って置き換えることがあり、名前の出どころも隠れます。検査では打ち間違いと取り込んだ名前を区別できません。",
            "hint": "プログラムが実際に使うモジュールの名前はどれですか？",
            "fix": "使う名前を明示して import する（`from module import name`）か、モジュールを import して `module.name` と書きます。"}},
    ),
    Rule(
        id="python.raise-not-implemented", language=_PY,
        patterns=(r"'raise NotImplemented' should be 'raise NotImplementedError'",),
        concept="exceptions",
        meaning="Line {line} raises `NotImplemented`, which is a special value, not an exception.",
        why="`NotImplemented` is returned by comparison methods; raising it causes a TypeError. The exception for unfinished code is `NotImplementedError`.",
        hint="Which exception class did you mean to raise on line {line}?",
        fix="Raise `NotImplementedError` instead.",
        translations={"ja": {
            "meaning": "{line} 行目で `NotImplemented` を raise していますが、これは特別な値で例外ではありません。",
            "why": "`NotImplemented` は比較メソッドが返す値です。raise すると TypeError になります。未完成のコードのための例外は `NotImplementedError` です。",
            "hint": "{line} 行目で raise するつもりだった例外クラスはどれですか？",
            "fix": "代わりに `NotImplementedError` を raise します。"}},
    ),
]

RULES: list[Rule] = [*STATIC_RULES, *python_rules.RULES]  # the whole Python table (registered in languages.py)
