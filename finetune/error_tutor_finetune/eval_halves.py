"""Every figure on the tuning half and on the checking half, side by side, and the gaps between them.

Each development case belongs to a half by a stable hash of its id (``eval_cases.half_of``); a
tuning-only corpus (``eval_cases.TUNING_ONLY_CORPORA``: c_tracer_more.jsonl) is all tuning. Rules,
the locator and prompts are tuned on the tuning half only, so the checking half tells whether a gain
carries over to programs nobody tuned them on. The targets are checked on the checking half, and a
metric whose halves differ by more than ``GAP_POINTS`` is a generalisation finding: to be fixed by a
more general rule, never by one shaped after the cases that miss.
"""

from __future__ import annotations

from error_tutor_finetune.eval_cases import HALVES, TUNING_ONLY_CORPORA, corpus_half
from error_tutor_finetune.eval_report import (LANGUAGE_NAMES, RATES, _cell, agreement_gains, check_targets,
                                              summarize)

# a gap of more than 3 points (percentage points for rates; 0.03 for the agreement's cosine) is a finding
GAP_POINTS = 3.0


def record_half(record: dict) -> str:
    """The record's half (computed again for records written before records carried one)."""
    return record.get("half") or corpus_half(record["corpus"], record["id"])


def summarize_halves(records: list[dict], configs: list[str]) -> dict:
    """summary.json's halves: each half's summary, the targets on the checking half, and the findings."""
    by_half = {half: [r for r in records if record_half(r) == half] for half in HALVES}
    summaries = {half: summarize(group, configs) for half, group in by_half.items()}
    checking = by_half["checking"]
    return {"halves": summaries,
            "targets_checking": check_targets(summaries["checking"], agreement_gains(checking),
                                              agreement_gains(checking, "rules")),
            "findings": generalisation_findings(summaries["tuning"], summaries["checking"]),
            "tuning_only_corpora": sorted({r["corpus"] for r in records if r["corpus"] in TUNING_ONLY_CORPORA})}


def gap_points(tuning: float, checking: float) -> float:
    """checking minus tuning, in points (a rate of 0.861 is 86.1 points)."""
    return round(100 * (checking - tuning), 1)


def generalisation_findings(tuning_rows: list[dict], checking_rows: list[dict]) -> list[dict]:
    """Every metric of a language x configuration whose halves differ by more than ``GAP_POINTS``."""
    tuning_by_key = {(r["language"], r["config"]): r for r in tuning_rows}
    findings = []
    for checking in checking_rows:
        tuning = tuning_by_key.get((checking["language"], checking["config"]))
        if tuning is None:
            continue
        for metric in RATES:
            if tuning.get(metric) is None or checking.get(metric) is None:
                continue
            gap = gap_points(tuning[metric], checking[metric])
            if abs(gap) > GAP_POINTS:
                findings.append({"language": checking["language"], "config": checking["config"], "metric": metric,
                                 "tuning": tuning[metric], "checking": checking[metric], "gap_points": gap,
                                 "n_tuning": tuning["n"], "n_checking": checking["n"]})
    return findings


def _both(tuning: dict | None, checking: dict | None, column: str) -> str:
    values = [_cell(row.get(column) if row else None, column) for row in (tuning, checking)]
    return " / ".join(values)


def side_by_side_table(tuning_rows: list[dict], checking_rows: list[dict]) -> list[str]:
    """One Markdown table for one language: each cell is "tuning / checking"."""
    keys = list(dict.fromkeys((r["language"], r["config"]) for r in (*tuning_rows, *checking_rows)))
    tuning_by_key = {(r["language"], r["config"]): r for r in tuning_rows}
    checking_by_key = {(r["language"], r["config"]): r for r in checking_rows}
    rows = [*tuning_rows, *checking_rows]
    columns = ["n", *[m for m in RATES if any(r.get(m) is not None for r in rows)]]
    lines = ["| configuration | " + " | ".join(f"{c} (tuning / checking)" for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for key in keys:
        tuning, checking = tuning_by_key.get(key), checking_by_key.get(key)
        lines.append(f"| {key[1]} | " + " | ".join(_both(tuning, checking, c) for c in columns) + " |")
    return lines


def finding_lines(findings: list[dict]) -> list[str]:
    if not findings:
        return [f"No metric differs by more than {GAP_POINTS:g} points between the halves."]
    lines = [f"Metrics whose halves differ by more than {GAP_POINTS:g} points. Fix them with a more general rule, "
             "never with one shaped after the cases that miss.", "",
             "| language | configuration | metric | tuning | checking | gap (points) | n (tuning / checking) |",
             "|---|---|---|---:|---:|---:|---:|"]
    lines += [f"| {LANGUAGE_NAMES.get(f['language'], f['language'])} | {f['config']} | {f['metric']} | "
              f"{_cell(f['tuning'], f['metric'])} | {_cell(f['checking'], f['metric'])} | {f['gap_points']:+.1f} | "
              f"{f['n_tuning']} / {f['n_checking']} |" for f in findings]
    return lines


def halves_report_lines(halves: dict) -> list[str]:
    """report.md's sections on the halves: the tables, the targets on the checking half, the findings."""
    tuning_only = ", ".join(f"{name} ({'in' if name in halves['tuning_only_corpora'] else 'not in'} this run)"
                            for name in sorted(TUNING_ONLY_CORPORA))
    lines = ["", "## Tuning and checking halves", "",
             "Each case is in the tuning or the checking half by the SHA-256 of its id (`eval_cases.half_of`). "
             "Tune rules, the locator and prompts on the tuning half only. Tuning-only corpora (all their cases "
             f"are tuning): {tuning_only}. Each cell is tuning / checking."]
    for language, name in LANGUAGE_NAMES.items():
        tuning = [r for r in halves["halves"]["tuning"] if r["language"] == language]
        checking = [r for r in halves["halves"]["checking"] if r["language"] == language]
        if tuning or checking:
            lines += ["", f"### {name}: tuning / checking", "", *side_by_side_table(tuning, checking)]
    lines += ["", "## Targets on the checking half", "",
              "| language | configuration | target | value | met |", "|---|---|---|---:|---|"]
    lines += [f"| {t['language']} | {t['config']} | {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |"
              for t in halves["targets_checking"]]
    lines += ["", "## Generalisation findings", "", *finding_lines(halves["findings"])]
    return lines
