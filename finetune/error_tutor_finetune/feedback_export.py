"""``error-tutor data export-feedback``: students' ratings -> training data for the next model.

Export the ratings a lab collected (the server's opt-in ``feedback`` setting) to JSON Lines
that ``error-tutor train`` and TRL read:

    error-tutor data export-feedback --db ~/.cache/error-tutor/feedback.sqlite3 --out data/feedback

A smoke run (seconds):

    python -m error_tutor_finetune.feedback_export --db /tmp/feedback.sqlite3 --out /tmp/feedback-export

Outputs in ``--out`` (each written to a temporary file, flushed and renamed into place, so a
crash leaves the previous export or none, never half a file):

* ``sft.jsonl``: ``{"messages": [...prompt, assistant]}`` for every rating marked helpful. The
  prompt is rebuilt with ``build_messages``, exactly what the server sends the model; the answer
  is the model's raw text (re-checked with today's checker) or the knowledge base's meaning and
  cause when the student saw the rule-based explanation.
* ``preference.jsonl``: TRL's conversational preference rows ``{"prompt", "chosen", "rejected"}``:
  ``kind = "rules-over-model"``: a model text rated unhelpful is rejected, the rule text chosen;
  ``kind = "rules-over-rejected-model"``: the student found the rule text helpful and the checker
  had rejected the model's text for the same case;
  ``kind = "same-category"``: an explanation rated unhelpful is rejected in favour of a helpful
  one of the same language, category and locale (the prompt is the helpful case's, so that the
  chosen answer fits it).
* ``manifest.json``: counts, read back from the files after writing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.case import Case
from error_tutor_server.prompt import build_messages
from error_tutor_server.knowledge import classify
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor

log = logging.getLogger("error_tutor.feedback_export")

SFT_FILE, PREFERENCE_FILE, MANIFEST_FILE = "sft.jsonl", "preference.jsonl", "manifest.json"
KINDS = ("rules-over-model", "rules-over-rejected-model", "same-category")


@dataclass
class ExportConfig:
    """Settings of one export; a YAML file (``--config``) may set any of them."""

    db: str = ""  # the SQLite file the server wrote (feedbackPath)
    out: str = ""  # output folder (created)
    # Helpful explanations paired against each unhelpful one: more pairs give DPO more signal
    # per rating but repeat the same rejected text; 2 keeps a rating from dominating.
    pairs_per_rating: int = 2
    # Re-run today's checker over helpful model texts before using them as SFT targets: drops
    # texts an older, laxer checker let through (costs milliseconds a row).
    recheck: bool = True


def read_ratings(db_path: Path) -> list[dict]:
    """Every rating, oldest first, read without locking out the servers still writing."""
    if not db_path.is_file():
        raise TutorError(f"The feedback file '{db_path}' does not exist.",
                         "Pass the lab's feedbackPath (default ~/.cache/error-tutor/feedback.sqlite3) with --db.")
    try:
        db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            rows = [dict(row) for row in db.execute("SELECT * FROM ratings ORDER BY id")]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise TutorError(f"'{db_path}' is not a readable feedback file ({exc}).",
                         "Point --db at the SQLite file the server writes (feedbackPath).") from None
    return rows


def diagnostic_of(row: dict) -> CompilerDiagnostic:
    lines = (row.get("program") or "").splitlines()
    line = int(row.get("line") or 1)
    return CompilerDiagnostic(
        language=row["language"], line=line, column=int(row.get("column_number") or 1),
        end_line=int(row.get("end_line") or line), end_column=int(row.get("end_column") or 1),
        severity=row.get("severity") or "error", message=row["message"], code=row.get("diagnostic_code") or "",
        source_line=lines[line - 1] if 0 < line <= len(lines) else "")


def locale_of(row: dict) -> str:
    return row.get("locale") if row.get("locale") in ("en", "ja") else "en"


def prompt_of(row: dict) -> list[dict]:
    """The exact chat prompt the server would send the model for this case today."""
    return build_messages(Case.of(diagnostic_of(row), row["program"], locale_of(row)))


def rule_text(row: dict) -> str:
    """The knowledge base's meaning and cause, as plain sentences (what the model should say)."""
    classification = classify(diagnostic_of(row), locale_of(row))
    return f"{classification.meaning} {classification.why}".strip()


def passes_checks(row: dict, text: str, finish: str) -> bool:
    settings = TutorSettings(backend="none", locale=locale_of(row), hint_level=row.get("hint_level") or "hint")
    judged = Tutor(settings).judge(Case.of(diagnostic_of(row), row["program"], locale_of(row)), text, finish or "stop")
    return judged.source == "model"


def answer_of(row: dict, recheck: bool) -> str:
    """What a rated row says as a model answer ("" when it has none worth training on)."""
    if row.get("source") == "model":
        text = (row.get("model_text") or "").strip()
        if text and (not recheck or passes_checks(row, text, row.get("model_finish") or "stop")):
            return text
        return ""
    return rule_text(row)


