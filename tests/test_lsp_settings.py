"""Settings: from initializationOptions, from workspace/configuration, and on change."""

from __future__ import annotations

import asyncio

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import CONFIG, diagnostics_for, hover, init_params, open_document
from test_lsp_diagnostics import PY_MISSING_COLON


@pytest_lsp.fixture(config=CONFIG)
async def configured_client(lsp_client: LanguageClient, tmp_path):
    """A client that answers workspace/configuration with its own errorTutor section."""
    lsp_client.set_configuration({"errorTutor": {"hintLevel": "explain", "locale": "ja", "backend": "none"}})
    params = init_params(tmp_path, backend="none")
    params.capabilities.workspace.configuration = True
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def status(client) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command="errorTutor.status"))


async def settled(client, name: str, value, attempts: int = 100) -> dict:
    """The server's settings once ``name`` has become ``value`` (notifications are asynchronous)."""
    for _ in range(attempts):
        settings = (await status(client))["settings"]
        if settings[name] == value:
            return settings
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never became {value!r}: {settings[name]!r}")


async def test_workspace_configuration_is_requested_and_applied(configured_client, tmp_path):
    settings = await settled(configured_client, "hint_level", "explain")
    assert settings["locale"] == "ja"
    uri = open_document(configured_client, tmp_path / "grade.py", PY_MISSING_COLON, "python")
    start = (await diagnostics_for(configured_client, uri))[0].range.start
    markdown = (await hover(configured_client, uri, start.line, start.character)).contents.value
    assert "**意味:**" in markdown and "**ヒント:**" not in markdown


async def test_initialization_options_and_change_notification(rules_client, tmp_path):
    assert (await status(rules_client))["settings"]["debounce_ms"] == 200  # from initializationOptions
    rules_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"errorTutor": {"backend": "none", "enabledLanguages": ["c"]}}))
    settings = await settled(rules_client, "enabled_languages", ["c"])
    assert settings["enabled_languages"] == ["c"] and settings["debounce_ms"] == 350  # reset to defaults, then applied
    uri = open_document(rules_client, tmp_path / "skip.py", PY_MISSING_COLON, "python")
    c_uri = open_document(rules_client, tmp_path / "ok.c", "int main(void) { return 0; }\n", "c")
    await diagnostics_for(rules_client, c_uri)
    assert uri not in rules_client.diagnostics, "python was turned off"
