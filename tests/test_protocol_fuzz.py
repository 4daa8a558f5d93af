"""Malformed JSON-RPC over the real server's stdio (raw pipes, no LSP client library).

After every batch of bad frames the server must still answer a well-formed hover with the
rule-based explanation (and still be running). Random frames come from a seeded generator,
so a failure reproduces; every test is bounded in time.
"""

from __future__ import annotations

import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

PROGRAM = "def grade(score):\n    if score > 50\n        return 'pass'\n    return 'fail'\n"
SEED = 20260523
REAL_METHODS = ("initialize", "textDocument/hover", "textDocument/didOpen", "textDocument/didChange",
                "textDocument/didClose", "textDocument/didSave", "workspace/executeCommand",
                "workspace/didChangeConfiguration", "$/cancelRequest", "$/setTrace", "textDocument/completion")


class RawServer:
    """``python -m error_tutor_server serve`` on pipes, with a thread parsing its output frames."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.stderr = open(folder / "server.stderr", "wb")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ERROR_TUTOR_LOG": "WARNING"}
        self.process = subprocess.Popen([sys.executable, "-m", "error_tutor_server", "serve"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr, env=env, cwd=folder)
        self.messages: queue.Queue = queue.Queue()
        self.popups: list[str] = []  # window/showMessage texts: what the student would see
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.uri = (folder / "grade.py").as_uri()

    def _read(self) -> None:
        out = self.process.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line.strip() == b"":
                    break
            message = json.loads(out.read(length))
            if message.get("method") == "window/showMessage":
                self.popups.append(message["params"]["message"])
            self.messages.put(message)

    # -- sending ---------------------------------------------------------------------------------
    def raw(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def frame(self, body: bytes) -> None:
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: dict) -> None:
        self.frame(json.dumps(message).encode("utf-8"))

    def request(self, method: str, params, timeout: float = 15.0) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and ("result" in m or "error" in m), timeout)

    def wait(self, predicate, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.messages.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(f"no answer within {timeout} s; server running: {self.alive()}") from None
            if message is None:
                raise AssertionError(f"the server closed its output (exit code {self.process.wait(5)}): "
                                     f"{self.log_tail()}")
            if predicate(message):
                return message

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self) -> str:
        self.stderr.flush()
        return (self.folder / "server.stderr").read_text(errors="replace")[-1500:]

    # -- the well-formed exchange --------------------------------------------------------------
    def open_workspace(self) -> tuple[int, int]:
        reply = self.request("initialize", {"processId": None, "rootUri": self.folder.as_uri(), "capabilities": {},
                                            "initializationOptions": {"backend": "none", "debounceMs": 50,
                                                                      "cacheDir": str(self.folder / "cache")}})
        assert "capabilities" in reply["result"]
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": self.uri, "languageId": "python", "version": 1, "text": PROGRAM}}})
        published = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == self.uri)
        start = published["params"]["diagnostics"][0]["range"]["start"]
        return start["line"], start["character"]

    def assert_serving(self, position: tuple[int, int], timeout: float = 15.0) -> None:
        reply = self.request("textDocument/hover", {"textDocument": {"uri": self.uri},
                                                    "position": {"line": position[0], "character": position[1]}},
                             timeout)
        assert "What it means" in reply["result"]["contents"]["value"], reply
        assert self.alive()

    def close(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(10)
        self.stderr.close()


@pytest.fixture
def server(tmp_path):
    raw = RawServer(tmp_path)
    position = raw.open_workspace()
    raw.position = position
    yield raw
    raw.close()


def test_bad_content_length_headers(server):
    """A body whose header was not understood is read as junk header lines until the next
    valid header; each batch ends its junk with a line end, as any stream of lines would."""
    server.raw(b"Content-Length: abc\r\n\r\n{}\r\n")
    server.raw(b"Content-Length: -5\r\n\r\n{}\r\n")
    server.raw(b"Content-Length: 0\r\n\r\n")
    server.raw(b"Content-Length: 1e3\r\n\r\n{}\r\n")
    server.raw(b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}\r\n")  # no length at all
    body = b'{"jsonrpc": "2.0", "id": 999, "method": "errorTutor/unknown", "params": {}}'
    server.raw(b"Content-Length: %d\r\n\r\n" % (len(body) - 10) + body + b"\r\n")  # too short: the rest is junk
    server.raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 40) + body + b" " * 40)  # too long, padded
    assert server.wait(lambda m: m.get("id") == 999)["error"]["code"] == -32601
    server.raw(b"Content-Length: 2\r\nContent-Length: 4\r\n\r\n{}")  # two lengths: the first one counts
    server.raw(b"content-length: 2\r\n\r\n{}\r\n")  # wrong case
    server.raw(b"Content-Length:  2\r\n\r\n{}\r\n")  # two spaces
    server.assert_serving(server.position)


def test_non_json_and_non_object_bodies(server):
    for body in (b"not json", b"{", b'{"jsonrpc": "2.0", "id": 1, "method": ', b"\xff\xfe\x00garbage",
                 "\u00e9t\u00e9".encode("latin-1"), b"[]", b"42", b'"a string"', b"null", b"true",
                 b'[{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover"}]', b'{"jsonrpc": "2.0"}',
                 b'{"id": 3}', b'{"jsonrpc": "1.0", "id": 4, "method": "initialize"}', b"{}" * 1000):
        server.frame(body)
    server.assert_serving(server.position)


def test_unknown_methods_get_method_not_found(server):
    reply = server.request("errorTutor/doesNotExist", {"x": 1})
    assert reply["error"]["code"] == -32601
    server.send({"jsonrpc": "2.0", "method": "$/someClientNotification", "params": {}})
    server.send({"jsonrpc": "2.0", "method": "unknown/notification", "params": [1, 2, 3]})
    server.assert_serving(server.position)


INVALID_PARAMS, METHOD_NOT_FOUND = -32602, -32601
# (method, params, what the reply must be: "result" or a JSON-RPC error code)
WRONG_PARAMS = [
    # pygls's converter turns 1 into the URI "1": no such document, so no explanation
    ("workspace/executeCommand", {"command": "errorTutor.explain", "arguments": [1, 2, 3]}, "result"),
    ("workspace/executeCommand", {"command": "errorTutor.explain", "arguments": ["file:///nowhere.py", "x", None]},
     INVALID_PARAMS),
    ("workspace/executeCommand", {"command": "errorTutor.rate", "arguments": [{"a": 1}]}, INVALID_PARAMS),
    ("workspace/executeCommand", {"command": "errorTutor.status", "arguments": "not a list"}, "result"),
    ("workspace/executeCommand", {"command": 12}, INVALID_PARAMS),  # no command named '12'
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 2 ** 31 - 1, "character": 0}},
     "result"),
    ("initialize", {"capabilities": "none"}, "result"),
    ("shutdown-ish", {}, METHOD_NOT_FOUND),
]
# params of the wrong LSP type (or none): pygls used to drop these unanswered
UNFIT = [
    ("textDocument/hover", "a string", INVALID_PARAMS),
    ("textDocument/hover", [1, 2], INVALID_PARAMS),
    ("textDocument/hover", {"textDocument": 5, "position": {"line": 0, "character": 0}}, INVALID_PARAMS),
    ("textDocument/hover", {"textDocument": {"uri": None}, "position": None}, INVALID_PARAMS),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": -1, "character": -9}},
     INVALID_PARAMS),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 2 ** 62, "character": 0}},
     INVALID_PARAMS),
    ("textDocument/hover", None, INVALID_PARAMS),
    ("errorTutor/withoutParams", None, METHOD_NOT_FOUND),
]
WRONG_NOTIFICATIONS = [
    ("textDocument/didOpen", {"textDocument": {"uri": "file:///y.c", "languageId": "c", "version": "one"}}),
    ("textDocument/didOpen", {"textDocument": {"uri": "file:///z.c", "languageId": "c", "version": 1,
                                               "text": "int main(void) { return \ud800\udfff 0 }\n"}}),
    ("textDocument/didOpen", {"textDocument": {"uri": "not a uri", "languageId": "python", "version": 1,
                                               "text": "x = (\n"}}),
    ("textDocument/didChange", {"textDocument": {"uri": "file:///never-opened.py", "version": 2},
                                "contentChanges": [{"text": "x = 1\n"}]}),
    ("textDocument/didChange", {"textDocument": {"uri": "file:///never-opened.py", "version": 3},
                                "contentChanges": [{"range": {"start": {"line": 9, "character": 9},
                                                              "end": {"line": 0, "character": 0}}, "text": "y"}]}),
    ("textDocument/didClose", {"textDocument": {"uri": "file:///never-opened.py"}}),
    ("workspace/didChangeConfiguration", {"settings": {"errorTutor": {"hintLevel": 5, "debounceMs": "slow",
                                                                      "enabledLanguages": "all"}}}),
    ("workspace/didChangeConfiguration", {"settings": [1, 2, 3]}),
    ("$/cancelRequest", {"id": {"nested": True}}),
    ("$/cancelRequest", "x"),
]


def assert_reply(reply: dict, expected, ident) -> None:
    """A reply to request ``ident``: a result, or an error with the expected JSON-RPC code."""
    assert reply["jsonrpc"] == "2.0" and reply["id"] == ident, reply
    if expected == "result":
        assert "result" in reply and "error" not in reply, reply
    else:
        assert "result" not in reply and reply["error"]["code"] == expected, reply
        assert reply["error"]["message"], reply


def test_requests_and_notifications_with_wrong_param_types(server):
    for method, params, expected in WRONG_PARAMS:
        reply = server.request(method, params)
        assert_reply(reply, expected, server.next_id)
    for method, params in WRONG_NOTIFICATIONS:
        server.send({"jsonrpc": "2.0", "method": method, "params": params})
    # the configuration changes above were invalid: the defaults apply and rules still explain
    server.assert_serving(server.position)


def test_every_request_is_answered_even_with_wrong_params(server):
    expected = {}
    for n, (method, params, code) in enumerate(UNFIT):
        ident = f"bad-{n}"
        expected[ident] = code
        server.send({"jsonrpc": "2.0", "id": ident, "method": method, **({} if params is None else {"params": params})})
    for _ in UNFIT:
        reply = server.wait(lambda m: str(m.get("id", "")).startswith("bad-"), timeout=5)
        assert_reply(reply, expected.pop(reply["id"]), reply["id"])
    assert expected == {}, f"unanswered: {sorted(expected)}"
    server.assert_serving(server.position)


def test_garbage_frames_do_not_pop_up_errors_for_the_student(server):
    for body in (b"not json", b"{", b'{"jsonrpc": "2.0", "id": 5, "method": "errorTutor/x"}'):
        server.frame(body)
    server.assert_serving(server.position)
    assert server.popups == []


def test_truncated_and_garbled_headers(server):
    server.raw(b"Content-Length: 10")  # no line end: glued to the next header line
    server.raw(b"\r\n\r\n")
    server.raw(b"{\"junk\": 1}\r\n")
    server.raw(b"Content-Len")
    server.raw(b"gth: 17\r\n\r\n")
    server.raw(b"\n\n\r\r\n" * 50)
    server.raw(b"X-Header-Without-Colon\r\n\r\n")
    server.raw(b"A" * 200_000 + b"\r\n\r\n")  # a 200 kB header line
    server.assert_serving(server.position)


def test_seeded_random_frames(server):
    rng = random.Random(SEED)
    deadline = time.monotonic() + 20
    sent = 0
    while sent < 600 and time.monotonic() < deadline:
        choice = rng.random()
        if choice < 0.3:
            server.frame(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200))))
        elif choice < 0.6:
            value = rng.choice([None, True, 3.5, -1, "x" * rng.randint(0, 50), [], {}, {"a": [1, {"b": None}]}])
            message = {"jsonrpc": "2.0", "method": rng.choice(REAL_METHODS), "params": value}
            if rng.random() < 0.5:
                message["id"] = rng.choice([rng.randint(10_000, 99_999), f"s{rng.randint(0, 999)}", None, 1.5])
            server.send(message)
        else:
            server.raw(rng.choice([b"\r\n", b"Content-Length: x\r\n", b"garbage line\r\n", b"\r\n\r\n"]))
        sent += 1
    server.raw(b"\r\n\r\n")  # end any header block the noise left open
    server.assert_serving(server.position)


def test_flood_of_two_thousand_requests_all_answered(server):
    line, character = server.position
    first = server.next_id + 1
    started = time.monotonic()
    for n in range(2000):
        server.next_id += 1
        method, params = (("textDocument/hover", {"textDocument": {"uri": server.uri},
                                                  "position": {"line": line, "character": character}})
                          if n % 2 else ("workspace/executeCommand", {"command": "errorTutor.status"}))
        server.send({"jsonrpc": "2.0", "id": server.next_id, "method": method, "params": params})
    answered = set()
    while len(answered) < 2000:
        message = server.wait(lambda m: "id" in m and ("result" in m or "error" in m), timeout=40)
        assert "result" in message, message  # every one of them was well-formed
        answered.add(message["id"])
    assert answered == set(range(first, first + 2000))
    assert time.monotonic() - started < 40
    server.assert_serving(server.position)


def test_oversized_twenty_megabyte_message_is_answered_or_refused(server):
    server.next_id += 1
    ident = server.next_id
    server.send({"jsonrpc": "2.0", "id": ident, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": server.uri}, "position": {"line": 0, "character": 0}, "padding": "a" * 20_000_000}})
    reply = server.wait(lambda m: m.get("id") == ident, timeout=30)
    assert reply["error"]["code"] == -32600 and "larger than the 16 MB limit" in reply["error"]["message"], reply
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": (server.folder / "huge.py").as_uri(), "languageId": "python", "version": 1,
        "text": "x = 1\n" * 3_500_000}}})
    server.assert_serving(server.position, timeout=30)


@pytest.mark.parametrize("length", [10 ** 14, 3 * 10 ** 9])
def test_absurd_content_length_is_refused_without_dying(server, length):
    server.raw(b"Content-Length: %d\r\n\r\n{}\r\n" % length)
    server.assert_serving(server.position, timeout=5)
