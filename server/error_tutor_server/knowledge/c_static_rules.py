"""Knowledge base: C, what the deeper check finds (analysis.py) beyond a syntax check.

These messages come from gcc's optimising passes, its curated warnings, ``-fanalyzer`` and
the linker (and clang's wordings of the same). They are tried before ``c_rules.RULES``
(``RULES`` below is the whole C table the registry names), so a specific wording here wins
over a general one there. Literal braces in the texts are doubled.
"""

from error_tutor_server.knowledge import Rule
from error_tutor_server.knowledge import c_rules
from error_tutor_server.knowledge.c_rules import NAME, O, C

STATIC_RULES: list[Rule] = [
    Rule(
        id="c.no-return-on-some-path", language="c",
        patterns=(r"non-void function does not return a value in all control paths", r"non-void function does not return a value$"),
        concept="function return values",
        meaning="The function that ends at line {line} can reach its closing brace without a `return`, although it promises to return a value.",
        why="A function declared with a result type (such as `int`) must return a value on every path; when an `if` has no `else`, or a loop can finish, the end of the function is reached and the caller receives garbage.",
        hint="Follow each path through the function ending at line {line}: which one gets to the end without meeting a return?",
        fix="Add a return with a value at the end of the function, or an `else` branch that returns, so every path returns something.",
        translations={"ja": {
            "meaning": "{line} 行目で終わる関数は、値を返すと宣言しているのに `return` なしで最後の波かっこに達することがあります。",
            "why": "結果の型（`int` など）を持つ関数は、どの道筋でも値を return しなければなりません。`else` のない `if` や終わりうるループがあると関数の最後に達し、呼び出し側はでたらめな値を受け取ります。",
            "hint": "{line} 行目で終わる関数の道筋を一つずつたどりましょう。return に出会わずに最後まで行くのはどれですか？",
            "fix": "関数の最後に値を返す return を加えるか、return する `else` を加えて、どの道筋でも値を返すようにします。"}},
    ),
    Rule(
        id="c.shadowed-variable", language="c",
        patterns=(rf"declaration of {NAME} shadows a (?P<what>previous local|parameter|global declaration)",
                  r"declaration shadows a (?P<what>local variable|field|variable in the global scope)"),
        concept="variable scope and shadowing",
        meaning="Line {line} declares a new variable `{token}` while another `{token}` ({what}) is already visible, so the new one hides it.",
        why="A declaration inside a block creates a second, separate variable; assignments to it leave the outer `{token}` unchanged, which is usually not what was meant (often a type written before a name that already exists).",
        hint="Did you mean to declare a new `{token}` on line {line}, or to use the one that already exists?",
        fix="Remove the type in front of `{token}` to assign to the existing variable, or give the new variable a different name.",
        translations={"ja": {
            "meaning": "{line} 行目で新しい変数 `{token}` を宣言していますが、別の `{token}` がすでに見えているため、新しい方が古い方を隠します。",
            "why": "ブロックの中の宣言は別の新しい変数を作ります。それに代入しても外側の `{token}` は変わらず、たいていは意図と違います（すでにある名前の前に型を書いてしまうことが多いです）。",
            "hint": "{line} 行目で新しい `{token}` を作りたかったのですか、それともすでにある方を使いたかったのですか？",
            "fix": "既存の変数に代入するなら `{token}` の前の型を消し、新しい変数なら別の名前にします。"}},
    ),
    Rule(
        id="c.loop-past-end", language="c",
        patterns=(r"iteration (?P<iteration>\d+) invokes undefined behavior",),
        concept="array bounds in loops",
        meaning="The loop on line {line} runs one time too many: in iteration {iteration} it reads or writes past the end of an array.",
        why="An array of N elements has indexes 0 to N-1; a loop that also runs with the index equal to N (often `<=` where `<` was meant) touches memory that is not part of the array.",
        hint="What is the last index the loop on line {line} uses, and what is the last valid index of the array?",
        fix="Make the loop stop before the index reaches the array's size (compare with `<` instead of `<=`).",
        translations={"ja": {
            "meaning": "{line} 行目のループは 1 回多く回ります。{iteration} 回目で配列の終わりを越えて読み書きします。",
            "why": "要素が N 個の配列の添字は 0 から N-1 までです。添字が N になる回まで回るループ（`<` のつもりの `<=` が多い）は、配列の外のメモリに触れます。",
            "hint": "{line} 行目のループが使う最後の添字はいくつですか？配列の最後の正しい添字はいくつですか？",
            "fix": "添字が配列の大きさに達する前にループが止まるようにします（`<=` ではなく `<` で比べる）。"}},
    ),
    Rule(
        id="c.buffer-overflow", language="c",
        patterns=(r"writing (?:\d+ or more bytes|\d+ bytes|a terminating nul) (?:into|past the end of) (?:a region|the destination)",
                  r"overflows the destination", r"will always overflow",
                  rf"forming offset .* is out of the bounds .* of object {NAME}", r"forming offset .* is out of the bounds"),
        concept="array sizes and strings",
        meaning="Line {line} copies more characters into an array than the array can hold (at `{token}`).",
        why="A char array of size N holds at most N-1 characters plus the terminating `\\0`; strcpy, strcat and sprintf do not check the size and write past the end.",
        hint="How many characters (including the final `\\0`) are written on line {line}, and how large is the array they go into?",
        fix="Make the destination array large enough for the text and its terminating `\\0`, or copy fewer characters.",
        translations={"ja": {
            "meaning": "{line} 行目で、配列に入りきらない数の文字をコピーしています（`{token}` のところ）。",
            "why": "大きさ N の char 配列には、最後の `\\0` を含めて N-1 文字までしか入りません。strcpy・strcat・sprintf は大きさを確かめずに配列の外まで書き込みます。",
            "hint": "{line} 行目で書き込まれる文字は（最後の `\\0` を含めて）いくつですか？書き込み先の配列の大きさは？",
            "fix": "書き込み先の配列を文字列と `\\0` が入る大きさにするか、コピーする文字を減らします。"}},
    ),
    Rule(
        id="c.variable-length-array", language="c",
        patterns=(rf"variable length array {NAME} is used", rf"forbids variable length array {NAME}", r"variable length array (?:is )?used", r"variable length arrays are a C99 feature"),
        concept="array sizes",
        meaning="The size of the array `{token}` declared on line {line} is a variable, not a constant: a variable-length array.",
        why="The size is taken from the variable's value at that moment; if the variable is not yet set (or is read later), the array has a garbage or wrong size, and a large one overflows the stack.",
        hint="What value does the size on line {line} have when the array is created?",
        fix="Use a constant size (a `#define` or a number) that is large enough, or make sure the size variable is set before this line.",
        translations={"ja": {
            "meaning": "{line} 行目で宣言した配列 `{token}` の大きさが定数ではなく変数です（可変長配列）。",
            "why": "大きさはその時点の変数の値で決まります。変数にまだ値がなければ（または後で読み込むなら）、配列の大きさはでたらめになり、大きすぎるとスタックがあふれます。",
            "hint": "配列が作られる時点で、{line} 行目の大きさの値はいくつですか？",
            "fix": "十分な大きさの定数（`#define` や数値）を使うか、大きさの変数にこの行より前で値を入れます。"}},
    ),
    Rule(
        id="c.format-not-literal", language="c",
        patterns=(r"format not a string literal", r"format string is not a string literal"),
        concept="format strings",
        meaning="The first argument of the printf-style call on line {line} is a variable, not a format string in quotes.",
        why="printf reads its first argument as a format: if that text contains a `%`, printf looks for arguments that are not there. Text from a variable should be printed through a `%s` conversion.",
        hint="What should the format string on line {line} be, and where should the variable go?",
        fix="Pass a format string in quotes that uses `%s`, with the variable as the next argument.",
        translations={"ja": {
            "meaning": "{line} 行目の printf 系の呼び出しの最初の引数が、引用符で囲んだ書式文字列ではなく変数です。",
            "why": "printf は最初の引数を書式として読みます。その文字に `%` があると、存在しない引数を探してしまいます。変数の文字列は `%s` 変換を通して表示します。",
            "hint": "{line} 行目の書式文字列はどうあるべきですか？変数はどこに置くべきですか？",
            "fix": "`%s` を使った引用符つきの書式文字列を渡し、変数は次の引数にします。"}},
    ),
    Rule(
        id="c.null-dereference", language="c",
        patterns=(rf"dereference of NULL {O}(?P<token>[^'’‘]+){C}", r"null pointer dereference",
                  r"dereferencing a null pointer", r"indirection of non-volatile null pointer"),
        concept="NULL pointers",
        meaning="On line {line} a pointer that is NULL is followed with `*`, `->` or `[]`.",
        why="NULL means the pointer points to nothing; reading or writing through it crashes the program (a segmentation fault). A pointer must be set to the address of real memory first.",
        hint="Where should the pointer used on line {line} have been given an address, and does that happen on every path?",
        fix="Point the pointer at a variable or at memory from malloc (checking that malloc did not return NULL) before using it.",
        translations={"ja": {
            "meaning": "{line} 行目で、NULL のポインタを `*`・`->`・`[]` でたどっています。",
            "why": "NULL はポインタが何も指していないことを表します。それを通して読み書きするとプログラムは落ちます（セグメンテーション違反）。先に本物のメモリのアドレスを入れる必要があります。",
            "hint": "{line} 行目で使うポインタは、どこでアドレスを受け取るはずでしたか？それはどの道筋でも起きますか？",
            "fix": "使う前に、変数のアドレスか malloc で得たメモリ（NULL でないことを確かめる）をポインタに入れます。"}},
    ),
    Rule(
        id="c.double-free", language="c",
        patterns=(rf"double-{O}free{C} of {O}(?P<token>[^'’‘]+){C}", r"attempt to free released memory",
                  rf"pointer {NAME} (?:may be )?used after {O}free{C}"),
        source=r"\bfree\s*\(",  # gcc's -Wuse-after-free at a call of free: the second free
        concept="freeing memory",
        meaning="Line {line} frees the memory of `{token}` a second time.",
        why="Each block from malloc must be freed exactly once; freeing it again corrupts the memory manager and can crash the program much later.",
        hint="Which earlier line already frees `{token}`, and is there a path that reaches line {line} after it?",
        fix="Free the memory in one place only, or set the pointer to NULL right after freeing it.",
        translations={"ja": {
            "meaning": "{line} 行目で、`{token}` のメモリを 2 回目に free しています。",
            "why": "malloc で得たメモリはちょうど 1 回だけ free します。2 回 free するとメモリ管理が壊れ、ずっと後でプログラムが落ちることがあります。",
            "hint": "`{token}` をすでに free している前の行はどれですか？そのあと {line} 行目に来る道筋はありますか？",
            "fix": "メモリを free する場所を 1 か所にするか、free した直後にポインタに NULL を入れます。"}},
    ),
    Rule(
        id="c.use-after-free", language="c",
        patterns=(rf"use after {O}free{C} of {O}(?P<token>[^'’‘]+){C}", rf"pointer {NAME} (?:may be )?used after {O}free{C}",
                  r"use of memory after it is freed"),
        concept="freeing memory",
        meaning="Line {line} uses memory through `{token}` after that memory was given back with `free`.",
        why="After `free`, the memory belongs to the system again; the pointer still holds the old address, but reading or writing there gives garbage or crashes.",
        hint="Where is `{token}` freed, and is line {line} really after the last use of that memory?",
        fix="Move the `free` after the last use of the memory, or stop using the pointer once it is freed.",
        translations={"ja": {
            "meaning": "{line} 行目で、`free` で返したあとのメモリを `{token}` を通して使っています。",
            "why": "`free` のあと、そのメモリはシステムのものに戻ります。ポインタには古いアドレスが残っていますが、そこを読み書きするとでたらめな値になるか落ちます。",
            "hint": "`{token}` はどこで free されていますか？{line} 行目は本当にそのメモリを最後に使う場所のあとですか？",
            "fix": "`free` をメモリを最後に使う場所のあとに移すか、free したあとはポインタを使わないようにします。"}},
    ),
    Rule(
        id="c.memory-leak", language="c",
        patterns=(rf"leak of {O}(?P<token>[^'’‘]+){C}", r"leak of (?:memory|<unknown>)", r"potential leak of memory"),
        concept="freeing memory",
        meaning="The memory that `{token}` points to is never freed: at line {line} the last pointer to it is lost.",
        why="Memory from malloc stays reserved until it is freed; once no variable holds its address any more, the program can never give it back (a memory leak).",
        hint="Where does the memory `{token}` points to stop being needed, and is there a `free` on the way there?",
        fix="Call free on the pointer when the memory is no longer needed, before the pointer is overwritten or goes out of scope.",
        translations={"ja": {
            "meaning": "`{token}` が指すメモリは一度も free されず、{line} 行目でそれを指す最後のポインタが失われます。",
            "why": "malloc で得たメモリは free するまで確保されたままです。アドレスを持つ変数がなくなると、もう返すことができません（メモリリーク）。",
            "hint": "`{token}` が指すメモリはどこで不要になりますか？そこまでの間に `free` はありますか？",
            "fix": "メモリが不要になったら、ポインタが上書きされたりスコープを出たりする前に free します。"}},
    ),
    Rule(
        id="c.undefined-reference", language="c",
        patterns=(rf"undefined reference to {O}(?P<token>(?!main{C})[^'’‘]+){C}", r"undefined symbol: (?P<token>\w+)"),
        concept="declaring and defining functions",
        meaning="The function `{token}` called on line {line} is declared but never defined, so the program cannot be built (the linker cannot find its body).",
        why="A prototype only promises that a function exists; its body must be written somewhere in the program. This usually means the definition's name is spelt differently from the prototype and the call, or the body was never written.",
        hint="Where is the body of `{token}`? Compare its name letter by letter with the call on line {line}.",
        fix="Write the function's definition, or correct the name of the existing definition so it matches the prototype and the call.",
        translations={"ja": {
            "meaning": "{line} 行目で呼び出す関数 `{token}` は宣言されていますが定義がないため、プログラムを作れません（リンカが本体を見つけられません）。",
            "why": "プロトタイプは関数があると約束するだけで、本体はプログラムのどこかに書く必要があります。たいていは定義の名前がプロトタイプや呼び出しと違う綴りになっているか、本体を書き忘れています。",
            "hint": "`{token}` の本体はどこにありますか？その名前を {line} 行目の呼び出しと一文字ずつ比べましょう。",
            "fix": "関数の定義を書くか、既存の定義の名前をプロトタイプと呼び出しに合わせます。"}},
    ),
    Rule(
        id="c.missing-main", language="c",
        patterns=(rf"undefined reference to {O}(?P<token>main){C}",),
        concept="the main function",
        meaning="This file has no `main` function, so it cannot be built into a program.",
        why="Every C program starts in a function named exactly `main`; a different spelling (`Main`, `mian`) or a missing one leaves the program without a starting point.",
        hint="Which function should the program start in, and is its name spelt exactly `main`?",
        fix="Define `int main(void)` (spelt in lower case) with the program's first steps inside it.",
        translations={"ja": {
            "meaning": "このファイルには `main` 関数がないため、プログラムとして作れません。",
            "why": "C のプログラムは必ず `main` という名前の関数から始まります。綴りが違う（`Main`、`mian`）か関数がないと、プログラムの始まりがありません。",
            "hint": "プログラムはどの関数から始まるべきですか？その名前は正確に `main` ですか？",
            "fix": "小文字で `int main(void)` を定義し、その中にプログラムの最初の処理を書きます。"}},
    ),
    Rule(
        id="c.return-local-address", language="c",
        patterns=(r"function returns address of local variable", r"address of stack memory associated with local variable",
                  r"returning address of local"),
        concept="lifetime of local variables",
        meaning="The function returns the address of one of its own local variables on line {line}.",
        why="A local variable disappears when its function returns, so the address points to memory that is reused at once; the caller reads garbage.",
        hint="Where does the memory returned on line {line} live, and does it still exist after the function ends?",
        fix="Return the value itself, let the caller pass in an array to fill, or allocate the memory with malloc.",
        translations={"ja": {
            "meaning": "{line} 行目で、関数が自分のローカル変数のアドレスを返しています。",
            "why": "ローカル変数は関数が戻ると消えるので、そのアドレスはすぐ再利用されるメモリを指します。呼び出し側はでたらめな値を読みます。",
            "hint": "{line} 行目で返すメモリはどこにありますか？関数が終わったあとも存在しますか？",
            "fix": "値そのものを返すか、呼び出し側から埋める配列を渡してもらうか、malloc でメモリを確保します。"}},
    ),
    Rule(
        id="c.division-by-zero", language="c",
        patterns=(r"division by zero", r"remainder by zero", r"division by zero is undefined"),
        concept="division",
        meaning="Line {line} divides by zero (or takes a remainder by zero).",
        why="Dividing an integer by 0 has no result; the program stops with a floating point exception when it reaches this line.",
        hint="What value is the divisor on line {line}, and what did you mean it to be?",
        fix="Divide by the intended non-zero value, or check that the divisor is not 0 before dividing.",
        translations={"ja": {
            "meaning": "{line} 行目で 0 で割っています（または 0 で余りを求めています）。",
            "why": "整数を 0 で割った結果はありません。この行に来るとプログラムは浮動小数点例外で止まります。",
            "hint": "{line} 行目の割る数はいくつですか？本当はいくつのつもりでしたか？",
            "fix": "意図した 0 でない値で割るか、割る前に割る数が 0 でないことを確かめます。"}},
    ),
    Rule(
        id="c.switch-fallthrough", language="c",
        patterns=(r"this statement may fall through", r"unannotated fall-through between switch labels"),
        concept="switch statements",
        meaning="The `case` ending at line {line} has no `break`, so execution falls through into the next case.",
        why="In a switch, a case does not stop by itself: without `break` the statements of the following case run too.",
        hint="Should the case around line {line} also run the next case's statements?",
        fix="Add `break;` at the end of the case (or a comment saying the fall-through is intended).",
        translations={"ja": {
            "meaning": "{line} 行目で終わる `case` に `break` がないため、実行が次の case に流れ込みます。",
            "why": "switch の case は自動では止まりません。`break` がないと、次の case の文も実行されます。",
            "hint": "{line} 行目付近の case は、次の case の文も実行するべきですか？",
            "fix": "case の最後に `break;` を加えます（意図した流れ込みならそう書いたコメントを付けます）。"}},
    ),
    Rule(
        id="c.dangling-else", language="c",
        patterns=(r"suggest explicit braces to avoid ambiguous", r"add explicit braces to avoid dangling else"),
        concept="if/else and braces",
        meaning="The `else` near line {line} belongs to the nearest `if`, which may not be the one its indentation suggests.",
        why="Without braces, an `else` always pairs with the closest `if` that has none; indentation does not change that.",
        hint="Which `if` should the `else` near line {line} belong to?",
        fix="Put braces around the inner `if` so the `else` pairs with the `if` you mean.",
        translations={"ja": {
            "meaning": "{line} 行目付近の `else` は一番近い `if` に属します。インデントが示す `if` とは違うかもしれません。",
            "why": "波かっこがないと、`else` は else を持たない一番近い `if` と組になります。インデントはそれを変えません。",
            "hint": "{line} 行目付近の `else` はどの `if` に属するべきですか？",
            "fix": "内側の `if` を波かっこで囲み、`else` が意図した `if` と組になるようにします。"}},
    ),
]

RULES: list[Rule] = [*STATIC_RULES, *c_rules.RULES]  # the whole C table (registered in languages.py)
