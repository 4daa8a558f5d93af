"""llama.cpp's own converters, fetched at set-up time and run in a subprocess.

``convert_hf_to_gguf.py``, ``convert_lora_to_gguf.py``, their ``conversion`` package and their
``gguf-py`` ship inside the llama-cpp-python sdist (``vendor/llama.cpp/``), at the exact
llama.cpp commit the runtime was built from, so a file they write is one the runtime reads.
They are extracted into ``llama.cpp-converters/`` in the cache folder (``~/.cache/error-tutor``,
or under ``$XDG_CACHE_HOME``) with a stamp naming the version, so an installed wheel finds them
too; they are never committed. Nothing is downloaded at export time.

    .venv/bin/python -m error_tutor_export.converters fetch   # make setup does this (the installed version)
    .venv/bin/python -m error_tutor_export.converters check   # is it there?

The subprocess gets ``PYTHONPATH=<converters>/gguf-py`` first, so their gguf-py wins over the
installed ``gguf`` package (which transformers uses, and which may be older or newer).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_server.paths import converters_dir

log = logging.getLogger("error_tutor.export")

PACKAGE = "llama-cpp-python"
STAMP_NAME = "STAMP.json"
VENDOR = "vendor/llama.cpp/"
# what the two converters import: themselves, their model classes and their gguf-py
WANTED_FILES = ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py", "LICENSE")
WANTED_DIRS = ("conversion/", "gguf-py/")
SETUP_FIX = ("Run `make setup`, or `python -m error_tutor_export.converters fetch` with an installed wheel "
             "(it fetches llama.cpp's converters into the cache folder).")


def runtime_version() -> str:
    """The llama-cpp-python the runtime uses: the converters must come from the same release."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise TutorError("llama-cpp-python is not installed.", SETUP_FIX) from None


@dataclass(frozen=True)
class Converters:
    root: Path
    version: str

    @property
    def hf_script(self) -> Path:
        return self.root / "convert_hf_to_gguf.py"

    @property
    def lora_script(self) -> Path:
        return self.root / "convert_lora_to_gguf.py"

    @property
    def gguf_py(self) -> Path:
        return self.root / "gguf-py"

    def environment(self) -> dict[str, str]:
        """The converters' gguf-py first on the path; nothing may reach a model hub."""
        path = os.pathsep.join(p for p in (str(self.gguf_py), os.environ.get("PYTHONPATH", "")) if p)
        return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONUNBUFFERED": "1"}


