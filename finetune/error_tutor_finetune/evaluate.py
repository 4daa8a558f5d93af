"""``error-tutor eval``: how well each way of explaining does on real novice errors.

The full development evaluation (three corpora, four configurations; about an hour on 2 busy
cores, so the model runs on the first 200 cases of each corpus):

    error-tutor eval --threads 1 --model-limit 200 --out runs/eval-dev

A smoke run (seconds, no model):

    error-tutor eval --limit 5 --configs message,rules --out /tmp/eval-smoke

A fine-tuned adapter beside the base model, judged by a lab server:

    error-tutor eval --adapter runs/train/adapter.gguf --judge http://lab-server:8000/v1

Configurations: ``message`` (the compiler's message alone), ``rules`` (the knowledge base),
``raw-model`` (the model with a naive prompt: message and code, no facts, no checks) and
``grounded`` (the real pipeline, ``Tutor.explain``: facts, model, checks, rules as fallback).
Each case's FIRST error is explained by every configuration; the model is loaded once and shared.
Outputs in ``--out``: ``report.md``, ``summary.json``, ``cases.jsonl`` and ``chart_*.png``.
Settings can also come from a YAML file (``--config``; see ``eval.yaml`` beside this module).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from error_tutor_finetune.eval_audit import write_audit
from error_tutor_finetune.eval_cases import HALVES, Case, Skipped, build_case, corpus_half, load_corpus
from error_tutor_finetune.eval_halves import halves_report_lines, summarize_halves
from error_tutor_finetune.eval_judge import RULES, grade_all, open_judge
from error_tutor_finetune.eval_metrics import Embedder, expert_in_place, leak_reasons, located, named_line, specific
from error_tutor_finetune.eval_report import (agreement_gains, check_targets, format_table, summarize, write_charts,
                                              write_report)
from error_tutor_server import config_loader
from error_tutor_server.cache import GenerationCache
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import LANGUAGES
from error_tutor_server.errors import TutorError
from error_tutor_server.prompt import code_excerpt
from error_tutor_server.render import student_text
from error_tutor_server.lab_config import lab_policy
from error_tutor_server.paths import default_corpora, offline_environment
from error_tutor_server.settings import HINT_LEVELS, TutorSettings
from error_tutor_server.tutor import Tutor

log = logging.getLogger("error_tutor.eval")

CONFIGS = ("message", "rules", "raw-model", "grounded")
NAIVE_SYSTEM = "You are a helpful programming tutor."


def _f(default, help: str, **metadata):
    """A field with its ``--help`` text and loader metadata (``error_tutor_server.config_loader``)."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help, **metadata})
    return field(default=default, metadata={"help": help, **metadata})


@dataclass
class EvalConfig:
    """Everything ``error-tutor eval`` can be told (flags override the YAML file)."""

    corpora: list[str] = _f([], "a corpus (JSON Lines); repeatable (empty: the three development corpora in "
                                "../shared/corpora)", aliases=["--corpus"], split=False, metavar="PATH")
    languages: list[str] = _f([], "only corpora of this language; repeatable (empty: all)", aliases=["--language"],
                              split=False, choices=LANGUAGES)
    limit: int = _f(0, "rows per corpus, for smoke runs (0: all)")
    model_limit: int = _f(0, "run the model-based configurations on the first N cases of each corpus only (0: all)",
                          metavar="N")
    configs: list[str] = _f(list(CONFIGS), "comma list of " + ",".join(CONFIGS), metavar="LIST")
    models: list[str] = _f([], "a GGUF model: adds a grounded configuration using it (grounded@<model>); repeatable",
                           aliases=["--model"], split=False, metavar="PATH")
    adapters: list[str] = _f([], "a GGUF LoRA adapter: adds a grounded configuration with it over the default model "
                                 "(grounded+<adapter>); repeatable", aliases=["--adapter"], split=False, metavar="PATH")
    named_models: list[str] = _f([], "a model of the catalog by name (tutor-qwen2.5-coder-0.5b, smollm2-135m, ...): adds "
                                     "a grounded configuration using it (grounded:<name>); repeatable",
                                 aliases=["--catalog-model"], split=False, metavar="NAME")
    out: str = _f("", "output folder (empty: runs/eval-<timestamp>)", metavar="DIR")
    judges: list[str] = _f([], "an LLM judge for the rubric (OpenAI-compatible URL or GGUF file); repeatable; "
                               "none by default", aliases=["--judge"], split=False, metavar="URL|GGUF")
    judge_rule: str = _f("majority", "how several judges combine", choices=RULES)
    threads: int = _f(0, "model threads (0: adapt to the machine's load; 1 on a busy machine)")
    hint_level: str = _f("hint", "the instructor's hint level", choices=HINT_LEVELS)
    max_tokens: int = _f(160, "token limit of each generation (as the server)")
    resume: bool = _f(False, "continue an interrupted run in --out: reuse what it wrote to cases.partial.jsonl")
    half: str = _f("all", "only the cases of this half (a stable hash of the id; tune on 'tuning', never on "
                          "'checking'); c_tracer_more.jsonl is all tuning", choices=("all", *HALVES))


