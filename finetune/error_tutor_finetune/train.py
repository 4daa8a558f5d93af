"""``error-tutor train``: a LoRA adapter that teaches the server's model to explain errors.

The documented CPU run (SmolLM2-135M-Instruct from its GGUF, ~1,000 examples; about 40-90
minutes on 2 cores depending on how busy they are):

    error-tutor train --config finetune/error_tutor_finetune/configs/cpu-smollm2-135m.yaml

A smoke run (a few minutes on 2 cores):

    error-tutor train --data /tmp/data-smoke --out /tmp/train-smoke --max-examples 16 --max-steps 3 \
        --batch-size 2 --grad-accum 1 --max-length 640 --no-evaluate

QLoRA on one GPU (4-bit NF4 base, bf16 compute, gradient checkpointing), and on several GPUs
through ``accelerate`` (one process per GPU; the effective batch grows with the GPU count):

    error-tutor train --config finetune/error_tutor_finetune/configs/qlora-gpu.yaml
    accelerate launch --num_processes 4 -m error_tutor_finetune.cli train \
        --config finetune/error_tutor_finetune/configs/qlora-gpu.yaml

Stages, each its own folder under ``out`` with checkpoints and a ``done.json``: ``sft-synthetic``
then ``sft-real`` (``curriculum``; else one ``sft`` stage), then ``dpo`` (``dpo``: TRL's
DPOTrainer on ``preferences.jsonl``, the reference being a frozen copy of the SFT adapter). A
run that is interrupted resumes in the same folder: finished stages are loaded from their
adapters, the current one from its last checkpoint.

Loss only on the answer: each row is given to TRL as a conversational prompt-completion pair
(``prompt`` = the server's messages, ``completion`` = the teacher's answer) with
``completion_only_loss``: every prompt token has label -100 (``tests/test_finetune_train.py`` checks
this on the real tokenizer). The server prompts a fine-tuned model without its worked example, so
the rows lose it too (``worked_example: false``); with it kept, "assistant-only" loss would also
train on the example's fixed answer, which is why the prompt-completion split is used.

Outputs: ``metrics.jsonl`` (every logged loss), ``loss.png``, ``adapter/`` (PEFT:
``adapter_config.json`` + ``adapter_model.safetensors``, the tokenizer, ``base_model.json`` with
the base GGUF's path and sha256, ``base_config/config.json`` for GGUF conversion, and
``manifest.json`` with the training data's sha256), ``train_summary.json`` (wall time, tokens/s, peak memory, losses).
Afterwards ``eval_heldout.run_evaluation`` exports the adapter to a GGUF LoRA and evaluates the base
model and the adapter side by side on the held-out split, into ``RUN/eval``.
"""

from __future__ import annotations

import json
import logging
import random
import resource
import time
from dataclasses import asdict
from pathlib import Path

from error_tutor_finetune import modeling
from error_tutor_finetune.train_config import TrainConfig
from error_tutor_server.errors import TutorError
from error_tutor_server.prompt import PROMPT_FACTS, compact_facts, without_worked_example

log = logging.getLogger("error_tutor.train")


# ---- data -----------------------------------------------------------------------------------------

def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    """Rows of a data file; a missing, empty or malformed file is a TutorError naming the line."""
    if not path.is_file():
        raise TutorError(f"The training data file '{path}' does not exist.",
                         "Run `error-tutor data build --out DIR` first and pass --data DIR.")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise TutorError(f"{path.name} line {number} is not valid JSON ({exc.msg}).",
                             "Rebuild the data with `error-tutor data build`.") from None
        if not isinstance(row, dict) or any(not isinstance(row.get(key), list) or not row[key] for key in required):
            raise TutorError(f"{path.name} line {number} lacks {' / '.join(required)} (chat message lists).",
                             "Each row must be TRL's conversational format; rebuild with `error-tutor data build`.")
        rows.append(row)
    return rows


