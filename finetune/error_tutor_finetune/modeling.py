"""The base model for training: loaded from its GGUF (the file the server runs) or a local
Hugging Face folder, never from a hub; LoRA on the attention and MLP projections only.

A GGUF is dequantized into a plain PyTorch model by transformers (``gguf_file=`` with
``GgufConfig(dequantize=True)``), tokenizer and chat template included. Adapters trained on it
apply to the same GGUF again after conversion (``error-tutor export``), because only linear
projections inside the blocks carry LoRA (no embeddings, no lm_head, no DoRA).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_finetune.card import file_sha256  # noqa: F401  (also used as modeling.file_sha256)

log = logging.getLogger("error_tutor.train")

ALLOWED_MODULES = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
                   "qkv_proj", "gate_up_proj", "query_key_value", "dense", "fc1", "fc2", "c_attn", "c_proj", "c_fc"}
NEVER = re.compile(r"embed|lm_head|wte|wpe|output$")


@dataclass(frozen=True)
class Base:
    """Where the base model comes from (recorded in the adapter's ``base_model.json``)."""

    kind: str  # "gguf" | "hf"
    path: str  # the GGUF file, or the folder
    sha256: str  # of the GGUF file (or of the folder's config.json)

    @property
    def folder(self) -> str:
        return str(Path(self.path).parent) if self.kind == "gguf" else self.path

    def to_dict(self) -> dict:
        return {"format": self.kind, "path": self.path, "file": Path(self.path).name if self.kind == "gguf" else "",
                "sha256": self.sha256}


def resolve_base(setting: str) -> Base:
    """The base named by ``setting``: "" (the embedded SmolLM2 GGUF), a catalog name (``qwen2.5-coder-0.5b``),
    a GGUF file or a Hugging Face folder; a clear error when it is missing."""
    from error_tutor_server.catalog import BASES, base_path

    if not setting or setting in BASES:
        name = setting or "smollm2-135m"
        return Base("gguf", str(base_path(name)), BASES[name].sha256)  # verified at install, or on joining
    path = Path(setting).expanduser()
    if path.is_file():
        from error_tutor_server.model import validate_gguf

        validate_gguf(path)
        return Base("gguf", str(path.resolve()), file_sha256(path))
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise TutorError(f"'{path}' has no config.json, so it is not a Hugging Face model folder.",
                             "Pass a GGUF file or a folder saved with save_pretrained().")
        return Base("hf", str(path.resolve()), file_sha256(path / "config.json"))
    raise TutorError(f"The base model '{path}' does not exist.",
                     "Pass --base-model with a GGUF file or a local model folder, or leave it empty for the default.")


def choose_device(setting: str) -> str:
    import torch

    if setting not in ("auto", "cpu", "cuda"):
        raise TutorError(f"Unknown device '{setting}'.", "Use cpu, cuda or auto.")
    if setting == "cuda" and not torch.cuda.is_available():
        raise TutorError("--device cuda was asked for, but PyTorch sees no CUDA GPU here.",
                         "Use --device cpu (or auto), or install a CUDA build of PyTorch on a machine with a GPU.")
    return "cuda" if setting == "cuda" or (setting == "auto" and torch.cuda.is_available()) else "cpu"


def set_threads(setting: int) -> int:
    """Torch threads: the cores nobody else uses (threads that wait on a busy core stall every step)."""
    import torch

    from error_tutor_server.model import choose_threads

    threads = choose_threads(setting)
    torch.set_num_threads(threads)
    return threads


def load_tokenizer(base: Base):
    from transformers import AutoTokenizer

    kwargs = {"gguf_file": Path(base.path).name} if base.kind == "gguf" else {}
    tokenizer = AutoTokenizer.from_pretrained(base.folder, local_files_only=True, **kwargs)
    if not tokenizer.chat_template:
        raise TutorError(f"The base model '{base.path}' has no chat template, so it cannot be given the server's prompt.",
                         "Use an instruct/chat model (one whose tokenizer defines chat_template).")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


@lru_cache(maxsize=2)
def _dequantized(path: str):
    """A GGUF as a float32 model, loaded once per process (seconds to dequantize); callers get copies."""
    import torch
    from transformers import AutoModelForCausalLM, GgufConfig

    log.info("dequantizing %s", path)
    return AutoModelForCausalLM.from_pretrained(str(Path(path).parent), gguf_file=Path(path).name,
                                                quantization_config=GgufConfig(dequantize=True),
                                                local_files_only=True, dtype=torch.float32)


def load_model(base: Base, device: str, qlora: bool, work_dir: Path):
    """The base model for LoRA: float32 on CPU, 4-bit NF4 (QLoRA) or bf16 on CUDA."""
    import torch
    from transformers import AutoModelForCausalLM

    if device == "cpu":
        if base.kind == "gguf":
            return copy.deepcopy(_dequantized(base.path))
        return AutoModelForCausalLM.from_pretrained(base.path, local_files_only=True, dtype=torch.float32)
    folder = base.path if base.kind == "hf" else materialize(base, work_dir)
    kwargs = {"device_map": {"": int(os.environ.get("LOCAL_RANK", 0))}, "dtype": torch.bfloat16}
    if qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16)
    return AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **kwargs)


