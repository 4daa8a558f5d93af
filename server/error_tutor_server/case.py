"""One diagnostic in its program, understood once, and the explanation a student reads for it.

A ``Case`` is built once per diagnostic (the knowledge base's classification, the lines the
mistake is probably on) and handed to everything that needs those facts: the prompt, the
checker, the rule-based text and the rendering. ``Explanation`` holds plain text only; the
hover's Markdown and the terminal's text are made at the edge (``render.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from error_tutor_server.checks import named_lines
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import Classification, classify
from error_tutor_server.knowledge.context import in_context
from error_tutor_server.locate import likely_lines


@dataclass(frozen=True)
class Case:
    diagnostic: CompilerDiagnostic
    program: str
    locale: str  # "en" | "ja": the classification's texts are in this language
    classification: Classification
    lines: tuple[int, ...]  # the lines the mistake is probably on, the likeliest first

    @classmethod
    def of(cls, diagnostic: CompilerDiagnostic, program: str, locale: str = "en") -> "Case":
        classification = in_context(classify(diagnostic, locale), diagnostic, program, locale)  # texts fit to the code
        return cls(diagnostic, program, locale, classification,
                   tuple(likely_lines(diagnostic, program)))

    @property
    def line(self) -> int:
        """The line the explanation points at."""
        return self.lines[0]

    @property
    def token(self) -> str:
        return self.classification.token

    @property
    def allowed_lines(self) -> set[int]:
        """The lines an explanation may name: where the mistake probably is, and the lines its meaning names (the
        unended declaration above the compiler's line, the header of a missing block)."""
        return {*self.lines, *named_lines(self.classification.meaning)}


# Which explanation it is and why, in detail (the checker's reasons included): for the log,
# `explain -v` and the evaluation. The student's hover shows a short footer instead (render.FOOTERS).
NOTES = {
    "en": {"model": "Explained by the local model (checked against the compiler's facts).",
           "rules": "Rule-based explanation.", "rules_pending": "Rule-based explanation; the model's version is on its way.",
           "rules_rejected": "Rule-based explanation (the model's text did not pass the checks: {reasons}).",
           "rules_backend_down": "Rule-based explanation: the model server is not answering; it is retried automatically.",
           "rules_untuned": "Rule-based explanation: the model is not fine-tuned, and modelText is 'fine-tuned'."},
    "ja": {"model": "ローカルモデルによる説明（コンパイラの情報で検査済み）。",
           "rules": "ルールに基づく説明。", "rules_pending": "ルールに基づく説明。モデルの説明を準備中です。",
           "rules_rejected": "ルールに基づく説明（モデルの文章は検査に通りませんでした: {reasons}）。",
           "rules_backend_down": "ルールに基づく説明。モデルのサーバーが応答しません（自動で再試行します）。",
           "rules_untuned": "ルールに基づく説明。モデルが微調整されておらず、modelText が 'fine-tuned' です。"},
}


@dataclass(frozen=True)
class Explanation:
    """What the student reads for one diagnostic, as plain text."""

    meaning: str  # what the message means: the model's text, or the knowledge base's
    why: str  # why it happens ("" for the model's text, which says both)
    source: str  # "model" | "rules"
    category: str
    line: int  # the line the explanation points at (1-based)
    token: str
    hint: str
    fix: str
    note: str = ""  # which one it is and why, in detail (log, `explain -v`, evaluation)
    kind: str = "rules"  # model | rules | rules_pending | rules_rejected | rules_backend_down | rules_untuned
    token_line: int = 0  # the line the compiler stopped at ``token`` (0: unknown)

    def text(self) -> str:
        """One plain string (CLI, JSON output, feedback rows)."""
        return "\n".join(part for part in (self.meaning, self.why, self.hint, self.fix) if part)


def rule_explanation(case: Case, hint_level: str, note_key: str = "rules", reasons: str = "") -> Explanation:
    """The knowledge base's explanation, shaped by the instructor's hint level."""
    found = case.classification
    return Explanation(meaning=found.meaning, why=found.why, source="rules", category=found.category,
                       line=case.line, token=found.token, hint=found.hint if hint_level in ("hint", "fix") else "",
                       fix=found.fix if hint_level == "fix" else "",
                       note=NOTES[case.locale][note_key].format(reasons=reasons), kind=note_key,
                       token_line=case.diagnostic.line)


def model_explanation(case: Case, model_text: str, hint_level: str, why: str = "") -> Explanation:
    """The model's text in place of the knowledge base's meaning (and its cause, unless ``why`` is the
    knowledge base's, as after a fine-tuned model's); hint and fix stay the rules'."""
    base = rule_explanation(case, hint_level)
    return Explanation(meaning=model_text.strip(), why=why, source="model", category=base.category, line=base.line,
                       token=base.token, hint=base.hint, fix=base.fix, note=NOTES[case.locale]["model"], kind="model",
                       token_line=base.token_line)
