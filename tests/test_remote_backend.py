"""The remote backend against a real llama-cpp-python server (llama_cpp.server) on loopback,
running the real default GGUF model: streaming, bearer token, fallback and recovery, LSP hover, and
a server that does not say whether its model is fine-tuned (prompted with the worked example)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import (SERVER_COMMAND, SERVER_ENV, compact_view_of, diagnostics_for, hover, init_params, make_client,
                      open_document, wait_until)
from error_tutor_server import remote
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.errors import TutorError
from error_tutor_server.case import Case
from error_tutor_server.prompt import build_messages
from error_tutor_server.catalog import smollm2_path
from error_tutor_server.remote import RemoteModel
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor
from test_lsp_diagnostics import C_MISSING_SEMICOLON, PY_MISSING_COLON

KEY_ENV = "ERROR_TUTOR_TEST_TOKEN"
TOKEN = secrets.token_hex(16)
SERVER_EXTRAS = ("fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
MISSING = [name for name in SERVER_EXTRAS if importlib.util.find_spec(name) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason="llama_cpp.server needs llama-cpp-python[server] "
                                                      f"(missing: {', '.join(MISSING)})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` with the default model on a loopback port."""

    def __init__(self, log_path: Path, api_key: str = "", port: int = 0, interrupt: bool = True):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.api_key, self.interrupt, self.log_path = api_key, interrupt, log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> "LlamaServer":
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()),
                   "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "1",
                   "--interrupt_requests", str(self.interrupt)]
        if self.api_key:
            command += ["--api_key", self.api_key]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "HF_HUB_OFFLINE": "1"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {self.log_path.read_text()[-2000:]}")
            try:
                request = urllib.request.Request(self.url + "/models",
                                                 headers={"Authorization": f"Bearer {self.api_key}"})
                with urllib.request.urlopen(request, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("llama_cpp.server did not start in time")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def requests_logged(self) -> int:
        return self.log_path.read_text(errors="replace").count("POST /v1/chat/completions")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    server = LlamaServer(tmp_path_factory.mktemp("llama") / "server.log", api_key=TOKEN).start()
    yield server
    server.kill()


@pytest.fixture
def c_case():
    diagnostic = diagnose_sync("c", C_MISSING_SEMICOLON, TutorSettings())[0]
    return diagnostic, C_MISSING_SEMICOLON


def remote_settings(url: str, tmp_path: Path, **changes) -> TutorSettings:
    return TutorSettings(**{"backend": "remote", "remote_url": url, "remote_api_key_env": KEY_ENV, "model_text": "any",
                            "cache_dir": str(tmp_path / "cache"), **changes})


def test_remote_model_streams_an_explanation(llama_server, c_case):
    diagnostic, text = c_case
    model = RemoteModel(llama_server.url, api_key=TOKEN).load()
    messages = build_messages(Case.of(diagnostic, text))
    generation = model.generate(messages, max_tokens=96)
    assert generation.finish_reason in ("stop", "length")
    assert generation.tokens > 5, "the answer arrives as a stream of pieces"
    assert len(generation.text.split()) > 5
    stopped = threading.Event()
    stopped.set()
    assert model.generate(messages, max_tokens=96, cancel=stopped).finish_reason == "cancelled"


def test_bearer_token_from_the_named_variable(llama_server, c_case, tmp_path, monkeypatch):
    diagnostic, text = c_case
    monkeypatch.setenv(KEY_ENV, "not-the-token")
    refused = Tutor.from_settings(remote_settings(llama_server.url, tmp_path), disk_cache=False)
    with pytest.raises(TutorError, match="refused the access token"):
        refused.backend.load()
    began = time.perf_counter()
    fallback = refused.explain(refused.case(diagnostic, text))
    assert fallback.source == "rules" and "not answering" in fallback.note
    assert time.perf_counter() - began < 1.0
    monkeypatch.setenv(KEY_ENV, TOKEN)
    before = llama_server.requests_logged()
    accepted = Tutor.from_settings(remote_settings(llama_server.url, tmp_path), disk_cache=False)
    explanation = accepted.explain(accepted.case(diagnostic, text))
    assert "not answering" not in explanation.note, explanation.note
    assert explanation.source == "model" or "did not pass the checks" in explanation.note
    assert llama_server.requests_logged() > before


def test_a_server_that_does_not_say_is_prompted_with_the_worked_example(llama_server, c_case, tmp_path,
                                                                         monkeypatch):
    diagnostic, text = c_case
    monkeypatch.setenv(KEY_ENV, TOKEN)
    before = llama_server.requests_logged()
    tutor = Tutor.from_settings(remote_settings(llama_server.url, tmp_path, model_text="fine-tuned"), disk_cache=False)
    case = tutor.case(diagnostic, text)
    assert tutor.explain(case).kind == "rules_untuned"  # an untuned model's text is not shown: nothing is asked
    assert llama_server.requests_logged() == before
    backend = tutor.backend
    assert backend.loaded and not backend.fine_tuned and tutor.prompt(case)[0] == build_messages(case)
    assert backend.name.endswith(f"@{llama_server.url}") and backend.name != f"remote@{llama_server.url}"
    assert "SmolLM2" in backend.name  # the id it lists (the model's path): part of every cache key


def test_an_interrupted_stream_is_not_cached(llama_server, c_case, tmp_path):
    """llama_cpp.server cuts a running stream short when another request arrives."""
    diagnostic, text = c_case
    first, second = RemoteModel(llama_server.url, api_key=TOKEN), RemoteModel(llama_server.url, api_key=TOKEN)
    # one long line (the server stops at a blank line): it is still streaming when the other arrives
    story = [{"role": "user", "content": "Count from 1 to 300, separated by commas, on one line."}]
    other = threading.Thread(target=second.generate, args=(story, 8))

    class StartOtherOnThirdPiece:
        calls = 0

        def is_set(self) -> bool:
            self.calls += 1
            if self.calls == 3:
                other.start()
            return False

    interrupted = first.generate(story, 160, StartOtherOnThirdPiece())
    other.join(60)
    assert interrupted.finish_reason == "cancelled", interrupted
    tutor = Tutor(remote_settings(llama_server.url, tmp_path), first)
    assert tutor.cached(tutor.case(diagnostic, text)) is None


def recover(tutor: Tutor, case: Case, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "not answering" in tutor.explain(case).note:
        assert time.monotonic() < deadline, "the tutor did not recover after the server came back"
        time.sleep(0.5)


def test_fallback_is_immediate_and_recovery_automatic(c_case, tmp_path, monkeypatch):
    diagnostic, text = c_case
    server = LlamaServer(tmp_path / "server.log")
    tutor = Tutor.from_settings(remote_settings(server.url, tmp_path), disk_cache=False)
    try:
        began = time.perf_counter()
        down = tutor.explain(tutor.case(diagnostic, text))  # asking which model it serves fails: rules, no crash
        assert down.kind == "rules_backend_down" and not tutor.backend.loaded
        assert time.perf_counter() - began < 1.0
        server.start()
        recover(tutor, tutor.case(diagnostic, text))
        assert tutor.backend.loaded and not tutor.backend.fine_tuned
        server.kill()
        other = diagnose_sync("python", PY_MISSING_COLON, TutorSettings())[0]
        began = time.perf_counter()
        first = tutor.explain(tutor.case(other, PY_MISSING_COLON))
        failed_at = time.perf_counter()
        again = tutor.explain(tutor.case(other, PY_MISSING_COLON))
        assert first.source == again.source == "rules"
        assert "not answering" in first.note and "not answering" in again.note
        assert failed_at - began < 1.0 and time.perf_counter() - failed_at < 1.0
        assert not tutor.backend.loaded  # it may come back serving another model: asked again then
        server.start()
        recover(tutor, tutor.case(other, PY_MISSING_COLON))
        assert time.perf_counter() - failed_at >= remote.RETRY_AFTER_S - 0.5, "retried only after the window"
    finally:
        server.kill()


# -- over LSP: a student's editor using the lab's server ------------------------------------------
# the variable's name comes from the server's environment: an editor may not choose it
REMOTE_CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                                   server_env={**SERVER_ENV, KEY_ENV: TOKEN, "ERROR_TUTOR_REMOTE_API_KEY_ENV": KEY_ENV})


@pytest_lsp.fixture(config=REMOTE_CONFIG)
async def remote_client(lsp_client: LanguageClient, llama_server, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, backend="remote", remoteUrl=llama_server.url, modelText="any",
                                                    debounceMs=100))
    yield
    await lsp_client.shutdown_session()


