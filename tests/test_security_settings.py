"""Settings are data, never commands; one lab policy for every entry point; TCP needs a token.

Each test reproduces one way a workspace's settings, a local user or a student got round the
server's promises, on the real server (stdio, pytest-lsp or raw TCP) or the real CLI.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import CONFIG, SERVER_COMMAND, SERVER_ENV, diagnostics_for, init_params, make_client, open_document, wait_until
from error_tutor_server.lab_config import LabPolicy
from error_tutor_server.remote import RemoteModel
from error_tutor_server.settings import SAFE_C_FLAG, parse_settings

C_MISSING_SEMICOLON = "#include <stdio.h>\n\nint main(void) {\n    printf(\"hi\\n\")\n    return 0;\n}\n"
PY_MISSING_COLON = "def grade(score):\n    if score > 50\n        return 'pass'\n"
JAVA_MISSING_SEMICOLON = "public class Main {\n    public static void main(String[] a) {\n        int x = 1\n    }\n}\n"


def planted_program(folder: Path, marker: Path, name: str) -> Path:
    """An executable that proves it ran by creating ``marker``."""
    script = folder / name
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    """A client each test initializes with its own (hostile) options."""
    yield lsp_client
    await lsp_client.shutdown_session()


async def open_and_wait(client, tmp_path: Path, name: str, text: str, language: str) -> list[types.Diagnostic]:
    uri = open_document(client, tmp_path / "ws" / name, text, language)
    return await diagnostics_for(client, uri, timeout=60)


def popups(client) -> str:
    return "\n".join(message.message for message in client.messages)


def c_flag_attacks(tmp_path: Path, marker: Path) -> dict[str, list[str]]:
    planted = tmp_path / "planted"
    planted.mkdir()
    planted_program(planted, marker, "cc1")
    response = tmp_path / "flags.rsp"
    response.write_text(f"-wrapper /bin/sh,-c,'touch {marker}'\n", encoding="utf-8")
    return {"wrapper": ["-wrapper", f"/bin/sh,-c,touch {marker}"], "B": [f"-B{planted}/"],
            "response-file": [f"@{response}"]}


@pytest.mark.parametrize("attack", ["wrapper", "B", "response-file"])
async def test_c_flags_that_run_programs_are_refused(client, tmp_path, attack):
    marker = tmp_path / "ran"
    flags = c_flag_attacks(tmp_path, marker)[attack]
    await client.initialize_session(init_params(tmp_path, backend="none", cFlags=["-Wall", *flags]))
    diagnostics = await open_and_wait(client, tmp_path, "prog.c", C_MISSING_SEMICOLON, "c")
    assert not marker.exists(), f"the {attack} flag ran a program"
    assert any("expected" in d.message for d in diagnostics), "the file is still checked with the safe flags"
    await wait_until(lambda: "cFlags" in popups(client), 10)
    assert "refused" in popups(client) and flags[0] in popups(client)


@pytest.mark.parametrize("setting, name, text, language", [
    ("pythonCommand", "grade.py", PY_MISSING_COLON, "python"),
    ("javacCommand", "Main.java", JAVA_MISSING_SEMICOLON, "java")])
async def test_an_editor_cannot_name_the_compiler_program(client, tmp_path, setting, name, text, language):
    marker = tmp_path / "ran"
    program = planted_program(tmp_path, marker, "evil")
    await client.initialize_session(init_params(tmp_path, backend="none", **{setting: str(program)}))
    diagnostics = await open_and_wait(client, tmp_path, name, text, language)
    assert not marker.exists(), f"{setting} ran {program}"
    assert diagnostics, "the real compiler on PATH still checks the file"
    await wait_until(lambda: setting in popups(client), 10)
    assert "instructor" in popups(client)


class RecordingLabServer(ThreadingHTTPServer):
    """A stand-in for a lab server that records the Authorization headers it receives."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.authorizations.append(self.headers.get("Authorization", ""))
                body = b'{"data": []}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


SECRET_CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                                   server_env={**SERVER_ENV, "SOME_SECRET": "hunter2-secret-value"})


