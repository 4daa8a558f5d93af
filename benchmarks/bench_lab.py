"""A lab on one shared model server: N students' seats against one ``error-tutor lab-server`` (prints figures).

    .venv/bin/python benchmarks/bench_lab.py --seats 1,10,30,60 --minutes 2                 # the full run (~15 min)
    .venv/bin/python benchmarks/bench_lab.py --seats 1,4 --minutes 0.5 --compress 4 --inprocess 2   # smoke (~3 min)

In a lab every student has a machine of their own; only the model server is shared. So each simulated
student is a request stream, not a whole editor: the seat's own client (``remote.RemoteModel``, as a
language server with ``backend = "remote"`` uses it) sends exactly the prompt the seat would send
(``Tutor.prompt``) for a real novice error from the checking halves of the development corpora (C, Python,
Java in turn; cases no rule was tuned on). A student makes a new error every 20-60 s (think time; divided
by ``--compress``, which the report labels) and hovers it 2-6 s later: the language server asks for the
first diagnostic's explanation when it publishes, so the request starts with the error, and the seat shows
the model's text only if it is ready by the hover (+ ``hoverBudgetMs``, 250 ms), else rules (a fallback).
A new error while the last one is still generating cancels it (the document changed). ``--shared`` of the
errors come from one exercise's few cases, the same for every student, as in a lab session; the rest are
each student's own. Beside them, one real language server (``error-tutor serve``, stdio, ``backend =
"remote"``) opens real programs and hovers them, to check the whole path end to end.

Everything runs on this machine over loopback: the lab server (llama-server + its proxy, restarted for each
seat count so that no level inherits another's cache) and the seats. Per seat count: the time until the
model's text is ready p50/p95 (a text that never came counts as never), the fallback rate, errors,
answers shared (identical in flight, or cached), tokens generated per second, and the server's CPU use
(cores busy, and CPU seconds per generation, from /proc). A PNG plots p95 against seats. Where the
targets (p95 <= 2 s for 30 seats) are out of reach, it prints the cores that would reach them, from the
measured CPU cost per generation. ``--inprocess K`` first times K single requests against the in-process
model (llama-cpp-python) and the lab server at one seat, for the single-seat comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lsprotocol import types

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import BenchClient, stop_server  # noqa: E402

from error_tutor_finetune.eval_cases import build_case, corpus_half, corpus_language, read_rows  # noqa: E402
from error_tutor_server.catalog import DEFAULT_MODEL, MODELS  # noqa: E402
from error_tutor_server.errors import TutorError  # noqa: E402
from error_tutor_server.lab_server import spawn  # noqa: E402
from error_tutor_server.model import LocalModel  # noqa: E402
from error_tutor_server.paths import corpora_dir  # noqa: E402
from error_tutor_server.remote import RemoteModel  # noqa: E402
from error_tutor_server.settings import TutorSettings  # noqa: E402
from error_tutor_server.tutor import Tutor  # noqa: E402

log = logging.getLogger("error_tutor.bench_lab")
REPO = Path(__file__).resolve().parents[1]
CORPORA = {"c": "c_tracer.jsonl", "python": "python_friendly_syntax.jsonl", "java": "java_upenn_messages.jsonl"}
SUFFIX = {"c": ".c", "python": ".py", "java": ".java"}
SHOWN = "Explained by"
TARGET_S, TARGET_SEATS = 2.0, 30
TOKEN_ENV = "ERROR_TUTOR_API_KEY"


@dataclass
class LabConfig:
    seats: list[int] = field(default_factory=lambda: [1, 10, 30, 60])
    minutes: float = 2.0  # of new errors per seat count; answers still on their way are awaited after
    compress: float = 1.0  # think times divided by this (labelled in the report)
    think_s: tuple[float, float] = (20.0, 60.0)
    hover_s: tuple[float, float] = (2.0, 6.0)
    hover_budget_s: float = 0.25
    shared: float = 0.3  # share of errors drawn from the exercise's few cases
    exercise_cases: int = 6
    max_tokens: int = 160
    slots: int = 8
    threads: int = 0
    model: str = DEFAULT_MODEL
    inprocess: int = 8
    lsp: bool = True
    seed: int = 0
    out_dir: str = str(REPO / "runs" / "bench_lab")


@dataclass
class Event:
    """One error a seat made: when its request left, when the student hovered, when the text was ready."""

    seat: int
    sent: float
    hover_after_s: float
    shared: bool
    ready_s: float = math.inf
    outcome: str = "pending"  # ready | cancelled | error


# -- cases and prompts ---------------------------------------------------------------------------------
def checking_cases(count: int) -> list:
    """``count`` cases from the checking halves, C, Python and Java in turn (a language that runs out
    leaves its turn to the others)."""
    settings = TutorSettings()

    def cases_of(language: str, name: str):
        path = corpora_dir() / name
        rows = [row for _, row, _ in read_rows(path) if row is not None]
        assert corpus_language(path, rows) == language
        for row in rows:
            if corpus_half(name, str(row.get("id", ""))) == "checking":
                case = build_case(row, language, name, settings)
                if not isinstance(case, str):
                    yield case

    streams, mixed = [cases_of(language, name) for language, name in CORPORA.items()], []
    while streams and len(mixed) < count:
        for stream in list(streams):
            case = next(stream, None)
            if case is None:
                streams.remove(stream)
            elif len(mixed) < count:
                mixed.append(case)
    return mixed


def seat_prompt(case, model: str) -> list[dict]:
    """Exactly what a seat with ``backend = "remote"`` sends for the case to a lab server serving ``model``
    (a fine-tuned one, as the lab server says, without the worked example)."""
    tutor = Tutor(TutorSettings(backend="remote", model_text="any"), RemoteModel("http://127.0.0.1:9/v1", model))
    return tutor.prompt(tutor.case(case.diagnostic, case.program))[0]


# -- the lab server --------------------------------------------------------------------------------------
class Lab:
    """``error-tutor lab-server`` as a process, with its stats endpoint."""

    def __init__(self, config: LabConfig, token: str):
        argv = ["--port", "0", "--slots", str(config.slots), "--threads", str(config.threads), "--model", config.model]
        Path(config.out_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(config.out_dir) / "lab-server.log", "ab") as log_file:
            self.process, self.url = spawn(argv, env={**os.environ, TOKEN_ENV: token}, stderr=log_file)
        self.token = token

    def stats(self) -> dict:
        request = urllib.request.Request(self.url.rsplit("/v1", 1)[0] + "/lab/stats",
                                         headers={"Authorization": f"Bearer {self.token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return json.load(response)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


# -- the seats ----------------------------------------------------------------------------------------------
class Seat(threading.Thread):
    """One student: new errors after think times, each request sent at once, cancelled by the next error."""

    def __init__(self, number: int, lab: Lab, prompts: dict, config: LabConfig, end: float, events: list):
        super().__init__(daemon=True)
        self.number, self.config, self.end, self.events = number, config, end, events
        self.client = RemoteModel(lab.url, api_key=lab.token, timeout_s=120)
        self.own, self.exercise = prompts["own"], prompts["exercise"]
        self.rng = random.Random(config.seed * 7919 + number)
        self.workers: list[threading.Thread] = []

    def run(self) -> None:
        low, high = (t / self.config.compress for t in self.config.think_s)
        time.sleep(self.rng.uniform(0, high))  # students do not all start at once
        cancel = None
        while time.monotonic() < self.end:
            if cancel is not None:
                cancel.set()  # the document changed: the last error's explanation is not wanted any more
            shared = self.rng.random() < self.config.shared or not self.own
            messages = self.rng.choice(self.exercise) if shared else self.own.pop()
            event = Event(self.number, time.monotonic(), self.rng.uniform(*self.config.hover_s), shared)
            self.events.append(event)
            cancel = threading.Event()
            worker = threading.Thread(target=self.ask, args=(messages, event, cancel), daemon=True)
            worker.start()
            self.workers.append(worker)
            time.sleep(self.rng.uniform(low, high))
        for worker in self.workers:
            worker.join(180)

    def ask(self, messages: list[dict], event: Event, cancel: threading.Event) -> None:
        try:
            generation = self.client.generate(messages, self.config.max_tokens, cancel)
        except TutorError as exc:
            event.outcome = "error"
            log.warning("seat %d: %s", self.number, exc)
            return
        if generation.finish_reason == "cancelled":
            event.outcome = "cancelled"
        else:
            event.outcome, event.ready_s = "ready", time.monotonic() - event.sent


def seat_prompts(cases: list, config: LabConfig, seats: int, rng: random.Random) -> list[dict]:
    """Each seat's own prompts (distinct across seats) and the exercise's prompts (the same for all)."""
    exercise = [seat_prompt(c, config.model) for c in cases[:config.exercise_cases]]
    own = [seat_prompt(c, config.model) for c in cases[config.exercise_cases:]]
    rng.shuffle(own)
    per_seat = max(1, len(own) // max(seats, 1))
    return [{"exercise": exercise, "own": own[i * per_seat:(i + 1) * per_seat]} for i in range(seats)]


# -- one real language server in the loop -------------------------------------------------------------------
async def lsp_seat(url: str, token: str, cases: list, config: LabConfig, end: float) -> dict:
    """A real ``error-tutor serve`` (backend remote): open a real program, hover its first error after the
    hover delay; how many hovers showed the model's text."""
    rng, shown, hovers = random.Random(config.seed), 0, 0
    with tempfile.TemporaryDirectory(prefix="lab-lsp-") as folder:
        client = BenchClient()
        await client.start_io(sys.executable, "-m", "error_tutor_server", "serve",
                              env={**os.environ, TOKEN_ENV: token, "ERROR_TUTOR_LOG": "WARNING"})
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
            initialization_options={"backend": "remote", "remoteUrl": url, "modelText": "any", "cacheDir": folder}))
        client.initialized(types.InitializedParams())
        for number, case in enumerate(c for c in cases if c.language != "java"):
            if time.monotonic() >= end:
                break
            hovers += 1
            shown += await lsp_hover(client, Path(folder, f"case{number}{SUFFIX[case.language]}"), case,
                                     rng.uniform(*config.hover_s) + config.hover_budget_s)
            await asyncio.sleep(rng.uniform(*config.think_s) / config.compress)
        await stop_server(client)
    return {"lsp_hovers": hovers, "lsp_model_text": shown}


