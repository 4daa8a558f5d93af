"""Benchmarks of the language server and the model runtime on this machine (prints figures).

    .venv/bin/python benchmarks/bench_server.py            # full run (about 3 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_server.py --quick    # smoke run

Reports medians of: ``initialize`` to first diagnostics; warm (cached) hover latency p50/p95;
a fresh model explanation through the whole pipeline against raw llama.cpp generating the
same tokens for the same prompt (ratio); tokens/s idle and beside two busy CPU processes
(the adaptive thread policy against a fixed 2 threads); server RSS with the model loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.model import LocalModel
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor

REPO = Path(__file__).resolve().parents[1]
PROGRAM = (REPO / "samples" / "average.c").read_text()
TARGETS = {"hover_p95_ms": 50.0, "fresh_ratio": 1.2, "busy_tokens_per_s": 5.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class BenchClient(LanguageClient):
    def __init__(self):
        super().__init__("bench", "1")
        self.published: list[types.PublishDiagnosticsParams] = []
        self.statuses: list = []

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params):
            self.published.append(params)

        @self.feature("errorTutor/status")
        def on_status(params):
            self.statuses.append(params)


async def wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("server did not answer in time")
        await asyncio.sleep(0.002)


async def start_server(cache: str) -> tuple[BenchClient, float]:
    client = BenchClient()
    await client.start_io(sys.executable, "-m", "error_tutor_server", "serve",
                          env={**os.environ, "ERROR_TUTOR_LOG": "WARNING"})
    began = time.perf_counter()
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options={"cacheDir": cache, "modelText": "any"}))
    client.initialized(types.InitializedParams())
    return client, began


def open_doc(client: BenchClient, folder: str) -> str:
    uri = Path(folder, "average.c").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="c", version=1, text=PROGRAM)))
    return uri


async def stop_server(client: BenchClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def time_to_first_diagnostics(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            client, began = await start_server(folder)
            open_doc(client, folder)
            await wait_for(lambda: client.published)
            times.append(time.perf_counter() - began)
            await stop_server(client)
    return times


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def warm_hover_latency(hovers: int) -> tuple[list[float], float]:
    with tempfile.TemporaryDirectory() as folder:
        client, _ = await start_server(folder)
        uri = open_doc(client, folder)
        await wait_for(lambda: client.published)
        await wait_for(lambda: any(getattr(s, "state", "") == "ready" for s in client.statuses))
        first = client.published[-1].diagnostics[0].range.start
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="errorTutor.explain", arguments=[uri, first.line, first.character]))
        params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=first)
        latencies = []
        for _ in range(hovers):
            began = time.perf_counter()
            await client.text_document_hover_async(params)
            latencies.append((time.perf_counter() - began) * 1000)
        rss = rss_mb(client._server.pid)
        await stop_server(client)
    return latencies, rss


def fresh_versus_raw(model: LocalModel, runs: int) -> tuple[float, float, int]:
    """Pipeline time for a new explanation vs raw llama.cpp on the same prompt and tokens."""
    settings = TutorSettings(cache_dir=tempfile.mkdtemp(), model_text="any")  # the untuned default model's text too
    diagnostic = diagnose_sync("c", PROGRAM, settings, filename="average.c")[0]
    pipeline, raw, tokens = [], [], 0
    for _ in range(runs):
        tutor = Tutor(settings, model)
        model._llama.reset()
        began = time.perf_counter()
        tutor.explain(tutor.case(diagnostic, PROGRAM))
        pipeline.append(time.perf_counter() - began)
        messages = tutor.prompt(tutor.case(diagnostic, PROGRAM))[0]
        model._llama.reset()
        began = time.perf_counter()
        result = model._llama.create_chat_completion(messages=messages, max_tokens=settings.max_tokens,
                                                     temperature=0.0, top_k=1)
        raw.append(time.perf_counter() - began)
        tokens = result["usage"]["completion_tokens"]
    return statistics.median(pipeline), statistics.median(raw), tokens


def spin() -> None:
    while True:
        pass


def bounded_generation(model: LocalModel, messages: list[dict], max_tokens: int = 64, limit_s: float = 15.0):
    """One generation, stopped after ``limit_s`` (a collapsed thread pool may manage 1 token/s)."""
    cancel = threading.Event()
    timer = threading.Timer(limit_s, cancel.set)
    timer.start()
    try:
        return model.generate(messages, max_tokens=max_tokens, cancel=cancel)
    finally:
        timer.cancel()


def tokens_per_second(model: LocalModel, busy: int, runs: int) -> float:
    hogs = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
    for hog in hogs:
        hog.start()
    time.sleep(0.5)
    try:
        messages = [{"role": "user", "content": "Explain what a missing semicolon in C means."}]
        rates = [bounded_generation(model, messages).tokens_per_second for _ in range(runs)]
    finally:
        for hog in hogs:
            hog.terminate()
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = parser.parse_args()
    runs = 2 if args.quick else 5
    init_times = asyncio.run(time_to_first_diagnostics(runs))
    latencies, rss = asyncio.run(warm_hover_latency(20 if args.quick else 200))
    adaptive = LocalModel(threads=0).load()
    pipeline_s, raw_s, tokens = fresh_versus_raw(adaptive, runs)
    fixed = LocalModel(threads=2).load()
    rates = {(name, busy): tokens_per_second(model, busy, runs)
             for name, model in (("adaptive", adaptive), ("2 threads", fixed)) for busy in (0, 2)}
    hover_p95 = percentile(latencies, 0.95)
    rows = [
        ("initialize -> first diagnostics (median)", f"{statistics.median(init_times) * 1000:.0f} ms", ""),
        ("warm hover p50", f"{percentile(latencies, 0.5):.1f} ms", ""),
        ("warm hover p95", f"{hover_p95:.1f} ms", f"target < {TARGETS['hover_p95_ms']:.0f} ms: {'PASS' if hover_p95 < TARGETS['hover_p95_ms'] else 'FAIL'}"),
        (f"fresh explanation ({tokens} tokens), pipeline", f"{pipeline_s * 1000:.0f} ms", ""),
        ("raw llama.cpp, same prompt and tokens", f"{raw_s * 1000:.0f} ms", ""),
        ("pipeline / raw ratio", f"{pipeline_s / raw_s:.2f}x", f"target <= {TARGETS['fresh_ratio']}x: {'PASS' if pipeline_s / raw_s <= TARGETS['fresh_ratio'] else 'FAIL'}"),
    ]
    for (name, busy), rate in rates.items():
        note = ""
        if busy and name == "adaptive":
            note = f"target >= {TARGETS['busy_tokens_per_s']:.0f}: {'PASS' if rate >= TARGETS['busy_tokens_per_s'] else 'FAIL'}"
        rows.append((f"tokens/s, {name}, {busy} busy processes", f"{rate:.1f}", note))
    rows.append(("server RSS with the model loaded", f"{rss:.0f} MB", ""))
    print_rows(f"Error Tutor benchmark on {os.cpu_count()} cores ({'quick' if args.quick else 'full'} run)", rows)
    return 0


def print_rows(title: str, rows: list[tuple[str, str, str]]) -> None:
    """The title, then one aligned line per (label, value, note)."""
    width = max(len(r[0]) for r in rows)
    print(title)
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    raise SystemExit(main())
