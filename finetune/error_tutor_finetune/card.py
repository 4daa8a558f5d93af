"""The built data set's files, its ``manifest.json`` and its ``dataset_card.md``.

Every file is written to a temporary name and renamed into place; then it is read back, its rows
counted and its sha256 taken, so the manifest describes what is on disk, not what was meant to be.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_server.paths import default_corpora
from error_tutor_server.catalog import file_sha256

ATTRIBUTION = {
    "c_tracer.jsonl": "TRACER (github umairzahmed/tracer, Apache-2.0): Ahmed, Kumar, Sethi, Karkare, Gupta, "
                      "\"Compilation error repair: for the student programs, from the student programs\", ICSE-SEET 2018; "
                      "Das et al., \"Prutor: A System for Tutoring CS1 and Collecting Student Programs for Analysis\", 2016.",
    "python_friendly_syntax.jsonl": "friendly-traceback (MIT) and its documentation (CC0), by André Roberge.",
    "java_upenn_messages.jsonl": "University of Pennsylvania, github SERI-CS/iticse24-error-measures (MIT).",
    "seeds": "Error Tutor's own seed programs (finetune/error_tutor_finetune/mutations.py), Apache-2.0.",
}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_jsonl(path: Path, rows: list[dict]) -> dict:
    """Write ``rows``; return the file's description, read back from disk."""
    write_atomically(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if count != len(rows):
        raise TutorError(f"{path} holds {count} rows instead of {len(rows)}.", "Check the free disk space and build again.")
    return {"file": path.name, "rows": count, "sha256": file_sha256(path), "bytes": path.stat().st_size}


def describe_split(rows: list[dict]) -> dict:
    metas = [r["meta"] for r in rows]
    return {"programs": len({m["program_id"] for m in metas}),
            "by_stage": dict(Counter(m["stage"] for m in metas)),
            "by_source": dict(Counter(m["source"] for m in metas)),
            "by_language": dict(Counter(m["language"] for m in metas)),
            "by_teacher": dict(Counter(m["teacher"] for m in metas)),
            "by_mutation": dict(Counter(m["mutation"] for m in metas if m["mutation"])),
            "program_ids": sorted({m["program_id"] for m in metas})}


def heldout(splits: dict[str, list[dict]]) -> dict:
    """Corpus row ids per split beyond train, for an evaluation that must not see trained programs."""
    result: dict[str, dict[str, list[str]]] = {}
    for name in ("validation", "test"):
        for row in splits[name]:
            corpus, _, row_id = row["meta"]["program_id"].partition(":")
            result.setdefault(name, {}).setdefault(corpus, []).append(row_id)
    return {name: {corpus: sorted(set(ids)) for corpus, ids in per.items()} for name, per in result.items()}


def write_outputs(out: Path, config, corpora: dict, splits: dict[str, list[dict]], preferences: list[dict],
                  rejected: list[dict], stats: dict) -> dict:
    """All files, then the manifest and the card; returns the manifest."""
    files = {name: {**write_jsonl(out / f"{name}.jsonl", rows), **describe_split(rows)} for name, rows in splits.items()}
    files["preferences"] = {**write_jsonl(out / "preferences.jsonl", preferences),
                            "by_rejected_origin": dict(Counter(p["meta"]["rejected_origin"] for p in preferences))}
    files["rejected"] = {**write_jsonl(out / "rejected.jsonl", rejected),
                         "by_reason": dict(Counter(r.split(" `")[0] for x in rejected for r in x["reasons"]))}
    write_atomically(out / "heldout.json", json.dumps(heldout(splits), indent=1) + "\n")
    files["heldout"] = {"file": "heldout.json", "sha256": file_sha256(out / "heldout.json")}
    inputs = {name: {"rows": len(rows), "language": language,
                     "sha256": file_sha256(Path(path)) if (path := _corpus_path(config, name)) else ""}
              for name, (language, rows) in corpora.items()}
    manifest = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": " ".join(sys.argv),
                "config": dataclasses.asdict(config), "inputs": inputs, "files": files, "stats": stats}
    write_atomically(out / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    write_atomically(out / "dataset_card.md", card(manifest))
    return manifest


def _corpus_path(config, name: str) -> str:
    return next((p for p in (config.corpora or default_corpora()) if Path(p).name == name), "")


def card(manifest: dict) -> str:
    """The human-readable description: what is in each file, where it came from, and its hash."""
    files, stats, config = manifest["files"], manifest["stats"], manifest["config"]
    lines = ["# Error Tutor training data", "",
             f"Built {manifest['created']} with `{manifest['command']}` (teacher `{config['teacher']}`, seed {config['seed']}).",
             "", "Prompts are exactly the server's `build_messages(...)`; answers passed the server's checker.",
             "Splits are by program: a program and all its mutations are in one split.", "",
             "| file | rows | programs | sha256 |", "|---|---:|---:|---|"]
    for name, info in files.items():
        if "rows" in info:
            lines.append(f"| `{info['file']}` | {info['rows']} | {info.get('programs', '')} | `{info['sha256']}` |")
    lines += ["", "## Composition of the train split", "", "```json",
              json.dumps({k: files["train"][k] for k in ("by_stage", "by_source", "by_language", "by_teacher",
                                                         "by_mutation")}, indent=1), "```", "",
              "## Filters", "",
              f"- targets refused by the checker: {stats['rejected']} (reasons: {files['rejected']['by_reason']})",
              f"- duplicates (same prompt and answer): {stats['duplicates']}",
              f"- corpus rows skipped: {stats['skipped_rows']}",
              f"- mutations tried/kept: {stats['mutations']}", "", "## Sources and licences", ""]
    used = list(manifest["inputs"]) + ["seeds"]
    lines += [f"- `{name}`: {ATTRIBUTION.get(name, 'see its own licence')}" for name in used]
    lines += ["", "Derived data must keep this attribution wherever it is shipped.", ""]
    return "\n".join(lines)
