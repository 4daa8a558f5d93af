"""A real third-party editor end to end: headless Neovim's built-in LSP client starts
``python -m error_tutor_server serve``, opens a C file with a missing semicolon, waits for
gcc's diagnostic and asks for the hover, exactly as a student's editor would.

The editor writes what it saw (diagnostics, hover Markdown, ``errorTutor/status`` states,
the ``errorTutor.explain`` command's answer) to a JSON file that the assertions read.
Neovim comes from Debian (``scripts/install_editor_deps.sh``); Debian 12 ships 0.7, which
has ``vim.lsp.start_client`` but not yet ``vim.lsp.start``, so the script uses whichever exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import compact_view_of
from test_lsp_diagnostics import C_MISSING_SEMICOLON

REPO = Path(__file__).resolve().parents[1]
INSTALL_SCRIPT = REPO / "scripts" / "install_editor_deps.sh"
PYTHON = REPO / ".venv" / "bin" / "python"

# Runs inside Neovim. Every wait is bounded; any failure is written to the report and
# Neovim exits non-zero. Placeholders in <<...>> are filled in by ``write_init``.
INIT_LUA = r"""
local report_path = <<REPORT>>
local report = { statuses = {}, messages = {} }

local function finish(code)
  local f = assert(io.open(report_path, "w"))
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd(code == 0 and "qall!" or "cquit!")
end

local function wait_for(what, ms, predicate)
  if not vim.wait(ms, predicate, 50) then error("timed out after " .. ms .. " ms waiting for " .. what) end
end

local config = {
  name = "error-tutor",
  cmd = <<CMD>>,
  cmd_env = { HF_HUB_OFFLINE = "1", ERROR_TUTOR_LOG = "INFO" },
  root_dir = <<ROOT>>,
  init_options = <<OPTIONS>>,
  settings = { errorTutor = <<OPTIONS>> },
  handlers = {
    ["errorTutor/status"] = function(_, result)
      table.insert(report.statuses, result.state)
    end,
    ["window/showMessage"] = function(_, result)
      table.insert(report.messages, result.message)
    end,
  },
}

