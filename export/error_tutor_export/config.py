"""The export's settings: one dataclass, read by the shared loader (``error_tutor_server.config_loader``):
the defaults below, then a YAML file (``--config``; ``export.yaml`` documents every field and its
trade-off), then the command-line flags. Each field's ``help`` is its ``--help`` text."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from error_tutor_export.quantize import ADAPTER_TYPES, QUANT_TYPES
from error_tutor_server import config_loader

DEFAULT_YAML = Path(__file__).with_name("export.yaml")

# greedy-token agreement with the F16 that each type must reach, and how much its perplexity
# on held-out explanations may exceed the F16's (measured on SmolLM2-135M; see export.yaml)
MIN_AGREEMENT = {"F16": 1.0, "Q8_0": 0.9, "Q5_K_M": 0.75, "Q4_K_M": 0.7, "Q4_1": 0.6}
MAX_PERPLEXITY_RATIO = {"F16": 1.0, "Q8_0": 1.03, "Q5_K_M": 1.2, "Q4_K_M": 1.25, "Q4_1": 1.35}


def _f(default, help: str, **metadata):
    """A field with its help text (``--help``) and loader metadata; mutable defaults are copied."""
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"help": help, **metadata})
    return field(default=default, metadata={"help": help, **metadata})


@dataclass
class ExportConfig:
    """Everything ``error-tutor export`` can be told."""

    adapter_dir: str = _f("", "the adapter folder written by `error-tutor train` (adapter_config.json)", positional=True)
    out: str = _f("", "the GGUF file to write (written as OUT.tmp, renamed when verified)", required=True)
    quant: str = _f("", f"merged: {', '.join(QUANT_TYPES)} (empty: Q4_K_M; Q4_1 is the shipped model's type); "
                        f"adapter-only: {', '.join(ADAPTER_TYPES)} (empty: F16)")
    base: str = _f("", "base GGUF file or Hugging Face model folder (empty: the adapter's base_model.json)")
    adapter_only: bool = _f(False, "write a GGUF LoRA adapter for the unchanged base instead of a merged model")
    verify: bool = _f(True, "read the export back: parity, tokenizer, quantization drift (--no-verify skips it)")
    threads: int = _f(0, "llama.cpp threads (0 = adapt to the machine's load)")
    f16_tolerance: float = _f(0.5, "max |logit difference| between the F16 export and the merged PyTorch model")
    prompts: int = _f(6, "verification prompts (half C, half Python; ~7 s of one core each per model pass)")
    new_tokens: int = _f(24, "greedy tokens per verification prompt, teacher-forced through the quantized export")
    perplexity_texts: int = _f(12, "held-out explanations for the perplexity ratio")
    tokenizer_texts: int = _f(200, "texts for the tokenizer round trip (GGUF bases)")
    min_agreement: dict[str, float] = _f(MIN_AGREEMENT, "minimum greedy-token agreement with the F16, per type "
                                                        "(given types replace the defaults)")
    max_perplexity_ratio: dict[str, float] = _f(MAX_PERPLEXITY_RATIO, "maximum perplexity of the export divided by "
                                                                      "the F16's, per type (given types replace the defaults)")
    corpora_dir: str = _f("", "where the dev corpora are (empty: shared/corpora beside the source checkout)")
    disk_check: bool = _f(True, "refuse to start when the output's disk has too little free space")
    keep_work: bool = _f(False, "keep the intermediate files (debugging)")

    def __post_init__(self) -> None:
        # quantization types are upper case; a YAML file or a flag may write q8_0
        self.min_agreement = {str(k).upper(): v for k, v in self.min_agreement.items()}
        self.max_perplexity_ratio = {str(k).upper(): v for k, v in self.max_perplexity_ratio.items()}

    def with_overrides(self, **changes) -> "ExportConfig":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_config(path: str | Path | None = None) -> ExportConfig:
    """The defaults, or the YAML file's values on top of them (unknown keys are an error)."""
    return config_loader.load_config(ExportConfig, path)
