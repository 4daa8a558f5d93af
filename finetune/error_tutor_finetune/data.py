"""``error-tutor data build``: training data from real and synthetic novice errors.

The build of the shipped adapter (the tuning halves of the three development corpora and
c_tracer_more.jsonl, one mutation per TRACER program, the warnings of the correct programs, the seed
programs, rules and expert explanations as the teacher, no preference pairs; 6.5 minutes on 2 cores,
6,052 train rows):

    error-tutor data build --no-preferences --mutations-per-program 1 --mutations-per-seed 30 --rank-drafts --out runs/data-v6

Only the tuning halves are read unless ``--halves`` says otherwise: the evaluation's checking halves stay
unseen. The full build, two mutations per program and 100 preference cases with two base-model samples
each (about 18 minutes more):

    error-tutor data build --out runs/data

A smoke build (under a minute, no model):

    error-tutor data build --limit 20 --no-preferences --languages c,python --out /tmp/data-smoke

What goes in (each row records where it came from):

* real errors (stage ``real``): TRACER's C programs and friendly-traceback's Python programs,
  compiled live (the evaluation's cases, ``eval_cases.build_case``, so the first error is the same
  one the evaluation explains); UPenn's Java rows have no program, so, exactly like the evaluation,
  the offending line is placed at its line number as a one-line context (capped by ``java_lines``);
* synthetic errors (stage ``synthetic``): correct programs (TRACER's ``student_fixed_source``, the
  Python and Java seeds in ``mutations.py``) with one typical mistake put in; each is compiled with
  the real compiler and kept only if it produces a diagnostic the correct program did not have
  (an error, or a warning for the kinds that only ever warn: printf formats, ``=`` in a condition);
* warnings (stage ``warning``): up to two warnings the compiler gives on each correct program as it
  is (unused and set-but-unused variables, formats...), what students read beside their errors.

Each case's prompt is exactly ``build_messages(...)`` (what the server sends the model) and its
answer is written by a teacher (``teachers.py``) and must pass the server's checker. A Python error's
answer leads with the expert's words: the corpus's friendly-traceback explanation for a real error,
friendly-traceback run on the program for a synthetic one (``experts.py``). With ``--rank-drafts``,
of the drafts that pass, the one the student base has the lowest loss on is kept (``ranking.py``). Duplicates
(same prompt and answer) are dropped; the split is by PROGRAM: a program (by content hash) and all
its mutations land in one split, decided by a hash of the program and ``seed``. Outputs in ``out``:
``train.jsonl``, ``validation.jsonl``, ``test.jsonl`` (TRL's conversational format,
``{"messages": [...], "meta": {...}}``), ``preferences.jsonl`` (``prompt``/``chosen``/``rejected``),
``rejected.jsonl`` (targets the checker refused, with the reasons), ``heldout.json`` (the corpus
row ids of the test split), ``manifest.json`` and ``dataset_card.md`` (sha256 of every file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from error_tutor_finetune.eval_cases import HALVES, TUNING_ONLY_CORPORA, build_case, corpus_half, corpus_language, read_rows
from error_tutor_finetune.mutations import JAVA_SEEDS, PYTHON_SEEDS, Mutation, java_filename, sample
from error_tutor_finetune.ranking import StudentRanker
from error_tutor_finetune.teachers import TEACHERS, make_teacher
from error_tutor_server.checks import normalize_code
from error_tutor_server.compilers import diagnose_sync
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.languages import LANGUAGES
from error_tutor_server.errors import TutorError
from error_tutor_server.lab_config import lab_policy
from error_tutor_server.case import Case
from error_tutor_server.prompt import build_messages
from error_tutor_server.paths import default_corpora
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.data")

SPLITS = ("train", "validation", "test")
WARNING_KINDS = {"printf-format-mismatch", "assign-in-condition", "missing-return", "wrong-type-assignment"}


@dataclass
class DataConfig:
    """Everything ``error-tutor data build`` can be told; a YAML file (``--config``) may set any field."""

    corpora: list[str] = field(default_factory=list, metadata={
        "help": "corpus JSON Lines files (default: the three development corpora and c_tracer_more.jsonl in "
                "$ERROR_TUTOR_CORPORA, or in ../shared/corpora beside a source checkout)"})
    halves: list[str] = field(default_factory=lambda: ["tuning"], metadata={
        "help": "halves of the development corpora to train on (comma list of tuning,checking); the default "
                "keeps the checking halves unseen, so the evaluation's checking figures measure generalisation"})
    out: str = field(default="runs/data", metadata={"help": "output folder (created)"})
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES), metadata={
        "help": "only these languages (comma list of c,python,java)"})
    limit: int = field(default=0, metadata={"help": "rows per corpus, for smoke builds (0: all)"})
    mutations_per_program: int = field(default=2, metadata={
        "help": "synthetic errors per TRACER program (more: more data, the same programs repeated)"})
    mutations_per_seed: int = field(default=14, metadata={
        "help": "synthetic errors per Python/Java seed program (the seed sets are small)"})
    java_lines: int = field(default=400, metadata={
        "help": "UPenn Java rows used as one-line contexts (0: none; they have no full program)"})
    teacher: str = field(default="rules", metadata={"help": "who writes the targets: " + " | ".join(TEACHERS)})
    teacher_model: str = field(default="", metadata={
        "help": "gguf: the teacher's GGUF file; openai: the model name sent to the endpoint"})
    teacher_url: str = field(default="", metadata={"help": "openai: the endpoint, e.g. http://lab-server:8000/v1"})
    teacher_api_key_env: str = field(default="ERROR_TUTOR_API_KEY", metadata={
        "help": "openai: the environment variable holding the bearer token"})
    teacher_fallback: bool = field(default=True, metadata={
        "help": "use the rules teacher when a model teacher's text fails the checks (else drop the case)"})
    python_expert: bool = field(default=True, metadata={
        "help": "friendly-traceback explains each synthetic Python error: its words lead the target (off: the rules')"})
    rank_drafts: bool = field(default=False, metadata={
        "help": "of a case's drafts that pass the checks, keep the one the student base has the lowest loss on "
                "(ARTE; one forward pass per draft, only where the shown sentence differs)"})
    rank_base: str = field(default="smollm2-135m", metadata={
        "help": "the student base that ranks the drafts (a catalog name, a GGUF file or a Hugging Face folder)"})
    validation_fraction: float = field(default=0.1, metadata={"help": "share of programs in the validation split"})
    test_fraction: float = field(default=0.1, metadata={"help": "share of programs in the test split"})
    seed: int = field(default=1234, metadata={"help": "seed of the split and of the sampling (fixed: same split)"})
    preferences: bool = field(default=True, metadata={"help": "build preference pairs for DPO"})
    preference_cases: int = field(default=100, metadata={"help": "train cases that get preference pairs"})
    samples_per_case: int = field(default=2, metadata={
        "help": "base-model samples per preference case (0: rule variants only; ~2-4 s each on a CPU)"})
    sample_temperature: float = field(default=0.9, metadata={"help": "temperature of the base-model samples"})
    sample_max_tokens: int = field(default=120, metadata={"help": "token limit of each base-model sample"})
    threads: int = field(default=0, metadata={"help": "model threads (0: adapt to the machine's load)"})
    workers: int = field(default=2, metadata={"help": "compilers run in parallel"})


@dataclass(frozen=True)
class Example:
    """One diagnostic to explain, before a teacher has written its answer."""

    id: str
    program_id: str  # "<corpus>:<row id>" or "seed-<language>:<name>"
    group: str  # sha256 of the correct program: the unit of the split
    source: str  # the corpus file, or "seeds"
    mutation: str  # the mutation kind ("" for a real error)
    stage: str  # "synthetic" | "real"
    language: str
    program: str
    diagnostic: CompilerDiagnostic
    fixed_line: str = ""  # the correct line when known (targets must not give it away)
    reference: str = ""  # an expert's explanation of this error, when the corpus has one


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def program_hash(text: str) -> str:
    """The same program whatever its whitespace."""
    return sha256_text(normalize_code(text))[:16]


def split_of(group: str, seed: int = 1234, validation: float = 0.1, test: float = 0.1) -> str:
    """The split of a program: a fixed function of its hash and the seed (stable across builds)."""
    x = int(hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()[:12], 16) / float(1 << 48)
    return "test" if x < test else "validation" if x < test + validation else "train"


# ---- reading corpora ------------------------------------------------------------------------------

def read_corpus(path: Path, limit: int = 0) -> tuple[str, list[dict]]:
    """A corpus's language and rows; a malformed or empty file is a TutorError naming the line."""
    if not path.is_file():
        raise TutorError(f"The corpus '{path}' does not exist.", "Pass existing JSON Lines files with --corpora.")
    rows = []
    for number, row, reason in read_rows(path):
        if row is None:
            raise TutorError(f"{path.name} line {number} is {reason}.",
                             "Fix or delete that line: each line must be one JSON object.")
        rows.append(row)
        if limit and len(rows) >= limit:
            break
    if not rows:
        raise TutorError(f"The corpus '{path}' is empty.", "Point --corpora at a JSON Lines file with one case a line.")
    return corpus_language(path, rows), rows