def config_from_args(args: argparse.Namespace) -> EvalConfig:
    """Defaults < ``--config`` YAML < flags, checked, with the default corpora and output folder filled in."""
    config = config_loader.config_from_args(EvalConfig, args)
    bad = [c for c in config.configs if c not in CONFIGS]
    if bad:
        raise TutorError(f"Unknown configuration(s) {', '.join(bad)}.", "Use --configs with " + ",".join(CONFIGS) + ".")
    config.corpora = config.corpora or default_corpora()
    config.out = config.out or f"runs/eval-{datetime.now():%Y%m%d-%H%M%S}"
    return config


@dataclass
class Outcome:
    """What one configuration said about one case."""

    text: str
    line: int
    token: str = ""
    source: str = ""
    rule_id: str = ""
    classified: bool | None = None
    model_text: str | None = None
    finish: str = ""
    shown: bool | None = None
    note: str = ""
    meaning: str = ""  # the explanation without its hint (agreement compares it with the expert's); "" = text


class Recorder:
    """The model as the pipeline sees it, remembering the last generation (the raw model text)."""

    def __init__(self, backend):
        self.backend = backend
        self.last = None

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def generate(self, messages, max_tokens=160, cancel=None):
        self.last = self.backend.generate(messages, max_tokens, cancel)
        return self.last


def hover_meaning(case: Case, explanation) -> str:
    """The hover above its hint: the compiler's message, where (the line quoted), what it means, why."""
    return f"{case.diagnostic.message}\n\n{student_text(explanation, case.program, 'en', hint=False)}"


class Configuration:
    name = ""
    uses_model = False

    def explain(self, case: Case) -> Outcome:
        raise NotImplementedError


class MessageOnly(Configuration):
    name = "message"

    def explain(self, case: Case) -> Outcome:
        return Outcome(text=case.diagnostic.message, line=case.diagnostic.line, source="compiler")


class RulesOnly(Configuration):
    name = "rules"

    def __init__(self, settings: TutorSettings):
        self.tutor = Tutor(settings)

    def explain(self, case: Case) -> Outcome:
        found = self.tutor.case(case.diagnostic, case.program)
        return hover_outcome(case, self.tutor.rules(found), found.classification, source="rules")


def hover_outcome(case: Case, explanation, classification, **extra) -> Outcome:
    """What the student reads in the hover, with where it points and the rule behind it."""
    return Outcome(text=student_text(explanation, case.program, "en"), line=explanation.line,
                   meaning=hover_meaning(case, explanation), token=explanation.token,
                   rule_id=classification.rule_id, classified=classification.matched, **extra)


def naive_messages(diagnostic: CompilerDiagnostic, program_text: str) -> list[dict]:
    """What a student would paste into a chatbot: the message and the code, nothing else."""
    user = (f"My {diagnostic.language} program does not compile. The compiler says (line {diagnostic.line}): "
            f"{diagnostic.message}\n\nCode:\n{code_excerpt(program_text, diagnostic.line)}\n\nExplain the error.")
    return [{"role": "system", "content": NAIVE_SYSTEM}, {"role": "user", "content": user}]


