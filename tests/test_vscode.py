"""The VS Code extension in a real VS Code: VS Code 1.99.3 (code-server 4.99.4) in Debian's
headless Chromium, driven by playwright-core (``editor-client/e2e/drive-vscode.js``) the way a
student uses it: C, Python and Java files get their compiler's squiggle and a hover that
explains it; the status bar follows the model (loading, ready, rules only); the Explain panel,
the rating command, a changed ``hintLevel``, ``backend: none`` and exam mode.

One code-server and one browser run every step once (module fixture); each test below checks
one part of the driver's report. Screenshots of every step are left in the fixture's folder
(its path is printed with ``pytest -s`` and written in ``report.json``). The set-up
(``scripts/install_vscode.sh``, run by ``make setup``) is cached under ~/.cache/error-tutor.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLIENT = REPO / "editor-client"
DRIVER = CLIENT / "e2e" / "drive-vscode.js"
INSTALL = REPO / "scripts" / "install_vscode.sh"
PYTHON = REPO / ".venv" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
SAMPLES = {"c": "average.c", "python": "grades.py", "java": "Greeter.java"}
# what VS Code gives a hover before it scrolls (editor.hover's max height at the default size)
HOVER_MAX_PX = 250

pytestmark = pytest.mark.slow


def tools() -> dict[str, Path]:
    """code-server, playwright-core and Chromium, installed by the set-up script if missing."""
    folder = Path(subprocess.run(["bash", str(INSTALL), "--print"], capture_output=True, text=True,
                                 check=True).stdout.strip())
    found = {"code_server": folder / "node_modules" / ".bin" / "code-server",
             "playwright_core": folder / "node_modules" / "playwright-core", "chromium": CHROMIUM}

    def missing() -> list[str]:
        return [str(path) for path in found.values() if not path.exists()] + (
            [] if (folder / "STAMP").exists() else [str(folder / "STAMP")])

    if missing():
        proc = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=1200)
        said = (proc.stdout + proc.stderr).strip()
        if missing():
            if shutil.which("npm") is None or (not CHROMIUM.exists() and shutil.which("apt-get") is None):
                pytest.skip(f"the real-VS-Code test needs npm and apt-get (or Chromium): {said}")
            pytest.fail(f"{INSTALL.name} did not install {missing()}: {said}")
    return found


def npm(*args: str) -> str:
    proc = subprocess.run(["npm", *args], cwd=CLIENT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"npm {' '.join(args)}: {(proc.stdout + proc.stderr)[-3000:]}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def vsix(tmp_path_factory) -> dict:
    """The extension as it is in the checkout, packaged the way build.sh does it, with vsce's output."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the VS Code extension cannot be built (apt-get install npm)")
    if not (CLIENT / "node_modules" / ".bin" / "vsce").exists():
        npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
    path = tmp_path_factory.mktemp("vsix") / "error-tutor.vsix"
    packaged = npm("run", "package", "--", "--out", str(path))  # compiles first (vscode:prepublish)
    listed = npm("exec", "--", "vsce", "ls", "--no-dependencies")
    return {"path": path, "package_log": packaged, "ls_log": listed}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"code-server exited ({proc.returncode}): {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"code-server did not answer /healthz within {timeout_s} s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def vscode(tmp_path_factory, vsix) -> dict:
    """Run every step once in one code-server; return the report, with the paths it used."""
    found = tools()
    root = tmp_path_factory.mktemp("vscode")
    profile, workspace, out = root / "profile", root / "workspace", root / "screenshots"
    for folder in (profile / "user" / "User", profile / "exts", workspace, out):
        folder.mkdir(parents=True)
    for name in SAMPLES.values():
        shutil.copy(REPO / "samples" / name, workspace / name)
    feedback = root / "feedback.sqlite3"
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    settings_file = profile / "user" / "User" / "settings.json"
    settings_file.write_text(json.dumps({
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "workbench.editor.enablePreviewFromQuickOpen": False,
        # the driver changes settings by typing a whole settings.json at once
        "editor.autoClosingBrackets": "never", "editor.autoClosingQuotes": "never", "editor.autoSurround": "never",
        "errorTutor.server.command": [python, "-m", "error_tutor_server", "serve"],
        "errorTutor.cacheDir": str(root / "cache"),
        "errorTutor.feedback": True,
        "errorTutor.feedbackPath": str(feedback),
    }, indent=2), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CONFIG_HOME": str(profile / "config"),
           "XDG_DATA_HOME": str(profile / "data"), "XDG_CACHE_HOME": str(profile / "cache")}
    dirs = ["--user-data-dir", str(profile / "user"), "--extensions-dir", str(profile / "exts")]
    code_server = str(found["code_server"])
    started = time.monotonic()
    proc = subprocess.run([code_server, *dirs, "--install-extension", str(vsix["path"])], env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and "error-tutor" in proc.stdout, proc.stdout + proc.stderr
    install_s = time.monotonic() - started

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "code-server.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen([code_server, *dirs, "--auth", "none", "--bind-addr", f"127.0.0.1:{port}",
                                   "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
                                   "--disable-getting-started-override", str(workspace)],
                                  env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(url, server, log)
        config = root / "driver.json"
        config.write_text(json.dumps({
            "url": url, "workspace": str(workspace), "settingsFile": str(settings_file), "outDir": str(out),
            "chromium": str(found["chromium"]), "playwrightCore": str(found["playwright_core"]),
            "files": SAMPLES}), encoding="utf-8")
        started = time.monotonic()
        # its own process group, so that a driver stopped by the timeout takes its Chromium with it
        driver = subprocess.Popen(["node", str(DRIVER), str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, start_new_session=True)
        try:
            driver_out, driver_err = driver.communicate(timeout=420)
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, 9)
            driver_out, driver_err = driver.communicate()
            driver_err += "\n(the driver was stopped after 420 s)"
        driver_s = time.monotonic() - started
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
    report_path = out / "report.json"
    assert report_path.exists(), f"the driver wrote no report: {driver_out[-2000:]}{driver_err[-3000:]}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report.update(folder=str(out), feedback=str(feedback), install_s=install_s, driver_s=driver_s,
                  driver_exit=driver.returncode, driver_stderr=driver_err[-3000:],
                  code_server_log=log.read_text(errors="replace")[-3000:],
                  server_log="".join(path.read_text(errors="replace")[-3000:]
                                     for path in (profile / "user" / "logs").rglob("*Error Tutor.log")))
    print(f"\nreal VS Code: screenshots and report in {out}; install {install_s:.1f} s, steps {driver_s:.1f} s")
    for entry in report["steps"]:
        print(f"  {entry['ms'] / 1000:6.1f} s  {entry['name']}")
    return report


