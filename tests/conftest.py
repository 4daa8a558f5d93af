"""Shared test helpers: a real LSP client (pytest-lsp) driving the real server over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"  # beside the checkout; always present in CI
ALLOW_MISSING_CORPORA = "ERROR_TUTOR_ALLOW_MISSING_CORPORA"
SERVER_COMMAND = [sys.executable, "-m", "error_tutor_server", "serve"]
SERVER_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "ERROR_TUTOR_LOG": "DEBUG"}


def corpus_path(name: str) -> Path:
    """A development corpus's file. A missing corpus fails the test (CI always has them);
    only ERROR_TUTOR_ALLOW_MISSING_CORPORA=1 turns that into a skip, for a checkout without ../shared."""
    path = CORPORA / name
    if not path.exists():
        if os.environ.get(ALLOW_MISSING_CORPORA) == "1":
            pytest.skip(f"corpus {path} not available ({ALLOW_MISSING_CORPORA}=1)")
        pytest.fail(f"corpus {path} is missing: put the corpora in ../shared/corpora beside the checkout, "
                    f"or set {ALLOW_MISSING_CORPORA}=1 to skip the tests that need them", pytrace=False)
    return path


def corpus(name: str) -> list[dict]:
    """The rows of a development corpus (see ``corpus_path``)."""
    path = corpus_path(name)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publish (with its version) and status."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.statuses = []

    def on_publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.diagnostics[params.uri] = params.diagnostics
        c.published.append(params)

    def on_status(c: LanguageClient, params) -> None:
        c.statuses.append(params)

    features = {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: on_publish,
                "errorTutor/status": on_status}
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, server_env=SERVER_ENV, client_factory=make_client)


def init_params(tmp_path: Path, **options) -> types.InitializeParams:
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(configuration=False),
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown])))
    return types.InitializeParams(capabilities=capabilities, root_uri=tmp_path.as_uri(),
                                  initialization_options={"cacheDir": str(tmp_path / "cache"), **options})


@pytest_lsp.fixture(config=CONFIG)
async def rules_client(lsp_client: LanguageClient, tmp_path):
    """A server that explains with rules only (no model): for protocol behaviour."""
    await lsp_client.initialize_session(init_params(tmp_path, backend="none", debounceMs=200))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def model_client(lsp_client: LanguageClient, tmp_path):
    """A server running the real default GGUF model through llama.cpp."""
    # modelText any: these tests exercise the real model's text through the checks, untuned as it is
    await lsp_client.initialize_session(init_params(tmp_path, hoverBudgetMs=250, debounceMs=200, modelText="any"))
    yield
    await lsp_client.shutdown_session()


async def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(interval)


def open_document(client: LanguageClient, path: Path, text: str, language: str, version: int = 1) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None = None, timeout: float = 30.0):
    """Wait for the publish of ``uri`` (at ``version`` if given) and return its diagnostics."""
    def published():
        return [p for p in client.published if p.uri == uri and (version is None or p.version == version)]
    await wait_until(lambda: published(), timeout)
    return published()[-1].diagnostics


def compact_view_of(hover_markdown: str, panel_markdown: str) -> bool:
    """The hover is the panel's explanation, compacted: each of its sections is one of the panel's,
    and the panel adds the compiler's message and the cause."""
    sections = hover_markdown.split("\n\n")
    return all(section in panel_markdown for section in sections) and len(panel_markdown) > len(hover_markdown)


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
