"""The explanation pipeline shared by the language server, the CLI and the evaluation.

a Case (classified and located once) -> prompt with the facts -> model (cached) -> checks ->
the model's text if it passed, else the rule-based explanation with the reasons in its footer.
"""

from __future__ import annotations

import logging
import re
import threading

from error_tutor_server.backend import Backend, make_backend
from error_tutor_server.cache import GenerationCache, cache_key
from error_tutor_server.checks import check_explanation, leaks_fix
from error_tutor_server.contracts import (contract_violations, lines_unlike_the_guide, names_recased, quoted_in_meaning,
                                         vaguer_than_the_guide)
from error_tutor_server.case import Case, Explanation, model_explanation, rule_explanation
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.knowledge import Classification
from error_tutor_server.paths import cache_dir
from error_tutor_server.prompt import (FINE_TUNED_SENTENCES, GENERIC_WORDS, SHOWN_SENTENCES, build_messages,
                                       complete_sentences, without_fact_keys, without_label,
                                       without_pointer_sentences)
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.tutor")


def subject_words(classification: Classification) -> set[str]:
    """Word stems an on-topic explanation of this error must use: the specific words of its
    category (e.g. "semicolon" for missing-semicolon), else of its concept."""
    def stems(text: str) -> set[str]:
        return {w[:7] for w in re.split(r"[\s\-/,()']+", text.lower()) if len(w) > 3 and w not in GENERIC_WORDS}
    return stems(classification.category) or stems(classification.concept)


def code_names(case: Case) -> set[str]:
    """The names the case's meaning quotes, and its offending token: code whose capitals are never changed."""
    names = [code for code in quoted_in_meaning(case) if re.fullmatch(r"[\w$]+", code)]
    return {case.classification.token, *names} - {""}


def student_safe_reasons(reasons: tuple[str, ...], limit: int = 2) -> str:
    """The checker's reasons for the footer, without the quoted code (it may be the fix)."""
    cleaned = [re.sub(r"\s*`[^`]*`", "", reason).strip() for reason in dict.fromkeys(reasons)]
    return "; ".join(list(dict.fromkeys(cleaned))[:limit])


