"""Knowledge base: Java, what ``javac -Xlint`` finds (analysis.py) beyond the compile errors.

javac prefixes each lint warning with its category (``[fallthrough] possible fall-through into
case``). These rules are tried before ``java_rules.RULES`` (``RULES`` below is the whole Java
table the registry names). Literal braces in the texts are doubled.
"""

from error_tutor_server.knowledge import Rule
from error_tutor_server.knowledge import java_rules

_J = "java"

LINT_RULES: list[Rule] = [
    Rule(
        id="java.switch-fallthrough", language=_J,
        patterns=(r"^\[fallthrough\] possible fall-through into case",),
        concept="switch statements",
        meaning="The case before line {line} has no `break`, so execution falls through into the case on line {line}.",
        why="In a switch, a case does not stop by itself: without `break` (or `return`) the statements of the next case run too.",
        hint="Should the case just above line {line} also run the statements of this case?",
        fix="End the previous case with `break;`, unless running both cases is really intended.",
        translations={"ja": {
            "meaning": "{line} 行目の前の case に `break` がないため、実行が {line} 行目の case に流れ込みます。",
            "why": "switch の case は自動では止まりません。`break`（または `return`）がないと、次の case の文も実行されます。",
            "hint": "{line} 行目のすぐ上の case は、この case の文も実行するべきですか？",
            "fix": "両方を実行するつもりでなければ、前の case の最後に `break;` を書きます。"}},
    ),
    Rule(
        id="java.empty-statement", language=_J,
        patterns=(r"^\[empty\] empty statement after (?P<token>if|else|for|while)",),
        concept="if and loop bodies",
        meaning="The `{token}` on line {line} is followed directly by a `;`, so its body is an empty statement.",
        why="A semicolon right after the condition ends the `{token}` there; the block below it is no longer controlled by the condition and always runs.",
        hint="Look at the end of the `{token}` line {line}: what comes right after the closing parenthesis?",
        fix="Remove the semicolon after the condition so the block below becomes the body.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` の直後に `;` があるため、本体が空の文になっています。",
            "why": "条件の直後のセミコロンで `{token}` はそこで終わります。下のブロックは条件に関係なく常に実行されます。",
            "hint": "{line} 行目の `{token}` の行末を見ましょう。閉じかっこの直後に何がありますか？",
            "fix": "条件のあとのセミコロンを消して、下のブロックを本体にします。"}},
    ),
    Rule(
        id="java.raw-type", language=_J,
        patterns=(r"^\[rawtypes\] found raw type: (?P<token>[\w.]+)",),
        concept="generic types",
        meaning="`{token}` on line {line} is used without saying what it holds (a raw type, with no `<...>`).",
        why="Collections such as ArrayList should name their element type, like `ArrayList<String>`; without it Java cannot check what goes in, and you need casts to take things out.",
        hint="What type of elements should the `{token}` on line {line} hold?",
        fix="Write the element type in angle brackets after `{token}` (in the declaration and with `new`, or use `<>` there).",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` は、何を入れるかを指定せずに（`<...>` なしの原型で）使われています。",
            "why": "ArrayList などのコレクションは `ArrayList<String>` のように要素の型を書きます。書かないと Java は入れるものを検査できず、取り出すときにキャストが要ります。",
            "hint": "{line} 行目の `{token}` にはどんな型の要素を入れるべきですか？",
            "fix": "`{token}` のあとに山かっこで要素の型を書きます（宣言と `new` の両方に、`new` 側は `<>` でもよい）。"}},
    ),
    Rule(
        id="java.unchecked", language=_J,
        patterns=(r"^\[unchecked\] unchecked (?:call|conversion|cast|method invocation)",),
        concept="generic types",
        meaning="Line {line} puts a value into (or takes one from) a collection whose element type was never given, so Java cannot check it.",
        why="With a raw type such as `ArrayList` instead of `ArrayList<String>`, any object can be added; a wrong type is found only when the program runs, as a ClassCastException.",
        hint="Which collection is used on line {line}, and where is it declared without its element type?",
        fix="Declare the collection with its element type in angle brackets, such as a list of String.",
        translations={"ja": {
            "meaning": "{line} 行目で、要素の型を指定していないコレクションに値を入れて（または取り出して）いるため、Java が検査できません。",
            "why": "`ArrayList<String>` ではなく `ArrayList` のような原型では何でも追加できてしまい、型の誤りは実行時の ClassCastException で初めて分かります。",
            "hint": "{line} 行目で使っているコレクションはどれですか？それは要素の型なしでどこで宣言されていますか？",
            "fix": "コレクションを山かっこで要素の型を付けて宣言します（例えば String のリスト）。"}},
    ),
    Rule(
        id="java.division-by-zero", language=_J,
        patterns=(r"^\[divzero\] division by zero",),
        concept="division",
        meaning="Line {line} divides an integer by the constant zero.",
        why="Integer division by 0 has no result; when this line runs, Java throws an ArithmeticException and the program stops.",
        hint="What value should the divisor on line {line} be?",
        fix="Divide by the intended non-zero value, or check the divisor before dividing.",
        translations={"ja": {
            "meaning": "{line} 行目で整数を定数の 0 で割っています。",
            "why": "整数の 0 での割り算には結果がありません。この行が実行されると ArithmeticException が投げられてプログラムが止まります。",
            "hint": "{line} 行目の割る数はいくつであるべきですか？",
            "fix": "意図した 0 でない値で割るか、割る前に割る数を確かめます。"}},
    ),
    Rule(
        id="java.finally-abrupt", language=_J,
        patterns=(r"^\[finally\] finally clause cannot complete normally",),
        concept="exceptions and finally",
        meaning="The `finally` block ending on line {line} always leaves with `return`, `break` or `throw`.",
        why="A finally block that returns (or jumps) throws away any exception or return value from the try block, so errors disappear silently.",
        hint="Why does the finally block end with a jump, and what happens to an exception from the try block?",
        fix="Move the `return` out of the finally block; keep only clean-up code there.",
        translations={"ja": {
            "meaning": "{line} 行目で終わる `finally` ブロックは、必ず `return`・`break`・`throw` で抜けます。",
            "why": "return（や脱出）する finally は、try の中の例外や戻り値を捨ててしまうので、エラーが黙って消えます。",
            "hint": "なぜ finally は脱出で終わるのですか？try の中の例外はどうなりますか？",
            "fix": "`return` を finally の外に出し、finally には後片付けだけを残します。"}},
    ),
    Rule(
        id="java.static-via-instance", language=_J,
        patterns=(r"^\[static\] static (?:method|variable) should be qualified by type name, (?P<token>\w+),",),
        concept="static members",
        meaning="Line {line} uses a static member through an object, although it belongs to the class `{token}` itself.",
        why="Static methods and variables are shared by the whole class; reaching them through an object suggests they belong to that object, which they do not.",
        hint="Does the member used on line {line} belong to one object, or to the class `{token}`?",
        fix="Write the class name `{token}` before the dot instead of the object, or make the member non-static if each object needs its own.",
        translations={"ja": {
            "meaning": "{line} 行目で static なメンバーをオブジェクト経由で使っていますが、それはクラス `{token}` 自身のものです。",
            "why": "static なメソッドや変数はクラス全体で共有されます。オブジェクト経由で使うと、そのオブジェクトのものに見えてしまいますが、そうではありません。",
            "hint": "{line} 行目で使うメンバーは一つのオブジェクトのものですか、クラス `{token}` のものですか？",
            "fix": "ドットの前をオブジェクトではなくクラス名 `{token}` にするか、オブジェクトごとに必要なら static を外します。"}},
    ),
    Rule(
        id="java.redundant-cast", language=_J,
        patterns=(r"^\[cast\] redundant cast to (?P<token>[\w.\[\]<>]+)",),
        concept="casts and types",
        meaning="The cast to `{token}` on line {line} does nothing: the value already has that type.",
        why="A cast converts a value to another type; casting to the type it already has often means the cast was meant for a different part of the expression (for example before a division).",
        hint="Which value on line {line} was the cast meant to convert?",
        fix="Remove the cast, or move it to the value that really needs converting.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` へのキャストは何もしません。値はすでにその型です。",
            "why": "キャストは値を別の型に変えます。すでにその型の値へのキャストは、式の別の部分（例えば割り算の前）に付けるつもりだったことが多いです。",
            "hint": "{line} 行目のキャストはどの値を変換するつもりでしたか？",
            "fix": "キャストを消すか、本当に変換が必要な値に付け替えます。"}},
    ),
]

RULES: list[Rule] = [*LINT_RULES, *java_rules.RULES]  # the whole Java table (registered in languages.py)
