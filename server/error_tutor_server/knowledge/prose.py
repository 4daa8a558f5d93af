"""A line of plain words read as code: a note meant as a comment that has no comment mark.

javac says "';' expected", gcc "unknown type name" or "expected ';' before ...", Python "invalid
syntax": each names what the words lack as code. ``prose_line`` tells such a line from code by
its shape (several bare words in a row, few of them keywords, no operator, bracket or `;`), and
``texts_for`` gives the texts that say what the line is.
"""

from __future__ import annotations

import re

from error_tutor_server.diagnostics import CompilerDiagnostic

# the words that code may hold several of in a row (`public static final int`, `unsigned long long`, `not in`)
_KEYWORDS = {
    "java": {"public", "private", "protected", "static", "final", "abstract", "synchronized", "native", "transient",
             "volatile", "strictfp", "int", "long", "short", "byte", "char", "boolean", "double", "float", "void",
             "class", "interface", "enum", "extends", "implements", "throws", "new", "return", "else", "if",
             "import", "package", "default"},
    "c": {"static", "const", "volatile", "extern", "register", "unsigned", "signed", "long", "short", "int", "char",
          "double", "float", "void", "struct", "union", "enum", "typedef", "return", "else", "if", "inline"},
    "python": {"and", "as", "async", "await", "else", "for", "from", "if", "import", "in", "is", "lambda", "not",
               "or", "return", "yield", "None", "True", "False"},
}
_COMMENT = {"java": "//", "c": "//", "python": "#"}
# a line that starts like a statement of some language (`for i in items`) is code written wrongly unless it runs on
_STATEMENT_WORDS = {"for", "while", "if", "elif", "else", "do", "def", "return", "print", "switch", "case", "try", "catch"}
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:,?[ \t]+[A-Za-z][A-Za-z0-9_]*){3,}[ \t]*[.,:!?]?")
# the rules whose messages a line of words produces (the code's symptom, not the line's kind)
RULES = {"java.missing-semicolon", "java.not-a-statement", "java.identifier-expected", "java.illegal-start-of-type",
         "java.illegal-start-of-expression", "c.missing-semicolon", "c.unknown-type", "c.bad-function-header",
         "c.code-outside-function", "python.invalid-syntax"}


def prose_line(source_line: str, language: str) -> bool:
    """Whether the line (its comment cut off) is four or more bare words in a row (commas aside), at least
    three of them not keywords of ``language``, with no operator, bracket, quote or `;`; six or more when the
    first word starts a statement (`for`, `if`, `print`)."""
    code = source_line.split(_COMMENT.get(language, "//"), 1)[0].strip()
    if language not in _KEYWORDS or not _WORDS.fullmatch(code):
        return False
    words = re.findall(r"[A-Za-z]\w*", code)
    if words[0] in _STATEMENT_WORDS and len(words) < 6 or max(len(part.split()) for part in code.split(",")) < 4:
        return False  # `for i in items`; `int count, total, sum`: a list, not a sentence
    return sum(word not in _KEYWORDS[language] | _STATEMENT_WORDS for word in words) >= 3


# who reads the line, and the comment marks, in English and Japanese
_READER = {"java": ("javac", "`//` or `/* */`", "javac", "`//` や `/* */`"),
           "c": ("the compiler", "`//` or `/* */`", "コンパイラ", "`//` や `/* */`"), "python": ("Python", "`#`", "Python", "`#`")}
_PROSE = {
    "meaning": "Line {line} is a run of plain words, not code: it reads like a note meant as a comment, but nothing marks it as one, so {reader} read it as code and stopped at `{token}`.",
    "why": "Only text marked as a comment ({markers}) is skipped; every other line must be code, and words in a row are neither a declaration nor a statement, so {reader} reports the first place where they stop making sense as code.",
    "hint": "Is line {line} meant as a note for the reader rather than code? If so, what must come before such a note so that it is skipped?",
    "fix": "Mark line {line} as a comment ({markers}), or remove it if it is not needed.",
}
_PROSE_JA = {
    "meaning": "{line} 行目はコードではなく、普通の語が並んでいます。コメントのつもりのメモに見えますが、コメントの印がないので、{reader} はコードとして読み、`{token}` で止まりました。",
    "why": "読み飛ばされるのはコメントの印（{markers}）の付いた文字だけです。それ以外の行はコードでなければならず、語の並びは宣言にも文にもならないので、{reader} はコードとして読めなくなった最初の場所を報告します。",
    "hint": "{line} 行目はコードではなく、読む人へのメモのつもりですか？そうなら、読み飛ばされるにはその前に何が必要ですか？",
    "fix": "{line} 行目をコメントにする（{markers}）か、要らなければ削除します。",
}


def texts_for(rule_id: str, diagnostic: CompilerDiagnostic) -> tuple[dict, dict, dict, dict] | None:
    """(English texts, Japanese texts, English values, Japanese values) for a line of words, else None."""
    if rule_id not in RULES or not prose_line(diagnostic.source_line, diagnostic.language):
        return None
    reader, markers, reader_ja, markers_ja = _READER[diagnostic.language]
    return _PROSE, _PROSE_JA, {"reader": reader, "markers": markers}, {"reader": reader_ja, "markers": markers_ja}
