"""Opt-in ratings: stored over LSP without identity, crash-safe, exported to SFT and preference data."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsprotocol import types

from conftest import diagnostics_for, open_document
from error_tutor_finetune.feedback_export import (ExportConfig, export_feedback, prompt_of, register_feedback,
                                                  rule_text)
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.case import Case
from error_tutor_server.prompt import build_messages
from error_tutor_server.feedback import COLUMNS, connect, rating_row, record_rating, store_row
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor
from test_lsp_diagnostics import C_MISSING_SEMICOLON, PY_MISSING_COLON

C_MISSING_SEMICOLON_2 = "#include <stdio.h>\nint main(void)\n{\n    int count = 3\n    return count;\n}\n"
IDENTITY = {"user", "username", "student", "host", "hostname", "ip", "machine", "path", "uri", "file", "email"}

WRITER = """
import sys
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.feedback import record_rating
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor
settings = TutorSettings(backend="none", feedback=True, feedback_path=sys.argv[1], cache_dir=sys.argv[2])
tutor = Tutor(settings)
program = {program!r}
diagnostic = diagnose_sync("c", program, settings)[0]
print("ready", flush=True)
n = 0
while True:
    n += 1
    result = record_rating(settings, tutor, diagnostic, program, n % 3 != 0)
    if not result["stored"]:
        sys.exit(f"not stored: {{result}}")
    print(result["id"], flush=True)  # acknowledged: the transaction is committed