class RawModel(Configuration):
    name = "raw-model"
    uses_model = True

    def __init__(self, model, max_tokens: int):
        self.model, self.max_tokens = model, max_tokens

    def explain(self, case: Case) -> Outcome:
        generation = self.model.generate(naive_messages(case.diagnostic, case.program), self.max_tokens)
        return Outcome(text=generation.text.strip(), line=case.diagnostic.line, source="model",
                       model_text=generation.text, finish=generation.finish_reason)


class Grounded(Configuration):
    uses_model = True

    def __init__(self, name: str, settings: TutorSettings, model):
        self.name = name
        self.recorder = Recorder(model)
        # generate every time: real latency, raw text kept
        self.tutor = Tutor(settings, self.recorder, cache=GenerationCache(None, capacity=0))

    def explain(self, case: Case) -> Outcome:
        self.recorder.last = None
        found = self.tutor.case(case.diagnostic, case.program)
        explanation = self.tutor.explain(found)
        generation = self.recorder.last
        return hover_outcome(case, explanation, found.classification, source=explanation.source,
                             model_text=generation.text if generation else None,
                             finish=generation.finish_reason if generation else "",
                             shown=explanation.source == "model", note=explanation.note)


def load_model(model_path: str = "", adapter_path: str = "", threads: int = 0, name: str = "smollm2-135m"):
    from error_tutor_server.model import LocalModel

    return LocalModel(model_path, adapter_path, threads, model=name).load()


def build_configurations(config: EvalConfig, settings: TutorSettings) -> tuple[list[Configuration], str]:
    """The configurations in order, and the name of the default model if one was loaded."""
    result: list[Configuration] = []
    needs_default = any(c in config.configs for c in ("raw-model", "grounded"))
    default = load_model(threads=config.threads) if needs_default else None
    makers = {"message": lambda: MessageOnly(), "rules": lambda: RulesOnly(settings),
              "raw-model": lambda: RawModel(default, config.max_tokens),
              "grounded": lambda: Grounded("grounded", settings, default)}
    result += [makers[name]() for name in CONFIGS if name in config.configs]
    for path in config.models:
        result.append(Grounded(f"grounded@{Path(path).stem}", settings, load_model(path, threads=config.threads)))
    for name in config.named_models:
        result.append(Grounded(f"grounded:{name}", settings, load_model(threads=config.threads, name=name)))
    for path in config.adapters:
        result.append(Grounded(f"grounded+{Path(path).stem}", settings, load_model(adapter_path=path, threads=config.threads)))
    return result, default.name if default else ""


def score(case: Case, name: str, outcome: Outcome, seconds: float, hint_level: str) -> dict:
    """One line of cases.jsonl: the explanation and its metric values."""
    reasons = leak_reasons(outcome.text, case.program, case.diagnostic.message, case.fixed_line, hint_level)
    d = case.diagnostic
    return {"id": case.id, "corpus": case.corpus, "language": case.language, "config": name,
            "half": corpus_half(case.corpus, case.id), "explained_source_line": program_line(case.program, outcome.line),
            "diagnostic": {"line": d.line, "column": d.column, "message": d.message, "source_line": d.source_line},
            "truth_lines": sorted(case.truth_lines), "targets": list(case.targets), "fixed_line": case.fixed_line,
            "explanation": outcome.text, "meaning": outcome.meaning or outcome.text, "source": outcome.source,
            "line": outcome.line, "token": outcome.token,
            "rule_id": outcome.rule_id, "model_text": outcome.model_text, "finish": outcome.finish, "note": outcome.note,
            "covered": bool(outcome.text.strip()) and outcome.classified is not False, "classified": outcome.classified,
            "located": located(outcome.line, case.truth_lines), "specific": specific(outcome.text, case.targets, outcome.token),
            "leak": bool(reasons), "leak_reasons": reasons, "agreement": None, "model_shown": outcome.shown,
            **model_text_scores(case, outcome.model_text, hint_level), "latency_ms": round(seconds * 1000, 3)}


