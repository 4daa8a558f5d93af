"""Knowledge base: Python (errors Python reports before running the program).

Messages look like ``SyntaxError: expected ':'``. Rules run from the most specific to the
most general; ``python.invalid-syntax`` catches the bare "invalid syntax" and the last rule
is the fallback. Literal braces in the texts are doubled (``{{``) because they are templates.

The table is kept in three modules, tried in this order: ``python_rules_layout`` (indentation,
strings, brackets; also ``_PY``, importable from here too), ``python_rules_statements_literals``
(statements, operators, numbers and characters), and this one (where statements may appear;
calls, parameters and unpacking; warnings; the general rules and the fallback).
"""

from error_tutor_server.knowledge import Rule
from error_tutor_server.knowledge.python_invalid_syntax import INVALID_SYNTAX_RULES
from error_tutor_server.knowledge.python_rules_layout import LAYOUT_RULES, _PY
from error_tutor_server.knowledge.python_rules_statements_literals import STATEMENT_AND_LITERAL_RULES

RULES: list[Rule] = [
    *LAYOUT_RULES,  # indentation; strings and f-strings; brackets
    *STATEMENT_AND_LITERAL_RULES,  # statements and operators; numbers and characters
    # --- where statements may appear ---------------------------------------------------------------------------
    Rule(
        id="python.outside-function", language=_PY,
        patterns=(r"'(?P<token>return|yield|yield from|await|async \w+)' outside (?:async )?function",
                  r"asynchronous comprehension outside", r"'yield from' inside async function",
                  r"'return' with value in async generator"),
        concept="function bodies",
        meaning="`{token}` on line {line} is used outside the function it belongs in.",
        why="Statements like return and yield only make sense inside a function definition; usually the line's indentation places it outside the function body by mistake.",
        hint="Is line {line} indented so that it is inside the function defined above it?",
        fix="Indent the statement so it is part of the function body, or remove it if the code is not in a function.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` が、属するべき関数の外で使われています。",
            "why": "return や yield は関数定義の中でだけ意味を持ちます。たいていはインデントのせいで、その行が関数の本体の外に出てしまっています。",
            "hint": "{line} 行目は、上で定義された関数の中に入るようにインデントされていますか？",
            "fix": "その文を関数の本体に入るようにインデントするか、関数の中でないなら削除します。"}},
    ),
    Rule(
        id="python.outside-loop", language=_PY,
        patterns=(r"'(?P<token>break|continue)' (?:outside loop|not properly in loop)",),
        concept="loop control",
        meaning="`{token}` on line {line} is not inside a for or while loop.",
        why="Statements like `{token}` control a loop, so they can only appear in a loop's body; wrong indentation, or using them to leave an if block or a function, causes this.",
        hint="Which loop should `{token}` on line {line} act on, and is the line indented inside it?",
        fix="Indent the line into the loop body; to leave a function, a return statement is the right tool.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` が for や while のループの中にありません。",
            "why": "`{token}` のような文はループを制御するので、ループの本体にしか書けません。インデントの誤りや、if ブロックや関数を抜けるために使うと起こります。",
            "hint": "{line} 行目の `{token}` はどのループに作用するはずですか？その行はループの中にインデントされていますか？",
            "fix": "その行をループの本体にインデントします。関数を抜けたいなら return 文を使います。"}},
    ),
    Rule(
        id="python.global-declaration", language=_PY,
        patterns=(r"(?:used|assigned to) (?:prior to|before) global declaration", r"can't be global",
                  r"is parameter and global"),
        concept="global variables",
        meaning="The `global` declaration for `{token}` comes too late or conflicts with how the name is already used in this function.",
        why="`global name` must be the first thing a function says about that name, and a parameter or annotated local variable cannot also be global.",
        hint="Where in the function is `{token}` first used, and where is the `global` line?",
        fix="Move the `global` statement to the top of the function body, or give the parameter or local variable a different name.",
        translations={"ja": {
            "meaning": "`{token}` の `global` 宣言が遅すぎるか、この関数でのその名前の使い方と食い違っています。",
            "why": "`global 名前` は、関数の中でその名前について最初に書く必要があります。引数や型注釈付きのローカル変数を global にすることもできません。",
            "hint": "関数の中で `{token}` が最初に使われるのはどこで、`global` の行はどこにありますか？",
            "fix": "`global` 文を関数の本体の先頭に移すか、引数やローカル変数に別の名前を付けます。"}},
    ),
    Rule(
        id="python.nonlocal-declaration", language=_PY,
        patterns=(r"name '(?P<token>\w+)' is (?:nonlocal and|parameter and nonlocal)",
                  r"no binding for nonlocal '(?P<token>\w+)'", r"nonlocal"),
        concept="nonlocal variables",
        meaning="The `nonlocal` declaration of `{token}` on line {line} is not allowed here.",
        why="`nonlocal` refers to a variable of an enclosing function; it cannot be used at the top level, for a parameter, together with a global declaration, or for a name that no outer function defines.",
        hint="Which outer function is the variable supposed to come from, and does that function assign it?",
        fix="Define the variable in the enclosing function, or use a global declaration or a parameter instead of `nonlocal`.",
        translations={"ja": {
            "meaning": "{line} 行目の `nonlocal` 宣言はここでは使えません。",
            "why": "`nonlocal` は外側の関数の変数を指します。モジュールの最上位、引数、global 宣言との併用、外側の関数が定義していない名前には使えません。",
            "hint": "その変数はどの外側の関数から来るはずですか？その関数はそれに代入していますか？",
            "fix": "外側の関数で変数を定義するか、`nonlocal` の代わりに global 宣言か引数を使います。"}},
    ),
    # --- calls, parameters, unpacking ----------------------------------------------------------------------
    Rule(
        id="python.call-argument-order", language=_PY,
        patterns=(r"positional argument follows keyword argument",
                  r"iterable argument unpacking follows keyword argument unpacking"),
        concept="argument order",
        meaning="In the call on line {line}, a plain (positional) argument comes after a keyword argument, one written with `=`.",
        why="Python matches positional arguments by their place, so they must all come before any keyword arguments.",
        hint="In the call on line {line}, which arguments have `=` and which do not, and in what order are they?",
        fix="Move the positional arguments before the keyword arguments, or give the late one its parameter name too.",
    ),
    Rule(
        id="python.parameter-list", language=_PY,
        patterns=(r"non-default argument follows default argument", r"parameter without a default follows",
                  r"arguments cannot follow var-keyword argument", r"named arguments must follow bare \*",
                  r"\* argument may appear only once", r"(?:var-positional|var-keyword) argument cannot have default",
                  r"bare \* has associated"),
        concept="function parameters",
        meaning="The parameters of the function or lambda defined on line {line} are not in an order Python accepts.",
        why="Parameters come in a fixed order: positional parameters first, then those with default values, then one `*args` (or a bare `*`) followed by keyword-only parameters, and `**kwargs` last; nothing may come after `**kwargs`.",
        hint="Read the parameters on line {line} from left to right: which one breaks that order?",
        fix="Reorder the parameters: positional ones, then defaults, then `*args` and keyword-only ones, then `**kwargs`.",
        translations={"ja": {
            "meaning": "{line} 行目で定義された関数または lambda の引数が、Python の受け付ける順番になっていません。",
            "why": "引数の順番は決まっています。位置引数、既定値つきの引数、`*args`（または単独の `*`）とその後のキーワード専用引数、最後に `**kwargs` です。`**kwargs` の後には何も置けません。",
            "hint": "{line} 行目の引数を左から読みましょう。どれがその順番を破っていますか？",
            "fix": "引数を位置引数、既定値つき、`*args` とキーワード専用、`**kwargs` の順に並べ替えます。"}},
    ),
    Rule(
        id="python.parenthesized-parameters", language=_PY,
        patterns=(r"parameters cannot be parenthesized",),
        concept="function parameters",
        meaning="The parameters on line {line} are wrapped in an extra pair of parentheses.",
        why="Each parameter of a function or lambda must be a plain name; Python 3 no longer unpacks a tuple written as `(a, b)` in a parameter list.",
        hint="Which parentheses on line {line} belong to the parameter list itself, and which are extra?",
        fix="Remove the extra parentheses around the parameters; unpack a tuple inside the body instead.",
        translations={"ja": {
            "meaning": "{line} 行目の引数が余分な括弧で囲まれています。",
            "why": "関数や lambda の引数は単純な名前でなければなりません。Python 3 では `(a, b)` のように書いた引数のタプル分解はできません。",
            "hint": "{line} 行目の括弧のうち、引数リストそのものの括弧はどれで、余分なのはどれですか？",
            "fix": "引数を囲む余分な括弧を取り除き、タプルは本体の中で分解します。"}},
    ),
    Rule(
        id="python.duplicate-argument", language=_PY,
        patterns=(r"duplicate argument '(?P<token>\w+)'", r"keyword argument repeated(?::\s*(?P<token>\w+))?"),
        concept="unique argument names",
        meaning="The name `{token}` is used twice in the same parameter list or call on line {line}.",
        why="Each parameter, and each keyword argument of a call, must appear only once, or Python could not tell which value is meant.",
        hint="Find both places where `{token}` appears on line {line}: which one did you mean?",
        fix="Remove or rename one of the two `{token}`.",
        translations={"ja": {
            "meaning": "{line} 行目の同じ引数リストまたは呼び出しの中で、`{token}` という名前が 2 回使われています。",
            "why": "引数や呼び出しのキーワード引数は 1 回しか書けません。そうでないと、どの値のことか Python には分かりません。",
            "hint": "{line} 行目で `{token}` が出てくる 2 か所を見つけましょう。どちらのつもりでしたか？",
            "fix": "2 つの `{token}` のうち 1 つを削除するか、名前を変えます。"}},
    ),
    Rule(
        id="python.star-expression", language=_PY,
        patterns=(r"starred", r"iterable unpacking cannot be used", r"dict unpacking cannot be used",
                  r"can't use double starred"),
        concept="unpacking with *",
        meaning="A `*` or `**` on line {line} unpacks values in a place where that is not allowed.",
        why="`*name` unpacks many values, so it is only allowed where several values are expected: among the items of a list, tuple or call, or on the left of an assignment together with other names; not alone, and not as the item a comprehension makes at each step.",
        hint="What should the starred name on line {line} stand for: several values, or one?",
        fix="Put the starred item inside a list, tuple or call, add a comma to make a tuple, or remove the star.",
        translations={"ja": {
            "meaning": "{line} 行目の `*` または `**` が、値の展開が許されない場所で使われています。",
            "why": "`*name` は複数の値に展開するので、複数の値が来てよい場所（リスト・タプル・呼び出しの要素の中や、他の名前と一緒の代入の左辺）でしか使えません。単独や、内包表記が毎回作る要素としては使えません。",
            "hint": "{line} 行目の `*` の付いた名前は、複数の値を表すはずですか、それとも 1 つですか？",
            "fix": "`*` の付いた要素をリスト・タプル・呼び出しの中に入れるか、コンマを付けてタプルにするか、`*` を取ります。"}},
    ),
    Rule(
        id="python.generator-parentheses", language=_PY,
        patterns=(r"Generator expression must be parenthesized",),
        concept="comprehension syntax",
        meaning="The generator expression `{span}` on line {line} needs its own parentheses here.",
        why="A generator expression may go without its own parentheses only when it is the sole argument of a call; beside other arguments Python cannot tell where it ends.",
        hint="Which part of line {line} belongs to the generator expression, and where does it end?",
        fix="Put parentheses around the whole generator expression.",
    ),
    Rule(
        id="python.comprehension-target", language=_PY,
        patterns=(r"did you forget parentheses around the comprehension target",),
        concept="comprehension syntax",
        meaning="The comprehension on line {line} lists several values, separated by commas, before its `for`.",
        why="A comprehension makes one item at each step, so what comes before `for` must be a single expression; several values separated by commas form one item only inside parentheses.",
        hint="On line {line}, what should the comprehension make at each step: one value, or several values grouped together?",
        fix="Put parentheses around the values that come before the `for` keyword.",
    ),
    Rule(
        id="python.future-import", language=_PY,
        patterns=(r"from __future__ imports must occur", r"not a chance"),
        concept="__future__ imports",
        meaning="The `from __future__ import` on line {line} comes after other code, but it must be at the beginning of the file.",
        why="A `from __future__ import` statement changes the way Python interprets the code in the whole file, so it must appear before any other statement (only the docstring and comments may come first).",
        hint="What comes before the `__future__` import on line {line}, and must it be there?",
        fix="Move the `__future__` import to the top of the file, just after the docstring.",
        translations={"ja": {
            "meaning": "{line} 行目の `from __future__ import` が他のコードの後にありますが、ファイルの先頭に書く必要があります。",
            "why": "`from __future__ import` はファイル全体の Python の読み方を変えるので、他のどの文よりも前に書きます（前に置けるのは docstring とコメントだけです）。",
            "hint": "{line} 行目の `__future__` の import より前に何がありますか？それはそこに必要ですか？",
            "fix": "`__future__` の import をファイルの先頭、docstring の直後に移します。"}},
    ),
    Rule(
        id="python.future-feature", language=_PY,
        patterns=(r"future feature (?P<token>\w+) is not defined",),
        concept="__future__ imports",
        meaning="Line {line} imports `{token}` from `__future__`, but Python has no future feature with that name.",
        why="Only a few features can be imported from `__future__` (such as `annotations` or `division`), and the name must be spelled exactly; a typo in the feature name makes the whole import invalid.",
        hint="Compare `{token}` letter by letter with the names of the real `__future__` features: is it misspelt?",
        fix="Correct the spelling of the feature name, or remove the import if the feature is not needed.",
        translations={"ja": {
            "meaning": "{line} 行目で `__future__` から `{token}` を import していますが、その名前の機能はありません。",
            "why": "`__future__` から import できる機能は少数（`annotations` や `division` など）で、名前は正確に綴る必要があります。綴りを間違えると import 全体が無効になります。",
            "hint": "`{token}` を本物の `__future__` の機能名と 1 文字ずつ比べましょう。綴りが違っていませんか？",
            "fix": "機能名の綴りを直すか、不要なら import を消します。"}},
    ),
    Rule(
        id="python.import-syntax", language=_PY,
        patterns=(r"import \* only allowed at module level", r"Did you mean to use 'from \.\.\. import \.\.\.'",
                  r"trailing comma not allowed without surrounding parentheses"),
        concept="import statements",
        meaning="The import on line {line} is not written or placed the way Python allows.",
        why="Imports have two fixed forms (`import module` and `from module import name`), and `import *` is only allowed at the top level of a file.",
        hint="Which of the two forms of import does line {line} use, and is it at the top level?",
        fix="Rewrite the import in the form `from`, module, `import`, names, and move it to the top of the file.",
    ),
    Rule(
        id="python.misspelled-keyword", language=_PY,
        patterns=(r"invalid syntax\. Did you mean '(?P<suggestion>\w+)'\?",),
        concept="Python keywords",
        meaning="`{token}` on line {line} looks like a misspelling of the keyword `{suggestion}`.",
        why="Keywords must be spelled exactly; a typo turns them into unknown names that do not fit the statement.",
        hint="Compare `{token}` letter by letter with `{suggestion}`.",
        fix="Correct the spelling of the keyword.",
    ),
    # --- warnings Python gives while compiling ------------------------------------------------------------------
    Rule(
        id="python.assert-tuple", language=_PY,
        patterns=(r"assertion is always true",),
        concept="assert statements",
        meaning="The `assert` on line {line} checks a tuple, which is always true, so it can never fail.",
        why="`assert` is a statement, not a function: parentheses around the condition and message make one non-empty tuple.",
        hint="Look at the parentheses right after `assert` on line {line}.",
        fix="Remove the parentheses around the condition and the message.",
    ),
    *INVALID_SYNTAX_RULES,  # "invalid syntax" told apart by the offending line, before the general rule
    # --- general ---------------------------------------------------------------------------------
    Rule(
        id="python.invalid-syntax", language=_PY,
        patterns=(r"invalid syntax",),
        concept="statement structure",
        meaning="Python reached `{token}` on line {line} and could not fit it into any valid statement.",
        why="Usually something is missing, misspelled or out of order just before this point: a keyword used as a name, a misspelled keyword such as elseif, a missing operator or word such as `in`, two operators swapped, or an unclosed bracket on an earlier line.",
        hint="Look at `{token}` and what comes right before it: is a word misspelled or a keyword used as a name, is a part of the statement missing, or is a bracket above still open?",
        fix="Compare line {line} with the usual shape of that statement, then add, remove or rename the word or symbol at `{token}`.",
        translations={"ja": {
            "meaning": "Python は {line} 行目の `{token}` まで読みましたが、どの正しい文にも当てはめられませんでした。",
            "why": "たいていはこの直前で何かが抜けている・綴りが違う・順番が違うのが原因です。キーワードを名前に使った、キーワードの綴り間違い（elseif など）、演算子や `in` などの語の抜け、演算子の順序の入れ替わり、前の行の閉じていない括弧などです。",
            "hint": "`{token}` とその直前を見ましょう。綴りの違う語やキーワードを名前に使っていませんか？文の一部が抜けていませんか？上の括弧は閉じていますか？",
            "fix": "{line} 行目をその文のふつうの形と比べ、`{token}` の位置の語や記号を追加・削除・名前変更します。"}},
    ),
    Rule(
        id="python.other", language=_PY,
        patterns=(),
        concept="Python syntax",
        meaning="Python could not understand this code: {message}.",
        why="Python reads the whole file before running it; this line breaks one of its grammar rules.",
        hint="Look at `{token}` on line {line} and at the line just before it; check brackets, quotes, colons and indentation.",
        translations={"ja": {
            "meaning": "Python はこのコードを理解できませんでした: {message}",
            "why": "Python は実行前にファイル全体を読みます。この行は文法規則のどれかに反しています。",
            "hint": "{line} 行目の `{token}` と、その直前の行を見ましょう。括弧、引用符、コロン、インデントを確認します。"}},
    ),
]
