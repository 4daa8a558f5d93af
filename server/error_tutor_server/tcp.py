"""The language server on TCP, for editors that connect instead of starting it: one client,
authenticated by a token in its first message.

Anyone on the machine can connect to a loopback port, so every connection must prove it knows a
token: the first message must be ``initialize`` with ``initializationOptions.token`` equal to the
token in ``--token-file`` (compared in constant time). Without ``--token-file`` a fresh token is
written to ``<cache dir>/tcp-token`` (readable by its owner only) and its path logged. Any other
address than loopback is refused unless a token file is given. The token is removed from the
options before the server sees them; a connection that fails the check gets a JSON-RPC error
and is closed, and the server keeps listening for the right client.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import threading
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_server.paths import cache_dir, write_private_token
from error_tutor_server.remote import is_loopback

log = logging.getLogger("error_tutor.tcp")

MAX_FIRST_FRAME = 1 << 20
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
AUTH_FAILED = -32001


def read_token(token_file: str | None, host: str) -> str:
    """The token every connection must send; refuse what would expose the server."""
    if token_file:
        try:
            token = Path(token_file).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise TutorError(f"Cannot read the token file '{token_file}' ({exc}).",
                             "Write a random token (e.g. `openssl rand -hex 32`) into it.") from None
        if len(token) < 16:
            raise TutorError(f"The token in '{token_file}' is shorter than 16 characters.",
                             "Use a long random token, e.g. `openssl rand -hex 32`.")
        return token
    if not is_loopback(host):
        raise TutorError(f"Refusing to listen on {host} without a token: anyone who reaches the port "
                         "could change settings and read files.",
                         "Pass --token-file FILE (clients send its token as initializationOptions.token), "
                         "or keep the default --host 127.0.0.1.")
    return write_fresh_token()


def write_fresh_token() -> str:
    path = cache_dir() / "tcp-token"
    token = write_private_token(path)
    log.warning("TCP clients must send the token in %s as initializationOptions.token", path)
    return token


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """One JSON-RPC body (bounded), or None when the peer sent something else."""
    length = None
    while True:
        line = await reader.readline()
        if not line or len(line) > 1024:
            return None
        found = _CONTENT_LENGTH.match(line.strip())
        if found:
            length = int(found.group(1))
        elif not line.strip():
            break
    if length is None or length > MAX_FIRST_FRAME:
        return None
    return await reader.readexactly(length)


def authenticated_initialize(body: bytes | None, token: str) -> tuple[bytes | None, object]:
    """The first message with the token taken out, or (None, its id) when it does not authenticate."""
    try:
        message = json.loads(body) if body is not None else None
    except ValueError:
        message = None
    if not isinstance(message, dict):
        return None, None
    options = (message.get("params") or {}).get("initializationOptions") if isinstance(message.get("params"), dict) else None
    sent = options.pop("token", None) if isinstance(options, dict) else None
    if message.get("method") != "initialize" or not isinstance(sent, str) \
            or not hmac.compare_digest(sent.encode(), token.encode()):
        return None, message.get("id")
    return json.dumps(message).encode("utf-8"), message.get("id")


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class ReplayReader:
    """A stream reader that first hands out ``prefix`` (the checked first message), then the socket."""

    def __init__(self, prefix: bytes, reader: asyncio.StreamReader) -> None:
        self.prefix, self.reader = prefix, reader

    async def readline(self) -> bytes:
        if self.prefix:
            cut = self.prefix.find(b"\n") + 1 or len(self.prefix)
            line, self.prefix = self.prefix[:cut], self.prefix[cut:]
            return line
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        head, self.prefix = self.prefix[:n], self.prefix[n:]
        return head + (await self.reader.readexactly(n - len(head)) if n > len(head) else b"")


async def refuse(writer: asyncio.StreamWriter, request_id, peer) -> None:
    log.warning("refused a TCP connection from %s: no valid token in its initialize", peer)
    if request_id is not None:
        error = {"code": AUTH_FAILED, "message": "Error Tutor refused the connection: send the server's token "
                                                 "as initializationOptions.token."}
        writer.write(frame(json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()))
        await writer.drain()
    writer.close()


def start_tcp(server, host: str, port: int, token: str) -> None:
    """Serve ``server`` (a pygls LanguageServer) on ``host:port`` to the first client with the token,
    as pygls's own ``start_tcp`` does once the token is checked."""
    from pygls.io_ import run_async

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            body, request_id = authenticated_initialize(await asyncio.wait_for(read_frame(reader), 30), token)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, ConnectionError):
            body, request_id = None, None
        if body is None:
            await refuse(writer, request_id, peer)
            return
        log.info("client %s authenticated", peer)
        server.protocol.set_writer(writer)
        await run_async(stop_event=server._stop_event, reader=ReplayReader(frame(body), reader),
                        protocol=server.protocol, logger=log, error_handler=server.report_server_error)
        server.shutdown()  # one editor per server, as on stdio: its end is the server's end

    async def listen() -> None:
        server._server = await asyncio.start_server(connection, host, port)
        log.info("listening on %s:%d", host, port)
        async with server._server:
            try:
                await server._server.serve_forever()
            except asyncio.CancelledError:
                pass

    server._stop_event = threading.Event()
    asyncio.run(listen())
