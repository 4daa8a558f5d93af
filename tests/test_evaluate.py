"""``error-tutor eval``: the metrics on hand-made cases, malformed corpus rows, the judge, and a real
run over a slice of each development corpus with the default GGUF model through llama.cpp."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import corpus_path
from error_tutor_finetune import evaluate
from error_tutor_finetune.eval_cases import build_case, changed_tokens, clean_friendly, java_diagnostic
from error_tutor_finetune.eval_judge import combine, parse_answer
from error_tutor_finetune.eval_metrics import leak_reasons, located, mentions, named_line, percentile, specific
from error_tutor_server.cli import main
from error_tutor_server.errors import TutorError
from error_tutor_server.paths import DEV_CORPORA
from error_tutor_server.catalog import smollm2_path
from error_tutor_server.settings import TutorSettings

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SETTINGS = TutorSettings(locale="en", backend="none")
RATE_METRICS = ("covered", "classified", "located", "specific", "leak", "model_shown", "model_located",
                "model_specific", "model_leak")

MISSING_SEMICOLON = {"id": "hand_1", "source": "int main(void)\n{\n    int x = 1\n    return x;\n}\n",
                     "error_line_numbers": "3", "source_error_line": "int x = 1", "student_fixed_line": "int x = 1 ;"}


def java_row(**changes) -> dict:
    row = {"id": "java_1", "file": "Hw.java", "line": "12", "message": "cannot find symbol",
           "message_with_context": "cannot find symbol\n        total = sum(values);\n                ^\n  symbol\n/"}
    row.update(changes)
    return row


def write_corpus(path: Path, rows: list) -> Path:
    """A JSON Lines file; a bytes item is written as it is (for broken rows)."""
    with open(path, "wb") as handle:
        for row in rows:
            handle.write(row if isinstance(row, bytes) else json.dumps(row).encode("utf-8"))
            handle.write(b"\n")
    return path


def records_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines()]


# -- metric functions on hand-made cases ---------------------------------------------------------

def test_changed_tokens_are_what_the_fix_touched():
    assert "*" in changed_tokens("int A ;", "int * A ;")
    assert ";" in changed_tokens('printf ( "%d" , x )', 'printf ( "%d" , x ) ;')
    assert changed_tokens('scanf ( "%d" , x ) ;', 'scanf ( "%d" , & x ) ;')[0] == "&"
    assert changed_tokens("int x = 1 ;", "int x = 1 ;") == ()


def test_mentions_names_symbols_by_quote_or_name_and_names_as_words():
    assert mentions("A statement needs a semicolon at its end.", ";")
    assert mentions("gcc expected ‘;’ before ‘return’", ";")
    assert not mentions("A statement needs a semicolon at its end.", ":")
    assert mentions("The variable `count` is not declared.", "count")
    assert not mentions("The counter is not declared.", "count")


def test_specific_needs_a_known_token_and_accepts_the_shown_one():
    assert specific("Look at the braces.", []) is None
    assert specific("Something is wrong here.", ["total"], shown_token="total") is True
    assert specific("Something is wrong here.", ["total"]) is False
    assert specific("`total` was never declared.", ["total", "sum"]) is True


def test_located_and_specific_on_a_real_gcc_case():
    """gcc reports a missing ';' on the next line; the rules point at the line the student fixed."""
    case = build_case(MISSING_SEMICOLON, "c", "hand.jsonl", SETTINGS)
    assert case.diagnostic.line == 4 and case.truth_lines == {3} and ";" in case.targets
    rules = evaluate.RulesOnly(SETTINGS).explain(case)
    message = evaluate.MessageOnly().explain(case)
    assert located(rules.line, case.truth_lines) and not located(message.line, case.truth_lines)
    assert specific(rules.text, case.targets, rules.token) and specific(message.text, case.targets)
    assert not leak_reasons(rules.text, case.program, case.diagnostic.message, case.fixed_line)


def test_the_models_own_text_is_scored_before_the_checks():
    """What fine-tuning changes: the line the model names, the token it names, what it gives away."""
    case = build_case(MISSING_SEMICOLON, "c", "hand.jsonl", SETTINGS)
    good = evaluate.model_text_scores(case, "On line 3 the statement has no `;` at its end.", "hint")
    assert good == {"model_leak": False, "model_located": True, "model_specific": True}
    bad = evaluate.model_text_scores(case, "Line 4 is wrong. Write:\n```\nint x = 1;\n```", "hint")
    assert bad == {"model_leak": True, "model_located": False, "model_specific": False}
    assert evaluate.model_text_scores(case, None, "hint")["model_located"] is None  # no model ran
    assert named_line("The mistake is on lines 3 and 4.") == 3 and named_line("3 行目") == 3
    assert named_line("No number here.") is None


def test_the_agreement_ceiling_puts_the_experts_first_sentence_in_place_of_the_meaning():
    """A fine-tuned model writes the "What it means" sentence only: the ceiling keeps the rest of the guide's hover."""
    from error_tutor_finetune.eval_metrics import expert_in_place
    from error_tutor_finetune.eval_report import ceiling_lines

    hover = "SyntaxError: bad\n\n**Where:** line 1\n\n**What it means:** The guide's sentence.\n\n**Why:** Because."
    replaced = expert_in_place(hover, "You wrote `def` as a name. Python keeps it for functions.")
    assert replaced == hover.replace("The guide's sentence.", "You wrote `def` as a name.")
    assert expert_in_place("no such section", "Anything.") == ""
    records = [{"language": "python", "config": "rules", "agreement": 0.70, "agreement_ceiling": 0.74},
               {"language": "python", "config": "rules", "agreement": 0.60, "agreement_ceiling": 0.62}]
    [blank, line] = ceiling_lines(records)
    assert "(2 cases)" in line and "scores 0.650" in line and "score 0.680 (+0.030)" in line and "+0.05" in line