async def test_lsp_hover_through_the_remote_backend(remote_client, llama_server, tmp_path):
    await wait_until(lambda: any(getattr(s, "state", None) == "ready" for s in remote_client.statuses), 30)
    ready = next(s for s in remote_client.statuses if getattr(s, "state", None) == "ready")
    assert llama_server.url in ready.detail
    uri = open_document(remote_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(remote_client, uri))[0].range.start
    first = (await hover(remote_client, uri, start.line, start.character)).contents.value
    assert "**What it means:**" in first and "line 4" in first
    panel = await remote_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="errorTutor.explain", arguments=[uri, start.line, start.character]))
    assert "not answering" not in panel
    assert "Explained by the local model" in panel or "built-in guide" in panel, panel
    warm = (await hover(remote_client, uri, start.line, start.character)).contents.value
    assert compact_view_of(warm, panel) and "```" not in warm


# -- the lab's server is down when the editor starts, and comes up later ----------------------------
LATE_PORT = free_port()


@pytest_lsp.fixture(config=REMOTE_CONFIG)
async def early_client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, backend="remote", remoteUrl=f"http://127.0.0.1:{LATE_PORT}/v1", modelText="any",
                                                    debounceMs=100))
    yield
    await lsp_client.shutdown_session()


async def test_lsp_recovers_when_the_server_starts_after_the_editor(early_client, tmp_path):
    await wait_until(lambda: any(getattr(s, "state", None) == "error" for s in early_client.statuses), 30)
    uri = open_document(early_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(early_client, uri))[0].range.start
    assert "not answering" in (await hover(early_client, uri, start.line, start.character)).contents.value
    server = LlamaServer(tmp_path / "late.log", api_key=TOKEN, port=LATE_PORT).start()
    try:
        await asyncio.sleep(remote.RETRY_AFTER_S)
        panel = await early_client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="errorTutor.explain", arguments=[uri, start.line, start.character]))
        assert "not answering" not in panel
        assert "Explained by the local model" in panel or "built-in guide" in panel, panel
    finally:
        server.kill()