def materialize(base: Base, work_dir: Path) -> str:
    """A GGUF written out as a Hugging Face folder once, so bitsandbytes can quantize it while loading."""
    folder = work_dir / "base-hf"
    marker = folder / "source.json"
    if not marker.is_file() or json.loads(marker.read_text())["sha256"] != base.sha256:
        _dequantized(base.path).save_pretrained(folder)
        load_tokenizer(base).save_pretrained(folder)
        marker.write_text(json.dumps(base.to_dict()))
    return str(folder)


def lora_targets(model, wanted: list[str]) -> list[str]:
    """The requested module names, checked: each exists as a linear layer, none is an embedding or head."""
    import torch

    bad = [name for name in wanted if name not in ALLOWED_MODULES or NEVER.search(name)]
    if bad:
        raise TutorError(f"LoRA target module(s) {', '.join(bad)} are not attention/MLP projections.",
                         "Use names like q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj (adapters must stay exportable to GGUF).")
    present = {name.rsplit(".", 1)[-1] for name, module in model.named_modules()
               if isinstance(module, torch.nn.Linear) or type(module).__name__.startswith("Linear")}
    missing = [name for name in wanted if name not in present]
    if missing or not wanted:
        raise TutorError(f"The base model has no linear module named {', '.join(missing) or '(none given)'}.",
                         f"Pick target modules among: {', '.join(sorted(present & ALLOWED_MODULES))}.")
    return wanted


def add_lora(model, config, device: str):
    """Wrap ``model`` with a fresh LoRA adapter ("default") as ``config`` describes."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if getattr(model, "is_loaded_in_4bit", False):
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing(config, device))
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=lora_targets(model, config.target_modules), bias="none",
                      task_type="CAUSAL_LM", use_dora=False)
    return get_peft_model(model, lora)


def gradient_checkpointing(config, device: str) -> bool:
    if config.gradient_checkpointing not in ("on", "off", "auto"):
        raise TutorError(f"gradient_checkpointing = {config.gradient_checkpointing!r}.", "Use on, off or auto.")
    return config.gradient_checkpointing == "on" or (config.gradient_checkpointing == "auto" and device == "cuda")


def trainable_parameters(model) -> list[str]:
    return [name for name, parameter in model.named_parameters() if parameter.requires_grad]


def describe_trainable(model) -> dict:
    """How many parameters train, and in which kinds of module (for the summary and the tests)."""
    names = [(name, parameter.numel()) for name, parameter in model.named_parameters() if parameter.requires_grad]
    modules = sorted({name.split(".lora_")[0].rsplit(".", 1)[-1] for name, _ in names})
    total = sum(parameter.numel() for parameter in model.parameters())
    return {"tensors": len(names), "parameters": sum(n for _, n in names), "total_parameters": total,
            "modules": modules, "only_lora": all(".lora_A." in name or ".lora_B." in name for name, _ in names)}