async def lsp_hover(client: BenchClient, path: Path, case, delay: float) -> bool:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=case.language, version=1, text=case.program)))
    deadline = time.monotonic() + 60
    while not any(p.uri == uri and p.diagnostics for p in client.published) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    found = [p for p in client.published if p.uri == uri and p.diagnostics]
    shown = False
    if found:
        await asyncio.sleep(delay)
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=found[-1].diagnostics[0].range.start))
        shown = bool(result) and SHOWN in result.contents.value
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return shown


def run_lsp_seat(lab: Lab, cases: list, config: LabConfig, end: float, into: dict) -> threading.Thread:
    def target():
        try:
            into.update(asyncio.run(lsp_seat(lab.url, lab.token, cases, config, end)))
        except Exception as exc:  # a failed check is a figure, not the end of the run
            into["lsp_error"] = repr(exc)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


# -- one seat count -------------------------------------------------------------------------------------------
def run_level(seats: int, cases: list, lsp_cases: list, config: LabConfig, token: str) -> dict:
    lab = Lab(config, token)
    try:
        rng = random.Random(config.seed + seats)
        prompts = seat_prompts(cases, config, seats, rng)
        events: list[Event] = []
        before, began, bench_cpu = lab.stats(), time.monotonic(), time.process_time()
        end = began + config.minutes * 60
        threads = [Seat(i, lab, prompts[i], config, end, events) for i in range(seats)]
        lsp: dict = {}
        if config.lsp:
            threads.append(run_lsp_seat(lab, lsp_cases, config, end, lsp))
        for thread in threads:
            if isinstance(thread, Seat):
                thread.start()
        for thread in threads:
            thread.join(config.minutes * 60 + 240)
        after, wall = lab.stats(), time.monotonic() - began
        lsp["seats_cpu_cores"] = (time.process_time() - bench_cpu) / wall  # the simulated seats' own CPU
    finally:
        lab.stop()
    return summarize(seats, events, before, after, wall, config) | lsp


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(seats: int, events: list[Event], before: dict, after: dict, wall: float, config: LabConfig) -> dict:
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after if isinstance(after.get(k), (int, float))}
    ready = [e.ready_s for e in events]
    fallback = sum(e.ready_s > e.hover_after_s + config.hover_budget_s for e in events)
    generated = max(delta.get("completed", 0), 1)
    cpu = delta.get("engine_cpu_s", 0) + delta.get("proxy_cpu_s", 0)
    prompt = delta.get("prompt_tokens_cached", 0) + delta.get("prompt_tokens_processed", 0)
    return {"seats": seats, "events": len(events), "ready_p50_s": percentile(ready, 0.5),
            "ready_p95_s": percentile(ready, 0.95), "fallback_rate": fallback / max(len(events), 1),
            "errors": sum(e.outcome == "error" for e in events), "cancelled": sum(e.outcome == "cancelled" for e in events),
            "requests": delta.get("requests", 0), "generations": delta.get("completed", 0),
            "answered_once_shared": delta.get("shared", 0) + delta.get("cache_hits", 0),
            "prompt_cached_share": delta.get("prompt_tokens_cached", 0) / prompt if prompt else math.nan,
            "tokens_per_s": delta.get("tokens_predicted", 0) / wall,
            "prompt_tokens_per_s": delta.get("prompt_tokens_processed", 0) / wall, "server_cores_busy": cpu / wall,
            "cpu_s_per_generation": cpu / generated, "wall_s": wall}


