"""Is the student model's text there when the student hovers? (prints figures; a busy 2-core lab machine)

    .venv/bin/python benchmarks/bench_student_model.py                       # the default model, 16 cases
    .venv/bin/python benchmarks/bench_student_model.py --model tutor-smollm2-135m --model qwen2.5-coder-0.5b
    .venv/bin/python benchmarks/bench_student_model.py --cases 4 --busy 0    # smoke run
    .venv/bin/python benchmarks/bench_student_model.py --lookup 6            # with prompt lookup decoding (off by default)

For each model, with ``--busy`` processes spinning on the CPU beside it the whole time, on real
programs of the development corpora's checking halves (C and Python; cases no rule was tuned on):

* fresh explanation: the whole pipeline in-process (case, prompt, generation, checks), p50/p95, and
  how often the model's text passed the checks and is shown;
* ready at the first hover: a real language server (stdio) opens each program; the benchmark hovers
  the first diagnostic 3 s after its diagnostics were published, and again at 10 s if the model's
  text was not there yet; the share of hovers that show "Explained by the local model";
* the server's resident memory with the model loaded.

Untuned bases run with ``modelText: any`` (their text is not shown by default): their readiness is
measured as if it were.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import BenchClient, percentile, print_rows, rss_mb, spin, stop_server  # noqa: E402

from error_tutor_finetune.eval_cases import build_case, corpus_half, corpus_language, read_rows  # noqa: E402
from error_tutor_server.catalog import DEFAULT_MODEL, MODELS  # noqa: E402
from error_tutor_server.model import LOOKUP_TOKENS, LocalModel  # noqa: E402
from error_tutor_server.paths import corpora_dir  # noqa: E402
from error_tutor_server.settings import TutorSettings  # noqa: E402
from error_tutor_server.tutor import Tutor  # noqa: E402

log = logging.getLogger("error_tutor.bench")
SHOWN = "Explained by the local model"
CORPORA = {"c": ("c_tracer.jsonl", ".c"), "python": ("python_friendly_syntax.jsonl", ".py")}
TARGETS = {"fresh_p50_s": 3.0, "ready_10s": 0.90, "rss_mb": 1024}


def checking_cases(count: int) -> list:
    """``count`` cases from the checking halves, C and Python in turn (the first rows of each file)."""
    settings = TutorSettings()
    per_language = {}
    for language, (name, _) in CORPORA.items():
        path = corpora_dir() / name
        rows = [row for _, row, _ in read_rows(path) if row is not None]
        assert corpus_language(path, rows) == language
        cases = (build_case(row, language, name, settings) for row in rows
                 if corpus_half(name, str(row.get("id", ""))) == "checking")
        per_language[language] = [c for c in cases if not isinstance(c, str)]
    mixed = [case for pair in zip(*per_language.values()) for case in pair]
    return mixed[:count]


class Hogs:
    """``count`` processes spinning on the CPU while the block runs."""

    def __init__(self, count: int):
        self.processes = [multiprocessing.Process(target=spin, daemon=True) for _ in range(count)]

    def __enter__(self):
        for process in self.processes:
            process.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()


def fresh_explanations(name: str, cases: list, lookup: int = LOOKUP_TOKENS) -> tuple[list[float], float]:
    """Seconds per new explanation through the whole pipeline, and the share shown as the model's text."""
    model = LocalModel(model=name, lookup=lookup).load()
    tutor = Tutor(TutorSettings(cache_dir=tempfile.mkdtemp(), model=name, model_text="any"), model)
    seconds, shown = [], 0
    for case in cases:
        began = time.perf_counter()
        explanation = tutor.explain(tutor.case(case.diagnostic, case.program))
        seconds.append(time.perf_counter() - began)
        shown += explanation.source == "model"
    model.close()
    return seconds, shown / max(len(cases), 1)


async def hover_text(client: BenchClient, uri: str, position: types.Position) -> str:
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    result = await client.text_document_hover_async(params)
    return result.contents.value if result else ""


async def published(client: BenchClient, uri: str, timeout: float = 60.0):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        found = [p for p in client.published if p.uri == uri and p.diagnostics]
        if found:
            return found[-1].diagnostics[0].range.start, time.perf_counter()
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no diagnostics for {uri}")


async def readiness(name: str, cases: list) -> tuple[float, float, float]:
    """(share ready 3 s after publish, share ready 10 s after, server RSS in MB)."""
    ready3 = ready10 = 0
    with tempfile.TemporaryDirectory() as folder:
        client = BenchClient()
        await client.start_io(sys.executable, "-m", "error_tutor_server", "serve")
        options = {"cacheDir": folder, "model": name, "modelText": "fine-tuned" if MODELS[name].fine_tuned else "any"}
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                             initialization_options=options))
        client.initialized(types.InitializedParams())
        for number, case in enumerate(cases):
            path = Path(folder, f"case{number}{CORPORA[case.language][1]}")
            path.write_text(case.program)
            client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id=case.language, version=1, text=case.program)))
            position, at = await published(client, path.as_uri())
            await asyncio.sleep(max(0.0, at + 3.0 - time.perf_counter()))
            if SHOWN in await hover_text(client, path.as_uri(), position):
                ready3 += 1
                ready10 += 1
            else:
                await asyncio.sleep(max(0.0, at + 10.0 - time.perf_counter()))
                ready10 += SHOWN in await hover_text(client, path.as_uri(), position)
            client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
        rss = rss_mb(client._server.pid)
        await stop_server(client)
    return ready3 / len(cases), ready10 / len(cases), rss


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(name: str, seconds: list[float], shown: float, ready: tuple[float, float, float], busy: int,
           lookup: int) -> list[tuple]:
    p50 = statistics.median(seconds)
    ready3, ready10, rss = ready
    return [
        (f"{name}: fresh explanation p50 ({busy} busy, lookup {lookup})", f"{p50:.2f} s", f"target <= {TARGETS['fresh_p50_s']:.0f} s: {verdict(p50 <= TARGETS['fresh_p50_s'])}"),
        (f"{name}: fresh explanation p95", f"{percentile(seconds, 0.95):.2f} s", ""),
        (f"{name}: model text passes the checks", f"{shown:.0%}", ""),
        (f"{name}: ready at the first hover, 3 s after publish", f"{ready3:.0%}", ""),
        (f"{name}: ready at the first hover, 10 s after publish", f"{ready10:.0%}",
         f"target >= {TARGETS['ready_10s']:.0%}: {verdict(ready10 >= TARGETS['ready_10s'])}"),
        (f"{name}: server RSS with the model", f"{rss:.0f} MB", f"target <= {TARGETS['rss_mb']} MB: {verdict(rss <= TARGETS['rss_mb'])}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", choices=list(MODELS), help=f"a catalog model (repeatable; default {DEFAULT_MODEL})")
    parser.add_argument("--cases", type=int, default=16, help="checking-half programs per model (C and Python in turn)")
    parser.add_argument("--busy", type=int, default=2, help="processes spinning on the CPU beside the model")
    parser.add_argument("--lookup", type=int, default=LOOKUP_TOKENS,
                        help="tokens drafted by prompt lookup in the fresh explanations (0: off; the server: its default)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cases = checking_cases(args.cases)
    rows = []
    for name in args.model or [DEFAULT_MODEL]:
        with Hogs(args.busy):
            seconds, shown = fresh_explanations(name, cases, args.lookup)
            ready = asyncio.run(readiness(name, cases))
        rows += report(name, seconds, shown, ready, args.busy, args.lookup)
    print_rows(f"Student model benchmark: {len(cases)} checking-half programs, {args.busy} busy processes beside it", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
