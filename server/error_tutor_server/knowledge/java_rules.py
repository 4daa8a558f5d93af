"""Knowledge base: Java (javac messages)."""

from error_tutor_server.knowledge import Rule

RULES: list[Rule] = [
    Rule(
        id="java.other",
        language="java",
        patterns=(),
        concept="Java syntax and types",
        meaning="javac could not compile this code: {message}.",
        why="The code here breaks one of Java's rules about syntax, names or types.",
        hint="Read the message carefully, look at `{token}` on line {line}, and compare it with how the same thing is written elsewhere in your program.",
        translations={"ja": {
            "meaning": "javac はこのコードをコンパイルできませんでした: {message}",
            "why": "ここのコードは、構文・名前・型に関する Java の規則のどれかに反しています。",
            "hint": "メッセージをよく読み、{line} 行目の `{token}` を、プログラムの他の場所での書き方と比べましょう。"}},
    ),
]
