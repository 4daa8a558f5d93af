"""Optional rubric judging of explanations by one or more LLMs (``error-tutor eval --judge``).

A judge is an OpenAI-compatible endpoint (``http://host:8000/v1``) or a local GGUF file run by
llama.cpp. Each judge answers one yes/no question per criterion; several judges are combined with
``unanimous`` (every judge answered yes) or ``majority`` (more than half answered yes).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server.errors import TutorError

log = logging.getLogger("error_tutor.eval")

CRITERIA = ("correctness", "selectivity", "clarity", "no_overhelp")
RULES = ("unanimous", "majority")
# one yes/no question per criterion ("yes" is good): small judges answer these reliably
QUESTIONS = {
    "correctness": "Is the explanation true for this error and this code?",
    "selectivity": "Is it about this error only, pointing at the right line or token, without unrelated advice?",
    "clarity": "Can a beginner follow it (plain words, short)?",
    "no_overhelp": "Does it avoid giving the corrected code or the full solution?",
}
JUDGE_SYSTEM = "You grade explanations of compiler errors written for beginners. Answer with one word: yes or no."
_ANSWER = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def judge_messages(language: str, message: str, line: int, code_line: str, explanation: str,
                   criterion: str = "correctness") -> list[dict]:
    user = (f"Language: {language}\nCompiler message (line {line}): {message}\n"
            f"Offending line: {code_line.strip()[:200]}\n\nExplanation:\n{explanation.strip()}\n\n"
            f"Question: {QUESTIONS[criterion]}\nAnswer yes or no.")
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


def parse_answer(text: str) -> bool | None:
    """A judge's yes (True) or no (False); None when it said neither."""
    match = _ANSWER.search(text)
    return None if match is None else match.group(1).lower() == "yes"


def _all_yes(verdict: dict[str, bool | None]) -> bool | None:
    if all(verdict.get(c) is None for c in CRITERIA):
        return None
    return all(verdict.get(c) for c in CRITERIA)


def combine(verdicts: list[dict[str, bool | None]], rule: str) -> dict[str, bool | None]:
    """One verdict from several judges; a judge that did not answer counts as a no."""
    combined: dict[str, bool | None] = {}
    for criterion in (*CRITERIA, "all"):
        answers = [v.get(criterion) if criterion != "all" else _all_yes(v) for v in verdicts]
        if not verdicts or all(a is None for a in answers):
            combined[criterion] = None
            continue
        yes = sum(1 for a in answers if a)
        combined[criterion] = yes == len(verdicts) if rule == "unanimous" else yes > len(verdicts) / 2
    return combined


@dataclass
class Judge:
    """One judge: a name and a backend with ``generate(messages, max_tokens)``."""

    name: str
    backend: object

    def grade(self, case: dict) -> dict[str, bool | None]:
        """Each criterion's answer for ``case`` (judge_messages' arguments, without the criterion)."""
        verdict: dict[str, bool | None] = {}
        for criterion in CRITERIA:
            try:
                verdict[criterion] = parse_answer(self.backend.generate(judge_messages(**case, criterion=criterion), 8).text)
            except TutorError as exc:
                log.warning("judge %s failed: %s", self.name, exc)
                verdict[criterion] = None
        return verdict


def open_judge(spec: str, threads: int = 0) -> Judge:
    """A ready judge for an http(s) URL or a GGUF file; a clear TutorError when it cannot be used."""
    if spec.startswith(("http://", "https://")):
        from error_tutor_server.remote import RemoteModel

        backend = RemoteModel(spec, timeout_s=60.0)
        try:
            backend.load()
        except TutorError as exc:
            raise TutorError(f"The judge endpoint {spec} does not answer ({exc.problem}).",
                             "Start the server, fix the URL passed to --judge, or leave --judge out.") from None
        return Judge(spec, backend)
    from error_tutor_server.model import LocalModel

    path = Path(spec).expanduser()
    if not path.is_file():
        raise TutorError(f"The judge '{spec}' is neither an http(s) URL nor an existing GGUF file.",
                         "Pass --judge http://host:port/v1 or --judge path/to/model.gguf.")
    return Judge(path.name, LocalModel(str(path), threads=threads).load())


def grade_all(judges: list[Judge], rule: str, case: dict) -> dict:
    """Each judge's verdict and the combined one."""
    verdicts = [judge.grade(case) for judge in judges]
    return {"judges": {j.name: v for j, v in zip(judges, verdicts)}, "verdict": combine(verdicts, rule)}