# -- the single-seat comparison -------------------------------------------------------------------------------------
def single_seat(cases: list, config: LabConfig, token: str) -> dict:
    """Seconds per answer, one request at a time: the in-process model, then the lab server, same prompts."""
    prompts = [seat_prompt(c, config.model) for c in cases[:config.inprocess]]
    model = LocalModel(model=config.model, threads=config.threads).load()
    local = [model.generate(p, config.max_tokens).seconds for p in prompts]
    model.close()
    lab = Lab(config, token)
    try:
        client = RemoteModel(lab.url, api_key=token, timeout_s=120)
        remote = []
        for messages in prompts:
            began = time.monotonic()
            client.generate(messages, config.max_tokens)
            remote.append(time.monotonic() - began)
    finally:
        lab.stop()
    return {"inprocess_p50_s": statistics.median(local), "lab_p50_s": statistics.median(remote),
            "ratio": statistics.median(remote) / statistics.median(local)}


# -- report ---------------------------------------------------------------------------------------------------
def print_table(rows: list[dict], config: LabConfig) -> None:
    label = f"think times / {config.compress:g} (time-compressed)" if config.compress != 1 else "real think times"
    threads = f"{config.threads} thread(s)" if config.threads else "a thread per core"
    print(f"\nLab load test on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} now): one lab server "
          f"({config.model}, {config.slots} slots, {threads}), {config.minutes:g} min per level, {label}, "
          f"{config.shared:.0%} shared errors" + (", +1 real language server" if config.lsp else ""))
    print(f"{'seats':>5} {'errors made':>11} {'ready p50':>9} {'ready p95':>9} {'fallback':>8} {'errors':>6} "
          f"{'shared':>6} {'tok/s':>6} {'CPU cores':>9} {'CPU s/gen':>9} {'prefix cached':>13} {'LSP model':>9}")
    for r in rows:
        lsp = f"{r.get('lsp_model_text', 0)}/{r.get('lsp_hovers', 0)}" if config.lsp else "-"
        print(f"{r['seats']:>5} {r['events']:>11} {seconds(r['ready_p50_s']):>9} {seconds(r['ready_p95_s']):>9} "
              f"{r['fallback_rate']:>8.0%} {r['errors']:>6} {r['answered_once_shared']:>6} {r['tokens_per_s']:>6.1f} "
              f"{r['server_cores_busy']:>9.2f} {r['cpu_s_per_generation']:>9.2f} {r['prompt_cached_share']:>13.0%} "
              f"{lsp:>9}")
    print("prompt tokens read per second (not from the prompt cache): "
          + ", ".join(f"{r['seats']} seats {r.get('prompt_tokens_per_s', math.nan):.0f}" for r in rows))
    print("simulated seats' own CPU (this process, not the server's): "
          + ", ".join(f"{r['seats']} seats {r.get('seats_cpu_cores', 0):.2f} cores" for r in rows))
    print("ready: from the error (the request) until the model's text is there; fallback: not there by the hover "
          f"({config.hover_s[0]:g}-{config.hover_s[1]:g} s after the error, + {config.hover_budget_s * 1000:.0f} ms); "
          "shared: answered from another seat's generation or the cache; CPU: llama-server + proxy")