def _real_example(row: dict, language: str, corpus: str, settings: TutorSettings) -> Example | str:
    case = build_case(row, language, corpus, settings)
    if isinstance(case, str):
        return case
    correct = row.get("student_fixed_source") or case.program
    return Example(id=f"{corpus}:{case.id}", program_id=f"{corpus}:{case.id}", group=program_hash(correct),
                   source=corpus, mutation="", stage="real", language=language, program=case.program,
                   diagnostic=case.diagnostic, fixed_line=case.fixed_line, reference=case.reference)


def real_examples(corpora: dict[str, tuple[str, list[dict]]], config: DataConfig,
                  settings: TutorSettings, progress) -> tuple[list[Example], dict[str, int]]:
    """The corpora's own errors (the evaluation's cases); returns them and the skip reasons counted."""
    jobs = []
    for corpus, (language, rows) in corpora.items():
        if language == "java":
            rows = random.Random(config.seed).sample(rows, min(config.java_lines, len(rows)))
        jobs += [(row, language, corpus) for row in rows]
    skipped: dict[str, int] = {}
    with ThreadPoolExecutor(max(config.workers, 1)) as pool:
        results = pool.map(lambda job: _real_example(*job, settings), jobs)
        examples = []
        for result in progress(results, total=len(jobs), desc="real errors", unit="case"):
            if isinstance(result, str):
                skipped[result.split(" (")[0]] = skipped.get(result.split(" (")[0], 0) + 1
            else:
                examples.append(result)
    return examples, skipped


