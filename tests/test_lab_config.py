"""The instructor's lab configuration: TOML defaults and locks, environment variables, `config check`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_COMMAND, SERVER_ENV, diagnostics_for, hover, init_params, make_client, open_document
from error_tutor_server.lab_config import load_lab_policy
from test_lsp_diagnostics import PY_MISSING_COLON

LAB_TOML = """\
# Intro to Programming, room 101
[defaults]
backend = "none"
debounce_ms = 100
hintLevel = "fix"          # overridden by the lock below

[locked]
hint_level = "explain"
examMode = false
"""

BROKEN_TOML = """\
[defaults]
hintLevel = "explain"
max_tokens = 5
hint_levl = "fix"

[locked]
backend = "cloud"
exam_mode = "sometimes"

[grading]
strict = true
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ERROR_TUTOR_")}
    environ.update({"HF_HUB_OFFLINE": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "error_tutor_server", "config", "check", *args],
                          capture_output=True, text=True, env=environ, timeout=60)


def test_defaults_student_and_locked_merge_in_order(tmp_path):
    policy = load_lab_policy(write(tmp_path, LAB_TOML), environ={})
    settings, warnings = policy.apply({"debounceMs": 500, "locale": "ja"})
    assert settings.backend == "none" and settings.debounce_ms == 500 and settings.locale == "ja"
    assert settings.hint_level == "explain" and settings.exam_mode is False
    assert warnings == []
    untouched, _ = policy.apply(None)
    assert untouched.debounce_ms == 100 and untouched.hint_level == "explain"


def test_student_changing_a_locked_setting_is_told_who_locked_it(tmp_path):
    policy = load_lab_policy(write(tmp_path, LAB_TOML), environ={})
    settings, warnings = policy.apply({"errorTutor": {"hintLevel": "fix", "exam_mode": True, "debounceMs": 200}})
    assert settings.hint_level == "explain" and settings.exam_mode is False and settings.debounce_ms == 200
    assert "hintLevel is locked by your instructor to 'explain'; your setting 'fix' is ignored." in warnings
    assert any(w.startswith("examMode is locked by your instructor to false") for w in warnings)
    _, same = policy.apply({"hintLevel": "explain"})
    assert same == [], "asking for the locked value itself is not a conflict"


def test_environment_variables_are_defaults_over_the_file_but_under_locks(tmp_path):
    environ = {"ERROR_TUTOR_DEBOUNCE_MS": "50", "ERROR_TUTOR_HINT_LEVEL": "hint", "ERROR_TUTOR_FEEDBACK": "yes",
               "ERROR_TUTOR_API_KEY": "not-a-setting", "ERROR_TUTOR_C_FLAGS": "-std=c99 -Wall -Wextra"}
    policy = load_lab_policy(write(tmp_path, LAB_TOML), environ=environ)
    settings, warnings = policy.apply({})
    assert settings.debounce_ms == 50 and settings.feedback is True
    assert settings.c_flags == ("-std=c99", "-Wall", "-Wextra")
    assert settings.hint_level == "explain", "a lock beats the environment"
    assert warnings == [] and not policy.problems


def test_config_file_from_environment_variable(tmp_path):
    path = write(tmp_path, LAB_TOML)
    policy = load_lab_policy(environ={"ERROR_TUTOR_CONFIG": str(path)})
    assert policy.path == str(path) and policy.locked["hint_level"] == "explain"
    missing = load_lab_policy(environ={"ERROR_TUTOR_CONFIG": str(tmp_path / "nope.toml")})
    assert [p.message for p in missing.problems] == ["the file does not exist"]


def test_broken_file_entries_are_ignored_with_warnings_at_run_time(tmp_path):
    policy = load_lab_policy(write(tmp_path, BROKEN_TOML), environ={"ERROR_TUTOR_THREADS": "many"})
    settings, warnings = policy.apply({"hintLevel": "fix"})
    assert settings.backend == "local" and settings.exam_mode is False, "invalid locks fall back to built-ins"
    assert settings.hint_level == "fix", "only valid entries of [defaults] apply; the student's choice stands"
    assert len(policy.problems) == 6
    assert any("environment ERROR_TUTOR_THREADS" in w for w in warnings)


