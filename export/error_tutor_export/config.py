"""The export's settings: one dataclass, optionally read from YAML (``export.yaml`` documents
every field and its trade-off), then overridden by command-line flags."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from error_tutor_server.errors import TutorError

DEFAULT_YAML = Path(__file__).with_name("export.yaml")

# greedy-token agreement with the F16 that each type must reach, and how much its perplexity
# on held-out explanations may exceed the F16's (measured on SmolLM2-135M; see export.yaml)
MIN_AGREEMENT = {"F16": 1.0, "Q8_0": 0.9, "Q5_K_M": 0.75, "Q4_K_M": 0.7, "Q4_1": 0.6}
MAX_PERPLEXITY_RATIO = {"F16": 1.0, "Q8_0": 1.03, "Q5_K_M": 1.2, "Q4_K_M": 1.25, "Q4_1": 1.35}


@dataclass
class ExportConfig:
    adapter_dir: str = ""
    out: str = ""
    quant: str = ""  # empty: Q4_K_M merged, F16 adapter-only
    base: str = ""
    adapter_only: bool = False
    verify: bool = True
    threads: int = 0
    f16_tolerance: float = 0.5
    prompts: int = 6
    new_tokens: int = 24
    perplexity_texts: int = 12
    tokenizer_texts: int = 200
    min_agreement: dict = field(default_factory=lambda: dict(MIN_AGREEMENT))
    max_perplexity_ratio: dict = field(default_factory=lambda: dict(MAX_PERPLEXITY_RATIO))
    corpora_dir: str = ""
    disk_check: bool = True
    keep_work: bool = False

    def with_overrides(self, **changes) -> "ExportConfig":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_config(path: str | Path | None) -> ExportConfig:
    """Defaults, or the YAML file's values on top of them (unknown keys are an error)."""
    if not path:
        return ExportConfig()
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise TutorError(f"Cannot read the export config '{path}' ({exc.strerror}).", "Check the path.") from None
    except yaml.YAMLError as exc:
        raise TutorError(f"The export config '{path}' is not valid YAML ({exc}).", "Fix the file (see export.yaml).") from None
    if not isinstance(data, dict):
        raise TutorError(f"The export config '{path}' is not a mapping.", "Write `key: value` lines (see export.yaml).")
    known = {f.name for f in dataclasses.fields(ExportConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TutorError(f"Unknown keys in '{path}': {', '.join(unknown)}.", f"Use only: {', '.join(sorted(known))}.")
    config = ExportConfig()
    for name in ("min_agreement", "max_perplexity_ratio"):
        if name in data:
            data[name] = {**getattr(config, name), **{str(k).upper(): float(v) for k, v in (data[name] or {}).items()}}
    return dataclasses.replace(config, **data)