@pytest_lsp.fixture(config=SECRET_CONFIG)
async def secret_client(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_an_editor_cannot_send_any_variable_to_a_url(secret_client, tmp_path):
    lab = RecordingLabServer()
    try:
        await secret_client.initialize_session(init_params(
            tmp_path, backend="remote", remoteUrl=f"http://127.0.0.1:{lab.server_port}/v1",
            remoteApiKeyEnv="SOME_SECRET"))
        await wait_until(lambda: lab.authorizations, 30)
        assert not any("hunter2" in header for header in lab.authorizations), lab.authorizations
        await wait_until(lambda: "remoteApiKeyEnv" in popups(secret_client), 10)
    finally:
        lab.shutdown()


def test_the_token_goes_only_over_tls_or_loopback():
    assert RemoteModel("http://lab-server:8000/v1", api_key="t" * 20).api_key == ""
    assert RemoteModel("https://lab-server/v1", api_key="t" * 20).api_key == "t" * 20
    assert RemoteModel("http://127.0.0.1:8000/v1", api_key="t" * 20).api_key == "t" * 20


@pytest.mark.parametrize("flag, allowed", [
    ("-Wall", True), ("-Wextra", True), ("-Wformat=2", True), ("-Wno-unused-variable", True), ("-std=c99", True),
    ("-O2", True), ("-DDEBUG=1", True), ("-Iinclude", True), ("-pedantic-errors", True),
    ("-Wl,--wrap=main", False), ("-Wp,-include,/etc/passwd", False), ("-include", False), ("-fplugin=x.so", False),
    ("-I/etc", False), ("-I../other", False), ("-Iinc/../../etc", False), ("-DX=a\n#include", False),
    ("-specs=x", False), ("-save-temps", False), ("-o", False), ("-isystem", False)])
def test_c_flag_allow_list(flag, allowed):
    assert bool(SAFE_C_FLAG.fullmatch(flag)) is allowed
    settings, warnings = parse_settings({"cFlags": ["-Wall", flag]})
    assert (flag in settings.c_flags) is allowed and bool(warnings) is not allowed


@pytest.mark.parametrize("program", ["/bin/sh", "./gcc", "gcc -wrapper x", "cc1"])
def test_the_c_compiler_is_a_choice_not_a_program(program):
    settings, warnings = LabPolicy().apply({"cCompiler": program})
    assert settings.c_compiler == "gcc" and "cCompiler" in warnings[0]


def test_trusted_sources_may_name_programs_but_editors_may_not():
    lab = LabPolicy(defaults={"python_command": "/opt/python3.12/bin/python3"})
    assert lab.apply(None)[0].python_command == "/opt/python3.12/bin/python3"
    settings, warnings = lab.apply({"pythonCommand": "python3.11", "javacCommand": "/tmp/javac"})
    assert settings.python_command == "python3.11" and settings.javac_command == "javac"
    assert len(warnings) == 1 and "javacCommand" in warnings[0]


# -- one policy for every entry point ------------------------------------------------------------------
LOCKED_EXAM = "[locked]\nexam_mode = true\nhint_level = \"explain\"\n"
C_UNDECLARED = "int main(void) {\n    return totl;\n}\n"
# The real CLI, with the system file's location pointed at a test file (it is /etc/error-tutor/config.toml).
CLI_WITH_SYSTEM_FILE = ("import sys; from pathlib import Path; import error_tutor_server.lab_config as lab; "
                        "lab.SYSTEM_CONFIG_PATH = Path(sys.argv[1]); from error_tutor_server.cli import main; "
                        "sys.exit(main(sys.argv[2:]))")


def run_cli(args: list[str], env: dict | None = None, system_file: Path | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ERROR_TUTOR_")}
    environ.update({"HF_HUB_OFFLINE": "1", **(env or {})})
    command = [sys.executable, "-c", CLI_WITH_SYSTEM_FILE, str(system_file)] if system_file else \
        [sys.executable, "-m", "error_tutor_server"]
    return subprocess.run(command + args, capture_output=True, text=True, env=environ, timeout=120)


def test_explain_applies_the_instructors_locks(tmp_path):
    config = tmp_path / "lab.toml"
    config.write_text(LOCKED_EXAM, encoding="utf-8")
    program = tmp_path / "prog.c"
    program.write_text(C_UNDECLARED, encoding="utf-8")
    done = run_cli(["explain", str(program), "--no-model", "--hint-level", "fix", "--format", "json"],
                   env={"ERROR_TUTOR_CONFIG": str(config)})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["diagnostics"] and all(d["explanation"] is None for d in report["diagnostics"]), "exam mode"
    assert "hintLevel is locked by your instructor" in done.stderr


def test_a_student_config_file_cannot_unlock_the_system_file(tmp_path):
    system = tmp_path / "system.toml"
    system.write_text(LOCKED_EXAM, encoding="utf-8")
    program = tmp_path / "prog.c"
    program.write_text(C_UNDECLARED, encoding="utf-8")
    unlock = tmp_path / "mine.toml"
    unlock.write_text("[locked]\nexam_mode = false\n[defaults]\nhint_level = \"fix\"\n", encoding="utf-8")
    for replacement in ("/dev/null", str(unlock)):
        done = run_cli(["explain", str(program), "--no-model", "--format", "json"],
                       env={"ERROR_TUTOR_CONFIG": replacement}, system_file=system)
        assert done.returncode == 0, done.stderr
        assert all(d["explanation"] is None for d in json.loads(done.stdout)["diagnostics"]), replacement
    checked = run_cli(["config", "check"], env={"ERROR_TUTOR_CONFIG": str(unlock)}, system_file=system)
    assert checked.returncode == 2 and "locked by the system configuration" in checked.stderr


def test_a_student_config_file_still_adds_settings(tmp_path):
    system = tmp_path / "system.toml"
    system.write_text("[locked]\nhint_level = \"explain\"\n", encoding="utf-8")
    extra = tmp_path / "mine.toml"
    extra.write_text("[defaults]\nlocale = \"ja\"\n", encoding="utf-8")
    checked = run_cli(["config", "check"], env={"ERROR_TUTOR_CONFIG": str(extra)}, system_file=system)
    assert checked.returncode == 0, checked.stderr
    rows = {line.split()[0]: line for line in checked.stdout.splitlines() if line.strip()}
    assert "'ja'" in rows["locale"] and "(file)" in rows["locale"]
    assert "'explain'" in rows["hintLevel"] and "locked (system file)" in rows["hintLevel"]


# -- TCP: a token, and loopback unless told otherwise ---------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_reply(sock: socket.socket) -> dict | None:
    """The next response (messages with an id and no method), or None once the server closed."""
    stream = sock.makefile("rb")
    while True:
        length = None
        for line in iter(stream.readline, b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
            if not line.strip():
                break
        if length is None:
            return None
        message = json.loads(stream.read(length))
        if "id" in message and "method" not in message:
            return message


def initialize(token: str | None) -> dict:
    options = {"backend": "none", **({"token": token} if token is not None else {})}
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": options}}


def connect(port: int, deadline_s: float = 30) -> socket.socket:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=20)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_tcp_on_another_address_needs_a_token_file():
    done = run_cli(["serve", "--tcp", "--host", "0.0.0.0", "--port", str(free_port())])
    assert done.returncode == 2
    assert "without a token" in done.stderr and "--token-file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_tcp_connections_must_send_the_token(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123456789abcdef\n", encoding="utf-8")
    port = free_port()
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    server = subprocess.Popen([sys.executable, "-m", "error_tutor_server", "serve", "--tcp", "--port", str(port),
                               "--token-file", str(token_file)], env=environ, stderr=subprocess.DEVNULL)
    try:
        for wrong in (None, "not-the-token"):
            with connect(port) as sock:
                sock.sendall(frame(initialize(wrong)))
                reply = read_reply(sock)
                assert reply is not None and reply["error"]["code"] == -32001, reply
                assert read_reply(sock) is None, "the connection is closed"
        with connect(port) as sock:
            sock.sendall(frame(initialize("0123456789abcdef0123456789abcdef")))
            reply = read_reply(sock)
            assert reply["id"] == 1 and "capabilities" in reply["result"], reply
    finally:
        server.kill()
        server.wait()


def test_tcp_without_a_token_file_writes_a_private_one(tmp_path):
    port = free_port()
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    server = subprocess.Popen([sys.executable, "-m", "error_tutor_server", "serve", "--tcp", "--port", str(port)],
                              env=environ, stderr=subprocess.DEVNULL)
    try:
        with connect(port) as sock:
            sock.sendall(frame(initialize(None)))
            assert read_reply(sock)["error"]["code"] == -32001
        token_file = tmp_path / "cache" / "error-tutor" / "tcp-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        with connect(port) as sock:
            sock.sendall(frame(initialize(token_file.read_text().strip())))
            assert "result" in read_reply(sock)
    finally:
        server.kill()
        server.wait()


def test_eval_and_data_build_run_under_the_same_locks(tmp_path):
    config = tmp_path / "lab.toml"
    config.write_text("[locked]\nhint_level = \"explain\"\nlocale = \"en\"\n", encoding="utf-8")
    corpus = tmp_path / "python.jsonl"
    rows = (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "python_friendly_syntax.jsonl").read_text(
        encoding="utf-8").splitlines()[:3]
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"ERROR_TUTOR_CONFIG": str(config)}
    done = run_cli(["eval", "--configs", "rules", "--corpus", str(corpus), "--hint-level", "fix",
                    "--out", str(tmp_path / "eval")], env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "hintLevel is locked by your instructor" in done.stderr
    cases = [json.loads(line) for line in (tmp_path / "eval" / "cases.jsonl").read_text().splitlines()]
    assert cases and not any("Hint:" in json.dumps(case) for case in cases), "explain level: no hints"
    config.write_text("[locked]\nlocale = \"ja\"\n", encoding="utf-8")
    built = run_cli(["data", "build", "--limit", "2", "--no-preferences", "--languages", "python",
                     "--corpora", str(corpus), "--out", str(tmp_path / "data")], env=env)
    assert "locale is locked by your instructor" in built.stderr, built.stderr[-2000:]