def step(report: dict, prefix: str) -> dict:
    """The step whose name starts with ``prefix``; fails with the driver's error if it did not finish."""
    entry = next((s for s in report["steps"] if s["name"].startswith(prefix)), None)
    done = entry is not None and "screenshot" in entry or entry is not None and "box" in entry
    if not done:
        pytest.fail(f"step {prefix!r} did not complete: {report.get('error')}\n"
                    f"Output > Error Tutor: {report['server_log'][-1500:]}\n"
                    f"screenshots: {report['folder']} (the logs: test_no_errors_in_the_browser...)", pytrace=False)
    return entry


MESSAGES = {"c": "expected ',' or ';' before 'for'", "python": "expected ':'",
            "java": "incompatible types: String cannot be converted to int"}


@pytest.mark.parametrize("language,quoted", [("c", "int total = 0"), ("python", "if score >= 90"),
                                             ("java", 'int count = "three";')])
def test_each_language_gets_its_diagnostic_and_an_explaining_hover(vscode, language, quoted):
    message = MESSAGES[language]
    opened = step(vscode, f"{language}: open")
    assert opened["box"]["width"] > 0, "the compiler's error is drawn as a squiggle"
    hover = step(vscode, f"{language}: hover")
    text = hover["text"]
    assert message in text, f"the compiler's message is in the hover: {text}"
    assert "What it means" in text and "Hint" in text, text
    assert quoted in text, f"the hover quotes the line: {text}"
    assert Path(hover["screenshot"]).stat().st_size > 10_000


@pytest.mark.parametrize("language", list(SAMPLES))
def test_the_hover_fits_without_scrolling(vscode, language):
    hover = step(vscode, f"{language}: hover")
    assert hover["contentHeight"] <= HOVER_MAX_PX, (
        f"{language} hover needs {hover['contentHeight']} px, VS Code shows {hover['shownHeight']} px:\n{hover['text']}")
    assert hover["text"].count(MESSAGES[language]) == 1, f"the compiler's message appears once:\n{hover['text']}"