def check_sft_rows(rows: list[dict], path: Path) -> list[dict]:
    if not rows:
        raise TutorError(f"The training data file '{path}' is empty.", "Build data with more corpus rows (--limit 0).")
    for number, row in enumerate(rows, 1):
        roles = [m.get("role") for m in row["messages"] if isinstance(m, dict)]
        if len(roles) != len(row["messages"]) or roles[-1] != "assistant" or "user" not in roles:
            raise TutorError(f"{path.name} row {number} does not end with an assistant answer to a user message.",
                             "Rebuild the data with `error-tutor data build`.")
    return rows


def token_length(tokenizer, messages: list[dict]) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def fitting(rows: list[dict], tokenizer, max_length: int) -> tuple[list[dict], int]:
    """Rows no longer than ``max_length`` tokens (long ones are dropped: cutting would cut the answer)."""
    kept = [row for row in rows if token_length(tokenizer, row.get("messages") or row["prompt"] + row["chosen"]) <= max_length]
    return kept, len(rows) - len(kept)


def balanced(rows: list[dict], rng: random.Random) -> list[dict]:
    """``rows`` ordered so that any prefix holds each (language, category) group in proportion to the
    square root of its size: common errors stay common, rare kinds and the small Python and Java sets
    are not crowded out by TRACER's C rows (in proportion, a 400-example run would see ~4 Python rows)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        meta = row.get("meta", {})
        groups.setdefault((meta.get("language", ""), meta.get("category", "")), []).append(row)
    keyed = []
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        keyed += [((rank + rng.random()) / len(group) ** 0.5, row) for rank, row in enumerate(group)]
    return [row for _, row in sorted(keyed, key=lambda pair: pair[0])]


def choose_examples(rows: list[dict], config: TrainConfig) -> dict[str, list[dict]]:
    """The SFT stages' rows: synthetic then real (curriculum), or one mixed stage, capped by max_examples;
    then, with ``warning_examples``, a last stage of real programs' warnings beside half as many real
    errors seen before (so the model learns warnings without forgetting errors)."""
    rng = random.Random(config.seed)
    stage_of = lambda row: row.get("meta", {}).get("stage")  # noqa: E731
    synthetic = balanced([r for r in rows if stage_of(r) == "synthetic"], rng)
    real = balanced([r for r in rows if stage_of(r) not in ("synthetic", "warning")], rng)
    if config.max_examples > 0:
        n_real = min(len(real), round(config.max_examples * config.real_share))
        n_synthetic = min(len(synthetic), config.max_examples - n_real)
        n_real = min(len(real), config.max_examples - n_synthetic)
        synthetic, real = synthetic[:n_synthetic], real[:n_real]
    warnings = balanced([r for r in rows if stage_of(r) == "warning"], rng)[:config.warning_examples]
    if warnings:
        warnings = warnings + real[:len(warnings) // 2]
        rng.shuffle(warnings)
    if not config.curriculum:
        mixed = synthetic + real
        rng.shuffle(mixed)
        return {name: part for name, part in (("sft", mixed), ("sft-warning", warnings)) if part}
    return {name: part for name, part in (("sft-synthetic", synthetic), ("sft-real", real),
                                          ("sft-warning", warnings)) if part}


def sft_dataset(rows: list[dict]):
    """Conversational prompt-completion rows: the loss falls on the completion (the answer) only."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows])


def preference_dataset(rows: list[dict]):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"]} for r in rows])


# ---- stages ---------------------------------------------------------------------------------------