local function start_server(bufnr)
  if vim.lsp.start then  -- Neovim 0.8 and newer
    return vim.lsp.start(config)
  end
  local id = vim.lsp.start_client(config)  -- Neovim 0.7
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function run()
  vim.cmd("edit " .. vim.fn.fnameescape(<<FILE>>))
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype == "" then vim.bo[bufnr].filetype = "c" end
  report.filetype = vim.bo[bufnr].filetype
  local client_id = start_server(bufnr)
  report.client_id = client_id

  wait_for("the diagnostic", <<DIAG_MS>>, function() return #vim.diagnostic.get(bufnr) > 0 end)
  local diagnostic = vim.diagnostic.get(bufnr)[1]
  report.diagnostic = { message = diagnostic.message, lnum = diagnostic.lnum, col = diagnostic.col,
                        severity = diagnostic.severity, source = diagnostic.source }

  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) },
                   position = { line = diagnostic.lnum, character = diagnostic.col } }
  if <<WAIT_READY>> then
    wait_for("the model to load", <<READY_MS>>, function()
      return vim.tbl_contains(report.statuses, "ready") or vim.tbl_contains(report.statuses, "error")
    end)
    local answers = vim.lsp.buf_request_sync(bufnr, "workspace/executeCommand",
      { command = "errorTutor.explain",
        arguments = { params.textDocument.uri, params.position.line, params.position.character } },
      <<EXPLAIN_MS>>)
    assert(answers and answers[client_id], "no answer to errorTutor.explain")
    report.explain = answers[client_id].result
  end

  local answers = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, <<HOVER_MS>>)
  assert(answers and answers[client_id], "no answer to the hover request")
  local result = answers[client_id].result
  report.hover = result and result.contents and result.contents.value or vim.NIL
  report.hover_kind = result and result.contents and result.contents.kind or vim.NIL

  vim.lsp.stop_client(client_id)
  vim.wait(3000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
  finish(0)
end

vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = function()
  vim.schedule(function()
    local ok, err = pcall(run)
    if not ok then report.error = tostring(err); finish(1) end
  end)
end })
"""


def lua(value) -> str:
    """A Python value as a Lua literal (strings, numbers, booleans, lists, string-keyed dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # \" \\ \n escapes mean the same in Lua
    if isinstance(value, (list, tuple)):
        return "{ " + ", ".join(lua(v) for v in value) + " }"
    return "{ " + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + " }"


def nvim_path() -> str:
    found = shutil.which("nvim")
    if found:
        return found
    try:
        proc = subprocess.run(["bash", str(INSTALL_SCRIPT)], timeout=600, capture_output=True, text=True)
        said = (proc.stdout + proc.stderr).strip()
    except (subprocess.SubprocessError, OSError) as exc:
        said = str(exc)
    return shutil.which("nvim") or pytest.skip(f"nvim is not installed and {INSTALL_SCRIPT.name} could not install it: {said}")


def run_neovim(tmp_path: Path, options: dict, wait_ready: bool, timeout_s: float) -> dict:
    """Drive headless Neovim from start-up to exit; return its JSON report."""
    program = tmp_path / "prog.c"
    program.write_text(C_MISSING_SEMICOLON, encoding="utf-8")
    report_path = tmp_path / "report.json"
    python = str(PYTHON if PYTHON.exists() else Path(sys.executable))
    fills = {"REPORT": report_path.as_posix(), "CMD": [python, "-m", "error_tutor_server", "serve"],
             "ROOT": str(tmp_path), "OPTIONS": {"cacheDir": str(tmp_path / "cache"), **options},
             "FILE": str(program), "WAIT_READY": wait_ready, "DIAG_MS": 30_000,
             "READY_MS": 90_000, "EXPLAIN_MS": 90_000, "HOVER_MS": 15_000}
    text = INIT_LUA
    for key, value in fills.items():
        text = text.replace(f"<<{key}>>", lua(value))
    init = tmp_path / "init.lua"
    init.write_text(text, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    proc = subprocess.run([nvim_path(), "--headless", "--clean", "-u", str(init)], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s)
    assert report_path.exists(), f"Neovim wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert "error" not in report, f"{report['error']}\nnvim stderr: {proc.stderr[-2000:]}"
    assert proc.returncode == 0, proc.stderr[-2000:]
    return report


def assert_missing_semicolon(report: dict) -> None:
    assert report["filetype"] == "c"
    diagnostic = report["diagnostic"]
    assert "';'" in diagnostic["message"], diagnostic
    assert diagnostic["source"] == "gcc"
    assert diagnostic["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert diagnostic["lnum"] == 4  # 0-based: gcc reports it at the printf after line 4
    hover = report["hover"]
    assert report["hover_kind"] == "markdown"
    assert "**What it means:**" in hover
    assert "line 4" in hover and "`int total = 0`" in hover, "the hover names the line and quotes it"


def test_neovim_shows_gcc_diagnostic_and_rule_based_hover(tmp_path):
    report = run_neovim(tmp_path, {"backend": "none"}, wait_ready=False, timeout_s=90)
    assert_missing_semicolon(report)
    assert "From the built-in guide" in report["hover"]
    assert "rules" in report["statuses"], "Neovim received the errorTutor/status notification"


def test_neovim_with_the_real_default_model(tmp_path):
    report = run_neovim(tmp_path, {}, wait_ready=True, timeout_s=240)
    assert report["statuses"][0] == "loading"
    assert "ready" in report["statuses"], f"the embedded model did not load: {report['messages']}"
    assert_missing_semicolon(report)
    panel = report["explain"]
    assert "**What it means:**" in panel and "line 4" in panel
    assert "local model" in panel or "built-in guide" in panel, panel
    assert compact_view_of(report["hover"], panel), "the hover after the command shows the cached, checked explanation"
