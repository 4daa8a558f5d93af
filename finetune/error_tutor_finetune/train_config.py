"""``TrainConfig``: everything ``error-tutor train`` can be told.

The YAML file and the flags are read by the shared loader, ``error_tutor_server.config_loader``
(defaults < ``--config`` YAML < flags; every field is a flag whose ``--help`` is its help text).
``load_config``, ``add_config_flags`` and ``config_from_args`` are re-exported here for callers
of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from error_tutor_server.config_loader import add_config_flags, config_from_args, load_config

__all__ = ["ATTENTION_MLP", "TrainConfig", "add_config_flags", "config_from_args", "load_config"]

ATTENTION_MLP = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _f(default: Any, help: str) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """One training run (SFT curriculum, optional DPO) of a LoRA adapter."""

    data: str = _f("runs/data", "folder made by `error-tutor data build` (train/validation/preferences.jsonl)")
    out: str = _f("runs/train", "run folder: checkpoints, metrics.jsonl, loss.png, adapter/, train_summary.json")
    base_model: str = _f("", "base model: a GGUF file or a local Hugging Face folder (default: the embedded "
                             "SmolLM2-135M-Instruct GGUF)")
    device: str = _f("auto", "cpu | cuda | auto (cuda when available)")
    qlora: bool = _f(True, "on CUDA: load the base in 4-bit NF4 (double quant, bf16 compute); ignored on CPU")
    threads: int = _f(0, "CPU threads for torch (0: the cores nobody else is using)")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: int = _f(32, "LoRA alpha (scale = alpha / r)")
    lora_dropout: float = _f(0.05, "dropout on the LoRA input")
    target_modules: list[str] = _f(ATTENTION_MLP, "modules that get LoRA (attention and MLP projections only)")
    max_length: int = _f(640, "longest example in tokens; longer ones are dropped, never cut (the server's "
                                "prompt alone is ~360-560 tokens)")
    batch_size: int = _f(4, "examples per device per step")
    grad_accum: int = _f(2, "gradient accumulation steps (effective batch = batch_size * grad_accum * devices)")
    learning_rate: float = _f(2e-4, "peak learning rate of the SFT stages")
    warmup: float = _f(0.05, "warm-up: a ratio of the steps (< 1) or a number of steps")
    epochs: float = _f(1.0, "epochs of each SFT stage")
    max_steps: int = _f(-1, "stop each SFT stage after this many optimizer steps (-1: by epochs)")
    worked_example: bool = _f(False, "keep the worked example in the prompts (the server prompts a fine-tuned "
                                     "model without it, so train without it: ~200 fewer tokens per example)")
    prompt_facts: str = _f("full", "full | compact: the facts each prompt gives (compact: without the category, "
                                   "concept, likely cause and likely line, which the given label and the guide's why "
                                   "carry: ~70 fewer tokens per hover; the catalog entry must say the same)")
    max_examples: int = _f(0, "use at most this many training examples in all SFT stages (0: all)")
    curriculum: bool = _f(True, "two SFT stages: synthetic errors first, then the real ones (else one mixed stage)")
    real_share: float = _f(0.4, "with max_examples: the share of real examples (the rest synthetic)")
    warning_examples: int = _f(0, "a last stage of this many compiler warnings on real programs (unused variables, "
                                  "formats...), with half as many real errors replayed (0: no such stage)")
    dpo: bool = _f(False, "a DPO stage on preferences.jsonl after SFT")
    dpo_beta: float = _f(0.1, "DPO beta (higher: stay closer to the SFT model)")
    dpo_learning_rate: float = _f(5e-5, "learning rate of the DPO stage")
    dpo_epochs: float = _f(1.0, "epochs of the DPO stage")
    dpo_max_steps: int = _f(-1, "stop DPO after this many steps (-1: by epochs)")
    dpo_max_examples: int = _f(0, "use at most this many preference pairs (0: all)")
    validation_examples: int = _f(64, "validation examples for the eval loss at the end of each stage (0: none)")
    logging_steps: int = _f(5, "log the loss every N steps (metrics.jsonl)")
    save_steps: int = _f(25, "checkpoint every N steps (an interrupted run resumes from the last one)")
    save_total_limit: int = _f(2, "checkpoints kept per stage")
    gradient_checkpointing: str = _f("auto", "on | off | auto (on with CUDA: saves memory, costs ~30% time)")
    seed: int = _f(42, "random seed")
    evaluate: bool = _f(True, "afterwards, evaluate the base model and the adapter on the held-out split (RUN/eval)")
    eval_corpora: list[str] = _f([], "corpora (JSONL) for that evaluation (default: the held-out split of the "
                                     "development corpora, from the data's heldout.json)")
    eval_model_limit: int = _f(30, "held-out cases per corpus that the model-based configurations explain (0: all; "
                                   "~3 s each on 2 cores)")
    resume: bool = _f(True, "resume an interrupted run in the same folder from its last checkpoint")
