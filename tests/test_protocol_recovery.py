"""The server never goes deaf or freezes: it recovers from a frame whose length is wrong,
answers every request (InvalidParams when its params do not fit), keeps answering while a
feedback write waits for a lock, and keeps no state per notification.

The real server over stdio: raw frames (``RawServer``) or pytest-lsp's client.
"""

from __future__ import annotations

import json

from test_protocol_fuzz import server  # noqa: F401  (the RawServer fixture)


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