# ---- synthetic errors -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Program:
    """A correct program to put mistakes into."""

    program_id: str
    source: str
    language: str
    text: str


def correct_programs(corpora: dict[str, tuple[str, list[dict]]], languages: list[str]) -> list[Program]:
    programs = []
    for corpus, (language, rows) in corpora.items():
        if language == "c":
            programs += [Program(f"{corpus}:{row.get('id', n)}", corpus, "c", row["student_fixed_source"])
                         for n, row in enumerate(rows) if isinstance(row.get("student_fixed_source"), str)]
    if "python" in languages:
        programs += [Program(f"seed-python:{name}", "seeds", "python", text) for name, text in PYTHON_SEEDS.items()]
    if "java" in languages:
        programs += [Program(f"seed-java:{name}", "seeds", "java", text) for name, text in JAVA_SEEDS.items()]
    return programs


def compile_program(language: str, text: str, settings: TutorSettings) -> list[CompilerDiagnostic] | None:
    """The real compiler's diagnostics, or None when it could not run (timeout, limits)."""
    try:
        filename = java_filename(text) if language == "java" else None
        return diagnose_sync(language, text, settings, filename=filename)
    except TutorError as exc:
        log.debug("compiler failed: %s", exc)
        return None


def new_diagnostic(mutation: Mutation, found: list[CompilerDiagnostic], baseline: set[str]) -> CompilerDiagnostic | None:
    """The diagnostic the mistake caused: new since the correct program, an error first, nearest the change."""
    fresh = [d for d in found if d.message not in baseline]
    if mutation.kind not in WARNING_KINDS:
        fresh = [d for d in fresh if d.severity == "error"]
    if not fresh:
        return None
    # an error before a warning; at or after the change (side effects such as "unused variable" come
    # before it); then the nearest
    return min(fresh, key=lambda d: (d.severity != "error", d.line < mutation.line, abs(d.line - mutation.line),
                                     found.index(d)))


def warning_examples(program: Program, found: list[CompilerDiagnostic], per_program: int = 2) -> list[Example]:
    """The warnings the compiler gives on a correct program (unused or set-but-unused variables, formats,
    ...): real code, and what students see beside their errors in the editor (stage ``warning``)."""
    kept: dict[str, CompilerDiagnostic] = {}
    for diagnostic in found:
        if diagnostic.severity == "warning" and len(kept) < per_program:
            kept.setdefault(diagnostic.message, diagnostic)
    return [Example(id=f"{program.program_id}#warning-{n}", program_id=program.program_id,
                    group=program_hash(program.text), source=program.source, mutation="", stage="warning",
                    language=program.language, program=program.text, diagnostic=diagnostic)
            for n, diagnostic in enumerate(kept.values())]


