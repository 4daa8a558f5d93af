"""Knowledge base: Python (errors Python reports before running the program)."""

from error_tutor_server.knowledge import Rule

RULES: list[Rule] = [
    Rule(
        id="python.other",
        language="python",
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
