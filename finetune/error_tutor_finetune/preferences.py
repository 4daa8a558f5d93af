"""Preference pairs for DPO: for one case, which of several answers is better.

Candidates per case: the teacher's target, the base GGUF model's own answers sampled at a
temperature (the mistakes the model really makes), and variants of the rule text (shorter ones
that still pass; and typical failures: the wrong line, the fix given away, cut off, vague). Each is
scored by the server's checks plus two properties the evaluation measures: *located* (it names a
line the mistake is on) and *specific* (it names the student's token). The best candidate that
passes the checks is ``chosen``; a worse one is ``rejected`` (a failing model sample first, then a
made-up failure). Rows are TRL's conversational preference format: ``prompt`` (system + user,
exactly ``build_messages``), ``chosen`` and ``rejected`` (one assistant message each).
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass

from error_tutor_finetune.eval_metrics import mentions
from error_tutor_finetune.teachers import check_target, rule_variants, sample_texts
from error_tutor_server.case import Case
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.knowledge import classify

log = logging.getLogger("error_tutor.preferences")

VAGUE = "There is an error in your program. Read the compiler's message carefully and check your code."
_LINE = re.compile(r"\bline\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    text: str
    origin: str  # "teacher" | "base-sample" | "rule-variant" | "wrong-line" | "leak" | "truncated" | "vague"
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    ok: bool
    located: bool
    specific: bool
    reasons: tuple[str, ...]

    @property
    def score(self) -> float:
        return 3.0 * self.ok + self.located + self.specific - 0.5 * len(self.reasons)


def located(text: str, allowed: list[int]) -> bool:
    """The text names a line the mistake is on."""
    return any(int(m.group(1)) in allowed for m in _LINE.finditer(text))


def case_of(meta: dict) -> Case:
    diagnostic = CompilerDiagnostic(**{**meta["diagnostic"], "notes": tuple(meta["diagnostic"]["notes"])})
    return Case.of(diagnostic, meta["program"])


def score(candidate: Candidate, meta: dict, case: Case) -> Scored:
    result = check_target(candidate.text, case, meta["fixed_line"], candidate.finish_reason)
    return Scored(candidate, result.ok, located(candidate.text, meta["allowed_lines"]),
                  bool(meta["token"]) and mentions(candidate.text, meta["token"]), result.reasons)


def made_up_failures(meta: dict, teacher_text: str, rng: random.Random) -> list[Candidate]:
    """Answers with the faults the checker exists for: a wrong line, the fix given away, cut off, vague."""
    line = int(meta["line"])
    lines = meta["program"].count("\n") + 1
    wrong = next((n for n in (line + 3, line - 3, line + 5, line + 1) if 0 < n <= lines + 5
                  and n not in meta["allowed_lines"]), line + 7)
    failures = [Candidate(re.sub(rf"\bline {line}\b", f"line {wrong}", teacher_text, count=1), "wrong-line"),
                Candidate(VAGUE, "vague")]
    words = teacher_text.split()
    if len(words) > 8:
        failures.append(Candidate(" ".join(words[: max(5, int(len(words) * rng.uniform(0.4, 0.7)))]), "truncated",
                                  "length"))
    if meta["fixed_line"] and len(meta["fixed_line"]) > 3:
        failures.append(Candidate(f"{teacher_text} Write `{meta['fixed_line']}` instead.", "leak"))
    return [f for f in failures if f.text != teacher_text]


def candidates_for(row: dict, model, config, seed: int) -> list[Candidate]:
    meta = row["meta"]
    teacher_text = row["messages"][-1]["content"]
    diagnostic = CompilerDiagnostic(**{**meta["diagnostic"], "notes": tuple(meta["diagnostic"]["notes"])})
    found = [Candidate(teacher_text, "teacher")]
    found += [Candidate(f"{e} {r}".strip(), "rule-variant") for e, r in rule_variants(classify(diagnostic, "en"), meta["line"])]
    if model is not None and config.samples_per_case > 0:
        samples = sample_texts(model, row["messages"][:-1], config.samples_per_case, config.sample_temperature,
                               config.sample_max_tokens, seed)
        found += [Candidate(text, "base-sample", finish) for text, finish in samples if text]
    found += made_up_failures(meta, teacher_text, random.Random(seed))
    unique: dict[str, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.text.strip(), candidate)
    return list(unique.values())


def pairs_for(row: dict, scored: list[Scored], rng: random.Random) -> list[dict]:
    """Up to two pairs: the best passing answer against a failing model sample and a made-up failure."""
    passing = [s for s in scored if s.ok]
    if not passing:
        return []
    best = max(passing, key=lambda s: (s.score, s.candidate.origin == "teacher"))
    worse = [s for s in scored if s.score < best.score and not s.ok]
    samples = sorted((s for s in worse if s.candidate.origin == "base-sample"), key=lambda s: s.score)
    made_up = [s for s in worse if s.candidate.origin not in ("base-sample", "rule-variant", "teacher")]
    picks = samples[:1] + ([rng.choice(made_up)] if made_up else [])
    prompt = row["messages"][:-1]
    return [{"prompt": prompt, "chosen": [{"role": "assistant", "content": best.candidate.text}],
             "rejected": [{"role": "assistant", "content": s.candidate.text}],
             "meta": {"id": row["meta"]["id"], "group": row["meta"]["group"], "chosen_origin": best.candidate.origin,
                      "rejected_origin": s.candidate.origin, "chosen_score": best.score, "rejected_score": s.score,
                      "rejected_reasons": list(s.reasons)}} for s in picks]


def open_base_model(config):
    """The default GGUF (the model being fine-tuned) for sampling, or None when no samples are asked for."""
    if config.samples_per_case <= 0:
        return None
    from error_tutor_server.model import LocalModel

    return LocalModel(threads=config.threads).load()


def build_preferences(train_rows: list[dict], config, progress) -> list[dict]:
    """Preference pairs for up to ``config.preference_cases`` training cases (never validation/test)."""
    rng = random.Random(config.seed)
    cases = rng.sample(train_rows, min(config.preference_cases, len(train_rows)))
    model = open_base_model(config)
    pairs = []
    for index, row in enumerate(progress(cases, desc="preference pairs", unit="case")):
        case = case_of(row["meta"])
        scored = [score(c, row["meta"], case) for c in candidates_for(row, model, config, config.seed + index)]
        pairs += pairs_for(row, scored, rng)
    log.info("%d preference pairs from %d cases", len(pairs), len(cases))
    return pairs
