"""Knowledge base, Java, part 1 of 3: javac's "X expected" (something is missing), then the names
it cannot find or reach (symbols, classes, packages, the public class's file name).

Also ``_J`` and ``_TYPE``, which every Java rule module uses. ``java_rules.RULES`` is the whole
Java table: these rules first, then ``java_rules_types_methods``, then those in ``java_rules``.
"""

from error_tutor_server.knowledge import Rule

_J = "java"
_TYPE = r"[\w$.\[\]<>?,]+"  # a Java type as javac prints it: int, String[], List<Integer>

EXPECTED_AND_NAME_RULES: list[Rule] = [
    # --- "X expected": something is missing ---------------------------------------------------------
    Rule(
        id="java.missing-semicolon", language=_J,
        patterns=(r"^';' expected",),
        concept="statement terminators",
        meaning="javac expected a `;` at the marked spot on line {line}, near `{token}`.",
        why="Every Java statement ends with a semicolon, and javac only notices a missing one at the next token. When the line starts a method header, the method above it is usually missing its closing `}}`, so javac reads the header as a statement.",
        hint="Look at how the statement near `{token}` ends (it may be on the line above); if line {line} begins a method, is the method above it closed?",
        fix="Add the missing `;` at the end of the statement; if line {line} starts a method, add the `}}` that closes the previous method instead.",
        translations={"ja": {
            "meaning": "javac は {line} 行目の印の位置、`{token}` の近くに `;` があると予想していました。",
            "why": "Java の文はすべてセミコロンで終わり、抜けていると javac は次のトークンで初めて気づきます。その行がメソッドの見出しなら、たいてい上のメソッドの閉じ括弧 `}}` が抜けていて、javac は見出しを文として読んでいます。",
            "hint": "`{token}` の近くの文（前の行かもしれません）がどう終わっているか見ましょう。{line} 行目がメソッドの始まりなら、上のメソッドは閉じていますか？",
            "fix": "文の最後に足りない `;` を追加します。{line} 行目がメソッドの始まりなら、代わりに前のメソッドを閉じる `}}` を追加します。"}},
    ),
    Rule(
        id="java.type-where-value-expected", language=_J,
        patterns=(r"'\.class' expected", r"^class expected"),
        concept="types vs values",
        meaning="javac found a type name (such as int or String) on line {line} where it expected a value.",
        why="Types are written only in declarations, so a call takes values, not a type and a name; a method declared inside another (a `}}` missing above) also causes this.",
        hint="Are you declaring something at the marked spot, or using a value? If line {line} starts a method, is the one above it closed?",
        fix="Drop the type name where a value is meant, or close the previous method first.",
        translations={"ja": {
            "meaning": "javac は {line} 行目で、値が来るはずの場所に型名（int や String など）を見つけました。",
            "why": "型は何かを宣言するときにだけ書きます。メソッド呼び出しには型と名前ではなく値を渡します。上で `}}` が抜けて、メソッドの中に別のメソッドを宣言していても起こります。",
            "hint": "{line} 行目の印の近くで、新しく何かを宣言していますか、それとも値を使っていますか？{line} 行目がメソッドの始まりなら、上のメソッドは閉じていますか？",
            "fix": "値や変数を使う場所では型名を取り除くか、前のメソッドを `}}` で閉じて、このメソッドがその中に入らないようにします。"}},
    ),
    Rule(
        id="java.code-outside-class", language=_J,
        patterns=(r"^class, interface", r"^(?:class|interface|enum|record)(?:, \w+)*,? or \w+ expected"),
        concept="class structure and braces",
        meaning="`{token}` on line {line} is outside of any class, where only class, interface or enum declarations may appear.",
        why="All methods and variables must be inside a class's braces; an extra `}}` that closes the class too early, or a method written after the class's last `}}`, leaves code outside.",
        hint="Match up the braces from the top of the file: which `}}` closes the class, and is line {line} after it?",
        fix="Remove the extra `}}` (or move the class's closing brace to the end of the file) so every method is inside the class.",
        translations={"ja": {
            "meaning": "{line} 行目の `{token}` はどのクラスの外にもあります。そこにはクラス・インタフェース・enum の宣言しか書けません。",
            "why": "メソッドや変数はすべてクラスの波括弧の中に必要です。余分な `}}` でクラスが早く閉じたり、クラス最後の `}}` の後にメソッドを書いたりすると、コードが外に出ます。",
            "hint": "ファイルの先頭から波括弧の対応を確認しましょう。どの `}}` がクラスを閉じていて、{line} 行目はその後にありますか？",
            "fix": "余分な `}}` を取り除く（またはクラスの閉じ括弧をファイルの最後に移す）ことで、すべてのメソッドをクラスの中に入れます。"}},
    ),
    Rule(
        id="java.identifier-expected", language=_J,
        patterns=(r"<identifier> expected",),
        concept="declarations and names",
        meaning="javac expected a name (an identifier) on line {line} where it found `{token}`.",
        why="Here the grammar needs a name, for example after a type; usual causes are a statement such as a method call written directly in the class body instead of inside a method, or a parameter missing its type or name.",
        hint="Is line {line} inside a method body? If it is a declaration, does every type in it have a name after it?",
        fix="Move statements into a method (such as main), and give each parameter both a type and a name.",
        translations={"ja": {
            "meaning": "javac は {line} 行目で、`{token}` がある位置に名前（識別子）があると予想していました。",
            "why": "ここでは型の後などに名前が必要です。よくある原因は、メソッド呼び出しなどの文をメソッドの中でなくクラスの本体に直接書いたこと、引数の型や名前の書き忘れです。",
            "hint": "{line} 行目はメソッドの本体の中にありますか？宣言なら、すべての型の後に名前がありますか？",
            "fix": "文はメソッド（main など）の中に移し、各引数には型と名前の両方を書きます。"}},
    ),
    Rule(
        id="java.missing-parenthesis", language=_J,
        patterns=(r"^'(?P<expected>[()])' expected",),
        concept="matching parentheses",
        meaning="javac expected `{expected}` at the marked spot on line {line}.",
        why="Parentheses come in pairs around conditions and method arguments; a missing one, a missing operator or comma, or a type written inside a call makes javac expect a parenthesis here.",
        hint="Count the `(` and `)` on line {line}, and check what is written just before the marked spot.",
        fix="Add the missing parenthesis, or remove what does not belong inside the call or condition (such as a type name or a stray word).",
        translations={"ja": {
            "meaning": "javac は {line} 行目の印の位置に `{expected}` があると予想していました。",
            "why": "条件やメソッドの引数を囲む丸括弧は対になっている必要があります。括弧の抜け、演算子やコンマの抜け、呼び出しの中に型を書くと、ここで括弧を期待されます。",
            "hint": "{line} 行目の `(` と `)` を数え、印の直前に何が書かれているか確認しましょう。",
            "fix": "足りない括弧を追加するか、呼び出しや条件の中にあるべきでないもの（型名や余分な語）を取り除きます。"}},
    ),
    Rule(
        id="java.new-without-parentheses", language=_J,
        patterns=(r"'\(' or '\[' expected",),
        concept="creating objects and arrays",
        meaning="After `new` and a type name, javac expected `(` (a new object) or `[` (a new array) on line {line}.",
        why="`new` must be followed by a type and then either constructor arguments in parentheses or an array size in brackets; a `new` left unfinished, or a type used without them, causes this.",
        hint="Find the `new` just before the marked spot: is it an object or an array you want to create?",
        fix="Complete the `new` expression with parentheses for an object or square brackets with a size for an array.",
    ),
    Rule(
        id="java.missing-bracket", language=_J,
        patterns=(r"^'(?P<expected>[\[\]])' expected",),
        concept="array brackets",
        meaning="javac expected `{expected}` at the marked spot on line {line}.",
        why="Square brackets come in pairs in array types, array creation and indexing; a missing bracket, or values written inside `[]` instead of `{{}}`, causes this.",
        hint="Check the `[` and `]` on line {line}: does each open one have a partner, and does only a size or index go between them?",
        fix="Add the missing bracket; to list initial values use braces after the brackets instead of putting them inside.",
    ),
    Rule(
        id="java.missing-brace", language=_J,
        patterns=(r"^'(?P<expected>[{}])' expected",),
        concept="blocks and braces",
        meaning="javac expected `{expected}` at the marked spot on line {line}.",
        why="Class, method, loop and if bodies are blocks in braces; a missing `{{` after a header, or a missing `}}`, breaks the structure.",
        hint="Look at the header just before the marked spot on line {line}: where does its block start and end?",
        fix="Add the missing brace so that the block is opened right after its header and closed after its last statement.",
    ),
    Rule(
        id="java.switch-syntax", language=_J,
        patterns=(r"case, default, or '\}' expected", r"orphaned (?:case|default)", r"duplicate (?:case|default) label"),
        concept="switch statements",
        meaning="Inside the `switch` on line {line}, javac expected a `case` or `default` label, or the closing `}}`.",
        why="Code inside a `switch` must come after a `case ...:` or `default:` label; statements before the first label, or a stray `}}` that ends a case block, cause this.",
        hint="Which `case` is the code on line {line} meant to belong to, and is there a label before it?",
        fix="Put the statements after the right `case` label, and check that the braces of the `switch` pair up.",
    ),
    Rule(
        id="java.declaration-in-expression", language=_J,
        patterns=(r"^-?> expected",),
        concept="declarations vs expressions",
        meaning="javac misread the code before the marked spot on line {line} as a generic type or a lambda, so it expected `>` or `->`.",
        why="A type followed by a name inside an expression, for example in a return or a call, or commas where a for needs `;`, makes javac guess at the wrong kind of construct.",
        hint="Look for a type name written inside an expression on line {line} (or the line before), and check the separators in any for header.",
        fix="Remove the type from the expression (use the variable alone), or separate the three parts of the for header with `;`.",
    ),
    # --- names ---------------------------------------------------------------------------------
    Rule(
        id="java.undefined-variable", language=_J,
        patterns=(r"cannot find symbol\s+symbol:\s+variable\s+(?P<token>[\w$]+)",),
        concept="variable declaration and scope",
        meaning="javac does not know any variable called `{token}` at this point.",
        why="A variable must be declared, with its type, before it is used and in a block that contains the use; typos, wrong capital letters, or a variable declared inside a loop, if or another method cause this.",
        hint="Where is `{token}` declared? Check its spelling and capitals, and whether line {line} is inside the block where it exists.",
        fix="Declare `{token}` with a type before this line, fix the spelling to match the declaration, or move the declaration to a block that contains every use.",
        translations={"ja": {
            "meaning": "javac はこの場所で `{token}` という変数を知りません。",
            "why": "変数は使う前に型付きで、使う場所を含むブロックの中で宣言する必要があります。綴りや大文字小文字の違い、ループ・if・別のメソッドの中での宣言が原因です。",
            "hint": "`{token}` はどこで宣言されていますか？綴りと大文字小文字、{line} 行目がその変数のあるブロックの中かを確認しましょう。",
            "fix": "この行の前で `{token}` を型付きで宣言するか、宣言と綴りを合わせるか、すべての使用箇所を含むブロックに宣言を移します。"}},
    ),
    Rule(
        id="java.undefined-method", language=_J,
        patterns=(r"cannot find symbol\s+symbol:\s+method\s+(?P<token>[\w$]+)",),
        concept="method declarations and calls",
        meaning="javac cannot find a method called `{token}` that fits this call.",
        why="A method can only be called if it is defined with exactly this name in this class or in the class of the object it is called on; typos, wrong capitals, calling it on the wrong object or wrong argument types cause this.",
        hint="Compare the call to `{token}` on line {line} with the method's declaration: same spelling, same class, same number and types of arguments?",
        fix="Correct the name, the object it is called on or the arguments to match a declared method, or write the method if it does not exist yet.",
        translations={"ja": {
            "meaning": "javac はこの呼び出しに合う `{token}` というメソッドを見つけられません。",
            "why": "メソッドを呼べるのは、このクラスか呼び出し先のオブジェクトのクラスに、まったく同じ名前で定義されている場合だけです。綴り・大文字小文字の違い、別のオブジェクトへの呼び出し、引数の型の違いが原因です。",
            "hint": "{line} 行目の `{token}` の呼び出しをメソッドの宣言と比べましょう。綴り・クラス・引数の数と型は同じですか？",
            "fix": "名前・呼び出し先のオブジェクト・引数を宣言済みのメソッドに合わせるか、まだないならメソッドを書きます。"}},
    ),
    Rule(
        id="java.undefined-class", language=_J,
        patterns=(r"cannot find symbol\s+symbol:\s+class\s+(?P<token>[\w$.]+)",),
        concept="classes and imports",
        meaning="javac does not know a class or type named `{token}`.",
        why="Class names are case-sensitive (String, not string), library classes outside java.lang such as Scanner or ArrayList must be imported, and your own classes must be in files javac compiles.",
        hint="Check the spelling and capitals of `{token}`, and whether it comes from a package that needs an import at the top of the file.",
        fix="Fix the capitalization, add the matching import for a library class, or make sure the file that declares `{token}` is compiled too.",
        translations={"ja": {
            "meaning": "javac は `{token}` という名前のクラスや型を知りません。",
            "why": "クラス名は大文字小文字を区別します（string ではなく String）。Scanner や ArrayList など java.lang 以外のクラスは import が必要で、自分のクラスは javac がコンパイルするファイルにある必要があります。",
            "hint": "`{token}` の綴りと大文字小文字、ファイルの先頭に import が必要なパッケージのクラスかどうかを確認しましょう。",
            "fix": "大文字小文字を直すか、ライブラリのクラスなら対応する import を追加するか、`{token}` を宣言するファイルも一緒にコンパイルされるようにします。"}},
    ),
    Rule(
        id="java.cannot-find-symbol", language=_J,
        patterns=(r"cannot find symbol(?:\s+symbol:\s+(?P<kind>\w+)\s+(?P<token>[\w$]+))?",),
        concept="declaring names before use",
        meaning="javac does not know the name `{token}` used on line {line}.",
        why="Every variable, method and class must be declared before use and spelled exactly the same, capitals included; typos, a missing declaration or import, or a variable used outside its block cause this.",
        hint="Where is `{token}` declared? Compare the spelling and capitals, and check that line {line} is inside the block where that declaration is visible.",
        fix="Declare the name, correct its spelling to match the declaration, add the missing import, or move the declaration so it is visible here.",
        translations={"ja": {
            "meaning": "javac は {line} 行目で使われている `{token}` という名前を知りません。",
            "why": "変数・メソッド・クラスは使う前に宣言し、大文字小文字まで同じ綴りで書く必要があります。綴りの間違い、宣言や import の不足、ブロックの外での変数の使用が原因です。",
            "hint": "`{token}` はどこで宣言されていますか？綴りと大文字小文字を比べ、{line} 行目がその宣言の見える範囲にあるか確認しましょう。",
            "fix": "名前を宣言するか、宣言に合わせて綴りを直すか、足りない import を追加するか、ここから見えるように宣言を移します。"}},
    ),
    Rule(
        id="java.package-not-found", language=_J,
        patterns=(r"package (?P<token>[\w$.]+) does not exist",),
        concept="imports and qualified names",
        meaning="javac looked for a package named `{token}` and found none.",
        why="Either an import names a package that does not exist, or, very often, `{token}` is meant as a variable that javac does not know, so it read the dotted name as a package.",
        hint="Is `{token}` supposed to be a package or a variable? If a variable, where is it declared?",
        fix="Correct the import, or declare (or correctly spell) the variable `{token}` before using it.",
    ),
    Rule(
        id="java.cannot-access-class", language=_J,
        patterns=(r"cannot access (?P<token>[\w$.]+)",),
        concept="class files and file names",
        meaning="javac found a file for the class `{token}` but could not use it.",
        why="Each public class must be in a file with exactly its name, and that file must compile; a misnamed file, a file that declares a different class, or an old broken class file causes this.",
        hint="Open the file that should hold `{token}`: is its name exactly the class name, and does it declare that class?",
        fix="Rename the file or the class so that they match, fix the errors in that file, and delete stale `.class` files.",
    ),
    Rule(
        id="java.public-class-file-name", language=_J,
        patterns=(r"class (?P<token>[\w$]+) is public, should be declared in a file named (?P<file>[\w$]+\.java)",),
        concept="class and file names",
        meaning="The public class `{token}` must be in a file called `{file}`.",
        why="Java requires the file name to match the public class it contains, capitals included.",
        hint="Compare the name of your file with the name after `class` on line {line}.",
        fix="Rename the file to `{file}`, or rename the class to match the file.",
    ),
]