def program_line(program: str, number: int) -> str:
    """Line ``number`` (1-based) of the program, or "" when there is none."""
    lines = program.splitlines()
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def model_text_scores(case: Case, model_text: str | None, hint_level: str) -> dict:
    """The model's own text before the checks: what training changes, shown or not."""
    if model_text is None:
        return {"model_leak": None, "model_located": None, "model_specific": None}
    text = model_text.strip()
    return {"model_leak": bool(leak_reasons(text, case.program, case.diagnostic.message, case.fixed_line, hint_level)),
            "model_located": named_line(text) in case.truth_lines, "model_specific": specific(text, case.targets)}


class Journal:
    """cases.partial.jsonl: every record as soon as it exists, so an interrupted run can resume."""

    def __init__(self, path: Path, resume: bool):
        self.path = path
        self.done: dict[tuple, dict] = {}
        if resume and path.exists():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue  # the line being written when the run was stopped
                    self.done[(record["corpus"], record["id"], record["config"])] = record
            log.info("resuming: %d explanations from %s", len(self.done), path)
        self.handle = open(path, "a" if resume else "w", encoding="utf-8")

    def get(self, case: Case, config: str) -> dict | None:
        return self.done.get((case.corpus, case.id, config))

    def add(self, record: dict) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.handle.flush()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


def run_case(case: Case, configurations: list[Configuration], with_model: bool, hint_level: str,
             journal: Journal) -> list[dict]:
    records = []
    for configuration in configurations:
        if configuration.uses_model and not with_model:
            continue
        record = journal.get(case, configuration.name)
        if record is None:
            started = time.perf_counter()
            outcome = configuration.explain(case)
            record = score(case, configuration.name, outcome, time.perf_counter() - started, hint_level)
            journal.add(record)
        records.append(record)
    return records


def evaluate_corpus(path: Path, config: EvalConfig, configurations: list[Configuration], settings: TutorSettings,
                    progress, journal: Journal) -> tuple[dict, list[dict], list[Skipped], dict[int, str]]:
    """Every row of one corpus: its records, its skipped rows, and each record's expert reference."""
    language, rows = load_corpus(path, config.limit)
    info = {"corpus": path.name, "path": str(path), "language": language, "rows": len(rows), "evaluated": 0, "skipped": 0}
    records, skipped, references = [], [], {}
    if config.languages and language not in config.languages:
        progress.update(len(rows))
        return info, records, skipped, references
    progress.set_description(path.name)
    for number, row, why in rows:
        progress.update(1)
        if config.half != "all" and (row is None or corpus_half(path.name, str(row.get("id", ""))) != config.half):
            continue
        case = build_case(row, language, path.name, settings) if row is not None else why
        if isinstance(case, str):
            skipped.append(Skipped(path.name, number, str((row or {}).get("id", "")), case))
            continue
        info["evaluated"] += 1
        with_model = not config.model_limit or info["evaluated"] <= config.model_limit
        for record in run_case(case, configurations, with_model, config.hint_level, journal):
            if case.reference:
                references[id(record)] = case.reference
            records.append(record)
    info["skipped"] = len(skipped)
    log.info("%s: %d cases evaluated, %d rows skipped", path.name, info["evaluated"], info["skipped"])
    return info, records, skipped, references


def add_agreement(records: list[dict], references: dict[int, str], threads: int) -> None:
    """Fill ``agreement`` for the records that have an expert explanation."""
    scored = [r for r in records if id(r) in references]
    if not scored:
        return
    log.info("embedding %d explanations for the agreement metric", len(scored))
    # a journal written before "meaning" existed may be resumed: its records have only the text
    embedder = Embedder(threads or 1)
    values = embedder.similarities([(r.get("meaning") or r["explanation"], references[id(r)]) for r in scored])
    for record, value in zip(scored, values):
        record["agreement"] = value
    # the ceiling of a model that writes the meaning sentence: the rules' hover with the expert's sentence in its place
    ceilings = [(r, text) for r in scored if r["config"] == "rules"
                and (text := expert_in_place(r.get("meaning") or "", references[id(r)]))]
    for (record, _), value in zip(ceilings, embedder.similarities([(text, references[id(r)]) for r, text in ceilings])):
        record["agreement_ceiling"] = value


