"""``error-tutor lab-server``: the real llama-server (built at set-up from the pinned llama.cpp sources) with the
real SmolLM2-135M model on loopback, behind the lab proxy. Concurrent requests are batched, the room's token is
enforced (and llama-server's own key never shows on its command line), identical requests are generated once,
a seat that goes away stops its generation, a student's editor gets the model's text end to end, a seat learns
from the lab server whether its model is fine-tuned (and prompts and shows it accordingly), a fine-tuned model
is served as the merged file set-up made (else as its base and --lora), and a missing binary is one line that
says how to fix it.

The tests that need llama-server skip only when it cannot be built on this machine: the fixture runs
scripts/build_llama_server.sh (seconds when set-up built it) and skips with the script's own error."""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import REPO, SERVER_COMMAND, SERVER_ENV, diagnostics_for, hover, init_params, make_client, open_document
from error_tutor_server import catalog, lab_proxy, lab_server, merged, remote
from error_tutor_server.cli import build_parser
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.errors import TutorError
from error_tutor_server.lab_server import (LabOptions, engine_command, find_llama_server, llama_cpp_version,
                                            served_files, spawn)
from error_tutor_server.prompt import answer_label, build_messages, said_enough
from error_tutor_server.remote import RemoteModel, Served, served_model
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor
from test_lsp_diagnostics import C_MISSING_SEMICOLON

TOKEN_ENV = "ERROR_TUTOR_LAB_TEST_TOKEN"
TUNED = "tutor-smollm2-135m"
TOKEN = secrets.token_hex(24)
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- pure logic ----------------------------------------------------------------------------------------------
def test_the_request_key_is_what_determines_the_answer():
    greedy = {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.0, "max_tokens": 160}
    key = lab_proxy.request_key(greedy, "m")
    assert key == lab_proxy.request_key({**greedy, "stream": True, "cache_prompt": False}, "m")
    assert key != lab_proxy.request_key({**greedy, "max_tokens": 80}, "m")
    assert key != lab_proxy.request_key(greedy, "another model")
    assert key != lab_proxy.request_key({**greedy, "messages": [{"role": "user", "content": "hi!"}]}, "m")
    assert lab_proxy.request_key({**greedy, "temperature": 0.7}, "m") is None  # sampled: never shared
    assert lab_proxy.request_key({"messages": greedy["messages"]}, "m") is None  # the server's default samples


def test_the_answer_cache_keeps_the_most_recent():
    cache = lab_proxy.AnswerCache(2)
    for key in "abc":
        cache.put(key, lab_proxy.Answer(key, "stop"))
    assert cache.get("a") is None and cache.get("c").text == "c" and len(cache) == 2
    cache.get("b")
    cache.put("d", lab_proxy.Answer("d", "stop"))
    assert cache.get("c") is None and cache.get("b").text == "b"


def test_the_model_list_says_whether_the_model_is_fine_tuned_and_a_seat_reads_it():
    listed = json.dumps({"object": "list", "data": [{"id": "tutor-smollm2-135m", "object": "model"}]}).encode()
    marked = json.loads(lab_proxy.advertise(listed, True, "abc"))
    assert marked["data"][0] == {"id": "tutor-smollm2-135m", "object": "model",
                                 "error_tutor": {"fine_tuned": True, "revision": "abc"}}
    assert lab_proxy.advertise(b"not json", True, "abc") == b"not json"
    assert served_model(marked) == Served("tutor-smollm2-135m", True, "abc", lab=True)
    said_untuned = {"data": [{"id": "tutor-smollm2-135m", "error_tutor": {"fine_tuned": False}}]}
    assert served_model(said_untuned) == Served("tutor-smollm2-135m", False, lab=True)  # what it says wins
    # a server that says nothing: its id or remoteModel a fine-tuned catalog name (--served-model-name), else not
    assert served_model({"data": [{"id": "/models/SmolLM2-135M-Instruct.Q4_1.gguf"}]}).fine_tuned is False
    assert served_model({"data": [{"id": "tutor-smollm2-135m"}]}).fine_tuned is True
    several = {"data": [{"id": "smollm2-tutor:latest"}, {"id": "qwen:latest"}]}
    assert served_model(several, "smollm2-tutor:latest") == Served("smollm2-tutor:latest", False)
    assert served_model(several, "tutor-smollm2-135m") == Served("tutor-smollm2-135m", True)  # unlisted: its name
    assert served_model(several) == Served("", False)
    for odd in ([], None, {"data": "x"}, {"data": [1, {"id": 2}]}):
        assert served_model(odd) == Served("", False)
    assert RemoteModel("http://127.0.0.1:9/v1", "tutor-smollm2-135m").fine_tuned  # before the server has said
    assert not RemoteModel("http://127.0.0.1:9/v1").fine_tuned