def test_agreement_gain_compares_the_same_cases():
    from error_tutor_finetune.eval_report import agreement_gains, check_targets

    def record(config, case_id, agreement):
        return {"corpus": "py.jsonl", "id": case_id, "language": "python", "config": config, "agreement": agreement}

    records = [record("message", "a", 0.5), record("message", "b", 0.9), record("grounded", "a", 0.7)]
    assert agreement_gains(records) == {("python", "grounded"): 0.2}  # not 0.7 - mean(0.5, 0.9)
    [target] = check_targets([{"language": "python", "config": "grounded", "agreement": 0.7}], agreement_gains(records))
    assert target["met"] and target["value"] == 0.2


def test_a_model_is_held_to_being_shown_and_to_agreeing_more_than_the_rules():
    """Issue targets: the model's text is shown for >= 90% of explained diagnostics, and its agreement with the expert
    beats the rules' by 0.05 on the same cases (beating the message alone is not enough)."""
    from error_tutor_finetune.eval_report import agreement_gains, check_targets

    def record(config, case_id, agreement):
        return {"corpus": "py.jsonl", "id": case_id, "language": "python", "config": config, "agreement": agreement}

    records = [record("message", "a", 0.5), record("rules", "a", 0.7), record("grounded", "a", 0.72)]
    row = {"language": "python", "config": "grounded", "agreement": 0.72, "model_shown": 0.88}
    found = {t["target"]: t for t in check_targets([row], agreement_gains(records), agreement_gains(records, "rules"))}
    assert found["agreement - message's (same cases) >= 0.05"]["met"]
    assert not found["agreement - rules' (same cases) >= 0.05"]["met"] and found["agreement - rules' (same cases) >= 0.05"]["value"] == 0.02
    assert not found["model shown >= 0.9"]["met"]
    rules_row = {"language": "python", "config": "rules", "agreement": 0.7}
    assert not any("rules'" in t["target"] or "model" in t["target"] for t in check_targets([rules_row], {}, agreement_gains(records, "rules")))


