"""What the student reads, made at the edge from a plain ``Explanation``: the hover's Markdown
(``render_markdown``), the terminal's text (``render_text``) and what the evaluation scores
(``student_text``, the hover without the compiler's message and footer).
"""

from __future__ import annotations

import re

from error_tutor_server.case import Explanation
from error_tutor_server.diagnostics import CompilerDiagnostic

HEADINGS = {
    "en": {"meaning": "What it means", "where": "Where", "why": "Why", "hint": "Hint", "fix": "Fix",
           "line": "line", "at": "at"},
    "ja": {"meaning": "意味", "where": "場所", "why": "理由", "hint": "ヒント", "fix": "直し方",
           "line": "行", "at": "対象"},
}


# The hover's footer: which explanation the student reads, in plain words (the checker's reasons
# go to the log and the evaluation, never to the student).
FOOTERS = {
    "en": {"model": "Explained by the local model.", "rules": "From the built-in guide.",
           "rules_rejected": "From the built-in guide.", "rules_untuned": "From the built-in guide.",
           "rules_pending": "From the built-in guide; the model's explanation is on its way.",
           "rules_backend_down": "From the built-in guide: the model server is not answering (retried automatically)."},
    "ja": {"model": "ローカルモデルによる説明。", "rules": "組み込みのガイドによる説明。",
           "rules_rejected": "組み込みのガイドによる説明。", "rules_untuned": "組み込みのガイドによる説明。",
           "rules_pending": "組み込みのガイドによる説明。モデルの説明を準備中です。",
           "rules_backend_down": "組み込みのガイドによる説明。モデルのサーバーが応答しません（自動で再試行します）。"},
}

CASCADE_NOTE = {
    "en": "This message probably follows from the error on line {line} (\"{message}\"): fix that one first, then compile again.",
    "ja": "このメッセージは {line} 行目のエラー（「{message}」）が原因で出ている可能性があります。先にそちらを直して、もう一度コンパイルしましょう。",
}
_SYNTAX_ROOT = re.compile(r"expected|never closed|unterminated|missing terminating|invalid syntax|"
                          r"illegal start|not a statement|reached end of file|unexpected", re.IGNORECASE)


def cascade_root(diagnostics: list[CompilerDiagnostic], index: int) -> CompilerDiagnostic | None:
    """The earlier syntax error this diagnostic most likely follows from (within two lines)."""
    current = diagnostics[index]
    for earlier in diagnostics[:index]:
        if (earlier.severity == "error" and _SYNTAX_ROOT.search(earlier.message)
                and 0 <= current.line - earlier.line <= 2 and earlier is not current):
            return earlier
    return None


def label(name: str, text: str, locale: str, markdown: bool) -> str:
    """"**What it means:** text" for the hover, "What it means: text" for a terminal."""
    heading = HEADINGS[locale][name]
    return f"**{heading}:** {text}" if markdown else f"{heading}: {text}"


def where_text(explanation: Explanation, program_text: str, locale: str, markdown: bool = True) -> str:
    """"Where: line 4: `int total = 0` (at `total`)": the line the explanation points at, quoted."""
    h = HEADINGS[locale]
    lines = program_text.splitlines()
    code = lines[explanation.line - 1].strip() if 0 < explanation.line <= len(lines) else ""
    where = f"{h['line']} {explanation.line}"
    if code:
        where += f": `{code[:120]}`"
    if explanation.token and explanation.token in code and not stopped_elsewhere(explanation, lines):
        where += f" ({h['at']} `{explanation.token}`)"
    return label("where", where, locale, markdown)


def stopped_elsewhere(explanation: Explanation, lines: list[str]) -> bool:
    """The compiler stopped at the token on another line than the one quoted, where it stands too (the `int`
    that starts line 6, when line 5 quoted declares its own `int`): "at `int`" would point at the wrong one."""
    other = explanation.token_line
    return other not in (0, explanation.line) and 0 < other <= len(lines) and explanation.token in lines[other - 1]


def sections(explanation: Explanation, program_text: str, locale: str, names: tuple[str, ...],
             markdown: bool = True) -> list[str]:
    """Where, then the explanation's parts ``names`` that are not empty, each under its heading."""
    parts = [label(name, getattr(explanation, name), locale, markdown) for name in names if getattr(explanation, name)]
    return [where_text(explanation, program_text, locale, markdown), *parts]


def student_text(explanation: Explanation, program_text: str, locale: str, hint: bool = True,
                 markdown: bool = True) -> str:
    """The whole explanation without the compiler's message and the footer (the panel's body, what
    the evaluation scores); ``hint``: with the hint and the fix, else where, what it means and why."""
    names = ("meaning", "why", "hint", "fix") if hint else ("meaning", "why")
    return "\n\n".join(sections(explanation, program_text, locale, names, markdown))


def hover_sections(explanation: Explanation, program_text: str, locale: str) -> list[str]:
    """The compact hover: where, what it means, the hint (and the fix at hint level "fix"). It fits
    VS Code's 250 px hover in the common case; the editor shows the compiler's message above it."""
    return sections(explanation, program_text, locale, ("meaning", "hint", "fix"))


def render_markdown(explanation: Explanation, diagnostic: CompilerDiagnostic, program_text: str,
                    locale: str, root: CompilerDiagnostic | None = None, panel: bool = False) -> str:
    """The hover (compact), or with ``panel`` the whole explanation for a side panel or a document:
    the compiler's message, where, what it means, why, the hint; both end with a one-line footer."""
    parts = [f"**{diagnostic.severity.title()}:** {diagnostic.message}", student_text(explanation, program_text, locale)] \
        if panel else hover_sections(explanation, program_text, locale)
    if root is not None:
        parts.insert(1 if panel else 0, "_" + CASCADE_NOTE[locale].format(line=root.line, message=root.message) + "_")
    parts.append(f"---\n_{FOOTERS[locale][explanation.kind]}_")
    return "\n\n".join(parts)


def render_text(explanation: Explanation, program_text: str, locale: str,
                root: CompilerDiagnostic | None = None, verbose: bool = False) -> str:
    """The same for a terminal, below the compiler's own line: plain labels, the footer in parentheses
    (``verbose``: the detailed note, with the checker's reasons, instead)."""
    footer = explanation.note if verbose else FOOTERS[locale][explanation.kind]
    parts = [student_text(explanation, program_text, locale, markdown=False), f"({footer})"]
    if root is not None:
        parts.insert(0, CASCADE_NOTE[locale].format(line=root.line, message=root.message))
    return "\n\n".join(parts)