def test_the_engine_command_line_holds_no_secret_and_the_adapter_only_when_there_is_one(tmp_path):
    options = LabOptions(slots=4, ctx_per_slot=1024, threads=2)
    plain = engine_command(Path("/bin/llama-server"), Path("base.gguf"), None, 9999, tmp_path / "key", options, "m")
    assert "--api-key" not in plain and plain[plain.index("--api-key-file") + 1] == str(tmp_path / "key")
    assert plain[plain.index("--host") + 1] == "127.0.0.1" and "--lora" not in plain
    assert plain[plain.index("--parallel") + 1] == "4" and plain[plain.index("--ctx-size") + 1] == "4096"
    tuned = engine_command(Path("/bin/llama-server"), Path("base.gguf"), Path("a.gguf"), 9999, tmp_path / "k", options, "m")
    assert tuned[tuned.index("--lora") + 1] == "a.gguf"


def test_every_lab_server_flag_has_help_and_seats_get_a_name_they_can_reach():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    flags = [a for a in sub.choices["lab-server"]._actions if a.option_strings and a.dest != "help"]
    assert len(flags) >= 10 and all(a.help and len(a.help) > 10 for a in flags), [a.dest for a in flags if not a.help]
    assert lab_server.seat_url(LabOptions(), 8000) == "http://127.0.0.1:8000/v1"
    everywhere = lab_server.seat_url(LabOptions(host="0.0.0.0", ssl_certfile="c", ssl_keyfile="k"), 8443)
    assert everywhere == f"https://{socket.getfqdn()}:8443/v1" and "0.0.0.0" not in everywhere
    assert lab_server.seat_url(LabOptions(host="::1"), 9) == "http://[::1]:9/v1"


def test_seats_are_told_that_a_fine_tuned_model_needs_no_model_text_setting():
    engine = SimpleNamespace(binary=Path("llama-server"), process=SimpleNamespace(pid=1),
                             weights=(Path("base.gguf"), Path("tutor.lora.gguf")))
    tuned = lab_server.describe(LabOptions(model="tutor-smollm2-135m"), "http://h:8000/v1", "env", engine, True)
    assert "modelText" not in tuned and "tutor-smollm2-135m is fine-tuned" in tuned
    assert "weights: base.gguf + --lora tutor.lora.gguf (no fresh merged file: " in tuned  # and how to make it
    engine.weights = (Path("base.gguf"), None)
    untuned = lab_server.describe(LabOptions(), "http://h:8000/v1", "env", engine, False)
    assert 'is untuned: its text is shown only with modelText = "any"' in untuned and "weights: base.gguf\n" in untuned


def test_a_fine_tuned_model_is_served_as_its_fresh_merged_file_and_its_revision_follows_the_adapter(tmp_path,
                                                                                                    monkeypatch):
    monkeypatch.setattr(catalog, "models_cache", lambda: tmp_path / "models")
    base, adapter = catalog.resolve(TUNED)
    assert served_files("smollm2-135m") == (base, None, f"smollm2-135m:{base.name}:")
    assert served_files(TUNED)[:2] == (base, adapter)  # no merged file: base + --lora
    revisions = set()
    for changed in (False, True):
        if changed:  # another adapter: neither its runtime LoRA nor its merged file keeps the revision
            adapter = tmp_path / adapter.name
            adapter.write_bytes(catalog.resolve(TUNED)[1].read_bytes() + b"\0")
            monkeypatch.setattr(catalog, "resolve", lambda name: (base, adapter))
        runtime_lora = served_files(TUNED)
        one_file = fake_merged_file(base, adapter)
        served = served_files(TUNED)
        assert runtime_lora[:2] == (base, adapter) and served[:2] == (one_file, None)
        os.utime(one_file, ns=(0, one_file.stat().st_mtime_ns + 10**9))  # changed since it was stamped
        assert served_files(TUNED) == runtime_lora
        revisions |= {lab_proxy.model_revision(runtime_lora[2]), lab_proxy.model_revision(served[2])}
    assert len(revisions) == 4