def seconds(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.2f}s"


def cores_needed(rows: list[dict], config: LabConfig) -> str:
    """The cores that would hold TARGET_SEATS at p95 <= TARGET_S, from the measured CPU per generation."""
    at_target = [r for r in rows if r["seats"] >= TARGET_SEATS and r["ready_p95_s"] <= TARGET_S and r["errors"] == 0]
    if at_target:
        return f"target met: {TARGET_SEATS} seats at p95 <= {TARGET_S:g} s on {os.cpu_count()} cores"
    # the CPU of cancelled generations is counted too: take the cost where least was cancelled
    busiest = max(rows, key=lambda r: (-r["cancelled"] / max(r["events"], 1), r["generations"]))
    cost = busiest["cpu_s_per_generation"]
    unshared = 1 - busiest["answered_once_shared"] / max(busiest["requests"], 1)
    rate = TARGET_SEATS / statistics.mean(config.think_s) * unshared  # generations/s of a real lab
    cores = math.ceil(rate * cost / 0.5)  # at most half busy: queues stay short, p95 near one answer's time
    single = min(rows, key=lambda r: r["seats"])["ready_p95_s"]
    note = (f". One seat alone waited {seconds(single)} at p95, over the target by itself: more cores carry more "
            "seats, but the target also needs a faster single answer (faster cores, up to ~4 threads per answer, "
            "a shorter prompt)" if single > TARGET_S else "")
    return (f"target not met on {os.cpu_count()} cores. At {busiest['seats']} seats a generation cost {cost:.2f} CPU s. "
            f"{TARGET_SEATS} real seats make {rate:.2f} generations/s "
            f"(one error per {statistics.mean(config.think_s):.0f} s, {1 - unshared:.0%} shared) x {cost:.2f} CPU s "
            f"each = {rate * cost:.2f} cores busy; at most half busy for a short queue: {cores} cores{note}.")


