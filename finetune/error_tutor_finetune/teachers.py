"""Teachers: who writes the target explanation a training example teaches.

* ``rules`` (always available): the knowledge base's grounded explanation turned into two or
  three plain sentences that name the line and the student's token;
* ``gguf``: a local GGUF model through the server's ``LocalModel`` (a bigger model than the
  one being trained, e.g. a 1-3B instruct model converted to GGUF);
* ``openai``: any OpenAI-compatible endpoint through the server's ``RemoteModel``.

A model teacher sees the server's exact prompt plus one extra instruction (name the line and the
token); the training row keeps the server's prompt alone. Every target goes through the server's
checker (``check_explanation``) before it is used; a model teacher whose text fails falls back to
``rules`` when ``fallback`` is on. The targets are structured (:class:`Target`): category, line,
token, rationale (why), explanation (what it means, where) and hint; the assistant message is
``explanation + rationale``, the shape the server's system prompt asks for.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from error_tutor_server.checks import CheckResult, check_explanation
from error_tutor_server.contracts import contract_violations
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.case import Case
from error_tutor_server.prompt import answer_label, build_messages
from error_tutor_server.knowledge import Classification
from error_tutor_server.tutor import subject_words

from error_tutor_finetune.ranking import choose

log = logging.getLogger("error_tutor.teachers")

TEACHERS = ("rules", "gguf", "openai")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")
_LOWER_FIRST = {"The", "A", "An", "This", "These", "There", "Something", "Your", "Each", "Every", "Two", "One",
                "It", "Its", "Some", "No", "Nothing", "What", "Here"}


@dataclass(frozen=True)
class Target:
    """What one example teaches, in parts; ``text()`` is the assistant message."""

    category: str
    line: int
    token: str
    rationale: str  # why it happens
    explanation: str  # what the message means, on which line, at which token
    hint: str  # the knowledge base's nudge (shown beside the model's text, not part of it)
    teacher: str
    finish_reason: str = "stop"

    def text(self) -> str:
        return " ".join(part.strip() for part in (self.explanation, self.rationale) if part.strip())


def check_target(text: str, case: Case, fixed_line: str = "", finish_reason: str = "stop") -> CheckResult:
    """The server's checks as ``Tutor.judge`` runs them on what a student reads (its fact contract included), plus
    the known fix when there is one. Not the judge's checks of a tuned model's own sentence against the guide's
    meaning (``contracts.vaguer_than_the_guide``, ``lines_unlike_the_guide``): a target is not yet a model's text."""
    result = check_explanation(text, case.diagnostic, case.program, allowed_lines=case.allowed_lines,
                               finish_reason=finish_reason, locale="en", hint_level="hint", fixed_line=fixed_line,
                               anchors=subject_words(case.classification), facts=case.classification.facts())
    reasons = tuple(dict.fromkeys(result.reasons + tuple(contract_violations(text, case))))
    return CheckResult(ok=not reasons, reasons=reasons)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _lead(classification: Classification, line: int, meaning: str) -> str:
    """"Undeclared identifier on line 7: `x` is used ..." (the subject, the line, then the meaning)."""
    if meaning.split(" ", 1)[0] in _LOWER_FIRST:
        meaning = meaning[0].lower() + meaning[1:]
    return f"{answer_label(classification, line)} {meaning}"


def rule_variants(classification: Classification, line: int) -> list[tuple[str, str]]:
    """(explanation, rationale) pairs from the richest to the plainest; the first that passes is used."""
    meaning = sentences(classification.meaning)
    why = sentences(classification.why)
    where = _lead(classification, line, _as_sentence(meaning[0] if meaning else "the compiler reports an error here"))
    # no "The compiler points at `x`." sentence: the hover's Where line names the token, and the model garbled
    # this sentence more than any other (the server drops it: prompt.without_pointer_sentences); one sentence
    # of why: the hover adds the rule's hint, and each sentence costs ~1 s on a busy lab machine
    variants = [(where, why[0] if why else ""), (where, "")]
    return list(dict.fromkeys(v for v in variants if v[0]))


def expert_variants(classification: Classification, line: int, reference: str) -> list[tuple[str, str]]:
    """(explanation, rationale) pairs from an expert's explanation (friendly-traceback's, for Python), which
    says what the student's construct is and why it is refused better than a rule's meaning: one of its first
    two sentences after the label (a fine-tuned model is shown that one sentence), then the guide's why."""
    why = sentences(classification.why)
    rationale = why[0] if why else ""
    return [(_lead(classification, line, _as_sentence(sentence)), rationale) for sentence in sentences(reference)[:2]]


