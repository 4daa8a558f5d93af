"""The language server: thin handlers over ``DocumentChecker`` and the ``Tutor``.

Diagnostics: on open and save at once, on change after a debounce; a newer version cancels
the older run (its compiler is killed) and every publish carries the document version.
Hover: the model's explanation when it is cached or arrives within the hover budget,
otherwise the rule-based one (the model's version keeps coming for the next hover).
Nothing here blocks the event loop and nothing is written to stdout.
"""

from __future__ import annotations

import logging
import os
import sys

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer

from error_tutor_server import __version__
from error_tutor_server.guard import MAX_MESSAGE_BYTES, TOO_LARGE_METHOD, GuardedProtocol, GuardedStdin
from error_tutor_server.paths import offline_environment
from error_tutor_server.server_state import TutorServerState

log = logging.getLogger("error_tutor.lsp")

COMMAND_EXPLAIN = "errorTutor.explain"
COMMAND_RATE = "errorTutor.rate"
COMMAND_STATUS = "errorTutor.status"


class TutorLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("error-tutor", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full,
                         protocol_cls=GuardedProtocol)
        self.state = TutorServerState(self)

    def report_server_error(self, error, source) -> None:
        if source is JsonRpcException:  # an unreadable frame from the editor: log it, do not alarm the student
            log.error("unreadable message from the editor: %s", error)
            return
        super().report_server_error(error, source)


server = TutorLanguageServer()


@server.feature(types.INITIALIZE)
def on_initialize(ls: TutorLanguageServer, params: types.InitializeParams) -> None:
    ls.state.configure_from_initialize(params.initialization_options, params.locale or "")


@server.feature(types.INITIALIZED)
def on_initialized(ls: TutorLanguageServer, params: types.InitializedParams) -> None:
    ls.state.start()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def on_configuration(ls: TutorLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    ls.state.configuration_changed(params.settings)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: TutorLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.state.schedule_check(doc.uri, doc.version, doc.text, doc.language_id, debounce=False)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: TutorLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    ls.state.schedule_check(doc.uri, params.text_document.version, doc.source, doc.language_id, debounce=True)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def on_save(ls: TutorLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    ls.state.schedule_check(doc.uri, doc.version, doc.source, doc.language_id, debounce=False)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def on_close(ls: TutorLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.state.close(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: TutorLanguageServer, params: types.HoverParams) -> types.Hover | None:
    markdown = await ls.state.explain_at(params.text_document.uri, params.position)
    if markdown is None:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))


@server.command(COMMAND_EXPLAIN)
async def on_explain_command(ls: TutorLanguageServer, uri: str, line: int, character: int) -> str | None:
    """The explanation at a position, for an editor's side panel (0-based position)."""
    return await ls.state.explain_at(uri, types.Position(line=line, character=character), wait=True)


@server.command(COMMAND_RATE)
async def on_rate_command(ls: TutorLanguageServer, uri: str, line: int, character: int, helpful: bool) -> dict:
    """Store a rating; async because the write may wait seconds for another process's lock."""
    return await ls.state.rate(uri, types.Position(line=line, character=character), bool(helpful))


@server.command(COMMAND_STATUS)
def on_status_command(ls: TutorLanguageServer, *args) -> dict:
    return ls.state.status()


@server.feature(TOO_LARGE_METHOD)
def on_too_large(ls: TutorLanguageServer, params) -> None:
    raise JsonRpcInvalidRequest(f"The message ({params.bytes} bytes) is larger than the "
                                f"{MAX_MESSAGE_BYTES // (1024 * 1024)} MB limit and was not read.")


@server.feature(types.SHUTDOWN)
async def on_shutdown(ls: TutorLanguageServer, *args) -> None:
    await ls.state.stop()


def _protect_stdout() -> tuple:
    """Give the protocol a private copy of fd 1 and point fd 1 at stderr.

    llama.cpp and other C code may write to (or dup2 /dev/null over) fd 1; none of that
    may corrupt or swallow the JSON-RPC stream.
    """
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return GuardedStdin(sys.stdin.buffer), protocol_out


def serve(tcp: bool = False, host: str = "127.0.0.1", port: int = 2087, token_file: str | None = None) -> None:
    """Run the server on stdio, or on TCP for a client that sends the token (see ``tcp.py``)."""
    offline_environment()
    level = os.environ.get("ERROR_TUTOR_LOG", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if tcp:
        from error_tutor_server.tcp import read_token, start_tcp

        token = read_token(token_file, host)  # before listening: a refusal is one line, exit 2
        log.info("error-tutor %s listening on %s:%d", __version__, host, port)
        start_tcp(server, host, port, token)
    else:
        server.start_io(*_protect_stdout())
        logging.shutdown()
        os._exit(0)  # the editor has closed our pipes: skip flushing into them at interpreter exit


__all__ = ["server", "serve"]
