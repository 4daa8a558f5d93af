"""A lab under load: N students' editors sharing ONE inference server, on this machine.

Each simulated student is an LSP client driving its own ``error-tutor serve`` process (stdio,
``backend: "remote"``); all of them use one ``python -m llama_cpp.server`` with the default GGUF
model on a loopback port. A student opens a real novice program from the corpora, hovers over
the first error three times, asks for the explanation panel (``errorTutor.explain``, which waits
for the model), edits the file, hovers again, closes it and thinks for a second; again and again
until the level's time is up. Seat counts 1, 2, 4, 8, 16 run one after another.

    .venv/bin/python benchmarks/load_test.py                              # full run (~5 minutes)
    .venv/bin/python benchmarks/load_test.py --seats 1 2 --duration 10    # smoke run (~1 minute)

Reported per seat count: hover latency p50/p95 (what a student waits for when pointing at an
error; the server answers with rules after ``hoverBudgetMs``), time to the panel's explanation
p50/p95 (the model's checked text, or rules when it is unavailable), the fallback rate (hovers
that showed rules because the model's text was not ready or the server did not answer), how
often the panel got the model's text, and errors (requests that failed or timed out). Only loopback addresses are used.
Needs llama-cpp-python's server at the pinned version: the ``lab`` extra, ``pip install -e ".[lab]"``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tqdm import tqdm

from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.catalog import smollm2_path
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.load_test")

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"  # beside the checkout
PENDING = ("on its way", "not answering")  # footers of hovers that fell back to rules


@dataclass
class LoadConfig:
    """One load test; ``--config FILE.yaml`` may set any field (flags override it)."""

    seats: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16])
    # Seconds each seat count runs after its editors are up. Longer gives steadier percentiles;
    # 30 s x 5 levels keeps the whole run near 5 minutes on 2 cores.
    duration: float = 30.0
    # Threads of the shared llama.cpp server. On a 2-core machine that also runs the editors'
    # servers and compilers, 1 thread avoids the stalls of threads waiting for a busy core.
    server_threads: int = 1
    hover_budget_ms: int = 250  # the server's default: past it a hover shows rules
    max_tokens: int = 160  # the server's default
    programs: int = 80  # novice programs with a compile error, drawn from the corpora
    seed: int = 0
    out: str = ""  # optional JSON file with every figure


@dataclass
class Samples:
    hover_s: list[float] = field(default_factory=list)
    panel_s: list[float] = field(default_factory=list)
    hovers: int = 0
    fallbacks: int = 0
    panels_from_model: int = 0  # the panel showed the model's text (accepted or rejected by the checks)
    errors: int = 0
    cycles: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the shared inference server ------------------------------------------------------------------
@contextlib.contextmanager
def llama_server(config: LoadConfig, folder: Path):
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048", "--n_threads", str(config.server_threads),
               "--interrupt_requests", "False"]
    with open(folder / "llama_server.log", "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                   env={**os.environ, "HF_HUB_OFFLINE": "1"})
        try:
            url = f"http://127.0.0.1:{port}/v1"
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"llama_cpp.server did not start; see {folder / 'llama_server.log'} "
                                     "(is llama-cpp-python[server] installed?)")
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(url + "/models", timeout=2).close()
                    break
                time.sleep(0.3)
            log.info("llama_cpp.server ready at %s", url)
            yield url
        finally:
            process.terminate()  # uvicorn waits for open streams: give it a moment, then stop it
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


# -- programs ---------------------------------------------------------------------------------------
def load_programs(config: LoadConfig) -> list[tuple[str, str, str]]:
    """(language, file name, text) of real novice programs that fail to compile."""
    candidates = []
    for name, language, suffix in (("c_tracer.jsonl", "c", ".c"), ("python_friendly_syntax.jsonl", "python", ".py")):
        path = CORPORA / name
        if not path.exists():
            raise SystemExit(f"corpus {path} not found")
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        candidates += [(language, f"prog{suffix}", row["source"]) for row in rows if len(row.get("source", "")) < 3000]
    random.Random(config.seed).shuffle(candidates)
    programs, settings = [], TutorSettings()
    for language, filename, text in tqdm(candidates, desc="picking programs", unit="program", leave=False):
        if any(d.severity == "error" for d in diagnose_sync(language, text, settings, filename=filename)):
            programs.append((language, filename, text))
        if len(programs) >= config.programs:
            break
    return programs


# -- one student ------------------------------------------------------------------------------------
class Student(LanguageClient):
    def __init__(self) -> None:
        super().__init__("load-test", "1")
        self.published: dict[str, types.PublishDiagnosticsParams] = {}
        self.statuses: list = []

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: types.PublishDiagnosticsParams) -> None:
            self.published[f"{params.uri}@{params.version}"] = params

        @self.feature("errorTutor/status")
        def on_status(params) -> None:
            self.statuses.append(params)

    async def start(self, url: str, folder: Path, config: LoadConfig) -> None:
        await self.start_io(sys.executable, "-m", "error_tutor_server", "serve",
                            env={**os.environ, "HF_HUB_OFFLINE": "1", "ERROR_TUTOR_LOG": "ERROR"})
        self._drain = asyncio.create_task(self._server.stderr.read())  # never let its log pipe fill
        await self.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=folder.as_uri(),
            initialization_options={"backend": "remote", "remoteUrl": url, "cacheDir": str(folder / "cache"), "modelText": "any",
                                    "hoverBudgetMs": config.hover_budget_ms, "maxTokens": config.max_tokens,
                                    "debounceMs": 100}))
        self.initialized(types.InitializedParams())

    async def diagnostics(self, uri: str, version: int, timeout: float = 60.0) -> list[types.Diagnostic]:
        deadline = time.monotonic() + timeout
        while f"{uri}@{version}" not in self.published:
            if time.monotonic() > deadline:
                raise TimeoutError("no diagnostics")
            await asyncio.sleep(0.02)
        return self.published[f"{uri}@{version}"].diagnostics

    async def hover(self, uri: str, position: types.Position, samples: Samples) -> None:
        began = time.perf_counter()
        result = await asyncio.wait_for(self.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position)), 30)
        samples.hover_s.append(time.perf_counter() - began)
        samples.hovers += 1
        if result is None or any(mark in result.contents.value for mark in PENDING):
            samples.fallbacks += 1

    async def panel(self, uri: str, position: types.Position, samples: Samples) -> None:
        began = time.perf_counter()
        text = await asyncio.wait_for(self.workspace_execute_command_async(types.ExecuteCommandParams(
            command="errorTutor.explain", arguments=[uri, position.line, position.character])), 90)
        samples.panel_s.append(time.perf_counter() - began)
        if text and not any(mark in text for mark in PENDING):
            samples.panels_from_model += 1

    async def stop_server(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.shutdown_async(None), 10)
            self.exit(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.stop(), 10)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait(), 10)


async def one_cycle(student: Student, folder: Path, program: tuple[str, str, str], samples: Samples, n: int) -> None:
    language, filename, text = program
    uri = (folder / f"{n}-{filename}").as_uri()
    student.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=text)))
    diagnostics = [d for d in await student.diagnostics(uri, 1) if d.severity == types.DiagnosticSeverity.Error]
    if diagnostics:
        position = diagnostics[0].range.start
        for _ in range(3):  # a hover burst while reading the error
            await student.hover(uri, position, samples)
            await asyncio.sleep(0.3)
        await student.panel(uri, position, samples)
        comment = "// edited\n" if language == "c" else "# edited\n"
        student.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + comment)]))
        edited = [d for d in await student.diagnostics(uri, 2) if d.severity == types.DiagnosticSeverity.Error]
        if edited:
            await student.hover(uri, edited[0].range.start, samples)
    student.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    samples.cycles += 1


async def seat(student: Student, folder: Path, programs: list, rng: random.Random, deadline: float,
               samples: Samples) -> None:
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            await one_cycle(student, folder, rng.choice(programs), samples, n)
        except Exception as exc:  # a failed request is a figure, not the end of the run
            samples.errors += 1
            log.warning("seat error: %r", exc)
        await asyncio.sleep(rng.uniform(0.5, 1.5))  # thinking


async def run_level(seats: int, url: str, programs: list, config: LoadConfig) -> Samples:
    samples = Samples()
    with tempfile.TemporaryDirectory(prefix=f"load-{seats}-") as tmp:
        folders = [Path(tmp, f"seat{i}") for i in range(seats)]
        for folder in folders:
            folder.mkdir()
        students = [Student() for _ in range(seats)]
        await asyncio.gather(*(s.start(url, f, config) for s, f in zip(students, folders)))
        deadline = time.monotonic() + config.duration
        try:
            await asyncio.gather(*(seat(s, f, programs, random.Random(config.seed * 1000 + i), deadline, samples)
                                   for i, (s, f) in enumerate(zip(students, folders))))
        finally:
            await asyncio.gather(*(s.stop_server() for s in students))
    return samples


# -- report ---------------------------------------------------------------------------------------------
def summarize(seats: int, samples: Samples, seconds: float) -> dict:
    return {"seats": seats, "cycles": samples.cycles, "hovers": samples.hovers,
            "hover_p50_s": percentile(samples.hover_s, 0.5), "hover_p95_s": percentile(samples.hover_s, 0.95),
            "panel_p50_s": percentile(samples.panel_s, 0.5), "panel_p95_s": percentile(samples.panel_s, 0.95),
            "fallback_rate": samples.fallbacks / samples.hovers if samples.hovers else float("nan"),
            "panel_model_rate": samples.panels_from_model / len(samples.panel_s) if samples.panel_s else float("nan"),
            "errors": samples.errors, "wall_s": seconds}


def print_table(rows: list[dict]) -> None:
    print(f"\n{'seats':>5} {'cycles':>6} {'hovers':>6} {'hover p50':>10} {'hover p95':>10} "
          f"{'panel p50':>10} {'panel p95':>10} {'fallback':>9} {'panel model':>11} {'errors':>6}")
    for r in rows:
        print(f"{r['seats']:>5} {r['cycles']:>6} {r['hovers']:>6} {r['hover_p50_s']:>9.2f}s {r['hover_p95_s']:>9.2f}s "
              f"{r['panel_p50_s']:>9.2f}s {r['panel_p95_s']:>9.2f}s {r['fallback_rate']:>8.0%} "
              f"{r['panel_model_rate']:>10.0%} {r['errors']:>6}")
    for key, what in (("hover_p95_s", "hover"), ("panel_p95_s", "explanation panel")):
        good = [r["seats"] for r in rows if r[key] < 2.0 and r["errors"] == 0]
        print(f"largest seat count with {what} p95 < 2 s and no errors: {max(good) if good else 'none'}")


def parse_args(argv: list[str] | None) -> LoadConfig:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="a YAML file with any LoadConfig field (flags override it)")
    parser.add_argument("--seats", type=int, nargs="+", help="seat counts to run, in order (default 1 2 4 8 16)")
    parser.add_argument("--duration", type=float, help="seconds per seat count after start-up (default 30)")
    parser.add_argument("--server-threads", type=int, help="threads of the shared llama.cpp server (default 1)")
    parser.add_argument("--hover-budget-ms", type=int, help="the editors' hoverBudgetMs (default 250)")
    parser.add_argument("--max-tokens", type=int, help="the editors' maxTokens (default 160)")
    parser.add_argument("--programs", type=int, help="novice programs drawn from the corpora (default 80)")
    parser.add_argument("--seed", type=int, help="random seed for programs and student behaviour (default 0)")
    parser.add_argument("--out", help="write every figure to this JSON file")
    args = parser.parse_args(argv)
    config = LoadConfig()
    if args.config:
        import yaml

        config = dataclasses.replace(config, **(yaml.safe_load(Path(args.config).read_text()) or {}))
    flags = {k: v for k, v in vars(args).items() if k != "config" and v is not None}
    return dataclasses.replace(config, **flags)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    config = parse_args(argv)
    programs = load_programs(config)
    log.info("%d programs; load average before the run: %s", len(programs), os.getloadavg())
    rows = []
    with tempfile.TemporaryDirectory(prefix="load-test-") as tmp, llama_server(config, Path(tmp)) as url:
        for seats in tqdm(config.seats, desc="seat counts", unit="level"):
            began = time.monotonic()
            samples = asyncio.run(run_level(seats, url, programs, config))
            rows.append(summarize(seats, samples, time.monotonic() - began))
            log.info("%d seats: %s (load average %s)", seats, rows[-1], os.getloadavg())
    print(f"\nError Tutor load test on {os.cpu_count()} cores, one shared llama_cpp.server "
          f"({config.server_threads} thread(s)), {config.duration:.0f} s per level, load average now {os.getloadavg()}")
    print_table(rows)
    if config.out:
        Path(config.out).write_text(json.dumps({"config": dataclasses.asdict(config), "rows": rows}, indent=2))
        assert json.loads(Path(config.out).read_text())["rows"] == rows  # read back
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