def test_heldout_corpora_keep_only_the_split_rows(tmp_path):
    from error_tutor_finetune.eval_heldout import heldout_corpora

    corpus_path("java_upenn_messages.jsonl")
    first = json.loads((CORPORA / "java_upenn_messages.jsonl").read_text(encoding="utf-8").splitlines()[0])
    heldout = tmp_path / "heldout.json"
    heldout.write_text(json.dumps({"test": {"java_upenn_messages.jsonl": [first["id"]]}}), encoding="utf-8")
    [written] = heldout_corpora(heldout, tmp_path / "corpora")
    assert [json.loads(line)["id"] for line in Path(written).read_text().splitlines()] == [first["id"]]
    with pytest.raises(TutorError, match="validation"):
        heldout_corpora(heldout, tmp_path / "corpora", "validation")


def test_leak_finds_the_fixed_line_code_blocks_and_new_code():
    program = "int main(void)\n{\n    int A;\n    A = 5;\n}\n"
    assert "contains the fixed line" in leak_reasons("Declare it as int *A; instead.", program, fixed_line="int * A ;")
    assert "contains a code block" in leak_reasons("Like this:\n```\nint *A;\n```", program)
    assert any(r.startswith("introduces code") for r in leak_reasons("Try `A = malloc(n);` here.", program))
    assert leak_reasons("`A` is a plain number, so it cannot be indexed.", program, fixed_line="int * A ;") == []
    # the compiler's own message quoted back gives nothing away
    quoted = "The compiler said:\nexpected ';' before 'return'\nLook at the end of the line above."
    assert leak_reasons(quoted, program, "expected ';' before 'return'") == []
    assert leak_reasons(quoted, program) != []


def test_java_diagnostic_is_rebuilt_from_the_message_context():
    d = java_diagnostic(java_row())
    assert (d.line, d.column, d.source_line.strip(), d.notes) == (12, 17, "total = sum(values);", ("symbol",))
    case = build_case(java_row(), "java", "java.jsonl", SETTINGS)
    assert case.program.splitlines()[11].strip() == "total = sum(values);" and "sum" in case.targets


def test_friendly_output_loses_excerpt_and_boilerplate():
    text = ("A `SyntaxError` occurs when Python cannot understand your code.\n\nPython could not understand the "
            "code in the file\n'TESTS:\\x.py'\nat the location indicated.\n\n   4|     var:int = 1\n          ^^^\n\n"
            "The object named `var` is defined with type annotation.")
    assert clean_friendly(text) == "The object named `var` is defined with type annotation."


def test_percentile_is_nearest_rank():
    assert percentile(list(range(1, 101)), 0.95) == 95 and percentile([3.0], 0.95) == 3.0


def test_judge_answers_combine_by_rule():
    assert (parse_answer("Yes."), parse_answer("No, the explanation is wrong"), parse_answer("Maybe")) == (True, False, None)
    a = {"correctness": True, "selectivity": False, "clarity": True, "no_overhelp": True}
    b = {"correctness": True, "selectivity": True, "clarity": False, "no_overhelp": True}
    silent = dict.fromkeys(a)
    assert combine([a, b, b], "majority")["selectivity"] is True
    assert combine([a, b, b], "unanimous")["selectivity"] is False
    assert combine([a, b, b], "majority")["all"] is False and combine([a, a], "unanimous")["all"] is False
    assert combine([silent], "majority") == dict.fromkeys(("correctness", "selectivity", "clarity", "no_overhelp", "all"))


# -- the command -------------------------------------------------------------------------------