def test_config_check_prints_effective_settings_and_locks(tmp_path):
    result = check("--file", str(write(tmp_path, LAB_TOML)), env={"ERROR_TUTOR_MAX_TOKENS": "120"})
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[3:] if line.strip()}
    assert "'explain'" in lines["hintLevel"] and "locked (file)" in lines["hintLevel"]
    assert "'none'" in lines["backend"] and "lab default (file)" in lines["backend"]
    assert "120" in lines["maxTokens"] and "lab default (environment)" in lines["maxTokens"]
    assert "built-in default" in lines["locale"]
    assert "OK (3 default(s), 2 locked)" in result.stdout
    assert "1 default(s) from ERROR_TUTOR_* environment variables" in result.stdout


def test_config_check_reports_each_problem_with_its_line_and_exits_2(tmp_path):
    path = write(tmp_path, BROKEN_TOML)
    result = check("--file", str(path))
    assert result.returncode == 2
    errors = result.stderr
    assert f"{path}:3: [defaults] Setting 'maxTokens' = 5 is invalid (must be at least 16)" in errors
    assert f"{path}:4: unknown setting 'hint_levl' in [defaults] (did you mean 'hintLevel'?)" in errors
    assert f"{path}:7: [locked] Setting 'backend' = 'cloud' is invalid (expected one of local, remote, none)" in errors
    assert f"{path}:8: [locked] Setting 'examMode'" in errors
    assert f"{path}:10: unknown table or key 'grading'" in errors
    assert "error-tutor: 5 problem(s) in the lab configuration. Fix the lines named above" in errors


def test_config_check_reports_toml_syntax_errors_with_line_numbers(tmp_path):
    path = write(tmp_path, '[defaults]\nbackend = "none"\nhintLevel = "explain\n')
    result = check("--file", str(path))
    assert result.returncode == 2
    assert f"{path}:3: TOML syntax error at column" in result.stderr
    missing = check("--file", str(tmp_path / "absent.toml"))
    assert missing.returncode == 2 and "the file does not exist" in missing.stderr


def test_config_check_without_any_file_uses_the_environment(tmp_path):
    result = check(env={"ERROR_TUTOR_HINT_LEVEL": "explain"})
    if Path("/etc/error-tutor/config.toml").exists():
        pytest.skip("this machine has a real lab configuration")
    assert result.returncode == 0 and "No lab configuration at /etc/error-tutor/config.toml" in result.stdout
    assert any(line.startswith("hintLevel") and "lab default (environment)" in line
               for line in result.stdout.splitlines())


# -- over LSP: a student's editor in a lab that locks the hint level ------------------------------
LAB_DIR = Path(tempfile.mkdtemp(prefix="error-tutor-lab-"))
(LAB_DIR / "config.toml").write_text(LAB_TOML, encoding="utf-8")
LAB_CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                                server_env={**SERVER_ENV, "ERROR_TUTOR_CONFIG": str(LAB_DIR / "config.toml")})


@pytest_lsp.fixture(config=LAB_CONFIG)
async def lab_client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, hintLevel="fix"))
    yield
    await lsp_client.shutdown_session()


async def test_lsp_student_cannot_override_a_locked_hint_level(lab_client, tmp_path):
    uri = open_document(lab_client, tmp_path / "grade.py", PY_MISSING_COLON, "python")
    start = (await diagnostics_for(lab_client, uri))[0].range.start
    markdown = (await hover(lab_client, uri, start.line, start.character)).contents.value
    assert "**What it means:**" in markdown
    assert "**Hint:**" not in markdown and "**Fix:**" not in markdown, "the instructor locked hintLevel = explain"
    shown = [m.message for m in lab_client.messages]
    assert "hintLevel is locked by your instructor to 'explain'; your setting 'fix' is ignored." in shown


def test_remote_url_must_be_http(tmp_path):
    policy = load_lab_policy(write(tmp_path, '[defaults]\nbackend = "remote"\nremoteUrl = "lab-server:8000"\n'),
                             environ={})
    assert [str(p) for p in policy.problems] == [
        f"{tmp_path / 'config.toml'}:3: [defaults] Setting 'remoteUrl' = 'lab-server:8000' is invalid "
        "(expected an http(s) URL like http://lab-server:8000/v1)"]
    assert policy.apply({})[0].remote_url == ""