def _mutate_program(program: Program, count: int, seed: int, settings: TutorSettings) -> tuple[list[Example], list[str]]:
    baseline = compile_program(program.language, program.text, settings)
    if baseline is None or any(d.severity == "error" for d in baseline):
        return [], []
    messages = {d.message for d in baseline}
    examples, tried = warning_examples(program, baseline), []
    for n, mutation in enumerate(sample(program.language, program.text, count, seed)):
        tried.append(mutation.kind)
        found = compile_program(program.language, mutation.text, settings)
        diagnostic = new_diagnostic(mutation, found or [], messages)
        if diagnostic is None:
            continue
        examples.append(Example(id=f"{program.program_id}#{mutation.kind}-{n}", program_id=program.program_id,
                                group=program_hash(program.text), source=program.source, mutation=mutation.kind,
                                stage="synthetic", language=program.language, program=mutation.text,
                                diagnostic=diagnostic, fixed_line=mutation.original_line))
    return examples, tried


def synthetic_examples(programs: list[Program], config: DataConfig, settings: TutorSettings,
                       progress) -> tuple[list[Example], dict[str, dict[str, int]]]:
    """Mutations of every correct program that the compiler really rejects, and tried/kept per kind."""
    def work(item: tuple[int, Program]):
        index, program = item
        count = config.mutations_per_program if program.source != "seeds" else config.mutations_per_seed
        return _mutate_program(program, count, config.seed + index, settings)

    stats: dict[str, dict[str, int]] = {}
    examples = []
    with ThreadPoolExecutor(max(config.workers, 1)) as pool:
        results = pool.map(work, enumerate(programs))
        for kept, tried in progress(results, total=len(programs), desc="synthetic errors", unit="program"):
            for kind in tried:
                stats.setdefault(kind, {"tried": 0, "kept": 0})["tried"] += 1
            for example in kept:
                if example.mutation:
                    stats[example.mutation]["kept"] += 1
            examples += kept
    return examples, stats


def with_expert_references(examples: list[Example], progress) -> list[Example]:
    """The Python examples with friendly-traceback's explanation as their reference (the others as they are)."""
    from error_tutor_finetune.experts import friendly_explanation

    return [replace(example, reference=friendly_explanation(example.program))
            if example.language == "python" and example.stage == "synthetic" and not example.reference else example
            for example in progress(examples, desc="expert explanations", unit="case")]


# ---- teaching, filtering, splitting ---------------------------------------------------------------

def make_row(example: Example, target, split: str) -> dict:
    case = Case.of(example.diagnostic, example.program)
    messages = build_messages(case) + [{"role": "assistant", "content": target.text()}]  # the server's prompt
    meta = {"id": example.id, "program_id": example.program_id, "group": example.group, "split": split,
            "stage": example.stage, "source": example.source, "mutation": example.mutation,
            "teacher": target.teacher, "language": example.language, "category": target.category,
            "line": target.line, "token": target.token, "rationale": target.rationale,
            "explanation": target.explanation, "hint": target.hint, "fixed_line": example.fixed_line,
            "allowed_lines": sorted(case.allowed_lines),
            "diagnostic": example.diagnostic.to_dict(), "program": example.program,
            "hash": sha256_text(json.dumps(messages, ensure_ascii=False, sort_keys=True))}
    return {"messages": messages, "meta": meta}


def teach(examples: list[Example], teacher, config: DataConfig, progress) -> tuple[list[dict], list[dict]]:
    """Rows whose target passed the checks, and the rejected targets with their reasons."""
    rows, rejected = [], []
    for example in progress(examples, desc=f"targets ({teacher.name})", unit="case"):
        target, result = teacher.target(example.diagnostic, example.program, example.fixed_line, example.reference)
        split = split_of(example.group, config.seed, config.validation_fraction, config.test_fraction)
        if result.ok:
            rows.append(make_row(example, target, split))
        else:
            rejected.append({"id": example.id, "teacher": target.teacher, "text": target.text(),
                             "reasons": list(result.reasons), "message": example.diagnostic.message})
    return rows, rejected


def dedupe(rows: list[dict]) -> tuple[list[dict], int]:
    """Drop rows whose prompt and answer were seen before (keeps the first)."""
    seen, kept = set(), []
    for row in rows:
        if row["meta"]["hash"] not in seen:
            seen.add(row["meta"]["hash"])
            kept.append(row)
    return kept, len(rows) - len(kept)


