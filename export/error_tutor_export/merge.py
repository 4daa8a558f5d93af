"""Load the base in float32, check the adapter fits it, merge the LoRA, save a Hugging Face folder.

A GGUF base (the default SmolLM2-135M-Instruct Q4_1) is loaded by transformers with
``GgufConfig(dequantize=True)``: every weight is unpacked to float32, and the tokenizer and chat
template come from the same file. The LoRA is merged into those float32 weights, never into
4-bit blocks, so the only rounding left is the final quantization.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_export.adapter import Adapter, Base

log = logging.getLogger("error_tutor.export")


def _gguf_kwargs(base: Base) -> tuple[str, dict]:
    if base.from_gguf:
        return str(base.path.parent), {"gguf_file": base.path.name}
    return str(base.path), {}


def base_config(base: Base):
    """The base's transformers config (read from the GGUF header or config.json; no weights)."""
    from transformers import AutoConfig

    where, kwargs = (str(base.config_dir), {}) if base.config_dir else _gguf_kwargs(base)
    try:
        return AutoConfig.from_pretrained(where, local_files_only=True, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise TutorError(f"transformers cannot read the base '{base.path}' ({str(exc).splitlines()[0][:200]}).",
                         "Pass a GGUF of a supported architecture or a Hugging Face model folder.") from None


def _meta_model(config):
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def parameter_count(config) -> int:
    return sum(p.numel() for p in _meta_model(config).parameters())


def fit_problems(adapter: Adapter, config) -> list[str]:
    """Every LoRA tensor must attach to a module of the base with matching in/out sizes."""
    model = _meta_model(config)
    problems = []
    for name, shape in sorted(adapter.shapes.items()):
        if ".lora_A." not in name and ".lora_B." not in name:
            continue
        module_name = name.split(".lora_")[0].removeprefix("base_model.model.")
        try:
            module = model.get_submodule(module_name)
        except AttributeError:
            problems.append(f"the base has no module {module_name}")
            continue
        size = getattr(module, "in_features", None) if ".lora_A." in name else getattr(module, "out_features", None)
        got = shape[1] if ".lora_A." in name else shape[0]
        if size is not None and got != size:
            side = "input" if ".lora_A." in name else "output"
            problems.append(f"{module_name} has {side} size {size} in the base but {got} in the adapter")
    return problems


def check_fits(adapter: Adapter, base: Base, config) -> None:
    problems = fit_problems(adapter, config)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise TutorError(f"The adapter in '{adapter.folder}' does not fit the base '{base.path.name}' "
                         f"(hidden size {getattr(config, 'hidden_size', '?')}): {'; '.join(problems[:3])}{more}.",
                         "Pass the base it was trained on with --base (see its base_model.json).")
    log.info("adapter fits the base: %d LoRA modules, rank %d", len(adapter.target_names()), adapter.rank)


def load_base(base: Base, config=None):
    """The base model in float32 and its tokenizer (with its chat template); ``config`` saves
    parsing the GGUF header once more."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    where, kwargs = _gguf_kwargs(base)
    if base.from_gguf:
        kwargs["quantization_config"] = GgufConfig(dequantize=True)
    if config is not None:
        kwargs["config"] = config
    try:
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, local_files_only=True, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=True,
                                                  **({"gguf_file": base.path.name} if base.from_gguf else {}))
    except (OSError, ValueError, KeyError) as exc:
        raise TutorError(f"Cannot load the base '{base.path}' ({str(exc).splitlines()[0][:200]}).",
                         "Check that it is a complete model with its tokenizer, or pass another --base.") from None
    model.eval()
    return model, tokenizer


def merge(adapter: Adapter, model):
    """Apply the PEFT adapter and fold it into the float32 weights."""
    import torch

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)  # imported by peft; its CPU-kernel notice is noise here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from peft import PeftModel

    try:
        peft_model = PeftModel.from_pretrained(model, str(adapter.folder), is_trainable=False)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise TutorError(f"The adapter does not fit the base ({str(exc).splitlines()[0][:300]}).",
                         "Pass the base it was trained on with --base.") from None
    with torch.no_grad():
        try:
            merged = peft_model.merge_and_unload(safe_merge=True)
        except ValueError as exc:  # safe_merge found NaNs
            raise TutorError(f"Merging the adapter gives broken weights ({exc}).",
                             "The adapter is damaged: retrain it.") from None
    merged.eval()
    return merged


def save_hf(model, tokenizer, folder: Path) -> None:
    """A Hugging Face folder the converter reads: float32 safetensors, tokenizer, chat template."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    if not getattr(tokenizer, "chat_template", None):
        log.warning("the base has no chat template: the exported model will not know how to format a chat")


def save_config(base: Base, config, folder: Path) -> Path:
    """For the adapter converter: the base's config only (it needs no weights)."""
    if not base.from_gguf:
        return base.path
    folder.mkdir(parents=True, exist_ok=True)
    if not getattr(config, "architectures", None):  # a config read from a GGUF header names none
        config.architectures = [type(_meta_model(config)).__name__]
    config.save_pretrained(folder)
    return folder


def torch_logits(model, ids: list[int]):
    """Logits of every position as a float32 numpy array [len(ids), vocab]."""
    import torch

    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float().numpy()
