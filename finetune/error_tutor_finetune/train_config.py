"""``TrainConfig``: everything ``error-tutor train`` can be told, and the YAML/flag plumbing.

Precedence: the dataclass defaults, then the YAML file (``--config``), then the flags given on
the command line. Every field is a flag (``lora_r`` -> ``--lora-r``) whose ``--help`` is the
field's help text; booleans get ``--x`` / ``--no-x``. The same functions serve ``DataConfig``.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from error_tutor_server.errors import TutorError

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
    max_examples: int = _f(0, "use at most this many training examples in all SFT stages (0: all)")
    curriculum: bool = _f(True, "two SFT stages: synthetic errors first, then the real ones (else one mixed stage)")
    real_share: float = _f(0.4, "with max_examples: the share of real examples (the rest synthetic)")
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


def _annotation(cls, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def add_config_flags(parser: argparse.ArgumentParser, cls) -> None:
    """One flag per field (default None, so that only the flags actually given override the YAML)."""
    parser.add_argument("--config", metavar="YAML", help="a YAML file setting any of the options below (flags override it)")
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        kind = _annotation(cls, f.name)
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        text = f"{f.metadata.get('help', '')} (default: {default!r})".replace("%", "%%")
        if kind is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        elif typing.get_origin(kind) is list:
            parser.add_argument(flag, dest=f.name, default=None, metavar="A,B", help=text,
                                type=lambda s: [x.strip() for x in s.split(",") if x.strip()])
        else:
            parser.add_argument(flag, dest=f.name, type=kind, default=None, help=text)


def read_yaml(path: str) -> dict:
    import yaml

    try:
        data = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise TutorError(f"Cannot read the config file '{path}' ({exc.strerror}).", "Check the path given to --config.") from None
    except yaml.YAMLError as exc:
        raise TutorError(f"The config file '{path}' is not valid YAML ({str(exc).splitlines()[0]}).",
                         "Fix its syntax (key: value, one a line).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TutorError(f"The config file '{path}' is not a mapping of options.", "Write one `option: value` a line.")
    return data


def _coerce(cls, name: str, value: Any, source: str) -> Any:
    kind = _annotation(cls, name)
    try:
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if kind is str and isinstance(value, bool):  # YAML reads a bare on/off as a boolean
            return "on" if value else "off"
        if typing.get_origin(kind) is list:
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, list):
                raise ValueError("expected a list")
            return [str(x).strip() for x in items if str(x).strip()]
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise TutorError(f"Option '{name}' = {value!r} in {source} is invalid ({exc}).",
                         f"Give a {getattr(kind, '__name__', kind)}.") from None


def load_config(cls, yaml_path: str | None = None, overrides: dict | None = None):
    """Defaults < YAML < overrides (None values in ``overrides`` are ignored)."""
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in (read_yaml(yaml_path) if yaml_path else {}).items():
        name = str(key).replace("-", "_")
        if name not in known:
            raise TutorError(f"Unknown option '{key}' in {yaml_path}.", f"Known options: {', '.join(sorted(known))}.")
        values[name] = _coerce(cls, name, value, yaml_path)
    for name, value in (overrides or {}).items():
        if name in known and value is not None:
            values[name] = _coerce(cls, name, value, "the command line")
    return cls(**values)


def config_from_args(cls, args: argparse.Namespace):
    names = {f.name for f in dataclasses.fields(cls)}
    return load_config(cls, getattr(args, "config", None), {k: v for k, v in vars(args).items() if k in names})
