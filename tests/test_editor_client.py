"""The VS Code extension: it offers exactly the server's settings, and it builds, passes its
unit tests and packages into an installable ``.vsix`` (``editor-client/build.sh``).
The editor set-up snippets in ``editor-client/README.md`` are checked against the server too."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from error_tutor_server.settings import (BACKENDS, C_COMPILERS, HINT_LEVELS, LOCALES, RESTRICTED_IN_UNTRUSTED_WORKSPACES,
                                         camel, parse_settings, settings_schema)

REPO = Path(__file__).resolve().parents[1]
CLIENT = REPO / "editor-client"
PACKAGE = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
PROPERTIES = PACKAGE["contributes"]["configuration"]["properties"]
README = (CLIENT / "README.md").read_text(encoding="utf-8")
CLIENT_ONLY = {"errorTutor.server.pythonPath", "errorTutor.server.command"}
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def contributed_server_settings() -> dict[str, dict]:
    return {key.removeprefix("errorTutor."): value for key, value in PROPERTIES.items() if key not in CLIENT_ONLY}


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_package_json_contributes_exactly_the_server_settings():
    assert all(key.startswith("errorTutor.") for key in PROPERTIES)
    assert CLIENT_ONLY <= set(PROPERTIES)
    contributed = contributed_server_settings()
    assert list(contributed) == list(settings_schema()), "same names, in the server's order"
    for name, default in settings_schema().items():
        assert contributed[name]["default"] == default, name
        assert contributed[name]["type"] == JSON_TYPES[type(default)], name
        assert contributed[name].get("markdownDescription"), f"{name} needs a description"
    for name, choices in {"hintLevel": HINT_LEVELS, "backend": BACKENDS, "cCompiler": C_COMPILERS,
                          "locale": LOCALES}.items():
        assert contributed[name]["enum"] == list(choices), name


def test_an_untrusted_workspace_cannot_set_programs_flags_files_or_urls():
    untrusted = PACKAGE["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] == "limited" and untrusted["description"]
    expected = {f"errorTutor.{camel(name)}" for name in RESTRICTED_IN_UNTRUSTED_WORKSPACES} | CLIENT_ONLY
    assert set(untrusted["restrictedConfigurations"]) == expected
    assert expected <= set(PROPERTIES)


def test_package_json_defaults_are_accepted_by_the_server_as_they_are():
    options = {name: entry["default"] for name, entry in contributed_server_settings().items()}
    settings, warnings = parse_settings(options)
    assert warnings == []
    assert settings == parse_settings({})[0]


def test_extension_only_settings_and_manifest():
    assert PROPERTIES["errorTutor.server.pythonPath"]["default"] == ""
    assert PROPERTIES["errorTutor.server.command"] == {**PROPERTIES["errorTutor.server.command"],
                                                       "type": "array", "default": []}
    assert PACKAGE["name"] == "error-tutor" and PACKAGE["publisher"] == "error-tutor"
    assert PACKAGE["engines"]["vscode"] == "^1.85.0"
    assert PACKAGE["main"] == "./out/extension.js" and PACKAGE["license"] == "Apache-2.0"
    assert PACKAGE["repository"]["url"]
    assert PACKAGE["activationEvents"] == ["onLanguage:c", "onLanguage:python", "onLanguage:java"]
    assert {c["command"] for c in PACKAGE["contributes"]["commands"]} == {
        "errorTutor.restartServer", "errorTutor.explainAtCursor", "errorTutor.rateHelpful", "errorTutor.rateNotHelpful"}
    assert (CLIENT / "package-lock.json").exists(), "npm ci needs the committed lock file"


def test_server_settings_json_is_up_to_date():
    script = CLIENT / "scripts" / "dump_settings.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"run {script.relative_to(REPO)}: {proc.stderr}"


def test_readme_documents_every_setting_with_its_default():
    for key, entry in PROPERTIES.items():
        row = next((line for line in README.splitlines() if line.startswith(f"| `{key}` |")), None)
        assert row is not None, f"README settings table lacks {key}"
        assert f"`{json.dumps(entry['default'])}`" in row, key


def test_readme_editor_snippets_use_real_settings_and_the_serve_command():
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    helix = tomllib.loads(code_blocks("toml")[0])
    server = helix["language-server"]["error-tutor"]
    assert [server["command"], *server["args"]] == ["error-tutor", "serve"]
    assert parse_settings(server["config"])[1] == [], "Helix's config keys are server settings"
    assert {lang["name"] for lang in helix["language"]} == {"c", "python", "java"}
    assert all("error-tutor" in lang["language-servers"] for lang in helix["language"])
    for block in code_blocks("lua"):
        assert '{ "error-tutor", "serve" }' in block
        for key in re.findall(r"(\w+) = \"", block.split("init_options", 1)[1]):
            assert key in settings_schema(), f"Neovim snippet uses unknown setting {key}"
    elisp = code_blocks("elisp")[0]
    assert elisp.count("(") == elisp.count(")")
    assert '("error-tutor" "serve" :initializationOptions (:hintLevel "hint"))' in elisp


def test_cli_serve_command_in_readme_exists():
    proc = subprocess.run([sys.executable, "-m", "error_tutor_server", "serve", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--tcp" in proc.stdout and "--port" in proc.stdout


@pytest.mark.slow
def test_build_sh_compiles_tests_and_packages_an_installable_vsix():
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the VS Code extension cannot be built (apt-get install npm)")
    for old in CLIENT.glob("*.vsix"):
        old.unlink()
    proc = subprocess.run(["bash", str(CLIENT / "build.sh")], capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    passed = re.search(r"^# pass (\d+)$", log, flags=re.M)
    assert passed and int(passed.group(1)) >= 20, "the extension's unit tests ran"
    assert re.search(r"^# fail 0$", log, flags=re.M), log[-4000:]
    vsix = CLIENT / f"error-tutor-{PACKAGE['version']}.vsix"
    assert vsix.exists(), log[-2000:]
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        assert {"extension/package.json", "extension/out/extension.js", "extension.vsixmanifest"} <= names
        assert not any(name.startswith(("extension/src/", "extension/node_modules/")) for name in names)
        packaged = json.loads(archive.read("extension/package.json"))
        bundle = archive.read("extension/out/extension.js").decode("utf-8")
    assert packaged["contributes"]["configuration"]["properties"] == PROPERTIES
    assert "errorTutor/status" in bundle and "error_tutor_server" in bundle


def test_the_main_readmes_settings_table_states_each_default():
    """The project README's table once said `model` defaults to the untuned `smollm2-135m`: each single-setting
    row's default is the one the extension (and the server's settings object) declares."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", readme, flags=re.M)
    checked = {key for key, _ in rows if f"errorTutor.{key}" in PROPERTIES}
    assert {"model", "hintLevel", "threads", "modelText", "enabledLanguages"} <= checked
    for key, stated in rows:
        if (entry := PROPERTIES.get(f"errorTutor.{key}")) is None or key == "cacheDir":  # "" means the cache folder
            continue
        default = entry["default"]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert float(stated) == default, key
        else:
            assert stated == (default if isinstance(default, str) else json.dumps(default, separators=(",", ":"))), key