def read_stamp(root: Path) -> dict:
    try:
        return json.loads((root / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def locate(root: Path | None = None) -> Converters:
    """The fetched converters, or a TutorError saying to run ``make setup``."""
    root = root or converters_dir()
    stamp = read_stamp(root)
    if not stamp or not (root / "convert_hf_to_gguf.py").is_file() or not (root / "gguf-py" / "gguf").is_dir():
        raise TutorError(f"llama.cpp's converters are missing (looked in {root}).", SETUP_FIX)
    wanted = runtime_version()
    if stamp.get("version") != wanted:
        raise TutorError(f"The converters in {root} come from llama-cpp-python {stamp.get('version')}, "
                         f"but the runtime is {wanted}.", SETUP_FIX)
    return Converters(root, wanted)


def _members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    chosen = []
    for member in archive.getmembers():
        _, _, inside = member.name.partition("/")
        if not inside.startswith(VENDOR):
            continue
        relative = inside[len(VENDOR):]
        if relative in WANTED_FILES or (relative.startswith(WANTED_DIRS) and member.isfile()):
            member.name = relative
            chosen.append(member)
    return chosen


def extract(sdist: Path, dest: Path, version: str) -> list[str]:
    """Unpack only the converters and their gguf-py from the sdist into ``dest`` (atomically)."""
    staging = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(sdist, "r:gz") as archive:
        members = _members(archive)
        names = {m.name for m in members}
        missing = [f for f in WANTED_FILES if f not in names]
        if missing:
            shutil.rmtree(staging, ignore_errors=True)
            raise TutorError(f"{sdist.name} has no {', '.join(missing)} under {VENDOR}.",
                             "Check the llama-cpp-python version passed to `fetch`.")
        archive.extractall(staging, members=members, filter="data")
    stamp = {"package": PACKAGE, "version": version, "sdist": sdist.name, "files": len(members),
             "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (staging / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return sorted(names)


def download_sdist(version: str, folder: Path) -> Path:
    """``pip download`` the sdist (PyPI, or pip's cache) into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               f"{PACKAGE}=={version}", "-d", str(folder)]
    log.info("downloading the %s %s sdist for its converters", PACKAGE, version)
    done = subprocess.run(command, capture_output=True, text=True)
    sdists = sorted(folder.glob("llama_cpp_python-*.tar.gz"))
    if done.returncode != 0 or not sdists:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise TutorError(f"pip could not download {PACKAGE}=={version} ({' '.join(tail)}).",
                         "Check the network access to PyPI, then run `make setup` again.")
    return sdists[0]


def fetch(version: str = "", dest: Path | None = None, force: bool = False) -> Converters:
    """Make sure ``dest`` holds the converters of ``version``; download only when it does not."""
    version = version or runtime_version()
    dest = dest or converters_dir()
    if not force and read_stamp(dest).get("version") == version and (dest / "convert_hf_to_gguf.py").is_file():
        log.info("converters of %s %s already in %s", PACKAGE, version, dest)
        return Converters(dest, version)
    with tempfile.TemporaryDirectory(prefix="llama-cpp-sdist-") as folder:
        sdist = download_sdist(version, Path(folder))
        names = extract(sdist, dest, version)
    log.info("extracted %d files of %s into %s", len(names), sdist.name, dest)
    return Converters(dest, version)


def disk_full(output: str, folder: Path | None) -> bool:
    """A converter's way of saying the disk is full: Python's errno text, numpy's short write,
    or simply no space left where it was writing."""
    if "No space left on device" in output or re.search(r"\d+ requested and \d+ written", output):
        return True
    return folder is not None and folder.is_dir() and shutil.disk_usage(folder).free < (1 << 20)


def _failure(what: str, output: str, folder: Path | None = None) -> TutorError:
    tail = [line for line in output.strip().splitlines() if line.strip()][-4:]
    if disk_full(output, folder):
        return TutorError(f"{what} ran out of disk space; nothing was written.",
                          "Free some disk space (or write elsewhere) and run it again.")
    return TutorError(f"{what} failed: {' | '.join(tail)[-600:]}",
                      "Check that the adapter and base model match; run with -v for the converter's full log.")


def run_script(converters: Converters, script: Path, arguments: list[str], what: str,
               writes_to: Path | None = None) -> None:
    """Run one converter (or a gguf-py script) with the converters' gguf-py first on the path;
    ``writes_to`` is the folder it writes into (to tell a full disk from other failures)."""
    command = [sys.executable, str(script), *arguments]
    log.debug("running %s", " ".join(command))
    try:
        done = subprocess.run(command, env=converters.environment(), capture_output=True, text=True,
                              cwd=converters.root)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise TutorError(f"{what} ran out of disk space.", "Free some disk space and run it again.") from None
        raise
    output = (done.stdout or "") + (done.stderr or "")
    for line in output.splitlines():
        log.debug("%s: %s", script.name, line)
    if done.returncode != 0:
        raise _failure(what, output, writes_to)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m error_tutor_export.converters",
                                     description="Fetch or check llama.cpp's GGUF converters (set-up time only).")
    parser.add_argument("action", choices=("fetch", "check"), help="fetch: download and extract if needed; check: report")
    parser.add_argument("--version", default="", help="llama-cpp-python version (default: the installed one)")
    parser.add_argument("--dest", type=Path, default=None,
                        help="target folder (default: llama.cpp-converters in the cache folder)")
    parser.add_argument("--force", action="store_true", help="download again even if the stamp matches")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    try:
        found = fetch(args.version, args.dest, args.force) if args.action == "fetch" else locate(args.dest)
    except TutorError as exc:
        print(f"error-tutor: {exc}", file=sys.stderr)
        return 2
    print(f"llama.cpp converters of {PACKAGE} {found.version}: {found.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