def metrics_callback(path: Path, stage: str):
    from transformers import TrainerCallback

    class Metrics(TrainerCallback):
        """Every log line of the trainer, with its stage, appended to metrics.jsonl."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero and logs:
                record = {"stage": stage, "step": state.global_step, "epoch": state.epoch, "time": time.time(), **logs}
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record) + "\n")

    return Metrics()


def common_args(config: TrainConfig, device: str, stage_dir: Path) -> dict:
    return dict(output_dir=str(stage_dir), per_device_train_batch_size=config.batch_size,
                per_device_eval_batch_size=config.batch_size, gradient_accumulation_steps=config.grad_accum,
                warmup_steps=config.warmup, lr_scheduler_type="cosine", logging_steps=config.logging_steps,
                logging_first_step=True, save_strategy="steps", save_steps=config.save_steps,
                save_total_limit=config.save_total_limit, seed=config.seed, report_to="none",
                use_cpu=device == "cpu", bf16=device == "cuda", fp16=False, dataloader_num_workers=0,
                gradient_checkpointing=modeling.gradient_checkpointing(config, device),
                include_num_input_tokens_seen="non_padding", disable_tqdm=False, max_length=config.max_length)


def last_checkpoint(stage_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(stage_dir)) if stage_dir.is_dir() else None


def run_trainer(trainer, stage_dir: Path, resume: bool) -> dict:
    """Train (from the last checkpoint when resuming); out-of-memory becomes a TutorError."""
    import torch

    checkpoint = last_checkpoint(stage_dir) if resume else None
    if checkpoint:
        log.info("resuming %s from %s", stage_dir.name, checkpoint)
    try:
        result = trainer.train(resume_from_checkpoint=checkpoint)
    except (torch.OutOfMemoryError, MemoryError) as exc:
        raise TutorError(f"Training ran out of memory in stage {stage_dir.name} ({str(exc).splitlines()[0][:120]}).",
                         "Lower --batch-size or --max-length (raise --grad-accum to keep the batch), "
                         "or use --device cuda --qlora.") from None
    return {**result.metrics, "num_input_tokens_seen": trainer.state.num_input_tokens_seen}


def make_sft_trainer(model, tokenizer, name: str, rows: list[dict], validation: list[dict], config: TrainConfig,
                     device: str, run_dir: Path):
    """TRL's SFTTrainer for one stage (its datasets are tokenized and labelled when it is built)."""
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(**common_args(config, device, run_dir / name), learning_rate=config.learning_rate,
                     num_train_epochs=config.epochs, max_steps=config.max_steps, completion_only_loss=True,
                     packing=False, train_sampling_strategy="group_by_length")
    return SFTTrainer(model=model, args=args, train_dataset=sft_dataset(rows),
                      eval_dataset=sft_dataset(validation) if validation else None, processing_class=tokenizer,
                      callbacks=[metrics_callback(run_dir / "metrics.jsonl", name)])


def sft_stage(model, tokenizer, name: str, rows: list[dict], validation: list[dict], config: TrainConfig,
              device: str, run_dir: Path) -> dict:
    trainer = make_sft_trainer(model, tokenizer, name, rows, validation, config, device, run_dir)
    metrics = run_trainer(trainer, run_dir / name, config.resume)
    if validation:
        metrics.update(trainer.evaluate())
    return metrics


def dpo_stage(model, tokenizer, rows: list[dict], config: TrainConfig, device: str, run_dir: Path) -> dict:
    from trl import DPOConfig, DPOTrainer

    stage_dir = run_dir / "dpo"
    args = DPOConfig(**common_args(config, device, stage_dir), learning_rate=config.dpo_learning_rate,
                     num_train_epochs=config.dpo_epochs, max_steps=config.dpo_max_steps, beta=config.dpo_beta)
    trainer = DPOTrainer(model=model, args=args, train_dataset=preference_dataset(rows), processing_class=tokenizer,
                         callbacks=[metrics_callback(run_dir / "metrics.jsonl", "dpo")])
    metrics = run_trainer(trainer, stage_dir, config.resume)
    if "ref" in model.peft_config:  # the frozen reference copy DPOTrainer added
        model.set_adapter("default")
        model.delete_adapter("ref")
    return metrics