def test_every_flag_has_help():
    result = subprocess.run([sys.executable, "-m", "error_tutor_server", "eval", "--help"],
                            capture_output=True, text=True, timeout=120, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    for flag in ("--corpus", "--language", "--limit", "--configs", "--adapter", "--model", "--out", "--judge",
                 "--judge-rule", "--threads", "--config", "--half"):
        assert flag in result.stdout


def test_malformed_rows_are_reported_as_skipped(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "java_bad.jsonl", [
        java_row(), {k: v for k, v in java_row(id="no_message").items() if k != "message"},
        b'{"id": "bad_bytes", "line": "3", "message": "\xff\xfe broken", "message_with_context": "x"}',
        b"{not json", java_row(id="empty", message="")])
    out = tmp_path / "out"
    assert main(["eval", "--corpus", str(corpus), "--configs", "message,rules", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    reasons = {s["row"]: s["reason"] for s in summary["skipped"]}
    assert reasons[2] == "missing field(s) message" and reasons[3].startswith("invalid UTF-8")
    assert reasons[4].startswith("not valid JSON") and reasons[5] == "empty field message"
    corpus_info = summary["meta"]["corpora"][0]
    assert (corpus_info["rows"], corpus_info["evaluated"], corpus_info["skipped"]) == (5, 1, 4)
    assert [r["config"] for r in records_of(out)] == ["message", "rules"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "invalid UTF-8" in report and "missing field(s) message" in report
    assert "4 rows skipped" in capsys.readouterr().out
    (out / "report.md").unlink()
    assert main(["eval", "--rerender", str(out)]) == 0  # the report is rebuilt from cases.jsonl alone
    again = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert again["summary"] == summary["summary"] and again["skipped"] == summary["skipped"]
    assert "invalid UTF-8" in (out / "report.md").read_text(encoding="utf-8")


def test_yaml_settings_and_flags(tmp_path):
    corpus = write_corpus(tmp_path / "java.jsonl", [java_row(), java_row(id="java_2", line="7")])
    settings = tmp_path / "eval.yaml"
    settings.write_text(f"corpora: ['{corpus}']\nconfigs: [message]\nlimit: 1\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["eval", "--config", str(settings), "--configs", "rules", "--out", str(out)]) == 0
    assert [(r["id"], r["config"]) for r in records_of(out)] == [("java_1", "rules")]
    settings.write_text("limt: 3\n", encoding="utf-8")
    assert main(["eval", "--config", str(settings), "--out", str(out)]) == 2


def test_an_interrupted_run_resumes_from_its_journal(tmp_path):
    corpus = write_corpus(tmp_path / "java.jsonl", [java_row(), java_row(id="java_2", line="7")])
    out = tmp_path / "out"
    assert main(["eval", "--corpus", str(corpus), "--configs", "message,rules", "--out", str(out)]) == 0
    assert not (out / "cases.partial.jsonl").exists()  # removed once cases.jsonl is complete
    first = records_of(out)
    journal = [dict(r, explanation="written before the interruption") if r["id"] == "java_1" else r for r in first]
    (out / "cases.partial.jsonl").write_text("".join(json.dumps(r) + "\n" for r in journal[:3]) + '{"id": "jav',
                                             encoding="utf-8")
    assert main(["eval", "--corpus", str(corpus), "--configs", "message,rules", "--out", str(out), "--resume"]) == 0
    again = records_of(out)
    assert [(r["id"], r["config"]) for r in again] == [(r["id"], r["config"]) for r in first]
    assert [r["explanation"] for r in again[:2]] == ["written before the interruption"] * 2  # reused, not redone
    assert {**again[3], "latency_ms": 0} == {**first[3], "latency_ms": 0}  # the one it lacked was explained again


def test_unreachable_judge_is_a_clear_error(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "java.jsonl", [java_row()])
    code = main(["eval", "--corpus", str(corpus), "--configs", "rules", "--judge", "http://127.0.0.1:9/v1",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "judge endpoint http://127.0.0.1:9/v1 does not answer" in err and "--judge" in err
    assert not (tmp_path / "out" / "cases.jsonl").exists()  # it failed before evaluating anything


def test_local_gguf_judges_grade_every_explanation(tmp_path):
    corpus = write_corpus(tmp_path / "java.jsonl", [java_row(), java_row(id="java_2", message="';' expected")])
    out = tmp_path / "out"
    model = str(smollm2_path())
    assert main(["eval", "--corpus", str(corpus), "--configs", "rules", "--judge", model, "--judge", model,
                 "--judge-rule", "unanimous", "--threads", "1", "--out", str(out)]) == 0
    records = records_of(out)
    assert len(records) == 2 and all(set(r["judge"]["verdict"]) >= {"correctness", "no_overhelp", "all"} for r in records)
    for record in records:  # two copies of one greedy model agree, so the unanimous verdict is theirs
        first, second = record["judge"]["judges"].values()
        assert len(record["judge"]["judges"]) == 2 and first == second
        assert all(record["judge"]["verdict"][c] == first[c] for c in first)
        assert sum(v is not None for v in first.values()) >= 3  # the small model does answer yes or no
    row = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"][0]
    judged = [row[k] for k in row if k.startswith("judge_") and row[k] is not None]
    assert all(0.0 <= v <= 1.0 for v in judged)


# -- a real run: three corpora, four configurations, the default model -------------------------

@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    for name in DEV_CORPORA:
        corpus_path(name)
    out = tmp_path_factory.mktemp("eval") / "run"
    loads = []
    original = evaluate.load_model

    def counting(*args, **kwargs):
        loads.append(args)
        return original(*args, **kwargs)

    evaluate.load_model = counting
    try:
        assert main(["eval", "--limit", "5", "--threads", "1", "--out", str(out)]) == 0
    finally:
        evaluate.load_model = original
    return out, json.loads((out / "summary.json").read_text(encoding="utf-8")), loads


@pytest.mark.slow
def test_real_run_writes_every_output(real_run):
    out, summary, loads = real_run
    assert len(loads) == 1  # one model shared by raw-model and grounded
    assert {(r["language"], r["config"]) for r in summary["summary"]} == {
        (lang, config) for lang in ("c", "python", "java") for config in evaluate.CONFIGS}
    charts = sorted(out.glob("chart_*.png"))
    assert len(charts) >= 6 and all(p.read_bytes().startswith(b"\x89PNG") for p in charts)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "### Python" in report and "| grounded |" in report and "error-tutor eval" in report
    assert len(records_of(out)) == 4 * sum(c["evaluated"] for c in summary["meta"]["corpora"])


@pytest.mark.slow
def test_real_run_metrics_are_sensible(real_run):
    out, summary, _ = real_run
    leaks = [(r["id"], r["config"], r["leak_reasons"]) for r in records_of(out)
             if r["leak"] and r["config"] in ("rules", "grounded")]
    assert not leaks, f"explanations a student would see give the fix away: {leaks}"
    for row in summary["summary"]:
        for metric in RATE_METRICS:
            assert row[metric] is None or 0.0 <= row[metric] <= 1.0, (row, metric)
        assert row["latency_median_ms"] <= row["latency_p95_ms"]
        if row["config"] in ("rules", "grounded"):
            assert row["covered"] == 1.0 and row["leak"] == 0.0, row
        if row["config"] == "grounded":
            assert row["model_shown"] is not None and row["latency_median_ms"] > 10  # the model really ran
        if row["language"] == "python":
            assert -1.0 <= row["agreement"] <= 1.0
    assert all(t["value"] is not None for t in summary["targets"])
    ceilings = [r["agreement_ceiling"] for r in records_of(out) if r.get("agreement_ceiling") is not None]
    assert ceilings and all(-1.0 <= value <= 1.0 for value in ceilings)
    assert "**Agreement ceiling, Python**" in (out / "report.md").read_text(encoding="utf-8")


def test_the_held_out_evaluation_script_says_how_to_fix_a_wrong_folder(tmp_path, capsys):
    from error_tutor_finetune.eval_heldout import main

    assert main([str(tmp_path / "no-adapter"), str(tmp_path / "eval")]) == 2
    assert "Pass the adapter/ folder that `error-tutor train` wrote." in capsys.readouterr().err