def by_split(rows: list[dict]) -> dict[str, list[dict]]:
    return {name: [r for r in rows if r["meta"]["split"] == name] for name in SPLITS}


def check_disjoint(splits: dict[str, list[dict]]) -> None:
    """No program (id or content) in two splits; a violation is a bug, never silently shipped."""
    for key in ("program_id", "group"):
        owner: dict[str, str] = {}
        for name, rows in splits.items():
            for row in rows:
                if owner.setdefault(row["meta"][key], name) != name:
                    raise RuntimeError(f"{key} {row['meta'][key]} is in both {owner[row['meta'][key]]} and {name}")


# ---- the whole build ------------------------------------------------------------------------------

def training_corpora() -> list[str]:
    """The development corpora plus the tuning-only ones that exist beside them (c_tracer_more.jsonl)."""
    corpora = default_corpora()
    folder = Path(corpora[0]).parent
    return corpora + [str(folder / name) for name in sorted(TUNING_ONLY_CORPORA) if (folder / name).is_file()]


def in_halves(corpus: str, rows: list[dict], halves: list[str]) -> list[dict]:
    """The rows of ``corpus`` whose half (``eval_cases.corpus_half`` of the row id) is one of ``halves``."""
    return [row for row in rows if corpus_half(corpus, str(row.get("id", ""))) in halves]


def load_corpora(config: DataConfig) -> dict[str, tuple[str, list[dict]]]:
    corpora = {}
    for path in [Path(p).expanduser() for p in (config.corpora or training_corpora())]:
        language, rows = read_corpus(path, config.limit)
        rows = in_halves(path.name, rows, config.halves)
        if language in config.languages and rows:
            corpora[path.name] = (language, rows)
    if not corpora:
        raise TutorError(f"No corpus of the languages {', '.join(config.languages)} was given.",
                         "Check --corpora and --languages.")
    return corpora


def validate(config: DataConfig) -> DataConfig:
    bad = [x for x in config.halves if x not in HALVES]
    if bad or not config.halves:
        raise TutorError(f"Unknown half(s): {', '.join(bad) or '(none)'}.", f"Use {' and/or '.join(HALVES)}.")
    bad = [x for x in config.languages if x not in LANGUAGES]
    if bad:
        raise TutorError(f"Unknown language(s): {', '.join(bad)}.", "Use c, python and/or java.")
    if not 0 <= config.validation_fraction + config.test_fraction < 1:
        raise TutorError("validation_fraction + test_fraction must be below 1.", "Lower one of them.")
    if not config.out:
        raise TutorError("No output folder was given.", "Pass --out DIR.")
    return replace(config, teacher=config.teacher.lower())


def build_dataset(config: DataConfig, progress=None) -> dict:
    """Build everything into ``config.out``; returns the manifest (read back from the files)."""
    from error_tutor_finetune.card import write_outputs
    from error_tutor_finetune.preferences import build_preferences

    progress = progress or _tqdm
    config = validate(config)
    settings, warnings = lab_policy().apply({"locale": "en"})  # compiled as the lab compiles them
    for warning in warnings:
        log.warning("%s", warning)
    corpora = load_corpora(config)
    ranker = StudentRanker(config.rank_base, threads=config.threads) if config.rank_drafts else None
    teacher = make_teacher(config.teacher, config.teacher_model, config.teacher_url, config.teacher_api_key_env,
                           config.threads, config.teacher_fallback, ranker)
    real, skipped = real_examples(corpora, config, settings, progress)
    synthetic, mutation_stats = synthetic_examples(correct_programs(corpora, config.languages), config, settings, progress)
    if config.python_expert:
        synthetic = with_expert_references(synthetic, progress)
    rows, rejected = teach(synthetic + real, teacher, config, progress)
    rows, duplicates = dedupe(rows)
    splits = by_split(rows)
    check_disjoint(splits)
    if not splits["train"]:
        raise TutorError("No training example survived the filters.", "Use more corpus rows (--limit 0) or check the corpora.")
    preferences = build_preferences(splits["train"], config, progress) if config.preferences else []
    stats = {"skipped_rows": skipped, "mutations": mutation_stats, "duplicates": duplicates,
             "rejected": len(rejected), "examples": {"real": len(real), "synthetic": len(synthetic)}}
    return write_outputs(Path(config.out), config, corpora, splits, preferences, rejected, stats)


def _tqdm(iterable, **kwargs):
    from tqdm import tqdm

    return tqdm(iterable, dynamic_ncols=True, **kwargs)