def finish_stage(model, stage_dir: Path, metrics: dict, examples: int) -> dict:
    """Save the stage's adapter and mark it done (a resumed run skips it)."""
    model.save_pretrained(stage_dir / "adapter", selected_adapters=["default"], save_embedding_layers=False)
    record = {"stage": stage_dir.name, "examples": examples, **{k: v for k, v in metrics.items() if _plain(v)}}
    (stage_dir / "done.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def load_finished(model, stage_dir: Path) -> dict | None:
    """The record of a finished stage, its adapter weights loaded into ``model``; None if not finished."""
    done = stage_dir / "done.json"
    if not done.is_file():
        return None
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(stage_dir / "adapter" / "adapter_model.safetensors")))
    log.info("stage %s already done; its adapter is loaded", stage_dir.name)
    return json.loads(done.read_text())


def _plain(value) -> bool:
    return isinstance(value, (int, float, str, bool)) or value is None


# ---- outputs --------------------------------------------------------------------------------------

def save_adapter(model, tokenizer, base: modeling.Base, run_dir: Path, config: TrainConfig) -> Path:
    """The final adapter in standard PEFT layout, plus what conversion and evaluation need; read back."""
    adapter_dir = run_dir / "adapter"
    model.save_pretrained(adapter_dir, selected_adapters=["default"], save_embedding_layers=False)
    tokenizer.save_pretrained(adapter_dir)
    base_config = model.get_base_model().config.to_dict()
    base_config.pop("quantization_config", None)
    # a config read from a GGUF names no architecture; llama.cpp's converter picks its model class by it
    base_config["architectures"] = base_config.get("architectures") or [type(model.get_base_model()).__name__]
    (adapter_dir / "base_config").mkdir(exist_ok=True)
    (adapter_dir / "base_config" / "config.json").write_text(json.dumps(base_config, indent=1) + "\n")
    record = {**base.to_dict(), ("gguf_path" if base.kind == "gguf" else "hf_dir"): base.path,
              "architectures": base_config.get("architectures"), "model_type": base_config.get("model_type"),
              "base_config": "base_config/config.json"}
    (adapter_dir / "base_model.json").write_text(json.dumps(record, indent=1) + "\n")
    write_adapter_manifest(adapter_dir, config)
    verify_adapter(adapter_dir)
    return adapter_dir


def write_adapter_manifest(adapter_dir: Path, config: TrainConfig) -> None:
    """Training facts beside the adapter (``manifest.json``): which data, by hash, and where its held-out ids are."""
    data = Path(config.data).resolve()
    hashes = {name: modeling.file_sha256(data / f"{name}.jsonl") for name in ("train", "preferences")
              if (data / f"{name}.jsonl").is_file()}
    facts = {"data": str(data), "data_sha256": hashes.get("train", ""), "preferences_sha256": hashes.get("preferences", ""),
             "data_manifest_sha256": modeling.file_sha256(data / "manifest.json") if (data / "manifest.json").is_file() else "",
             "heldout": str(data / "heldout.json"), "config": asdict(config)}
    (adapter_dir / "manifest.json").write_text(json.dumps(facts, indent=1) + "\n")


def verify_adapter(adapter_dir: Path) -> None:
    """Only LoRA A/B matrices of attention/MLP projections, no DoRA, nothing saved beside them."""
    from safetensors import safe_open

    settings = json.loads((adapter_dir / "adapter_config.json").read_text())
    with safe_open(str(adapter_dir / "adapter_model.safetensors"), "pt") as handle:
        keys = list(handle.keys())
    odd = [k for k in keys if not (".lora_A." in k or ".lora_B." in k) or modeling.NEVER.search(k.split(".lora_")[0])]
    if not keys or odd or settings.get("use_dora") or settings.get("modules_to_save"):
        raise RuntimeError(f"unexpected adapter contents in {adapter_dir}: {odd[:3]} (dora={settings.get('use_dora')})")