class RulesTeacher:
    """The knowledge base as a teacher, with the expert's explanation where there is one: grounded, fast,
    never leaks by construction (and checked anyway). With a ``ranker`` (``ranking.StudentRanker``), of the
    drafts that pass, the one the student learns best (ARTE); without one, the first that passes."""

    name = "rules"

    def __init__(self, ranker=None):
        self.ranker = ranker

    def target(self, diagnostic: CompilerDiagnostic, program: str, fixed_line: str = "",
               reference: str = "") -> tuple[Target, CheckResult]:
        case = Case.of(diagnostic, program)
        classification, line = case.classification, case.line
        expert = expert_variants(classification, line, reference)
        drafts = [Target(classification.category, line, classification.token, rationale, explanation,
                         classification.hint, "expert" if n < len(expert) else self.name)
                  for n, (explanation, rationale) in enumerate(expert + rule_variants(classification, line))]
        passing, first = [], None
        for target in drafts:
            result = check_target(target.text(), case, fixed_line)
            first = first or (target, result)
            if result.ok:
                passing.append((target, result))
                if self.ranker is None:
                    break
        if not passing:
            return first
        passing = [(t, r) for t, r in passing if t.teacher == passing[0][0].teacher]  # the best-grounded tier only
        best, losses = choose(case, [t.text() for t, _ in passing], [t.explanation for t, _ in passing], self.ranker)
        target, result = passing[best]
        if losses:
            target = Target(**{**target.__dict__, "teacher": f"{target.teacher}(ranked by {self.ranker.name})"})
            log.debug("%s: losses %s, kept draft %d", case.diagnostic.message, [round(x, 3) for x in losses], best)
        return target, result


def teacher_messages(case: Case) -> list[dict]:
    """The server's prompt with one more instruction, so a model teacher names the line and the token."""
    messages = build_messages(case)
    extra = f"\nSay that the mistake is on line {case.line}"
    extra += f" and name the token `{case.token}`." if case.token else "."
    extra += " Write two or three sentences: first what the message means, then why it happens."
    return [messages[0], {"role": "user", "content": messages[1]["content"] + extra}]


class ModelTeacher:
    """A model (local GGUF or remote) writing targets; falls back to rules when its text fails the checks."""

    def __init__(self, backend, name: str, fallback: bool = True, max_tokens: int = 160, ranker=None):
        self.backend = backend
        self.name = name
        self.fallback = RulesTeacher(ranker) if fallback else None
        self.max_tokens = max_tokens

    def target(self, diagnostic: CompilerDiagnostic, program: str, fixed_line: str = "",
               reference: str = "") -> tuple[Target, CheckResult]:
        case = Case.of(diagnostic, program)
        generation = self.backend.generate(teacher_messages(case), self.max_tokens)
        text = generation.text.strip()
        target = Target(case.classification.category, case.line, case.token, "", text, case.classification.hint,
                        self.name, generation.finish_reason)
        result = check_target(text, case, fixed_line, generation.finish_reason)
        if result.ok or self.fallback is None:
            return target, result
        log.debug("%s target rejected (%s); using rules", self.name, "; ".join(result.reasons))
        fallback, fallback_result = self.fallback.target(diagnostic, program, fixed_line, reference)
        return Target(**{**fallback.__dict__, "teacher": f"rules(fallback from {self.name})"}), fallback_result


def make_teacher(name: str, model: str = "", url: str = "", api_key_env: str = "ERROR_TUTOR_API_KEY",
                 threads: int = 0, fallback: bool = True, ranker=None):
    """The teacher called ``name`` (rules | gguf | openai); ``ranker`` chooses among the rules' right drafts."""
    if name == "rules":
        return RulesTeacher(ranker)
    if name == "gguf":
        from error_tutor_server.model import LocalModel

        return ModelTeacher(LocalModel(model_path=model, threads=threads).load(), "gguf", fallback, ranker=ranker)
    if name == "openai":
        from error_tutor_server.remote import RemoteModel

        if not url:
            raise TutorError("The openai teacher needs an endpoint.", "Pass --teacher-url http://host:port/v1.")
        return ModelTeacher(RemoteModel(url, model, os.environ.get(api_key_env, "")).load(), "openai", fallback,
                            ranker=ranker)
    raise TutorError(f"Unknown teacher '{name}'.", f"Use one of: {', '.join(TEACHERS)}.")


def sample_texts(model, messages: list[dict], count: int, temperature: float, max_tokens: int,
                 seed: int) -> list[tuple[str, str]]:
    """``count`` sampled completions (text, finish reason) from a loaded ``LocalModel``.

    The server's runtime only decodes greedily; preference data needs the model's varied
    answers, so this asks the same llama.cpp instance for samples at ``temperature``."""
    model.load()
    result = []
    with model.lock:
        for i in range(count):
            reply = model._llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                        temperature=temperature, top_p=0.95, seed=seed + i)
            choice = reply["choices"][0]
            result.append(((choice["message"].get("content") or "").strip(), choice.get("finish_reason") or "stop"))
    return result