def open_judges(config: EvalConfig) -> list:
    """Every judge, checked before any case is evaluated (an unreachable one fails at once)."""
    names: dict[str, int] = {}
    judges = []
    for spec in config.judges:
        judge = open_judge(spec, config.threads)
        names[judge.name] = names.get(judge.name, 0) + 1
        judge.name += f"#{names[judge.name]}" if names[judge.name] > 1 else ""
        judges.append(judge)
    return judges


def add_judgements(records: list[dict], judges: list, rule: str, tqdm) -> None:
    for record in tqdm(records, desc="judging", unit="explanation"):
        d = record["diagnostic"]
        case = {"language": record["language"], "message": d["message"], "line": record["line"],
                "code_line": d["source_line"], "explanation": record["explanation"]}
        record["judge"] = grade_all(judges, rule, case)


def full_command(config: EvalConfig) -> str:
    parts = ["error-tutor", "eval"]
    for path in config.corpora:
        parts += ["--corpus", path]
    for flag, values in (("--language", config.languages), ("--model", config.models), ("--catalog-model", config.named_models),
                         ("--adapter", config.adapters), ("--judge", config.judges)):
        for value in values:
            parts += [flag, value]
    parts += ["--configs", ",".join(config.configs), "--limit", str(config.limit), "--model-limit", str(config.model_limit),
              "--threads", str(config.threads), "--hint-level", config.hint_level, "--max-tokens", str(config.max_tokens),
              "--half", config.half, "--out", config.out]
    if config.judges:
        parts += ["--judge-rule", config.judge_rule]
    return shlex.join(parts)


