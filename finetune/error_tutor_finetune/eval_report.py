"""The evaluation's outputs: the summary per language x configuration, the terminal table,
``report.md`` (tables, targets, examples, misses, skipped rows) and the PNG bar charts."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from error_tutor_finetune.eval_metrics import mean, median, percentile
from error_tutor_server.languages import LANGUAGES

log = logging.getLogger("error_tutor.eval")

LANGUAGE_NAMES = {name: language.display_name for name, language in LANGUAGES.items()}  # in report order
RATES = ("covered", "classified", "located", "specific", "leak", "agreement", "model_shown",
         "model_located", "model_specific", "model_leak")
COLUMNS = ("n", *RATES, "latency_median_ms", "latency_p95_ms")
HEADERS = {"latency_median_ms": "median ms", "latency_p95_ms": "p95 ms", "model_shown": "model shown",
           "model_located": "model located", "model_specific": "model specific", "model_leak": "model leak"}
# the open issues' targets, for the configurations a student sees (rules and every grounded one)
TARGETS = (("c", "covered", ">=", 0.98), ("c", "located", ">=", 0.95), ("c", "specific", ">=", 0.92),
           ("python", "covered", ">=", 0.98), ("python", "located", ">=", 0.97), ("java", "classified", ">=", 1.0),
           ("c", "leak", "<=", 0.0), ("python", "leak", "<=", 0.0), ("java", "leak", "<=", 0.0))
MODEL_SHOWN = 0.90  # a grounded configuration's model text is shown for this share of explained diagnostics
AGREEMENT_MARGIN = 0.05  # over the compiler's message alone (rules), and over the rules (a model)
DEFINITIONS = """\
- **covered**: an explanation was produced and, for `rules`/`grounded`, the knowledge base classified the
  message with a real rule (not the fallback). **classified**: the knowledge base's rule was not the fallback.
- **located**: the explanation's line is a line the mistake is on (TRACER's `error_line_numbers`, the line
  Python reports, javac's line).
- **specific**: it names the offending token (a token the student's fix changed; a name in backticks in the
  expert's explanation or the token at Python's column; the token at javac's caret); the token the hover shows
  counts. Cases with no known token are left out.
- **leak**: it gives the fix away (the student's corrected line, a code block, or code the student did not
  write, per `checks.leaks_fix`; quoting the compiler's message back is not a leak).
- **agreement**: cosine similarity (all-MiniLM-L6-v2) with friendly-traceback's expert explanation (Python), of
  the hover above its hint: the compiler's message, where (the student's line quoted), what it means and why.
  The Socratic hint, which the expert texts do not have, is left out; the other metrics read all of the text.
- **model shown**: for `grounded`, the share of cases where the model's text passed the checks and was shown.
- **model located / specific / leak**: the same for the model's own text before the checks (the line it names,
  the tokens it names, what it gives away), shown to the student or not: what fine-tuning changes.
- latency: time to produce the explanation, per case (compilation excluded)."""


def is_student_facing(config: str) -> bool:
    return config == "rules" or config.startswith("grounded")


def summarize(records: list[dict], configs: list[str]) -> list[dict]:
    """One row per language x configuration with each metric's mean (None when not applicable)."""
    rows = []
    for language in LANGUAGE_NAMES:
        for config in configs:
            group = [r for r in records if r["language"] == language and r["config"] == config]
            if not group:
                continue
            latencies = [r["latency_ms"] for r in group]
            row = {"language": language, "config": config, "n": len(group)}
            row.update({name: _rounded(mean([r.get(name) for r in group])) for name in RATES})
            row["latency_median_ms"] = _rounded(median(latencies), 1)
            row["latency_p95_ms"] = _rounded(percentile(latencies, 0.95), 1)
            judged = [r["judge"]["verdict"] for r in group if r.get("judge")]
            for criterion in (judged[0] if judged else {}):
                row[f"judge_{criterion}"] = _rounded(mean([v[criterion] for v in judged]))
            rows.append(row)
    return rows


def common_cases(records: list[dict]) -> list[dict]:
    """The records of the cases that every configuration explained (for a like-for-like comparison)."""
    configs = {r["config"] for r in records}
    seen: dict[tuple, set] = {}
    for r in records:
        seen.setdefault((r["corpus"], r["id"]), set()).add(r["config"])
    return [r for r in records if seen[(r["corpus"], r["id"])] == configs]


