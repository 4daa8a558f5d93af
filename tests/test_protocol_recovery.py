"""The server never goes deaf or freezes: it recovers from a frame whose length is wrong,
answers every request (InvalidParams when its params do not fit), keeps answering while a
feedback write waits for a lock, and keeps no state per notification.

The real server over stdio: raw frames (``RawServer``) or pytest-lsp's client.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

from lsprotocol import types

from conftest import diagnostics_for, hover, open_document
from error_tutor_server.feedback import connect
from test_lsp_diagnostics import PY_MISSING_COLON
from test_protocol_fuzz import PROGRAM, server  # noqa: F401  (the RawServer fixture)

INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601


def char_counted_frame(message: dict) -> bytes:
    """A frame whose Content-Length counts characters, as a buggy client does: short by one
    byte for every 'é' (two bytes in UTF-8)."""
    text = json.dumps(message, ensure_ascii=False)
    return b"Content-Length: %d\r\n\r\n" % len(text) + text.encode("utf-8")


def test_a_length_counted_in_characters_does_not_deafen_the_server(server):
    """The rest of the short body is glued in front of the next header; the server drops it
    and answers the next well-formed request, every time."""
    accented = "file:///tmp/caf\u00e9.py"  # not percent-encoded: 'é' is in the frame as two bytes
    server.raw(char_counted_frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": accented, "languageId": "python", "version": 1, "text": "print('café')\n"}}}))
    server.assert_serving(server.position, timeout=5)
    server.raw(char_counted_frame({"jsonrpc": "2.0", "id": "é-1", "method": "textDocument/hover", "params": {
        "textDocument": {"uri": accented}, "position": {"line": 0, "character": 0}}}))
    server.assert_serving(server.position, timeout=5)
    server.stderr.flush()
    log = (server.folder / "server.stderr").read_text()
    assert log.count("dropped 2 bytes in front of a Content-Length header") == 2, log  # two 'é' in each frame


def test_garbage_glued_to_a_header_is_dropped(server):
    server.raw(b"\x00\xffnot a header at all")  # no line end: glued to the next header
    server.assert_serving(server.position, timeout=5)


IMPOSSIBLE_POSITIONS = [({"line": -1, "character": 0}, "Position.line should be in range"),
                        ({"line": 2 ** 31, "character": 0}, "Position.line should be in range"),
                        ({"line": 0, "character": -9}, "Position.character should be in range"),
                        ({"line": "one", "character": 0}, "position")]


def test_a_hover_at_an_impossible_position_gets_invalid_params(server):
    for position, reason in IMPOSSIBLE_POSITIONS:
        reply = server.request("textDocument/hover", {"textDocument": {"uri": server.uri}, "position": position},
                               timeout=5)
        assert "result" not in reply, reply
        assert reply["error"]["code"] == INVALID_PARAMS, reply
        assert reply["error"]["message"].startswith("Invalid params for textDocument/hover"), reply
        assert reason in reply["error"]["message"], reply
    server.assert_serving(server.position, timeout=5)


def test_missing_params_are_invalid_for_a_hover_and_fine_for_an_unknown_method(server):
    server.send({"jsonrpc": "2.0", "id": "no-params", "method": "textDocument/hover"})
    reply = server.wait(lambda m: m.get("id") == "no-params", timeout=5)
    assert reply["error"]["code"] == INVALID_PARAMS and "params" in reply["error"]["message"], reply
    server.send({"jsonrpc": "2.0", "id": 77, "method": "errorTutor/unknown"})
    assert server.wait(lambda m: m.get("id") == 77, timeout=5)["error"]["code"] == METHOD_NOT_FOUND


def change(server, version: int) -> None:
    server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": server.uri, "version": version}, "contentChanges": [{"text": PROGRAM}]}})


def status(server) -> dict:
    return server.request("workspace/executeCommand", {"command": "errorTutor.status"}, timeout=60)["result"]


def test_notifications_leave_no_state_behind(server):
    """pygls filed a future for every notification and never removed it (RSS grew with every
    keystroke); the status command reports how many messages the protocol still tracks."""
    before = status(server)["pending"]
    for version in range(2, 3002):
        change(server, version)
        if version % 500 == 0:
            server.send({"jsonrpc": "2.0", "method": "textDocument/didSave",
                         "params": {"textDocument": {"uri": server.uri}}})
    after = status(server)["pending"]
    assert before <= 2 and after <= 2, f"the protocol still tracks {after} messages after 3000 notifications"
    server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 3001)
    server.assert_serving(server.position)


HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


async def rate(client, uri: str, position: types.Position) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="errorTutor.rate", arguments=[uri, position.line, position.character, True]))


async def test_a_locked_feedback_file_does_not_freeze_hovers(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "grade.py", PY_MISSING_COLON, "python")
    start = (await diagnostics_for(rules_client, uri, version=1))[0].range.start
    db_path = tmp_path / "feedback.sqlite3"
    connect(db_path).close()  # the table exists: the write below waits only for the lock
    rules_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"errorTutor": {
        "backend": "none", "feedback": True, "feedbackPath": str(db_path), "cacheDir": str(tmp_path / "cache")}}))
    assert (await rate(rules_client, uri, start))["stored"] is True
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        pending = asyncio.ensure_future(rate(rules_client, uri, start))
        await asyncio.sleep(0.5)  # the rating has reached the locked file by now
        started = time.monotonic()
        answer = await asyncio.wait_for(hover(rules_client, uri, start.line, start.character), 3)
        assert "What it means" in answer.contents.value and time.monotonic() - started < 3
        assert not pending.done(), "the rating is still waiting for the lock"
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(10)
    stored = await asyncio.wait_for(pending, 30)  # SQLite's busy handler lets it through once released
    assert stored["stored"] is True and isinstance(stored["id"], int)
