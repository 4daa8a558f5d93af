"""Emacs with Eglot end to end, configured with the snippet from ``editor-client/README.md``
verbatim: Eglot starts ``error-tutor serve``, Flymake shows gcc's missing-semicolon error and
ElDoc's hover function returns the explanation.

Needs Debian's ``emacs-nox`` and ``elpa-eglot`` (``scripts/install_editor_deps.sh --with-emacs``);
skipped with that reason where they are missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_lsp_diagnostics import C_MISSING_SEMICOLON

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
README = REPO / "editor-client" / "README.md"

# Runs in `emacs --batch` after the README's snippet is loaded. Batch Emacs has no command
# loop, so the script starts Eglot and Flymake itself and waits with bounded loops.
DRIVER = r"""
(require 'json)
(defvar et-report nil)
(defun et-put (key value) (push (cons key value) et-report))
(defun et-finish (code)
  (with-temp-file et-report-path (insert (json-encode et-report)))
  (kill-emacs code))
(defun et-wait (what seconds predicate)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall predicate) (error "Timed out after %s s waiting for %s" seconds what))))
(defun et-error-diagnostic ()
  (seq-find (lambda (d) (eq (flymake-diagnostic-type d) 'eglot-error)) (flymake-diagnostics)))
(setq eglot-sync-connect 30)
(condition-case err
    (progn
      (require 'eglot)
      (find-file et-program)
      (et-put 'mode (symbol-name major-mode))
      (apply #'eglot (eglot--guess-contact))
      (et-wait "Eglot to manage the buffer" 30 #'eglot-managed-p)
      (et-put 'server (process-command (jsonrpc--process (eglot-current-server))))
      (flymake-start)
      (et-wait "gcc's error in Flymake" 30 #'et-error-diagnostic)
      (let ((d (et-error-diagnostic)))
        (et-put 'message (flymake-diagnostic-text d))
        (et-put 'line (line-number-at-pos (flymake-diagnostic-beg d)))
        (goto-char (flymake-diagnostic-beg d)))
      (let ((hover nil))
        (eglot-hover-eldoc-function (lambda (info &rest _) (setq hover (or info ""))))
        (et-wait "the hover" 15 (lambda () hover))
        (et-put 'hover hover))
      (et-finish 0))
  (error (et-put 'error (error-message-string err)) (et-finish 1)))
"""


def emacs_with_eglot() -> str:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("Emacs is not installed (scripts/install_editor_deps.sh --with-emacs installs emacs-nox and elpa-eglot)")
    probe = subprocess.run([emacs, "--batch", "-q", "--eval", "(require 'eglot)"], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    if probe.returncode != 0:
        pytest.skip(f"Eglot is not available to Emacs ({probe.stderr.strip()[-200:]}); install Debian's elpa-eglot")
    return emacs


def readme_snippet() -> str:
    blocks = re.findall(r"```elisp\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "the README has one Emacs snippet"
    return blocks[0]


def test_emacs_eglot_with_the_readme_snippet(tmp_path):
    emacs = emacs_with_eglot()
    program = tmp_path / "prog.c"
    program.write_text(C_MISSING_SEMICOLON, encoding="utf-8")
    report_path = tmp_path / "report.json"
    script = tmp_path / "run.el"
    script.write_text(f"(setq et-report-path {json.dumps(str(report_path), ensure_ascii=False)} "
                      f"et-program {json.dumps(str(program), ensure_ascii=False)})\n"
                      + readme_snippet() + DRIVER, encoding="utf-8")
    # the snippet runs `error-tutor serve` from PATH; HOME keeps the server's cache in tmp_path
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(tmp_path),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([emacs, "--batch", "-q", "-l", str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert report_path.exists(), f"Emacs wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert "error" not in report, f"{report['error']}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0
    assert report["mode"] == "c-mode"
    assert report["server"][:2] == ["error-tutor", "serve"]
    assert "';'" in report["message"] and "gcc" in report["message"]
    assert report["line"] == 5  # gcc reports the missing ';' of line 4 at the printf on line 5
    hover = report["hover"]
    assert "What it means:" in hover
    assert "line 4" in hover and "`int total = 0`" in hover