"""


def table_columns(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        return {row[1] for row in db.execute("PRAGMA table_info(ratings)")}


def rows(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM ratings ORDER BY id")]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def rate(client, uri: str, position: types.Position, helpful: bool) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="errorTutor.rate", arguments=[uri, position.line, position.character, helpful]))


async def test_rating_over_lsp_is_opt_in_and_stores_no_identity(rules_client, tmp_path):
    folder = tmp_path / "home" / "jdoe-laptop"
    uri = open_document(rules_client, folder / "grade.py", PY_MISSING_COLON, "python")
    start = (await diagnostics_for(rules_client, uri, version=1))[0].range.start
    off = await rate(rules_client, uri, start, True)
    assert off["stored"] is False and "feedback" in off["reason"]
    db_path = tmp_path / "lab" / "feedback.sqlite3"
    rules_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"errorTutor": {
        "backend": "none", "feedback": True, "feedbackPath": str(db_path), "cacheDir": str(tmp_path / "cache")}}))
    for _ in range(100):  # the configuration is applied asynchronously
        stored = await rate(rules_client, uri, start, False)
        if stored["stored"]:
            break
        await asyncio.sleep(0.05)
    assert stored["stored"] is True and isinstance(stored["id"], int)
    assert not table_columns(db_path) & IDENTITY
    [row] = rows(db_path)
    assert row["message"] == "SyntaxError: expected ':'" and row["helpful"] == 0 and row["source"] == "rules"
    assert row["program"] == PY_MISSING_COLON and row["column_number"] >= 1
    assert row["created"] % 86400 == 0, "the time is kept to the day only"
    assert "jdoe" not in db_path.read_bytes().decode("latin-1"), "no user or host name in the file"


def test_acknowledged_ratings_survive_kill_9_of_the_writers(tmp_path):
    db_path = tmp_path / "feedback.sqlite3"
    script = WRITER.format(program=C_MISSING_SEMICOLON)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(db_path), str(tmp_path / "cache")],
                                stdout=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
               for _ in range(2)]
    acknowledged = set()
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        for writer in writers:
            acknowledged.add(int(writer.stdout.readline()))
    for writer in writers:
        writer.send_signal(signal.SIGKILL)  # mid-way through the next write
        writer.wait(10)
    assert len(acknowledged) >= 60
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in db.execute("SELECT id FROM ratings")}
    assert acknowledged <= stored, f"lost acknowledged ratings: {sorted(acknowledged - stored)[:5]}"
    manifest = export_feedback(db_path, tmp_path / "export")
    assert manifest["ratings"] == len(stored) and manifest["sft"] >= 1


def test_a_transiently_locked_file_is_tried_again_and_other_errors_are_not(tmp_path, monkeypatch):
    from error_tutor_server import feedback

    calls = []
    real_insert = feedback.insert_row

    def locked_once(path, row):
        calls.append(path)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real_insert(path, row)

    monkeypatch.setattr(feedback, "insert_row", locked_once)
    row_id = store_row(tmp_path / "fb.sqlite3", hand_row(C_MISSING_SEMICOLON, "c", True, "rules"))
    assert len(calls) == 2 and [r["id"] for r in rows(tmp_path / "fb.sqlite3")] == [row_id]

    def read_only(path, row):
        calls.append(path)
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(feedback, "insert_row", read_only)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store_row(tmp_path / "fb.sqlite3", {})
    assert len(calls) == 3, "a lasting error is reported at once"


def hand_row(program: str, language: str, helpful: bool, source: str, model_text: str = "") -> dict:
    """A rating as the server stores it, for a real diagnostic; the texts are written by hand."""
    settings = TutorSettings(backend="none")
    diagnostic = diagnose_sync(language, program, settings)[0]
    row = rating_row(settings, Tutor(settings), diagnostic, program, helpful)
    return {**row, "source": source, "model_text": model_text, "model_finish": "stop" if model_text else ""}


def test_export_builds_sft_rows_and_every_kind_of_preference_pair(tmp_path):
    db_path = tmp_path / "feedback.sqlite3"
    good = ("A semicolon is missing at the end of line 4, so the compiler thinks the declaration "
            "of total runs on into the printf call on the next line.")
    bad = "Semicolon semicolon semicolon, the code is wrong because wrong."
    cases = [hand_row(C_MISSING_SEMICOLON, "c", True, "model", good),
             hand_row(C_MISSING_SEMICOLON_2, "c", False, "model", bad),
             hand_row(C_MISSING_SEMICOLON_2, "c", True, "rules", "```c\nint count = 3;\n```"),
             hand_row(PY_MISSING_COLON, "python", True, "rules")]
    for case in cases:
        store_row(db_path, case)
    out = tmp_path / "export"
    manifest = export_feedback(db_path, out)
    sft, pairs = read_jsonl(out / "sft.jsonl"), read_jsonl(out / "preference.jsonl")
    assert manifest["sft"] == len(sft) == 3 and manifest["preference"] == len(pairs)
    diagnostic = diagnose_sync("c", C_MISSING_SEMICOLON, TutorSettings())[0]
    expected_prompt = build_messages(Case.of(diagnostic, C_MISSING_SEMICOLON))
    assert sft[0]["messages"] == expected_prompt + [{"role": "assistant", "content": good}]
    rules_answer = sft[2]["messages"][-1]["content"]
    assert rules_answer.startswith("Python expected a `:`") and "**" not in rules_answer
    kinds = {p["kind"]: p for p in pairs}
    assert set(kinds) == {"rules-over-model", "rules-over-rejected-model", "same-category"}
    assert kinds["rules-over-model"]["rejected"][0]["content"] == bad
    assert kinds["rules-over-model"]["chosen"][0]["content"] == rule_text(cases[1])
    assert kinds["rules-over-rejected-model"]["rejected"][0]["content"].startswith("```c")
    same = [p for p in pairs if p["kind"] == "same-category"]
    assert {p["chosen"][0]["content"] for p in same} >= {good}
    assert all(p["rejected"][0]["content"] == bad for p in same)
    assert all(p["prompt"] == prompt_of(cases[0]) for p in same if p["chosen"][0]["content"] == good)
    assert json.loads((out / "manifest.json").read_text())["kinds"]["same-category"] == len(same)


def test_helpful_model_text_that_fails_todays_checks_is_not_a_training_target(tmp_path):
    db_path = tmp_path / "feedback.sqlite3"
    leaky = "Add a semicolon: change line 4 to `int total = 0;` and it compiles."
    store_row(db_path, hand_row(C_MISSING_SEMICOLON, "c", True, "model", leaky))
    assert export_feedback(db_path, tmp_path / "checked")["sft"] == 0
    assert export_feedback(db_path, tmp_path / "raw", ExportConfig(recheck=False))["sft"] == 1


def test_real_model_ratings_export_with_the_servers_prompt(tmp_path):
    """The real pipeline: the default GGUF explains, a student rates, the export uses its prompt."""
    settings = TutorSettings(feedback=True, feedback_path=str(tmp_path / "fb.sqlite3"),
                             cache_dir=str(tmp_path / "cache"), threads=1, max_tokens=96, model_text="any")
    tutor = Tutor.from_settings(settings, disk_cache=False)
    diagnostic = diagnose_sync("c", C_MISSING_SEMICOLON, settings)[0]
    explanation = tutor.explain(tutor.case(diagnostic, C_MISSING_SEMICOLON))
    assert record_rating(settings, tutor, diagnostic, C_MISSING_SEMICOLON, True)["stored"]
    [row] = rows(Path(settings.feedback_path))
    assert row["source"] == explanation.source and row["model_text"], "the model's raw text is kept"
    manifest = export_feedback(settings.feedback_path, tmp_path / "export")
    [sft] = read_jsonl(tmp_path / "export" / "sft.jsonl")
    prompt = build_messages(tutor.case(diagnostic, C_MISSING_SEMICOLON))
    assert sft["messages"][:-1] == prompt and sft["messages"][-1]["role"] == "assistant"
    if explanation.source == "model":
        assert sft["messages"][-1]["content"] == row["model_text"].strip()
    else:  # the checker rejected the model: the student saw rules, which become the target and a pair
        assert sft["messages"][-1]["content"] == rule_text(row)
        assert manifest["kinds"]["rules-over-rejected-model"] == 1


def test_export_writes_atomically_when_killed(tmp_path):
    db_path = tmp_path / "feedback.sqlite3"
    db = connect(db_path)
    template = hand_row(C_MISSING_SEMICOLON_2, "c", False, "rules")
    with db:
        for n in range(3000):
            db.execute(f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                       [{**template, "helpful": n % 2, "message": f"{template['message']} #{n % 700}"}.get(c)
                        for c in COLUMNS])
    db.close()
    out = tmp_path / "export"
    before = export_feedback(db_path, out)
    with sqlite3.connect(db_path) as db:
        db.execute("DELETE FROM ratings WHERE id % 2 = 0")
    command = [sys.executable, "-m", "error_tutor_finetune.feedback_export", "--db", str(db_path), "--out", str(out)]
    for delay in (0.3, 0.8, 1.5):
        exporter = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        exporter.send_signal(signal.SIGKILL)
        exporter.wait(10)
        # complete JSON Lines, the old export or the new one (no helpful rows left), never half a file
        assert len(read_jsonl(out / "sft.jsonl")) in (before["sft"], 0)
        assert json.loads((out / "manifest.json").read_text())["sft"] in (before["sft"], 0)
    after = export_feedback(db_path, out)
    assert not list(out.glob(".*.tmp-*")), "leftovers of the killed exports are removed"
    assert before["sft"] == 350 and after["sft"] == 0 == len(read_jsonl(out / "sft.jsonl"))


def test_export_command_registers_under_data_and_fails_clearly(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="error-tutor")
    data = parser.add_subparsers(dest="command").add_parser("data").add_subparsers(dest="data_command")
    register_feedback(data)
    db_path = tmp_path / "feedback.sqlite3"
    store_row(db_path, hand_row(PY_MISSING_COLON, "python", True, "rules"))
    args = parser.parse_args(["data", "export-feedback", "--db", str(db_path), "--out", str(tmp_path / "o")])
    assert args.func(args) == 0
    assert "1 ratings (1 helpful) -> 1 SFT rows" in capsys.readouterr().out
    cli = subprocess.run([sys.executable, "-m", "error_tutor_server", "data", "export-feedback", "--db", str(db_path),
                          "--out", str(tmp_path / "cli")], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert len(read_jsonl(tmp_path / "cli" / "sft.jsonl")) == 1
    missing = subprocess.run([sys.executable, "-m", "error_tutor_finetune.feedback_export", "--db",
                              str(tmp_path / "nope.sqlite3"), "--out", str(tmp_path / "o")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "--db" in missing.stderr
