"""The ``error-tutor explain`` contract, on the samples and on real corpus programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, corpus

CLI = [sys.executable, "-m", "error_tutor_server"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=env or ENV)


def test_explain_json_contract_rules_only(tmp_path):
    result = run_cli("explain", "--no-model", "--format", "json", str(REPO / "samples" / "grades.py"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"].endswith("grades.py") and report["language"] == "python"
    (item,) = report["diagnostics"]
    assert {"line", "column", "end_line", "end_column", "severity", "message", "explanation"} <= item.keys()
    assert item["line"] == 2 and item["severity"] == "error" and item["message"] == "SyntaxError: expected ':'"
    explanation = item["explanation"]
    assert explanation["source"] == "rules" and explanation["category"] and explanation["text"]


def test_explain_with_the_default_model(tmp_path):
    result = run_cli("explain", "--format", "json", "--no-cache", str(REPO / "samples" / "Greeter.java"))
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)["diagnostics"]
    assert item["explanation"]["source"] in ("model", "rules")
    assert "local model" in item["explanation"]["markdown"] or "built-in guide" in item["explanation"]["markdown"]
    assert "int count = 3" not in item["explanation"]["text"]


def test_the_shipped_fine_tuned_model_explains_and_keeps_stderr_quiet():
    result = run_cli("explain", "--format", "json", "--no-cache", "--model", "tutor-qwen2.5-coder-0.5b",
                     str(REPO / "samples" / "average.c"))
    assert result.returncode == 0, result.stderr
    assert "llama" not in result.stderr and "lora" not in result.stderr, result.stderr[:400]
    items = json.loads(result.stdout)["diagnostics"]
    shown = [i for i in items if i["explanation"]["source"] == "model"]
    assert len(shown) >= len(items) // 2, [i["explanation"]["source"] for i in items]
    assert all("Explained by the local model" in i["explanation"]["markdown"] for i in shown)


def test_explain_text_output_for_all_samples():
    files = [str(REPO / "samples" / name) for name in ("average.c", "grades.py", "Greeter.java")]
    result = run_cli("explain", "--no-model", *files)
    assert result.returncode == 0, result.stderr
    for name in ("average.c", "grades.py", "Greeter.java"):
        assert name in result.stdout
    assert "What it means:" in result.stdout and "Hint:" in result.stdout


def test_clean_program_has_no_diagnostics(tmp_path):
    program = tmp_path / "ok.c"
    program.write_text("int main(void) { return 0; }\n")
    result = run_cli("explain", "--no-model", "--format", "json", str(program))
    assert result.returncode == 0 and json.loads(result.stdout)["diagnostics"] == []


@pytest.mark.parametrize("args, expected", [
    (["explain", "/nonexistent/prog.c"], "Cannot read"),
    (["explain", "--model", "/nonexistent/model.gguf", "{sample}"], "does not exist"),
    (["explain", "--model", "{corrupt}", "{sample}"], "is not a GGUF file"),
    (["explain", "{binary}"], "not UTF-8"),
    (["explain", "{unknown}"], "Pass --language"),
])
def test_bad_input_is_one_line_and_nonzero(tmp_path, args, expected):
    (tmp_path / "corrupt.gguf").write_bytes(b"not a model at all")
    (tmp_path / "binary.c").write_bytes(b"\xff\xfe\x00\x01int main")
    (tmp_path / "notes.txt").write_text("hello")
    names = {"sample": str(REPO / "samples" / "grades.py"), "corrupt": str(tmp_path / "corrupt.gguf"),
             "binary": str(tmp_path / "binary.c"), "unknown": str(tmp_path / "notes.txt")}
    result = run_cli(*[a.format(**names) for a in args])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error-tutor: ")
    assert expected in result.stderr


def test_missing_compiler_is_a_clear_error(tmp_path):
    env = {**ENV, "PATH": str(tmp_path)}  # no gcc, no javac
    result = run_cli("explain", "--no-model", str(REPO / "samples" / "average.c"), env=env)
    assert result.returncode == 2 and "'gcc' is not on PATH" in result.stderr


def test_explain_honours_contract_on_corpus_programs(tmp_path):
    cases = corpus("c_tracer.jsonl")[:10]
    files = []
    for case in cases:
        path = tmp_path / f"{case['id']}.c"
        path.write_text(case["source"], encoding="utf-8")
        files.append(str(path))
    result = run_cli("explain", "--no-model", "--format", "json", *files)
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert len(reports) == 10
    for report, case in zip(reports, cases):
        assert report["diagnostics"], f"gcc reports something for {case['id']}"
        first = report["diagnostics"][0]
        assert first["explanation"]["category"] != "other", first["message"]
        assert first["line"] >= 1 and first["explanation"]["text"]