def test_the_status_bar_goes_from_loading_to_ready(vscode):
    ready = step(vscode, "status bar: the model is ready")
    assert "Error Tutor: model ready" in ready["text"], f"the model did not load: {ready['text']}"
    texts = vscode["statusTexts"]
    loading = next(i for i, t in enumerate(texts) if "loading model" in t)
    assert any("model ready" in t for t in texts[loading:]), texts


def test_the_explain_command_opens_a_panel_with_the_explanation(vscode):
    panel = step(vscode, "explain panel")
    assert panel["tab"].startswith(("Error Tutor: line 6", "Error Tutor: line 7")), panel["tab"]  # average.c
    text = panel["text"]
    assert "What it means" in text and "int total = 0" in text and "Hint" in text, text


def test_a_rating_is_stored_when_feedback_is_on(vscode):
    rating = step(vscode, "rating")
    assert "your rating was stored" in rating["toast"], rating["toast"]
    with sqlite3.connect(vscode["feedback"]) as db:
        rows = db.execute("SELECT language, message, helpful, line FROM ratings").fetchall()
    assert len(rows) == 1, rows
    language, message, helpful, line = rows[0]
    assert (language, helpful) == ("c", 1) and "';'" in message, rows


def test_changing_hint_level_in_settings_changes_the_next_hover(vscode):
    changed = step(vscode, "settings: hintLevel")
    assert "Fix:" not in changed["before"] and "Hint" in changed["before"], changed["before"]
    assert "Fix:" in changed["text"], changed["text"]


def test_backend_none_shows_rules_only(vscode):
    rules = step(vscode, "settings: backend none")
    assert "Error Tutor: rules only" in rules["text"]
    assert "What it means" in rules["hover"], "rule-based explanations still come"


def test_exam_mode_shows_the_diagnostic_without_an_explanation(vscode):
    exam = step(vscode, "settings: exam mode")
    assert exam["squiggle"]["width"] > 0, "the diagnostic is still shown"
    assert "expected ',' or ';' before 'for'" in exam["text"], exam["text"]
    assert "What it means" not in exam["text"] and "Hint" not in exam["text"], exam["text"]


def test_no_errors_in_the_browser_and_the_whole_run_is_quick(vscode):
    logs = (f"driver: {vscode['driver_stderr']}\ncode-server: {vscode['code_server_log']}\n"
            f"Output > Error Tutor: {vscode['server_log']}")
    assert vscode.get("error") is None, f"{vscode.get('error')}\n{logs}"
    assert vscode["driver_exit"] == 0, logs
    assert vscode["browserErrors"] == [], vscode["browserErrors"]
    assert vscode["driver_s"] < 240, f"the steps took {vscode['driver_s']:.0f} s"


def test_the_vsix_carries_a_marketplace_listing_and_packages_without_warnings(vsix):
    for log in (vsix["package_log"], vsix["ls_log"]):
        assert "WARNING" not in log and " is large" not in log and "ERROR" not in log, log
    with zipfile.ZipFile(vsix["path"]) as archive:
        names = set(archive.namelist())
        manifest = archive.read("extension.vsixmanifest").decode("utf-8")
        readme = archive.read("extension/readme.md").decode("utf-8")
        package = json.loads(archive.read("extension/package.json"))
    assert {"extension/images/icon.png", "extension/images/hover-c.png", "extension/changelog.md",
            "extension/LICENSE.txt", "extension/readme.md"} <= names, names
    assert "<Icon>extension/images/icon.png</Icon>" in manifest
    assert "Education" in manifest and "compiler errors" in manifest and "<License>" in manifest
    assert package["repository"]["url"].startswith("https://github.com/") and package["icon"] == "images/icon.png"
    # the listing's screenshot, its link made absolute into the repository's editor-client folder
    assert "](https://github.com/error-tutor/error-tutor/raw/HEAD/editor-client/images/hover-c.png)" in readme
    assert "untrustedWorkspaces.restrictedConfigurations" in readme, "the README says what an untrusted folder cannot set"
    with zipfile.ZipFile(vsix["path"]) as archive:
        icon = archive.read("extension/images/icon.png")
    assert icon[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(icon[16:20], "big") >= 128