def why_after(sentence: str, why: str) -> str:
    """The guide's why, to follow a fine-tuned model's sentence; "" when the sentence already says it (the model
    sometimes goes from its label straight to the why: shown together, the two would repeat each other)."""
    def trigrams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[\w`'=<>!]+", text.lower())
        return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}

    said, told = trigrams(sentence), trigrams(why)
    return "" if told and len(said & told) >= max(2, len(told) // 4) else why


def resolve_locale(setting: str, client_locale: str = "") -> str:
    if setting in ("en", "ja"):
        return setting
    return "ja" if (client_locale or "").lower().startswith("ja") else "en"


def open_cache(settings: TutorSettings, on_disk: bool = True) -> GenerationCache:
    """The generation cache the settings name (memory only when ``on_disk`` is False)."""
    return GenerationCache(cache_dir(settings.cache_dir) / "generations" if on_disk else None)


class Tutor:
    """Explains diagnostics with one backend (None: rules only); thread-safe (the backend has its own lock)."""

    def __init__(self, settings: TutorSettings, backend: Backend | None = None, *, client_locale: str = "",
                 cache: GenerationCache | None = None):
        self.settings = settings
        self.backend = backend
        self.client_locale = client_locale
        self.cache = cache if cache is not None else GenerationCache(None)

    @classmethod
    def from_settings(cls, settings: TutorSettings, *, client_locale: str = "", disk_cache: bool = True) -> "Tutor":
        """The backend the settings ask for (``TutorError`` when it cannot be made) and their cache."""
        return cls(settings, make_backend(settings), client_locale=client_locale,
                   cache=open_cache(settings, disk_cache))

    @property
    def locale(self) -> str:
        return resolve_locale(self.settings.locale, self.client_locale)

    def case(self, diagnostic: CompilerDiagnostic, program_text: str) -> Case:
        """The diagnostic classified and located once, in this tutor's locale."""
        return Case.of(diagnostic, program_text, self.locale)

    def rules(self, case: Case, note_key: str = "rules") -> Explanation:
        return rule_explanation(case, self.settings.hint_level, note_key)

    def prompt(self, case: Case) -> tuple[list[dict], str]:
        """The messages this backend is sent for the case, and their cache key."""
        tuned = self.backend.fine_tuned  # learnt the shape: no worked example, and its answer's label given
        facts = self.backend.prompt_facts if tuned else "full"  # the facts it was trained on
        messages = build_messages(case, worked_example=not tuned, prefill=tuned, facts=facts)
        return messages, cache_key(self.backend.name, messages, self.settings.max_tokens)

    def shows_model_text(self) -> bool:
        """Whether this backend's text may be shown (``modelText``): a fine-tuned model's, or any with "any".
        Whether a merged GGUF is fine-tuned is known once it is loaded."""
        return self.backend is not None and (self.settings.model_text == "any" or self.backend.fine_tuned)

    def cached(self, case: Case) -> Explanation | None:
        """The model's explanation if it was generated before (instant), else None."""
        if self.backend is None or (self.backend.loaded and not self.shows_model_text()):
            return None
        _, key = self.prompt(case)
        hit = self.cache.get(key)
        return self.judge(case, *hit) if hit else None

    def explain(self, case: Case, cancel: threading.Event | None = None) -> Explanation:
        """The best explanation, generating with the model when needed (blocking)."""
        if self.backend is None:
            return self.rules(case)
        try:
            if not self.backend.loaded:
                self.backend.load()  # the prompt depends on the model: a fine-tuned one gets no worked example
        except TutorError as exc:
            log.warning("%s", exc)
            return self.rules(case, "rules_backend_down")
        if not self.shows_model_text():
            return self.rules(case, "rules_untuned")  # nothing is generated that would not be shown
        messages, key = self.prompt(case)
        hit = self.cache.get(key)
        if hit is None:
            try:
                generation = self.backend.generate(messages, self.settings.max_tokens, cancel)
            except TutorError as exc:
                log.warning("%s", exc)
                return self.rules(case, "rules_backend_down")
            if generation.finish_reason == "cancelled":
                return self.rules(case, "rules_pending")
            hit = (generation.text, generation.finish_reason)
            self.cache.put(key, *hit)
        return self.judge(case, *hit)

    def judge(self, case: Case, text: str, finish: str, fixed_line: str = "") -> Explanation:
        """Show the model's text only if every check passes."""
        hint_level = self.settings.hint_level
        tuned = self.backend is not None and self.backend.fine_tuned
        # whole sentences, without the pointer's and without fact names copied from the prompt
        trimmed = complete_sentences(without_fact_keys(without_pointer_sentences(text)),
                                     FINE_TUNED_SENTENCES if tuned else SHOWN_SENTENCES)
        shown, finish = (trimmed, "stop") if trimmed else (text, finish)
        why = why_after(shown, case.classification.why) if tuned else ""  # the guide's, after the model's meaning
        read = f"{shown} {why}".strip()  # what the student reads, checked as a whole
        result = check_explanation(read, case.diagnostic, case.program, finish_reason=finish,
                                   allowed_lines=case.allowed_lines,
                                   locale=case.locale, hint_level=hint_level,
                                   fixed_line=fixed_line,
                                   anchors=subject_words(case.classification) if case.locale == "en" else set(),
                                   facts=case.classification.facts())
        # code on a line of its own is joined into prose by the trimming: look at the raw text too
        reasons = result.reasons + tuple(leaks_fix(text, case.program, fixed_line, hint_level))
        reasons += tuple(contract_violations(read, case))  # what it must say and must not claim (contracts.py)
        # the model's own sentence against the guide's meaning it paraphrases (contracts.py)
        reasons += tuple(reason for reason in [vaguer_than_the_guide(shown, case), names_recased(shown, case),
                                               lines_unlike_the_guide(without_label(shown), case)] if reason)
        if not reasons:
            return model_explanation(case, without_label(shown, code_names(case)), hint_level, why)  # checked with its label
        log.info("model text rejected (%s): %r", "; ".join(reasons), text[:200])
        return rule_explanation(case, hint_level, "rules_rejected", student_safe_reasons(reasons))