def _rounded(value, digits: int = 3):
    return None if value is None else round(value, digits)


def _cell(value, column: str) -> str:
    if value is None:
        return "-"
    if column == "n":
        return str(value)
    if column.startswith("latency"):
        return f"{value:.1f}"
    if column == "agreement":
        return f"{value:.3f}"
    return f"{100 * value:.1f}%"


def _columns(summary: list[dict]) -> list[str]:
    extra = sorted({k for row in summary for k in row if k.startswith("judge_")})
    return [c for c in (*COLUMNS, *extra) if any(row.get(c) is not None for row in summary)]


def format_table(summary: list[dict]) -> str:
    """The terminal table."""
    columns = _columns(summary)
    header = ["language", "config", *[HEADERS.get(c, c) for c in columns]]
    body = [[LANGUAGE_NAMES[r["language"]], r["config"], *[_cell(r.get(c), c) for c in columns]] for r in summary]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(summary: list[dict]) -> str:
    columns = _columns(summary)
    lines = ["| configuration | " + " | ".join(HEADERS.get(c, c) for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    lines += ["| " + r["config"] + " | " + " | ".join(_cell(r.get(c), c) for c in columns) + " |" for r in summary]
    return "\n".join(lines)


def agreement_gains(records: list[dict], baseline: str = "message") -> dict[tuple[str, str], float]:
    """Each configuration's agreement minus the ``baseline`` configuration's agreement on the same cases."""
    base = {(r["corpus"], r["id"]): r["agreement"] for r in records
            if r["config"] == baseline and r.get("agreement") is not None}
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in records:
        reference = base.get((r["corpus"], r["id"]))
        if r["config"] not in ("message", baseline) and r.get("agreement") is not None and reference is not None:
            pairs.setdefault((r["language"], r["config"]), []).append((r["agreement"], reference))
    return {key: round(mean([a for a, _ in values]) - mean([b for _, b in values]), 3) for key, values in pairs.items()}


def _target(row: dict, target: str, value: float, met: bool) -> dict:
    return {"language": row["language"], "config": row["config"], "target": target, "value": value, "met": met}


def check_targets(summary: list[dict], gains: dict[tuple[str, str], float] | None = None,
                  gains_over_rules: dict[tuple[str, str], float] | None = None) -> list[dict]:
    """Each target for each student-facing configuration: value, and whether it is met. A grounded configuration
    also has its model's share shown and its agreement over the rules' (``gains_over_rules``)."""
    results = []
    for row in (r for r in summary if is_student_facing(r["config"])):
        for language, metric, op, bound in TARGETS:
            value = row.get(metric)
            if row["language"] == language and value is not None:
                met = value >= bound if op == ">=" else value <= bound
                results.append(_target(row, f"{metric} {op} {bound:g}", value, met))
        if row["config"].startswith("grounded") and row.get("model_shown") is not None:
            results.append(_target(row, f"model shown >= {MODEL_SHOWN:g}", row["model_shown"], row["model_shown"] >= MODEL_SHOWN))
        key = (row["language"], row["config"])
        if (gain := (gains or {}).get(key)) is not None:
            results.append(_target(row, f"agreement - message's (same cases) >= {AGREEMENT_MARGIN:g}", gain,
                                   gain >= AGREEMENT_MARGIN))
        if (gain := (gains_over_rules or {}).get(key)) is not None:
            results.append(_target(row, f"agreement - rules' (same cases) >= {AGREEMENT_MARGIN:g}", gain,
                                   gain >= AGREEMENT_MARGIN))
    return results


def ceiling_lines(records: list[dict]) -> list[str]:
    """What a model that writes only the "What it means" sentence could reach at best: the rules' hover with the
    expert's own first sentence in that sentence's place (``agreement_ceiling``), beside the rules' agreement."""
    lines = []
    for language, name in LANGUAGE_NAMES.items():
        pairs = [(r["agreement"], r["agreement_ceiling"]) for r in records if r["language"] == language
                 and r["config"] == "rules" and r.get("agreement_ceiling") is not None and r.get("agreement") is not None]
        if pairs:
            rules, ceiling = mean([a for a, _ in pairs]), mean([c for _, c in pairs])
            lines += ["", f"**Agreement ceiling, {name}** ({len(pairs)} cases): the guide's hover scores {rules:.3f}; with the "
                      f"expert's own first sentence as its meaning it would score {ceiling:.3f} ({ceiling - rules:+.3f}). "
                      "A fine-tuned model writes that sentence only (the message, where and why stay the guide's), so "
                      f"this is the most it could gain over the rules; the target asks for {AGREEMENT_MARGIN:+g}."]
    return lines


def _quote(text: str, limit: int = 400) -> str:
    text = " ".join((text or "").split())
    return "> " + (text[:limit] + (" ..." if len(text) > limit else ""))


def example_lines(records: list[dict], per_kind: int = 3) -> list[str]:
    """A few model texts that were shown and a few that the checks rejected, per grounded configuration."""
    lines = []
    for config in dict.fromkeys(r["config"] for r in records if r["config"].startswith("grounded")):
        for language in LANGUAGE_NAMES:
            group = [r for r in records if r["config"] == config and r["language"] == language]
            for shown, title in ((True, "shown"), (False, "rejected")):
                picked = [r for r in group if r["model_shown"] is shown and r.get("model_text")][:per_kind]
                if picked:
                    lines.append(f"\n#### {config}, {LANGUAGE_NAMES[language]}: {title}\n")
                for r in picked:
                    lines.append(f"- `{r['id']}` line {r['diagnostic']['line']}: {r['diagnostic']['message']}")
                    lines.append(_quote(r["model_text"]))
                    if not shown:
                        lines.append(f"  _{r['note']}_")
    return lines


def rejection_reasons(record: dict) -> list[str]:
    """The checker's reasons (as the hover's footer gives them), with names and numbers generalised."""
    note = record.get("note") or ""
    if record.get("model_shown") is not False or ": " not in note:
        return []
    reasons = note.split(": ", 1)[1].rstrip(").").split("; ")
    return [re.sub(r"\d+", "N", re.sub(r"`[^`]*`", "`...`", r)).strip() for r in reasons if r.strip()]


def rejection_lines(records: list[dict], top: int = 10) -> list[str]:
    """How often each check rejected the model's text, per grounded configuration and language."""
    lines = []
    for config in dict.fromkeys(r["config"] for r in records if r["config"].startswith("grounded")):
        for language, name in LANGUAGE_NAMES.items():
            group = [r for r in records if r["config"] == config and r["language"] == language]
            counts = Counter(reason for r in group for reason in rejection_reasons(r))
            rejected = sum(1 for r in group if r["model_shown"] is False)
            if counts:
                lines += ["", f"{config}, {name}: {rejected} of {len(group)} texts rejected "
                          "(the footer names at most two reasons each)", "", "| reason | texts |", "|---|---:|"]
                lines += [f"| {reason} | {count} |" for reason, count in counts.most_common(top)]
    return lines


def miss_lines(records: list[dict], per_kind: int = 5) -> list[str]:
    """Cases behind the metrics that miss, for the knowledge base and the checker."""
    lines = []
    configs = [c for c in dict.fromkeys(r["config"] for r in records) if is_student_facing(c)][:2]
    kinds = (("not classified", lambda r: r["classified"] is False), ("not located", lambda r: r["located"] is False),
             ("leak", lambda r: r["leak"]), ("not specific", lambda r: r["specific"] is False))
    for config in configs:
        for language in LANGUAGE_NAMES:
            group = [r for r in records if r["config"] == config and r["language"] == language]
            for kind, test in kinds:
                missed = [r for r in group if test(r)]
                if not missed:
                    continue
                lines.append(f"\n#### {config}, {LANGUAGE_NAMES[language]}: {kind} ({len(missed)} of {len(group)})\n")
                for r in missed[:per_kind]:
                    d = r["diagnostic"]
                    lines.append(f"- `{r['id']}` {d['line']}:{d['column']} `{d['message'][:160]}` -> rule "
                                 f"`{r['rule_id'] or '-'}`, explained line {r['line']}, truth {r['truth_lines']}, "
                                 f"targets {r['targets'][:5]}" + (f", leak: {'; '.join(r['leak_reasons'])}" if r["leak"] else ""))
                    if kind in ("leak", "not specific"):
                        lines.append("  " + _quote(r["explanation"], 300))
    return lines


def skipped_lines(skipped: list[dict], listed: int = 30) -> list[str]:
    if not skipped:
        return ["No row was skipped."]
    reasons: dict[str, int] = {}
    for s in skipped:
        key = f"{s['corpus']}: {s['reason'].split(' (')[0]}"
        reasons[key] = reasons.get(key, 0) + 1
    lines = ["| corpus: reason | rows |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in sorted(reasons.items())]
    lines += ["", "| corpus | row | id | reason |", "|---|---:|---|---|"]
    lines += [f"| {s['corpus']} | {s['row']} | {s['id'] or '-'} | {s['reason']} |" for s in skipped[:listed]]
    if len(skipped) > listed:
        lines.append(f"\n... and {len(skipped) - listed} more (all are in summary.json).")
    return lines


def write_report(path: Path, meta: dict, summary: list[dict], targets: list[dict], records: list[dict],
                 skipped: list[dict], charts: list[Path], halves_lines: list[str] = ()) -> None:
    """report.md; ``halves_lines`` (the tuning and checking halves, see ``eval_halves``) follow the targets."""
    lines = ["# Error Tutor evaluation", "", f"Command: `{meta['command']}`", "",
             f"Equivalent full command: `{meta['full_command']}`", "",
             f"Model: {meta['model'] or 'none'}; threads {meta['threads']}; hint level {meta['hint_level']}; "
             f"{meta['started']} to {meta['finished']}.", ""]
    if meta.get("model_limit"):
        lines += [f"Model-based configurations ran on the first {meta['model_limit']} cases of each corpus; "
                  "the others on every case (see n).", ""]
    lines += ["| corpus | language | rows read | evaluated | skipped |", "|---|---|---:|---:|---:|"]
    lines += [f"| {c['corpus']} | {c['language']} | {c['rows']} | {c['evaluated']} | {c['skipped']} |" for c in meta["corpora"]]
    lines += ["", "## Results"]
    for language, name in LANGUAGE_NAMES.items():
        rows = [r for r in summary if r["language"] == language]
        if rows:
            lines += ["", f"### {name}", "", markdown_table(rows)]
    common = common_cases(records)
    if len(common) < len(records):
        same = summarize(common, list(dict.fromkeys(r["config"] for r in records)))
        lines += ["", "## Results on the cases every configuration explained", ""]
        lines += ["The model-based configurations ran on fewer cases; these tables compare all of them on the same cases."]
        for language, name in LANGUAGE_NAMES.items():
            rows = [r for r in same if r["language"] == language]
            if rows:
                lines += ["", f"### {name} (same cases)", "", markdown_table(rows)]
    lines += ["", "## Targets", "", "| language | configuration | target | value | met |", "|---|---|---|---:|---|"]
    lines += [f"| {t['language']} | {t['config']} | {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |"
              for t in targets]
    lines += ceiling_lines(records)
    lines += list(halves_lines)
    lines += ["", "## Why the checks rejected the model's texts", *(rejection_lines(records) or ["", "No text was rejected."])]
    lines += ["", "## Examples of the model's texts", *(example_lines(records) or ["No grounded configuration ran."])]
    lines += ["", "## Misses", *(miss_lines(records) or ["None."])]
    lines += ["", "## Skipped rows", "", *skipped_lines(skipped)]
    lines += ["", "## Charts", "", *[f"![{p.stem}]({p.name})" for p in charts]]
    lines += ["", "## Metrics", "", DEFINITIONS, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_charts(summary: list[dict], folder: Path) -> list[Path]:
    """One grouped bar chart per metric (languages on the x axis, a bar per configuration)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = list(dict.fromkeys(r["config"] for r in summary))
    languages = [lang for lang in LANGUAGE_NAMES if any(r["language"] == lang for r in summary)]
    paths = []
    for metric in (*RATES, "latency_median_ms"):
        if all(r.get(metric) is None for r in summary):
            continue
        figure, axes = plt.subplots(figsize=(8, 3.6))
        width = 0.8 / max(len(configs), 1)
        for i, config in enumerate(configs):
            values = [next((r.get(metric) or 0 for r in summary if r["language"] == lang and r["config"] == config), 0)
                      for lang in languages]
            axes.bar([x + i * width for x in range(len(languages))], values, width, label=config)
        axes.set_xticks([x + width * (len(configs) - 1) / 2 for x in range(len(languages))],
                        [LANGUAGE_NAMES[lang] for lang in languages])
        axes.set_title(HEADERS.get(metric, metric))
        if metric == "latency_median_ms":
            axes.set_yscale("symlog")
        else:
            axes.set_ylim(0, 1.02)
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        figure.tight_layout()
        path = folder / f"chart_{metric}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        paths.append(path)
    return paths