def fake_merged_file(base: Path, adapter: Path) -> Path:
    """A stamped file where set-up caches the merged model (its content is llama-server's concern)."""
    path = merged.target_for(TUNED, base, adapter)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF merged")
    merged.stamp(path)
    return path


def test_the_room_side_refuses_what_would_expose_it(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(TutorError, match="without a token"):
        lab_server.read_token(TOKEN_ENV, "0.0.0.0")
    with pytest.raises(TutorError, match="plain http"):
        lab_server.tls_context(LabOptions(host="0.0.0.0"))
    monkeypatch.setenv(TOKEN_ENV, "short")
    with pytest.raises(TutorError, match="shorter than 16"):
        lab_server.read_token(TOKEN_ENV, "127.0.0.1")
    monkeypatch.delenv(TOKEN_ENV)
    token, where = lab_server.read_token(TOKEN_ENV, "127.0.0.1")  # loopback: a token file of its owner's
    path = tmp_path / "error-tutor" / "lab-server-token"
    assert str(path) in where and path.stat().st_mode & 0o777 == 0o600
    assert lab_server.read_token(TOKEN_ENV, "127.0.0.1")[0] == token  # kept across restarts


# -- a missing binary ------------------------------------------------------------------------------------------
def one_line_failure(tmp_path: Path, *argv: str, path_env: str = "/usr/bin:/bin") -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": path_env, TOKEN_ENV: TOKEN}
    env.pop(lab_server.BINARY_ENV, None)
    done = subprocess.run([sys.executable, "-m", "error_tutor_server", "lab-server", "--api-key-env", TOKEN_ENV,
                           *argv], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_missing_binary_is_one_line_that_says_how_to_fix_it(tmp_path):
    if shutil.which("llama-server", path="/usr/bin:/bin"):
        pytest.fail("a llama-server in /usr/bin or /bin hides the missing-binary case: remove it or change this test")
    line = one_line_failure(tmp_path)
    assert line.startswith("error-tutor: llama-server is not built on this machine") and "make setup" in line
    line = one_line_failure(tmp_path, "--llama-server", str(tmp_path / "nowhere" / "llama-server"))
    assert "does not exist or is not executable" in line and "make setup" in line
    assert not (tmp_path / "cache" / "error-tutor" / "lab-server-token").exists()  # refused before anything else


# -- the real server -------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    """The llama-server set-up built; built now if it was not (skip only when that fails here)."""
    try:
        return find_llama_server()
    except TutorError:
        pass
    done = subprocess.run([str(REPO / "scripts" / "build_llama_server.sh"), llama_cpp_version()],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("llama-server could not be built on this machine (scripts/build_llama_server.sh: "
                    + " | ".join(done.stderr.strip().splitlines()[-3:]) + ")")
    return find_llama_server()


@pytest.fixture(scope="module")
def lab(llama_server_binary, tmp_path_factory):
    """``error-tutor lab-server`` with the smallest real model, 4 slots, on a free loopback port."""
    cache = tmp_path_factory.mktemp("lab-cache")
    env = {**os.environ, TOKEN_ENV: TOKEN, "XDG_CACHE_HOME": str(cache)}
    # one thread: on a machine busy with other work, llama.cpp's threads wait for each other at every layer
    # (model.choose_threads); the tests check behaviour, bench_lab.py measures speed
    argv = ["--port", "0", "--slots", "4", "--threads", "1", "--model", "smollm2-135m", "--api-key-env", TOKEN_ENV,
            "--llama-server", str(llama_server_binary)]
    with open(cache / "lab-server.stderr", "w") as stderr:
        process, url = spawn(argv, env=env, stderr=stderr)
    yield url
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0


@pytest.fixture(scope="module")
def tuned_lab(llama_server_binary, tmp_path_factory):
    """``error-tutor lab-server`` with the fine-tuned SmolLM2, 2 slots, as set-up leaves it: its adapter merged
    into its base (merged into this cache now: seconds). Its address, printed lines and models cache folder."""
    cache = tmp_path_factory.mktemp("tuned-lab-cache")
    models = cache / "error-tutor" / "models"
    merged.merge(TUNED, *catalog.resolve(TUNED), folder=models)
    env = {**os.environ, TOKEN_ENV: TOKEN, "XDG_CACHE_HOME": str(cache)}
    argv = ["--port", "0", "--slots", "2", "--threads", "1", "--model", TUNED, "--api-key-env",
            TOKEN_ENV, "--llama-server", str(llama_server_binary)]
    with open(cache / "lab-server.stderr", "w") as stderr:
        process, url = spawn(argv, env=env, stderr=stderr)
    printed = []
    while not printed or "Ctrl-C stops it." not in printed[-1]:  # the rest of what it printed at once
        printed.append(process.stdout.readline())
        assert printed[-1], printed
    yield SimpleNamespace(url=url, printed="".join(printed), models=models)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0


def call(url: str, path: str, body: dict | None = None, token: str | None = TOKEN) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url.removesuffix("/v1") + path, data=data, headers=headers)
    try:
        with NO_PROXY.open(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def stats(url: str) -> dict:
    status, body = call(url, "/lab/stats")
    assert status == 200
    return json.loads(body)


def metric(url: str, name: str) -> float:
    status, body = call(url, "/metrics")
    assert status == 200
    return float(re.search(rf"^llamacpp:{name} (\S+)$", body.decode(), re.MULTILINE).group(1))


def engine_arguments(url: str) -> list[bytes]:
    """llama-server's command line, as every user of the machine sees it."""
    return Path(f"/proc/{stats(url)['engine_pid']}/cmdline").read_bytes().split(b"\0")


def story(n: int, tokens: int) -> dict:
    return {"messages": [{"role": "user", "content": f"Tell story number {n} ({secrets.token_hex(4)}) about a compiler."}],
            "max_tokens": tokens, "temperature": 0.0, "ignore_eos": True}


def test_concurrent_requests_are_answered_in_one_batch(lab):
    decodes, predicted = metric(lab, "n_decode_total"), metric(lab, "tokens_predicted_total")
    answers = [None] * 4

    def ask(n: int) -> None:
        answers[n] = call(lab, "/v1/chat/completions", story(n, 48))
    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    for status, body in answers:
        answer = json.loads(body)
        assert status == 200 and answer["usage"]["completion_tokens"] == 48, answer
        assert answer["choices"][0]["message"]["content"].strip()
    decoded = metric(lab, "n_decode_total") - decodes
    generated = metric(lab, "tokens_predicted_total") - predicted
    # one llama_decode() per step for every busy slot: 4 x 48 tokens in far fewer than 4 x 48 decodes
    assert generated >= 4 * 48 - 4 and decoded <= 0.6 * generated, (decoded, generated)


def test_the_rooms_token_is_enforced_and_the_engines_key_is_not_on_its_command_line(lab):
    request = story(0, 8)
    assert call(lab, "/v1/chat/completions", request, token=None)[0] == 401
    status, body = call(lab, "/v1/chat/completions", request, token="not-" + TOKEN)
    assert status == 401 and json.loads(body)["error"]["type"] == "authentication_error"
    assert call(lab, "/v1/models", token=None)[0] == 401 and call(lab, "/v1/models")[0] == 200
    assert call(lab, "/health", token=None)[0] == 200
    with pytest.raises(TutorError, match="refused the access token"):
        RemoteModel(lab, api_key="wrong-token-of-a-seat").load()
    arguments = engine_arguments(lab)
    assert b"--api-key-file" in arguments and b"--api-key" not in arguments
    assert not any(TOKEN.encode() in a for a in arguments)
    engine = f"http://127.0.0.1:{int(arguments[arguments.index(b'--port') + 1])}"
    assert call(engine, "/v1/models", token=None)[0] == 401  # the private port wants its own key
    assert call(engine, "/v1/models", token=TOKEN)[0] == 401  # which is not the room's


def test_identical_requests_are_generated_once_and_sampled_ones_never_shared(lab, monkeypatch):
    """Seats asking the same at once share one generation, which the lab server ends itself once the hover
    has all it shows (each seat closing its stream there would abandon it) and keeps for later seats."""
    case = story(7, 160)["messages"]
    monkeypatch.setattr(remote, "STOP_SEQUENCES", ())  # no stop at its first paragraph's end: past 3 sentences
    request = RemoteModel._request  # nor at the model's end token, wherever the story ends
    monkeypatch.setattr(RemoteModel, "_request", lambda self, path, body=None: request(
        self, path, {**body, "ignore_eos": True} if body else body))
    seat = [RemoteModel(lab, api_key=TOKEN).load() for _ in range(4)]  # as a seat does: learns it is a lab server
    before, texts = stats(lab), [None] * 3

    def ask(n: int) -> None:
        texts[n] = seat[n].generate(case, 160).text
    threads = [threading.Thread(target=ask, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    texts.append(seat[3].generate(case, 160).text)  # later: from the cache
    after = stats(lab)
    assert texts[0].strip() and len(set(texts)) == 1, texts
    assert said_enough(texts[0]) and after.get("said_enough", 0) - before.get("said_enough", 0) == 1, texts[0]
    assert after["upstream"] - before.get("upstream", 0) == 1
    assert (after.get("shared", 0) + after.get("cache_hits", 0)) - (before.get("shared", 0) + before.get("cache_hits", 0)) == 3
    sampled = {"messages": case, "max_tokens": 8, "temperature": 0.7}
    for _ in range(2):
        assert call(lab, "/v1/chat/completions", sampled)[0] == 200
    assert stats(lab)["upstream"] - after["upstream"] == 2


def test_a_seat_that_goes_away_stops_its_generation(lab):
    before = stats(lab)
    host, port = lab.split("//")[1].split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = {**story(9, 1500), "stream": True}
    connection.request("POST", "/v1/chat/completions", json.dumps(body),
                       {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    while b'"content"' not in response.readline():
        pass  # until the first token: the slot is generating
    response.close()  # what remote.py does when the student's document changes (the socket closes with it)
    connection.close()
    closed = time.monotonic()
    while stats(lab).get("upstream_cancelled", 0) == before.get("upstream_cancelled", 0) or metric(
            lab, "requests_processing") > 0:
        assert time.monotonic() - closed < 5, "the generation went on after its only seat had gone"
        time.sleep(0.1)
    assert stats(lab)["seat_cancelled"] > before.get("seat_cancelled", 0)


# -- a student's editor, end to end -------------------------------------------------------------------------------
LSP_CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                                server_env={**SERVER_ENV, TOKEN_ENV: TOKEN, "ERROR_TUTOR_REMOTE_API_KEY_ENV": TOKEN_ENV})


@pytest_lsp.fixture(config=LSP_CONFIG)
async def seat_client(lsp_client: LanguageClient, lab, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, backend="remote", remoteUrl=lab, modelText="any",
                                                    debounceMs=100))
    yield
    await lsp_client.shutdown_session()


async def test_a_students_editor_gets_the_models_text_through_the_lab_server(seat_client, lab, tmp_path):
    before = stats(lab)
    uri = open_document(seat_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(seat_client, uri))[0].range.start
    panel = await seat_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="errorTutor.explain", arguments=[uri, start.line, start.character]))
    assert "not answering" not in panel and "on its way" not in panel, panel
    assert "Explained by the local model" in panel or "built-in guide" in panel, panel
    assert stats(lab)["completed"] > before.get("completed", 0)
    warm = (await hover(seat_client, uri, start.line, start.character)).contents.value
    assert "**What it means:**" in warm and "not answering" not in warm


# -- what a seat learns from the lab server -------------------------------------------------------------------
def listed_model(url: str) -> dict:
    status, body = call(url, "/v1/models")
    assert status == 200, body
    return json.loads(body)["data"][0]


def seat(url: str, tmp_path: Path, **changes) -> Tutor:
    """A seat's tutor as the lab file sets it (the default modelText: a fine-tuned model's text only)."""
    settings = TutorSettings(backend="remote", remote_url=url, cache_dir=str(tmp_path / "cache"), **changes)
    return Tutor(settings, RemoteModel(url, api_key=TOKEN))


def c_error(tutor: Tutor):
    return tutor.case(diagnose_sync("c", C_MISSING_SEMICOLON, TutorSettings())[0], C_MISSING_SEMICOLON)


def recording(backend: RemoteModel) -> list:
    """The messages ``backend`` is asked to complete and the generation it got, recorded as it sends them to
    the real server."""
    sent, generate = [], backend.generate

    def record(messages, *args, **kwargs):
        sent.append(messages)
        generation = generate(messages, *args, **kwargs)
        sent.append(generation)
        return generation
    backend.generate = record
    return sent


def test_a_seat_prompts_a_fine_tuned_lab_model_as_it_was_trained_and_shows_its_text(tuned_lab, tmp_path):
    tuned_lab = tuned_lab.url
    listed = listed_model(tuned_lab)
    assert listed["id"] == "tutor-smollm2-135m" and listed["error_tutor"]["fine_tuned"] is True
    tutor = seat(tuned_lab, tmp_path)
    assert tutor.settings.model_text == "fine-tuned" and not tutor.backend.loaded
    sent, case = recording(tutor.backend), c_error(tutor)
    explanation = tutor.explain(case)
    assert explanation.kind in ("model", "rules_rejected"), explanation  # generated and judged: shown if it passes
    # no worked example, as it was trained, and the answer's label given for the model to continue
    # and its facts as it was trained on them (the shipped SmolLM2: compact)
    facts = catalog.prompt_facts("tutor-smollm2-135m")
    assert sent[:1] == [build_messages(case, worked_example=False, prefill=True, facts=facts)] and len(sent) == 2
    label = answer_label(case.classification, case.line)
    assert sent[1].text.startswith(label + " ") and label not in sent[1].text[len(label):], sent[1].text
    assert tutor.backend.fine_tuned and tutor.shows_model_text()
    assert tutor.backend.name == f"tutor-smollm2-135m#{listed['error_tutor']['revision']}@{tuned_lab}"
    assert tutor.cached(case) is not None  # cached under the served model's name


def test_an_untuned_lab_model_keeps_the_worked_example_and_nothing_unshown_is_generated(lab, tmp_path):
    listed = listed_model(lab)
    assert listed["id"] == "smollm2-135m" and listed["error_tutor"]["fine_tuned"] is False
    before = stats(lab).get("requests", 0)
    tutor = seat(lab, tmp_path)
    case = c_error(tutor)
    assert tutor.explain(case).kind == "rules_untuned"
    assert stats(lab).get("requests", 0) == before  # its text would not be shown: not asked for
    assert tutor.backend.loaded and not tutor.backend.fine_tuned
    assert tutor.prompt(case)[0] == build_messages(case)  # with the worked example (modelText = "any")


def test_a_lab_server_restarted_with_another_model_is_asked_again(tuned_lab, tmp_path):
    tutor = seat(tuned_lab.url, tmp_path)
    backend = tutor.backend.load()
    learnt, case = backend.name, c_error(tutor)
    # what the seat had learnt before the lab server was restarted with the model it serves now
    backend._served = dataclasses.replace(backend._served, model="tutor-qwen2.5-coder-0.5b", revision="0" * 12)
    _, stale_key = tutor.prompt(case)
    assert tutor.explain(case).kind == "rules_pending"  # the answer of another model: not kept
    assert tutor.cache.get(stale_key) is None and not backend.loaded
    assert tutor.explain(case).kind in ("model", "rules_rejected") and backend.name == learnt



def test_a_fine_tuned_lab_model_is_served_as_the_merged_file_set_up_made(tuned_lab, monkeypatch):
    monkeypatch.setattr(catalog, "models_cache", lambda: tuned_lab.models)  # the lab server's cache
    one_file, lora, model_id = served_files(TUNED)
    assert lora is None and one_file.parent == tuned_lab.models
    arguments = engine_arguments(tuned_lab.url)
    assert arguments[arguments.index(b"--model") + 1] == bytes(one_file) and b"--lora" not in arguments
    assert f"  weights: {one_file.name} (its adapter merged at set-up)\n" in tuned_lab.printed
    assert listed_model(tuned_lab.url)["error_tutor"]["revision"] == lab_proxy.model_revision(model_id)


def test_a_seat_says_how_many_sentences_its_hover_shows():
    """One after a fine-tuned model's given label, three otherwise; ``true`` from older seats means three, and
    anything else is generated to its end."""
    from error_tutor_server.lab_proxy import sentences_wanted

    assert (sentences_wanted(1), sentences_wanted(3), sentences_wanted(True)) == (1, 3, 3)
    assert {sentences_wanted(v) for v in (False, None, 0, -1, 4, "1", 1.0)} == {0}