def assistant(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def sft_rows(ratings: list[dict], config: ExportConfig) -> list[dict]:
    rows, seen = [], set()
    for row in tqdm(ratings, desc="helpful ratings", unit="rating", disable=len(ratings) < 200):
        if not row.get("helpful"):
            continue
        answer = answer_of(row, config.recheck)
        messages = prompt_of(row) + assistant(answer) if answer else None
        key = json.dumps(messages, sort_keys=True)
        if messages and key not in seen:
            seen.add(key)
            rows.append({"messages": messages})
    return rows


def _pair(prompt: list[dict], chosen: str, rejected: str, kind: str) -> dict | None:
    if not chosen or not rejected or chosen.strip() == rejected.strip():
        return None
    return {"prompt": prompt, "chosen": assistant(chosen), "rejected": assistant(rejected), "kind": kind}


def preference_rows(ratings: list[dict], config: ExportConfig) -> list[dict]:
    helpful = defaultdict(list)
    for row in ratings:
        if row.get("helpful"):
            helpful[(row["language"], row.get("category"), locale_of(row))].append(row)
    pairs = []
    for row in tqdm(ratings, desc="ratings", unit="rating", disable=len(ratings) < 200):
        if row.get("helpful"):
            if row.get("source") == "rules" and (row.get("model_text") or "").strip():
                pairs.append(_pair(prompt_of(row), rule_text(row), row["model_text"].strip(),
                                   "rules-over-rejected-model"))
            continue
        shown = (row.get("model_text") or "").strip() if row.get("source") == "model" else rule_text(row)
        if row.get("source") == "model":
            pairs.append(_pair(prompt_of(row), rule_text(row), shown, "rules-over-model"))
        peers = helpful[(row["language"], row.get("category"), locale_of(row))]
        peers = sorted(peers, key=lambda p: (p["message"] != row["message"], -p["id"]))
        for peer in peers[:config.pairs_per_rating]:
            pairs.append(_pair(prompt_of(peer), answer_of(peer, config.recheck), shown, "same-category"))
    unique, seen = [], set()
    for pair in filter(None, pairs):
        key = json.dumps(pair, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(pair)
    return unique


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, flush to disk, then rename over it (all or nothing)."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def count_back(path: Path) -> int:
    """Rows in a written file, each parsed (so a damaged file fails here, not in training)."""
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if json.loads(line))


def export_feedback(db_path: str | Path, out_dir: str | Path, config: ExportConfig | None = None) -> dict:
    """Write ``sft.jsonl``, ``preference.jsonl`` and ``manifest.json``; return the manifest."""
    config = config or ExportConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp-*"):
        stale.unlink(missing_ok=True)  # left by an export that was killed
    ratings = read_ratings(Path(db_path))
    sft, pairs = sft_rows(ratings, config), preference_rows(ratings, config)
    write_atomically(out / SFT_FILE, jsonl(sft))
    write_atomically(out / PREFERENCE_FILE, jsonl(pairs))
    manifest = {"db": str(db_path), "ratings": len(ratings), "helpful": sum(1 for r in ratings if r.get("helpful")),
                "sft": count_back(out / SFT_FILE), "preference": count_back(out / PREFERENCE_FILE),
                "kinds": {kind: sum(1 for p in pairs if p["kind"] == kind) for kind in KINDS},
                "config": dataclasses.asdict(config)}
    if (manifest["sft"], manifest["preference"]) != (len(sft), len(pairs)):
        raise TutorError(f"The export in '{out}' does not read back complete.", "Check the disk and run it again.")
    write_atomically(out / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    log.info("exported %d SFT rows and %d preference pairs from %d ratings", len(sft), len(pairs), len(ratings))
    return manifest


# -- command line -----------------------------------------------------------------------------------
def load_config(args: argparse.Namespace) -> ExportConfig:
    config = ExportConfig()
    if args.config:
        import yaml

        try:
            values = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TutorError(f"Cannot read the config '{args.config}' ({exc}).", "Fix the YAML file or drop --config.") from None
        known = {f.name for f in dataclasses.fields(ExportConfig)}
        unknown = set(values) - known
        if unknown:
            raise TutorError(f"Unknown keys in '{args.config}': {', '.join(sorted(unknown))}.",
                             f"Use only {', '.join(sorted(known))}.")
        config = dataclasses.replace(config, **values)
    overrides = {"db": args.db, "out": args.out, "pairs_per_rating": args.pairs_per_rating,
                 "recheck": False if args.no_recheck else None}
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if not config.db or not config.out:
        raise TutorError("Both the feedback file and the output folder are needed.", "Pass --db PATH --out DIR.")
    return config


def run_export(args: argparse.Namespace) -> int:
    config = load_config(args)
    manifest = export_feedback(config.db, config.out, config)
    print(f"{manifest['ratings']} ratings ({manifest['helpful']} helpful) -> {manifest['sft']} SFT rows, "
          f"{manifest['preference']} preference pairs in {config.out}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="the feedback SQLite file the server wrote (the feedbackPath setting)")
    parser.add_argument("--out", help="output folder for sft.jsonl, preference.jsonl and manifest.json")
    parser.add_argument("--config", help="a YAML file with any ExportConfig field (flags override it)")
    parser.add_argument("--pairs-per-rating", type=int, help="helpful explanations paired with each unhelpful one (default 2)")
    parser.add_argument("--no-recheck", action="store_true", help="keep helpful model texts without re-running the checker")
    parser.set_defaults(func=run_export)


def register_feedback(data_subparsers) -> None:
    """Add ``export-feedback`` to the ``error-tutor data`` command group."""
    parser = data_subparsers.add_parser("export-feedback", help="turn students' ratings into SFT and preference data",
                                        description=__doc__.split("\n\n")[0])
    add_arguments(parser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m error_tutor_finetune.feedback_export",
                                     description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    from error_tutor_server.cli import run_standalone

    return run_standalone(parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