def write_outputs(folder: Path, meta: dict, records: list[dict], skipped: list[dict], configs: list[str]) -> dict:
    summary = summarize(records, configs)
    targets = check_targets(summary, agreement_gains(records), agreement_gains(records, "rules"))
    halves = summarize_halves(records, configs)
    with open(folder / "cases.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    charts = write_charts(summary, folder)
    audit = write_audit(folder, records)
    result = {"meta": meta, "summary": summary, "targets": targets, "skipped": skipped, **halves, "audit": audit}
    (folder / "summary.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    write_report(folder / "report.md", meta, summary, targets, records, skipped, charts, halves_report_lines(halves))
    verify_outputs(folder, len(records), charts)
    log.info("wrote %d explanations, the report and %d charts to %s", len(records), len(charts), folder)
    return result


def verify_outputs(folder: Path, expected_records: int, charts: list[Path]) -> None:
    """Read the outputs back: every record, a parseable summary, non-empty PNGs."""
    with open(folder / "cases.jsonl", encoding="utf-8") as handle:
        count = sum(1 for line in handle if json.loads(line))
    json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    broken = [p.name for p in charts if not p.read_bytes().startswith(b"\x89PNG")]
    if count != expected_records or broken:
        raise TutorError(f"The outputs in {folder} are incomplete ({count} of {expected_records} cases; bad charts {broken}).",
                         "Check the free disk space and run the evaluation again.")


def run_eval(config: EvalConfig, command: str = "") -> dict:
    """The whole evaluation; returns summary.json's content."""
    from tqdm import tqdm

    offline_environment()
    started = datetime.now().isoformat(timespec="seconds")
    settings, warnings = lab_policy().apply({"locale": "en", "hint_level": config.hint_level,  # the lab's locks win
                                             "model_text": "any",  # measure the model's text, tuned or not
                                             "max_tokens": config.max_tokens, "threads": config.threads})
    for warning in warnings:
        log.warning("%s", warning)
    paths = [Path(p).expanduser() for p in config.corpora]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise TutorError(f"Corpus file(s) not found: {', '.join(missing)}.", "Pass existing JSON Lines files with --corpus.")
    folder = Path(config.out)
    folder.mkdir(parents=True, exist_ok=True)
    judges = open_judges(config)
    configurations, model_name = build_configurations(config, settings)
    records, skipped, references, corpora = [], [], {}, []
    journal = Journal(folder / "cases.partial.jsonl", config.resume)
    with journal, tqdm(total=sum(_row_estimate(p, config.limit) for p in paths), unit="case", dynamic_ncols=True) as progress:
        for path in paths:
            info, corpus_records, corpus_skipped, corpus_refs = evaluate_corpus(path, config, configurations, settings,
                                                                                progress, journal)
            corpora.append(info)
            records += corpus_records
            skipped += [dataclasses.asdict(s) for s in corpus_skipped]
            references.update(corpus_refs)
    add_agreement(records, references, config.threads)
    if judges:
        add_judgements(records, judges, config.judge_rule, tqdm)
    meta = {"command": command or full_command(config), "full_command": full_command(config), "model": model_name,
            "threads": config.threads, "hint_level": config.hint_level, "model_limit": config.model_limit,
            "started": started, "finished": datetime.now().isoformat(timespec="seconds"), "corpora": corpora,
            "config": dataclasses.asdict(config)}
    result = write_outputs(folder, meta, records, skipped, [c.name for c in configurations])
    journal.path.unlink()  # everything is in cases.jsonl now
    return result


def _row_estimate(path: Path, limit: int) -> int:
    with open(path, "rb") as handle:
        count = sum(1 for line in handle if line.strip())
    return min(count, limit) if limit else count


def rerender(folder: Path) -> dict:
    """Rebuild summary.json, report.md and the charts of an earlier run from its cases.jsonl."""
    try:
        previous = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        with open(folder / "cases.jsonl", encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except (OSError, ValueError) as exc:
        raise TutorError(f"'{folder}' does not hold a readable evaluation ({exc}).",
                         "Pass the --out folder of an earlier `error-tutor eval` run.") from None
    configs = list(dict.fromkeys(r["config"] for r in records))
    return write_outputs(folder, previous["meta"], records, previous["skipped"], configs)


def run(args: argparse.Namespace) -> int:
    if args.rerender:
        folder = Path(args.rerender)
        result = rerender(folder)
    else:
        config = config_from_args(args)
        invoked = "error-tutor " + shlex.join(sys.argv[1:]) if "eval" in sys.argv[1:] else ""
        result, folder = run_eval(config, invoked), Path(config.out)
    print(format_table(result["summary"]))
    missed = [t for t in result["targets"] if not t["met"]]
    print(f"\n{len(result['targets']) - len(missed)} of {len(result['targets'])} targets met; "
          f"{len(result['skipped'])} rows skipped. Report: {folder / 'report.md'}")
    checking = result.get("targets_checking", [])
    print(f"On the checking half: {sum(t['met'] for t in checking)} of {len(checking)} targets met; "
          f"{len(result.get('findings', []))} generalisation finding(s) (gaps over 3 points between the halves).")
    return 0


class DeprecatedConfigFile(argparse.Action):
    """``--config-file``, the old name of ``--config``: still read, with a warning."""

    def __call__(self, parser, namespace, values, option_string=None):
        log.warning("--config-file is deprecated; use --config %s", values)
        namespace.config = values


def register(subparsers) -> None:
    """Add ``eval`` to the ``error-tutor`` command: one flag per ``EvalConfig`` field, and ``--rerender``."""
    p = subparsers.add_parser("eval", help="evaluate the explanations on the novice-error corpora",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    config_loader.add_config_flags(p, EvalConfig, "a YAML file setting any of the options below (see eval.yaml); "
                                                  "flags override it")
    p.add_argument("--config-file", action=DeprecatedConfigFile, metavar="YAML", help=argparse.SUPPRESS)
    p.add_argument("--rerender", metavar="DIR",
                   help="only rebuild report.md, summary.json and the charts of an earlier run from DIR/cases.jsonl")
    p.set_defaults(func=run)
