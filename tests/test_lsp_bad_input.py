"""Bad input over LSP: each gets a clear message or a graceful answer, and the server keeps serving."""

from __future__ import annotations

import os
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import (CONFIG, SERVER_COMMAND, SERVER_ENV, change_document, diagnostics_for, hover, init_params,
                      make_client, open_document, wait_until)
from test_lsp_diagnostics import C_MISSING_SEMICOLON, PY_MISSING_COLON


async def still_serving(client, tmp_path) -> None:
    uri = open_document(client, tmp_path / "after.py", PY_MISSING_COLON, "python")
    diagnostics = await diagnostics_for(client, uri)
    assert diagnostics and (await hover(client, uri, 1, diagnostics[0].range.start.character)) is not None


def shown(client) -> str:
    return "\n".join(m.message for m in client.messages)


async def test_empty_file(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "empty.c", "", "c")
    assert list(await diagnostics_for(rules_client, uri)) == []
    await still_serving(rules_client, tmp_path)


async def test_binary_text_is_refused_with_a_message(rules_client, tmp_path):
    uri = tmp_path.joinpath("blob.c").as_uri()
    rules_client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="c", version=1, text="\x00\x01ELF\x00garbage\ufffd")))
    assert list(await diagnostics_for(rules_client, uri)) == []
    await wait_until(lambda: "looks binary" in shown(rules_client))
    await still_serving(rules_client, tmp_path)


async def test_five_megabyte_file_gets_a_message(rules_client, tmp_path):
    big = "int x;\n" * (5 * 1024 * 1024 // 7)
    uri = open_document(rules_client, tmp_path / "big.c", big, "c")
    assert list(await diagnostics_for(rules_client, uri)) == []
    await wait_until(lambda: "Error Tutor checks files up to" in shown(rules_client))
    await still_serving(rules_client, tmp_path)


async def test_program_including_itself(rules_client, tmp_path):
    uri = open_document(rules_client, tmp_path / "self.c", '#include "self.c"\nint main(void) { return 0; }\n', "c")
    diagnostics = await diagnostics_for(rules_client, uri, timeout=30)
    assert diagnostics and "#include nested depth" in diagnostics[0].message
    await still_serving(rules_client, tmp_path)


async def test_rapid_edits_while_model_generates(model_client, tmp_path):
    uri = open_document(model_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    await diagnostics_for(model_client, uri, version=1)  # generation for it starts now
    for version in range(2, 8):
        change_document(model_client, uri, C_MISSING_SEMICOLON.replace("total", f"t{version}"), version)
    diagnostics = await diagnostics_for(model_client, uri, version=7)
    result = await hover(model_client, uri, diagnostics[0].range.start.line, diagnostics[0].range.start.character)
    assert "int t7 = 0" in result.contents.value, "the hover explains the latest version"
    assert [p.version for p in model_client.published if p.uri == uri][-1] == 7


NO_COMPILER_ENV = {**SERVER_ENV, "PATH": os.path.dirname(sys.executable)}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=NO_COMPILER_ENV,
                                              client_factory=make_client))
async def no_compiler_client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, backend="none"))
    yield
    await lsp_client.shutdown_session()


async def test_compiler_missing_from_path(no_compiler_client, tmp_path):
    uri = open_document(no_compiler_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    assert list(await diagnostics_for(no_compiler_client, uri)) == []
    await wait_until(lambda: "'gcc' is not on PATH" in shown(no_compiler_client))
    assert "set 'cCompiler'" in shown(no_compiler_client)


@pytest_lsp.fixture(config=CONFIG)
async def corrupt_model_client(lsp_client: LanguageClient, tmp_path):
    corrupt = tmp_path / "broken.gguf"
    corrupt.write_bytes(b"GGUF" + os.urandom(4096))  # right magic, garbage after it
    await lsp_client.initialize_session(init_params(tmp_path, modelPath=str(corrupt)))
    yield
    await lsp_client.shutdown_session()


async def test_corrupt_model_falls_back_to_rules(corrupt_model_client, tmp_path):
    client = corrupt_model_client
    await wait_until(lambda: any(getattr(s, "state", None) == "error" for s in client.statuses))
    assert "rule-based" in shown(client)
    uri = open_document(client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(client, uri))[0].range.start
    result = await hover(client, uri, start.line, start.character)
    assert "From the built-in guide" in result.contents.value


async def test_missing_model_and_invalid_settings_warn_and_fall_back(rules_client, tmp_path):
    rules_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"errorTutor": {
        "backend": "local", "modelPath": str(tmp_path / "nope.gguf"), "hintLevel": "everything", "threads": -3}}))
    await wait_until(lambda: "does not exist" in shown(rules_client))
    assert "Setting 'hintLevel' = 'everything' is invalid" in shown(rules_client)
    assert "Setting 'threads' = -3 is invalid" in shown(rules_client)
    status = await rules_client.workspace_execute_command_async(types.ExecuteCommandParams(command="errorTutor.status"))
    assert status["settings"]["hint_level"] == "hint" and status["settings"]["threads"] == 0
    assert status["state"] == "error" and "does not exist" in status["detail"]
    await still_serving(rules_client, tmp_path)
