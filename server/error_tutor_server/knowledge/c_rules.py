"""Knowledge base: C (gcc and clang messages)."""

from error_tutor_server.knowledge import Rule

RULES: list[Rule] = [
    Rule(
        id="c.missing-semicolon",
        language="c",
        patterns=(r"expected ['‘]?;['’]? (before|after|at end)",),
        concept="statement terminators",
        meaning="The compiler reached code where it expected a statement to have ended with `;`.",
        why="In C every statement ends with a semicolon; when one is missing the compiler only notices at the next token, so the error is often reported just after the real spot.",
        hint="Look at the end of the statement just before `{token}` (it may be on the previous line) and check how it ends.",
        fix="Add the missing `;` at the end of the previous statement.",
        translations={"ja": {
            "meaning": "文が `;` で終わっているはずの場所に、コンパイラが別のコードを見つけました。",
            "why": "C ではすべての文はセミコロンで終わります。抜けていると次のトークンで初めて気づくため、エラーは本当の場所の少し後に報告されがちです。",
            "hint": "`{token}` の直前の文（前の行かもしれません）がどう終わっているか確認しましょう。",
            "fix": "前の文の最後に `;` を追加します。"}},
    ),
    Rule(
        id="c.other",
        language="c",
        patterns=(),
        concept="reading compiler messages",
        meaning="The compiler could not accept this code: {message}.",
        why="The code at this point does not follow the rules of C the compiler expects here.",
        hint="Read the message word by word, look at `{token}` on line {line} and the line before it, and compare with an example you know compiles.",
        translations={"ja": {
            "meaning": "コンパイラはこのコードを受け付けられませんでした: {message}",
            "why": "この場所のコードが、コンパイラの期待する C の規則に従っていません。",
            "hint": "メッセージを一語ずつ読み、{line} 行目の `{token}` とその前の行を、コンパイルできる例と見比べましょう。"}},
    ),
]
