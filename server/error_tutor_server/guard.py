"""Limits on what the editor may send: the protocol layer never allocates what a header claims,
never leaves a request unanswered and never keeps state for a message it has handled.

pygls reads a message body with ``stdin.read(Content-Length)``: a header claiming terabytes
would exhaust memory, and one claiming gigabytes would swallow every later message while
waiting. ``GuardedStdin`` refuses bodies over ``MAX_MESSAGE_BYTES``: it skips them (or, when
the claim is absurd, does not wait for them) and hands pygls a small stand-in message, which
for a request carries its id so the client gets a clear error instead of silence.

A wrong Content-Length (a client counting characters, not UTF-8 bytes) leaves the rest of
that body in front of the next header, glued to it: pygls would never see a header again and
the server would go deaf. ``readline`` drops such garbage in front of ``Content-Length:``, so
the stream resynchronises on the next message.

``GuardedProtocol`` repairs two things in pygls' protocol: a request whose params do not fit
their LSP type (a hover at line -1) is answered with InvalidParams instead of being dropped,
and the future pygls files under a made-up id for every notification is forgotten once the
notification has been handled, instead of being kept for the life of the process.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

import attrs
from cattrs.errors import ClassValidationError
from cattrs.v import format_exception, transform_error
from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("error_tutor.guard")

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
IMPOSSIBLE_BYTES = 256 * 1024 * 1024  # claims beyond this are not even skipped: nobody sends them
MAX_HEADER_LINE = 64 * 1024
LENGTH_HEADER = b"Content-Length:"
TOO_LARGE_METHOD = "errorTutor/messageTooLarge"
IGNORED = b'{"jsonrpc": "2.0", "method": "$/errorTutor/ignored", "params": {}}'
_REQUEST_ID = re.compile(rb'"id"\s*:\s*(\d{1,18}|"[^"\\]{0,128}")')
MAX_REASON_CHARS = 600


class GuardedStdin:
    """A binary stdin for pygls whose reads are bounded."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self._carry = b""  # the tail of a cut-off line that may be the start of a header

    def readline(self, *args) -> bytes:
        """One header line, with any garbage in front of a ``Content-Length:`` header dropped.

        A line longer than ``MAX_HEADER_LINE`` comes in pieces; a header that straddles two
        pieces is kept whole by carrying the end of one piece over to the next.
        """
        line = self._carry + self.stream.readline(MAX_HEADER_LINE)
        self._carry = b""
        if line and not line.endswith(b"\n"):  # cut off at the limit: carry over what may start a header
            cut = line.rfind(LENGTH_HEADER)
            cut = cut if cut >= 0 else max(len(line) - len(LENGTH_HEADER) + 1, 0)
            if cut > 0:
                line, self._carry = line[:cut], line[cut:]
            return line  # junk, which pygls skips
        start = line.rfind(LENGTH_HEADER)
        if start > 0:
            log.warning("dropped %d bytes in front of a Content-Length header: the previous message's "
                        "length was wrong", start)
            return line[start:]
        return line

    def read(self, n: int = -1) -> bytes:
        if 0 <= n <= MAX_MESSAGE_BYTES:
            return self.stream.read(n)
        log.warning("refused a %d-byte message from the editor", n)
        if n < 0 or n > IMPOSSIBLE_BYTES:
            return IGNORED
        head = self._skip(n)
        found = _REQUEST_ID.search(head)
        if not found:
            return IGNORED
        return (b'{"jsonrpc": "2.0", "id": %s, "method": "%s", "params": {"bytes": %d}}'
                % (found.group(1), TOO_LARGE_METHOD.encode(), n))

    def _skip(self, n: int) -> bytes:
        """Read and drop the body in 1 MB pieces; return its first 4 KB (to find the request id)."""
        head = self.stream.read(4096)
        left = n - len(head)
        while left > 0:
            chunk = self.stream.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        return head


@attrs.define
class UnfitRequest:
    """A request whose params (or id) could not be structured: what ``handle_message`` answers."""

    id: Any
    method: str
    error: ResponseError


class GuardedProtocol(LanguageServerProtocol):
    """pygls' LSP protocol that answers every request and forgets handled notifications."""

    def structure_message(self, data: dict):
        """Structure one JSON object; a request that does not fit its type becomes an ``UnfitRequest``.

        pygls raises here, inside ``json.loads``, and its reader loop only logs the failure:
        the request id is lost and the editor waits for an answer for ever.
        """
        if "jsonrpc" in data and "method" in data and "params" not in data:
            data = {**data, "params": None}  # JSON-RPC lets a message leave params out
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" not in data or "method" not in data:
                raise  # a notification or a response: nobody to answer, the reader logs it
            return unfit_request(data, exc.__cause__ or exc)

    def handle_message(self, message) -> None:
        if isinstance(message, UnfitRequest):
            log.warning("answered %s (id %r) with an error: %s", message.method, message.id, message.error.message)
            # a plain dict: pygls' converter would leave out an id of null, which JSON-RPC requires
            self._send_data({"jsonrpc": "2.0", "id": message.id,
                             "error": {"code": message.error.code, "message": message.error.message}})
            return
        super().handle_message(message)

    def _execute_handler(self, msg_id, handler, callback, args=None, kwargs=None) -> None:
        """Run a handler as pygls does, then drop its future from ``_request_futures`` once done.

        pygls files a future there for every async or generator handler (so that a request can
        be cancelled), but only a request's reply removes it: the future of every notification
        (each didChange goes through a generator) stayed there for good.
        """
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(partial(self._forget, msg_id))

    def _forget(self, msg_id, future) -> None:
        if self._request_futures.get(msg_id) is future:  # not a newer message that reused the id
            del self._request_futures[msg_id]

    def pending_messages(self) -> int:
        """How many requests and notifications are in flight (what the status command reports)."""
        return len(self._request_futures)


def unfit_request(data: dict, cause: BaseException) -> UnfitRequest:
    """The InvalidParams answer to a request, naming what did not fit and why."""
    ident = data["id"]
    if isinstance(ident, bool) or not isinstance(ident, (int, str)):
        ident = None  # JSON-RPC: an id that cannot be read is answered as null
    method = data["method"] if isinstance(data["method"], str) else repr(data["method"])
    reason = "; ".join(structuring_reasons(cause))[:MAX_REASON_CHARS]
    return UnfitRequest(ident, method, JsonRpcInvalidParams(f"Invalid params for {method}: {reason}").to_response_error())


def structuring_reasons(cause: BaseException) -> list[str]:
    """cattrs' errors as 'what @ where' lines; a validator's own words (the allowed range) are kept."""
    if not isinstance(cause, ClassValidationError):
        return [str(cause) or type(cause).__name__]
    return transform_error(cause, format_exception=_describe)


def _describe(exc: BaseException, expected: type | None) -> str:
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)  # e.g. "Position.line should be in range [0:2147483647], but was -1."
    return format_exception(exc, expected)
