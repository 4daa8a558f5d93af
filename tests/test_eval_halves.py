"""The tuning and checking halves of ``error-tutor eval``: the split, the report side by side, the
generalisation findings, the audit drawn from the checking halves, and ``--half``."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import corpus
from error_tutor_finetune.eval_audit import audit_markdown, draw_audit
from error_tutor_finetune.eval_cases import TUNING_ONLY_CORPORA, corpus_half, half_of
from error_tutor_finetune.eval_halves import generalisation_findings, halves_report_lines, summarize_halves
from error_tutor_finetune.eval_report import summarize
from error_tutor_server.cli import main

DEV_CORPORA = ("c_tracer.jsonl", "python_friendly_syntax.jsonl", "java_upenn_messages.jsonl")


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def records_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines()]


def java_rows(count: int) -> list[dict]:
    return corpus("java_upenn_messages.jsonl")[:count]


# -- the split ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*DEV_CORPORA, "c_tracer_more.jsonl"])
def test_the_hash_splits_each_corpus_about_evenly(name):
    ids = [str(row["id"]) for row in corpus(name)]
    tuning = sum(half_of(case_id) == "tuning" for case_id in ids)
    # within three standard deviations of a fair coin: 994 C rows may give 497 +- 47, not 700
    assert abs(tuning - len(ids) / 2) <= 3 * math.sqrt(len(ids)) / 2, (name, tuning, len(ids))
    assert {half_of(case_id) for case_id in ids} == {"tuning", "checking"}


def test_the_split_is_the_same_in_another_process_and_any_row_order():
    ids = [str(row["id"]) for row in corpus("c_tracer.jsonl")[:200]]
    here = [half_of(case_id) for case_id in ids]
    code = ("import json, sys; from error_tutor_finetune.eval_cases import half_of; "
            "print(json.dumps([half_of(i) for i in json.loads(sys.stdin.read())]))")
    # another interpreter with another string-hash seed: Python's hash() would change, SHA-256 does not
    other = subprocess.run([sys.executable, "-c", code], input=json.dumps(ids), capture_output=True, text=True,
                           timeout=120, env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True)
    assert json.loads(other.stdout) == here
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)
    assert {i: half_of(i) for i in shuffled} == dict(zip(ids, here))
    # pinned: a change of the hash would silently move cases between the halves
    assert [half_of(i) for i in ("tracer_singleL_test_20171", "ft_syntax_3", "upenn2020_hw00_119")] == \
        ["checking", "tuning", "tuning"]


def test_the_extra_c_corpus_is_all_tuning():
    assert "c_tracer_more.jsonl" in TUNING_ONLY_CORPORA
    ids = [str(row["id"]) for row in corpus("c_tracer_more.jsonl")]
    assert {corpus_half("c_tracer_more.jsonl", i) for i in ids} == {"tuning"}
    assert any(half_of(i) == "checking" for i in ids)  # the hash alone would have put some in checking
    assert corpus_half("/some/folder/c_tracer_more.jsonl", ids[0]) == "tuning"


def test_every_record_carries_its_half_whatever_the_row_order(tmp_path):
    rows = java_rows(30)
    runs = []
    for name, ordered in (("forward", rows), ("backward", rows[::-1])):
        out = tmp_path / name
        corpus_file = write_rows(tmp_path / f"{name}.jsonl", ordered)
        assert main(["eval", "--corpus", str(corpus_file), "--configs", "rules", "--out", str(out)]) == 0
        runs.append({r["id"]: r["half"] for r in records_of(out)})
    assert runs[0] == runs[1] == {str(row["id"]): half_of(str(row["id"])) for row in rows}


# -- the report ---------------------------------------------------------------------------------------

def hand_record(case_id: str, half: str, located: bool, config: str = "rules", language: str = "c") -> dict:
    return {"corpus": "hand.jsonl", "id": case_id, "half": half, "language": language, "config": config,
            "covered": True, "classified": True, "located": located, "specific": True, "leak": False,
            "agreement": None, "model_shown": None, "model_located": None, "model_specific": None,
            "model_leak": None, "latency_ms": 1.0}


def test_a_gap_over_three_points_is_a_finding():
    records = ([hand_record(f"t{i}", "tuning", i < 19) for i in range(20)] +  # located 95%
               [hand_record(f"c{i}", "checking", i < 17) for i in range(20)])  # located 85%
    halves = summarize_halves(records, ["rules"])
    assert [(f["metric"], f["tuning"], f["checking"], f["gap_points"]) for f in halves["findings"]] == \
        [("located", 0.95, 0.85, -10.0)]
    report = "\n".join(halves_report_lines(halves))
    assert "## Generalisation findings" in report and "| C | rules | located | 95.0% | 85.0% | -10.0 | 20 / 20 |" in report
    # exactly 3 points is not a finding; 3.1 is
    tuning = [{"language": "c", "config": "rules", "n": 100, "located": 0.95, "specific": 0.90, "agreement": 0.70}]
    checking = [{"language": "c", "config": "rules", "n": 100, "located": 0.92, "specific": 0.869, "agreement": 0.731}]
    assert [(f["metric"], f["gap_points"]) for f in generalisation_findings(tuning, checking)] == \
        [("specific", -3.1), ("agreement", 3.1)]


def test_no_gap_says_so_and_targets_use_the_checking_half():
    records = ([hand_record(f"t{i}", "tuning", True) for i in range(10)] +
               [hand_record(f"c{i}", "checking", i < 9) for i in range(10)])
    halves = summarize_halves(records, ["rules"])
    located_target = next(t for t in halves["targets_checking"] if t["target"].startswith("located"))
    assert located_target["value"] == 0.9 and not located_target["met"]
    equal = summarize_halves([hand_record("a", "tuning", True), hand_record("b", "checking", True)], ["rules"])
    assert equal["findings"] == []
    assert "No metric differs by more than 3 points" in "\n".join(halves_report_lines(equal))


def test_the_report_shows_both_halves_beside_the_whole_corpus(tmp_path):
    rows = java_rows(40)
    out = tmp_path / "out"
    corpus_file = write_rows(tmp_path / "java_upenn_messages.jsonl", rows)
    assert main(["eval", "--corpus", str(corpus_file), "--configs", "message,rules", "--out", str(out)]) == 0
    result = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    records = records_of(out)
    assert result["summary"] == summarize(records, ["message", "rules"])  # the whole-corpus figures are unchanged
    tuning, checking = result["halves"]["tuning"], result["halves"]["checking"]
    expected_checking = sum(half_of(str(row["id"])) == "checking" for row in rows)
    assert [r["n"] for r in checking] == [expected_checking] * 2
    assert [r["n"] + s["n"] for r, s in zip(tuning, checking)] == [40, 40]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "### Java: tuning / checking" in report and "located (tuning / checking)" in report
    assert "## Targets on the checking half" in report and "## Generalisation findings" in report
    assert "are tuning): c_tracer_more.jsonl (not in this run)" in report
    message_row = next(line for line in report.splitlines() if line.startswith("| message | ") and " / " in line)
    assert message_row.startswith(f"| message | {40 - expected_checking} / {expected_checking} |")


# -- the audit ----------------------------------------------------------------------------------------

def shown_record(case_id: str, config: str) -> dict:
    record = hand_record(case_id, half_of(case_id), True, config=config)
    del record["half"]  # the audit must find the half itself for records that lack it
    shown = config == "grounded"
    record.update(source="model" if shown else "rules", model_shown=True if shown else None, line=3,
                  explanation=f"The text for {case_id}.\nSecond line.", explained_source_line="int x = 1",
                  diagnostic={"line": 4, "message": "expected ';' before 'return'", "source_line": "return x;"})
    return record


def test_the_audit_draws_only_checking_cases_at_most_100_and_50():
    records = [shown_record(f"case_{i}", config) for i in range(400) for config in ("rules", "grounded")]
    audit = draw_audit(records)
    model = [e for e in audit["entries"] if e["kind"] == "model"]
    rules = [e for e in audit["entries"] if e["kind"] == "rules"]
    assert (len(model), len(rules)) == (100, 50)
    assert all(half_of(e["id"]) == "checking" for e in audit["entries"])
    assert {e["config"] for e in model} == {"grounded"} and {e["config"] for e in rules} == {"rules"}
    assert len({e["id"] for e in model}) == 100  # no case twice
    again = draw_audit(records[::-1])
    assert again["entries"] == audit["entries"]  # a fixed seed, whatever the order of the records
    first = model[0]
    assert (first["message"], first["compiler_code"], first["explained_code"], first["mark"]) == \
        ("expected ';' before 'return'", "return x;", "int x = 1", "")
    text = audit_markdown(audit)
    assert text.count("- mark: right / wrong") == 150 and "the text points at line 3: `int x = 1`" in text


def test_an_audit_without_a_model_configuration_says_so():
    records = [shown_record(f"case_{i}", "rules") for i in range(30)]
    audit = draw_audit(records)
    checking = sum(half_of(f"case_{i}") == "checking" for i in range(30))
    assert len(audit["entries"]) == checking < 30 and not audit["model_configuration"]
    assert "the audit has rule texts only" in audit_markdown(audit)
    with_model = draw_audit(records + [shown_record("case_0", "grounded")])
    assert with_model["model_configuration"]
    assert "the audit has rule texts only" not in audit_markdown(with_model)


# -- --half ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("half", ["tuning", "checking"])
def test_the_half_flag_restricts_the_run(tmp_path, half):
    rows = java_rows(40)
    corpus_file = write_rows(tmp_path / "java_upenn_messages.jsonl", rows)
    out = tmp_path / "out"
    assert main(["eval", "--corpus", str(corpus_file), "--configs", "rules", "--half", half, "--out", str(out)]) == 0
    expected = [str(row["id"]) for row in rows if half_of(str(row["id"])) == half]
    assert [r["id"] for r in records_of(out)] == expected and 0 < len(expected) < 40
    result = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "--half " + half in result["meta"]["full_command"]
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(audit) == (len(expected) if half == "checking" else 0)


def test_the_half_flag_on_a_tuning_only_corpus_and_a_bad_value(tmp_path):
    rows = corpus("c_tracer_more.jsonl")[:10]
    corpus_file = write_rows(tmp_path / "c_tracer_more.jsonl", rows)
    out = tmp_path / "out"
    assert main(["eval", "--corpus", str(corpus_file), "--configs", "rules", "--half", "checking",
                 "--out", str(out)]) == 0
    assert records_of(out) == []  # none of its programs may be used for checking
    with pytest.raises(SystemExit) as exited:
        main(["eval", "--corpus", str(corpus_file), "--half", "both", "--out", str(out)])
    assert exited.value.code == 2