def plot(rows: list[dict], config: LabConfig, path: Path) -> None:
    """p50 and p95 of the time until the model's text is ready, against seats; a text that never came (the
    student saw rules) is drawn at the top, and each p95 point says the fallback rate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = [v for r in rows for v in (r["ready_p50_s"], r["ready_p95_s"]) if math.isfinite(v)]
    top = max(finite + [TARGET_S]) * 2
    seats = [r["seats"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, style, label in (("ready_p95_s", "o-", "p95"), ("ready_p50_s", "s--", "p50")):
        ax.plot(seats, [min(r[key], top) for r in rows], style, label=f"text ready, {label}")
    for r in rows:
        ax.annotate(f"{r['fallback_rate']:.0%} fallback", (r["seats"], min(r["ready_p95_s"], top)),
                    textcoords="offset points", xytext=(4, 6), fontsize=8)
    ax.axhline(TARGET_S, color="grey", linestyle=":", label=f"target {TARGET_S:g} s")
    ax.axhline(top, color="red", linewidth=0.5, label="top line: never ready (rules shown)")
    ax.set_xlabel("seats")
    ax.set_ylabel("seconds from the error until the model's text is ready")
    ax.set_yscale("log")
    compressed = f", think times / {config.compress:g}" if config.compress != 1 else ", real think times"
    ax.set_title(f"One lab server on {os.cpu_count()} cores ({config.model}{compressed})", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv: list[str] | None) -> LabConfig:
    pair = lambda text: tuple(float(x) for x in text.split(","))  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seats", type=lambda t: [int(x) for x in t.split(",")], help="seat counts (default 1,10,30,60)")
    parser.add_argument("--minutes", type=float, help="minutes of new errors per seat count (default 2)")
    parser.add_argument("--compress", type=float, help="divide think times by this (labelled; default 1: real time)")
    parser.add_argument("--think-s", type=pair, help="seconds between a student's errors, low,high (default 20,60)")
    parser.add_argument("--hover-s", type=pair, help="seconds from an error to its hover, low,high (default 2,6)")
    parser.add_argument("--shared", type=float, help="share of errors from the exercise's cases (default 0.3)")
    parser.add_argument("--exercise-cases", type=int, help="cases of the shared exercise (default 6)")
    parser.add_argument("--max-tokens", type=int, help="the seats' maxTokens (default 160)")
    parser.add_argument("--slots", type=int, help="the lab server's slots (default 8)")
    parser.add_argument("--threads", type=int, help="the lab server's threads (default 0: all cores)")
    parser.add_argument("--model", choices=list(MODELS), help=f"the served model (default {DEFAULT_MODEL})")
    parser.add_argument("--inprocess", type=int, help="single requests timed in-process and on the lab server (default 8; 0: skip)")
    parser.add_argument("--no-lsp", dest="lsp", action="store_false", default=None, help="no real language server in the loop")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--out-dir", help="where the JSON figures and the PNG plot go (default runs/bench_lab)")
    parser.add_argument("--replot", metavar="FIGURES_JSON", help="only draw the plot again from a run's figures.json "
                        "(into --out-dir when given, else beside the file)")
    args = parser.parse_args(argv)
    if args.replot:
        saved = json.loads(Path(args.replot).read_text())
        config = LabConfig(**{k: v for k, v in saved["config"].items() if k in LabConfig.__dataclass_fields__})
        out = Path(args.out_dir) if args.out_dir else Path(args.replot).parent
        out.mkdir(parents=True, exist_ok=True)
        plot(saved["rows"], config, out / "p95_by_seats.png")
        print(f"plot: {out / 'p95_by_seats.png'}")
        raise SystemExit(0)
    return LabConfig(**{k: v for k, v in vars(args).items() if v is not None and k != "replot"})


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    config = parse_args(argv)
    token = secrets.token_hex(32)
    per_seat = math.ceil(config.minutes * 60 / (config.think_s[0] / config.compress)) + 1
    cases = checking_cases(config.exercise_cases + max(config.seats) * per_seat + 40)
    lsp_cases, cases = cases[-40:], cases[:-40]
    log.info("%d checking-half cases; load average %s", len(cases), os.getloadavg())
    log.info("single requests: in-process model, then the lab server (%d each)", config.inprocess)
    single = single_seat(cases[-config.inprocess:], config, token) if config.inprocess else {}
    rows = []
    for seats in config.seats:
        log.info("%d seats for %g min", seats, config.minutes)
        rows.append(run_level(seats, cases, lsp_cases, config, token))
        log.info("%d seats: %s (load average %s)", seats, rows[-1], os.getloadavg())
    print_table(rows, config)
    if single:
        print(f"one request at a time: in-process model p50 {single['inprocess_p50_s']:.2f} s, lab server p50 "
              f"{single['lab_p50_s']:.2f} s (x{single['ratio']:.2f}; target <= x1.10)")
    print(cores_needed(rows, config))
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot(rows, config, out / "p95_by_seats.png")
    (out / "figures.json").write_text(json.dumps({"config": asdict(config), "single_seat": single, "rows": rows},
                                                 indent=2, default=str))
    print(f"plot: {out / 'p95_by_seats.png'}; figures: {out / 'figures.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
