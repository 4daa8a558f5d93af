"""audit.md and audit.jsonl: explanations drawn at random from the checking halves, for a person to mark.

The metrics say whether an explanation points at the right line and names the right token; only a
person can say whether it is right. Each run draws, with a fixed seed, up to ``MODEL_TEXTS`` model
texts that were shown to the student (configurations that show the model's text, where the checks let
it through) and ``RULE_TEXTS`` texts of the ``rules`` configuration, from checking-half cases only, each
with its corpus, id, the compiler's message, the code line it points at and the text shown, and an
empty mark for the person: right or wrong, and why.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from error_tutor_finetune.eval_halves import record_half
from error_tutor_server.catalog import DEFAULT_MODEL

MODEL_TEXTS = 100
RULE_TEXTS = 50
AUDIT_SEED = 20261124
DEFAULT_CONFIG = f"grounded:{DEFAULT_MODEL}"  # what `eval --catalog-model <the default>` calls it


def _sorted(records: list[dict]) -> list[dict]:
    """A fixed order, so the draw does not depend on the order the cases were evaluated in."""
    return sorted(records, key=lambda r: (r["corpus"], r["id"], r["config"]))


def audit_pools(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """The checking half's shown model texts (only the default model's, when the run has it: the text
    students read) and its rule texts."""
    checking = [r for r in records if record_half(r) == "checking"]
    shown = [r for r in checking if r.get("model_shown") is True and r.get("source") == "model"]
    if any(r["config"] == DEFAULT_CONFIG for r in shown):
        shown = [r for r in shown if r["config"] == DEFAULT_CONFIG]
    rules = [r for r in checking if r["config"] == "rules"]
    return _sorted(shown), _sorted(rules)


def draw(pool: list[dict], count: int, seed: int) -> list[dict]:
    return random.Random(seed).sample(pool, min(count, len(pool)))


def audit_entry(kind: str, record: dict) -> dict:
    d = record["diagnostic"]
    return {"kind": kind, "corpus": record["corpus"], "id": record["id"], "language": record["language"],
            "config": record["config"], "half": record_half(record), "message": d["message"],
            "compiler_line": d["line"], "compiler_code": d["source_line"], "explained_line": record["line"],
            "explained_code": record.get("explained_source_line", ""), "text": record["explanation"],
            "mark": "", "why": ""}


def draw_audit(records: list[dict], model_count: int = MODEL_TEXTS, rule_count: int = RULE_TEXTS,
               seed: int = AUDIT_SEED) -> dict:
    """The drawn entries, what they were drawn from, and whether a configuration showed model texts."""
    shown, rules = audit_pools(records)
    entries = [audit_entry("model", r) for r in draw(shown, model_count, seed)]
    entries += [audit_entry("rules", r) for r in draw(rules, rule_count, seed + 1)]
    return {"entries": entries, "seed": seed, "model_pool": len(shown), "rule_pool": len(rules),
            "model_configuration": any(r.get("model_shown") is not None for r in records)}


def _code(text: str) -> str:
    return f"`{text.strip()}`" if text and text.strip() else "(no code on that line)"


def entry_lines(number: int, entry: dict) -> list[str]:
    lines = [f"### {number}. {entry['corpus']} `{entry['id']}` ({entry['language']}, {entry['config']})", "",
             f"- message (line {entry['compiler_line']}): `{entry['message']}`",
             f"- code at line {entry['compiler_line']}: {_code(entry['compiler_code'])}"]
    if entry["explained_line"] != entry["compiler_line"]:
        lines.append(f"- the text points at line {entry['explained_line']}: {_code(entry['explained_code'])}")
    lines += ["- text shown:", ""]
    lines += ["  > " + line if line.strip() else "  >" for line in entry["text"].splitlines()]
    return lines + ["", "- mark: right / wrong", "- why: ", ""]


def audit_markdown(audit: dict) -> str:
    entries = audit["entries"]
    model = [e for e in entries if e["kind"] == "model"]
    rules = [e for e in entries if e["kind"] == "rules"]
    lines = ["# Audit: explanations for a person to mark", "",
             f"Drawn at random (seed {audit['seed']}) from the checking halves only: {len(model)} of "
             f"{audit['model_pool']} shown model texts and {len(rules)} of {audit['rule_pool']} rule texts. For each, "
             "keep `right` or `wrong` on the mark line and say why (audit.jsonl holds the same entries).", ""]
    if not audit["model_configuration"]:
        lines += ["This run had no configuration that shows the model's text: the audit has rule texts only.", ""]
    lines += ["## Shown model texts", ""]
    lines += [line for i, e in enumerate(model, 1) for line in entry_lines(i, e)] or ["None.", ""]
    lines += ["## Rule texts", ""]
    lines += [line for i, e in enumerate(rules, len(model) + 1) for line in entry_lines(i, e)] or ["None.", ""]
    return "\n".join(lines)


def write_audit(folder: Path, records: list[dict]) -> dict:
    """Write audit.jsonl and audit.md; what summary.json says about the audit."""
    audit = draw_audit(records)
    with open(folder / "audit.jsonl", "w", encoding="utf-8") as handle:
        for entry in audit["entries"]:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    (folder / "audit.md").write_text(audit_markdown(audit), encoding="utf-8")
    return {"model_texts": sum(e["kind"] == "model" for e in audit["entries"]),
            "rule_texts": sum(e["kind"] == "rules" for e in audit["entries"]), "seed": audit["seed"],
            "model_configuration": audit["model_configuration"]}