def read_metrics(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_losses(records: list[dict], png: Path) -> None:
    """Training loss over steps, one colour per stage (stages laid end to end), eval loss as dots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    offset = 0
    for stage in dict.fromkeys(r["stage"] for r in records):
        rows = [r for r in records if r["stage"] == stage]
        train = [(offset + r["step"], r["loss"]) for r in rows if "loss" in r]
        evals = [(offset + r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]
        if train:
            ax.plot(*zip(*train), marker=".", label=f"{stage} (train)")
        if evals:
            ax.scatter(*zip(*evals), marker="o", label=f"{stage} (validation)")
        offset += max((r["step"] for r in rows), default=0)
    ax.set_xlabel("optimizer step (stages end to end)")
    ax.set_ylabel("loss (answer tokens only; DPO: preference loss)")
    ax.set_title("Error Tutor LoRA training")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    plt.close(fig)
    if not png.is_file() or png.stat().st_size == 0:
        raise TutorError(f"The loss curve {png} was not written.", "Check the free disk space.")


def peak_memory_mb(device: str) -> float:
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def maybe_evaluate(adapter_dir: Path, run_dir: Path, config: TrainConfig) -> dict | None:
    """Base and adapter side by side on the held-out split (``eval_heldout``), into RUN/eval."""
    if not config.evaluate:
        return None
    from error_tutor_finetune.eval_heldout import run_evaluation

    try:
        return run_evaluation(str(adapter_dir), str(run_dir / "eval"), config.eval_model_limit,
                              corpora=config.eval_corpora)
    except TutorError as exc:
        log.warning("evaluation failed: %s", exc)
        return {"error": str(exc)}


# ---- the run --------------------------------------------------------------------------------------

def write_config(run_dir: Path, config: TrainConfig) -> None:
    """Record the config; warn when a resumed run was started with different settings."""
    path = run_dir / "train_config.json"
    current = asdict(config)
    if path.is_file() and config.resume:
        before = json.loads(path.read_text())
        changed = sorted(k for k in current if before.get(k) != current[k] and k not in ("evaluate", "resume"))
        if changed:
            log.warning("resuming %s with changed settings: %s", run_dir, ", ".join(changed))
    path.write_text(json.dumps(current, indent=1) + "\n")


def as_prompted(rows: list[dict], config: TrainConfig, key: str = "messages") -> list[dict]:
    """The rows' prompts as the server sends them to the trained model (without the worked example; with
    ``prompt_facts`` compact, its compact facts)."""
    if config.prompt_facts not in PROMPT_FACTS:
        raise TutorError(f"prompt_facts = {config.prompt_facts!r}.", "Use " + " or ".join(PROMPT_FACTS) + ".")
    if not config.worked_example:
        rows = [{**row, key: without_worked_example(row[key])} for row in rows]
    if config.prompt_facts == "compact":
        rows = [{**row, key: compact_facts(row[key])} for row in rows]
    return rows


def load_data(config: TrainConfig, tokenizer) -> tuple[dict[str, list[dict]], list[dict], list[dict], int]:
    """SFT stages, validation rows and preference pairs, each within max_length."""
    data = Path(config.data)
    train_rows = check_sft_rows(read_jsonl(data / "train.jsonl", ("messages",)), data / "train.jsonl")
    train_rows = as_prompted(train_rows, config)
    stages = choose_examples(train_rows, config)
    dropped = 0
    for name in list(stages):
        stages[name], n = fitting(stages[name], tokenizer, config.max_length)
        dropped += n
        if not stages[name]:
            raise TutorError(f"No {name} example fits in {config.max_length} tokens.", "Raise --max-length (the server's prompt is ~450 tokens).")
    validation = []
    if config.validation_examples > 0 and (data / "validation.jsonl").is_file():
        validation = check_sft_rows(read_jsonl(data / "validation.jsonl", ("messages",)), data / "validation.jsonl")
        validation = as_prompted(validation, config)
        validation = random.Random(config.seed).sample(validation, min(config.validation_examples, len(validation)))
        validation, _ = fitting(validation, tokenizer, config.max_length)  # a random mix of both stages' kinds
    preferences = []
    if config.dpo:
        preferences = read_jsonl(data / "preferences.jsonl", ("prompt", "chosen", "rejected"))
        preferences = as_prompted(preferences[: config.dpo_max_examples or None], config, "prompt")
        preferences, n = fitting(preferences, tokenizer, config.max_length)
        if not preferences:
            raise TutorError(f"{data / 'preferences.jsonl'} has no pair that fits.", "Build it with `error-tutor data build --preferences`, or turn --no-dpo.")
    return stages, validation, preferences, dropped


def run_stages(model, tokenizer, config: TrainConfig, device: str, run_dir: Path, data) -> list[dict]:
    stages, validation, preferences, _ = data
    records = []
    for name, rows in stages.items():
        done = load_finished(model, run_dir / name)
        records.append(done or finish_stage(model, run_dir / name,
                                            sft_stage(model, tokenizer, name, rows, validation, config, device, run_dir),
                                            len(rows)))
    if config.dpo:
        done = load_finished(model, run_dir / "dpo")
        records.append(done or finish_stage(model, run_dir / "dpo",
                                            dpo_stage(model, tokenizer, preferences, config, device, run_dir),
                                            len(preferences)))
    return records


def summarize(config: TrainConfig, base, device: str, threads: int, started: float, records: list[dict],
              metrics: list[dict], adapter_dir: Path, extra: dict) -> dict:
    losses = [r["loss"] for r in metrics if "loss" in r and r["stage"].startswith("sft")]
    seconds = sum(r.get("train_runtime", 0.0) for r in records)
    tokens = sum(r.get("num_input_tokens_seen", 0) for r in records)
    return {"adapter": str(adapter_dir), "base": base.to_dict(), "device": device, "threads": threads,
            "wall_seconds": time.time() - started, "train_seconds": seconds, "train_tokens": tokens,
            "tokens_per_second": tokens / seconds if seconds else 0.0, "peak_memory_mb": peak_memory_mb(device),
            "first_loss": losses[0] if losses else float("nan"), "last_loss": losses[-1] if losses else float("nan"),
            "stages": records, "config": asdict(config), **extra}


def train(config: TrainConfig) -> dict:
    """The whole run; returns train_summary.json's content."""
    from error_tutor_server.paths import offline_environment

    offline_environment()
    started = time.time()
    device = modeling.choose_device(config.device)
    threads = modeling.set_threads(config.threads) if device == "cpu" else 0
    base = modeling.resolve_base(config.base_model)
    run_dir = Path(config.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_config(run_dir, config)
    tokenizer = modeling.load_tokenizer(base)
    data = load_data(config, tokenizer)
    model = modeling.add_lora(modeling.load_model(base, device, config.qlora, run_dir), config, device)
    log.info("base %s on %s (%d threads); trainable: %d LoRA tensors", base.path, device, threads,
             len(modeling.trainable_parameters(model)))
    records = run_stages(model, tokenizer, config, device, run_dir, data)
    adapter_dir = save_adapter(model, tokenizer, base, run_dir, config)
    metrics = read_metrics(run_dir / "metrics.jsonl")
    plot_losses(metrics, run_dir / "loss.png")
    extra = {"examples": {name: len(rows) for name, rows in data[0].items()}, "dropped_too_long": data[3],
             "preference_pairs": len(data[2]), "trainable": modeling.describe_trainable(model)}
    summary = summarize(config, base, device, threads, started, records, metrics, adapter_dir, extra)
    (run_dir / "train_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    evaluation = maybe_evaluate(adapter_dir, run_dir, config)
    if evaluation is not None:
        summary["evaluation"] = evaluation if isinstance(evaluation, dict) else str(evaluation)
        (run_dir / "train_summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return json.loads((run_dir / "train_summary.json").read_text())
