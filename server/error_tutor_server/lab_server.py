"""``error-tutor lab-server``: one model server for a whole room of seats.

It runs llama.cpp's own ``llama-server`` (built at set-up from the llama.cpp sources that the pinned
llama-cpp-python vendors: ``scripts/build_llama_server.sh``) with the catalog's model (a fine-tuned one as
the merged file set-up made of its base and adapter, as the in-process model loads it, else as its base and
``--lora``), several slots and continuous batching, on a private
loopback port; in front of it, the proxy of ``lab_proxy`` checks the room's bearer token, answers
identical cases once and stops generations nobody waits for any more. Seats point ``remoteUrl`` at the
printed address (``backend = "remote"``); its ``/v1/models`` tells them whether the model is a fine-tuned one,
so they prompt it as it was trained and show its text without ``modelText = "any"``.

    error-tutor lab-server                                   # loopback, port 8000, the default model
    ERROR_TUTOR_API_KEY=$(openssl rand -hex 32) error-tutor lab-server --host 0.0.0.0 \\
        --ssl-certfile lab.crt --ssl-keyfile lab.key --slots 16

The token comes from an environment variable (``--api-key-env``), never from the command line, where
``ps`` would show it; llama-server gets a key of its own through a file readable only by its owner.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from error_tutor_server import catalog, merged
from error_tutor_server.errors import TutorError
from error_tutor_server.lab_proxy import LabProxy, Upstream
from error_tutor_server.paths import cache_dir, write_private_token
from error_tutor_server.remote import is_loopback

log = logging.getLogger("error_tutor.lab_server")

BINARY_ENV = "ERROR_TUTOR_LLAMA_SERVER"
READY_LINE = "Error Tutor lab server: "  # the first line printed: the address seats use
BUILD_FIX = ("Run `make setup` (scripts/build_llama_server.sh builds it once, ~15 min on 2 cores), "
             f"or pass --llama-server PATH (or set {BINARY_ENV}).")
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LabOptions:
    """Everything ``lab-server`` is told (its flags)."""

    model: str = catalog.DEFAULT_MODEL
    host: str = "127.0.0.1"
    port: int = 8000
    slots: int = 8
    ctx_per_slot: int = 2048
    threads: int = 0  # 0: every core of this machine
    api_key_env: str = "ERROR_TUTOR_API_KEY"
    llama_server: str = ""
    cache_entries: int = 2048
    ssl_certfile: str = ""
    ssl_keyfile: str = ""


def llama_cpp_version() -> str:
    """The installed llama-cpp-python's version ("" when it is not installed)."""
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return ""


def built_binaries(version: str) -> list[Path]:
    """llama-server binaries that set-up built for ``version``, newest first."""
    found = (cache_dir() / "bin").glob(f"llama-server-{version}-*/llama-server")
    return sorted((p for p in found if os.access(p, os.X_OK)), key=lambda p: p.stat().st_mtime, reverse=True)


def find_llama_server(explicit: str = "") -> Path:
    """``explicit``, else $ERROR_TUTOR_LLAMA_SERVER, else the one set-up built for the installed
    llama-cpp-python, else ``llama-server`` on PATH; a TutorError that says how to build it."""
    chosen = explicit or os.environ.get(BINARY_ENV, "")
    if chosen:
        path = Path(chosen).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise TutorError(f"llama-server '{path}' does not exist or is not executable.", BUILD_FIX)
    version = llama_cpp_version()
    built = built_binaries(version) if version else []
    if built:
        return built[0]
    on_path = shutil.which("llama-server")
    if on_path:
        log.warning("using %s from PATH: not built from llama-cpp-python %s's sources", on_path, version or "?")
        return Path(on_path)
    raise TutorError(f"llama-server is not built on this machine (looked in {cache_dir() / 'bin'} and on PATH).",
                     BUILD_FIX)


def served_files(model: str) -> tuple[Path, Path | None, str]:
    """(the GGUF llama-server loads, its ``--lora`` adapter or None, the model's identity). A fine-tuned model
    loads the fresh merged file that set-up made (``merged.find``, as ``LocalModel`` does), else its base and
    ``--lora``. The identity (hashed into the revision seats see) names the loaded file and the adapter file's
    sha256: it changes with the adapter, and between merged and runtime LoRA, whose texts may differ slightly."""
    base, adapter = catalog.resolve(model)
    one_file = merged.find(model, base, adapter) if adapter else None
    model_file, lora = (one_file, None) if one_file else (base, adapter)
    return model_file, lora, f"{model}:{model_file.name}:{catalog.file_sha256(adapter) if adapter else ''}"


def weights_text(model_file: Path, lora: Path | None, fine_tuned: bool) -> str:
    """Which files llama-server loads, as the lab-server prints and logs it."""
    if lora is not None:
        return (f"{model_file.name} + --lora {lora.name} (no fresh merged file: "
                "`python -m error_tutor_server.catalog assemble` makes it)")
    return model_file.name + (" (its adapter merged at set-up)" if fine_tuned else "")


def engine_command(binary: Path, base: Path, adapter: Path | None, port: int, key_file: Path, options: LabOptions,
                   alias: str) -> list[str]:
    """llama-server's command line: loopback only (the proxy faces the room), its key in a file, the slots
    sharing a context of ``ctx_per_slot`` tokens each, continuous batching and prompt caching on."""
    threads = options.threads or len(os.sched_getaffinity(0))
    command = [str(binary), "--model", str(base), "--alias", alias, "--host", "127.0.0.1", "--port", str(port),
               "--api-key-file", str(key_file), "--parallel", str(options.slots),
               "--ctx-size", str(options.slots * options.ctx_per_slot), "--threads", str(threads),
               "--threads-batch", str(threads), "--threads-http", str(max(16, 4 * options.slots)),
               "--cont-batching", "--cache-prompt", "--metrics", "--slots", "--no-webui"]
    if adapter is not None:
        command += ["--lora", str(adapter)]
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_token(variable: str, host: str) -> tuple[str, str]:
    """(the room's token, where it is): from ``$variable``; on loopback without it, the one in
    ``<cache dir>/lab-server-token`` (owner only; written once, kept across restarts). Other hosts need
    the variable."""
    token = os.environ.get(variable, "").strip()
    if token:
        if len(token) < 16:
            raise TutorError(f"The token in ${variable} is shorter than 16 characters.",
                             "Use a long random token, e.g. `openssl rand -hex 32`.")
        return token, f"the environment variable {variable}"
    if not is_loopback(host):
        raise TutorError(f"Refusing to serve {host} without a token: ${variable} is not set.",
                         f"Set {variable} to a long random token (`openssl rand -hex 32`) on the server and the seats.")
    path = cache_dir() / "lab-server-token"
    where = f"the file {path} (set {variable} to its content on the seats)"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        kept = path.read_text(encoding="utf-8").strip()
        if len(kept) >= 16 and path.stat().st_mode & 0o077 == 0:
            return kept, where
    return write_private_token(path), where


def tls_context(options: LabOptions) -> ssl.SSLContext | None:
    """TLS for the room's side; required off loopback (seats send their token only over https://)."""
    if bool(options.ssl_certfile) != bool(options.ssl_keyfile):
        raise TutorError("--ssl-certfile and --ssl-keyfile go together.", "Pass both, or neither on loopback.")
    if not options.ssl_certfile:
        if not is_loopback(options.host):
            raise TutorError(f"Refusing to serve {options.host} over plain http: seats send their token only over "
                             "https:// or to loopback.", "Pass --ssl-certfile and --ssl-keyfile, or keep the default "
                             "--host 127.0.0.1 behind a TLS reverse proxy.")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(options.ssl_certfile, options.ssl_keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise TutorError(f"Cannot load the TLS certificate or key ({exc}).", "Check both files (PEM).") from None
    return context


def die_with_parent() -> None:
    """In the child, before exec: llama-server gets SIGTERM when the lab server dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Engine:
    """The llama-server process: started with a fresh private key, stopped with the lab server."""

    def __init__(self, binary: Path, options: LabOptions, base: Path, adapter: Path | None, alias: str):
        self.binary = binary
        self.weights = (base, adapter)
        self.port = free_port()
        self.key = secrets.token_hex(32)
        self.log_path = cache_dir() / "lab-server" / "llama-server.log"
        self.command_for = lambda key_file: engine_command(self.binary, base, adapter, self.port, key_file, options,
                                                           alias)
        self.process: subprocess.Popen | None = None

    def start(self) -> "Engine":
        """Start llama-server and wait until its model is loaded (``/health`` says ok)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="lab-server-") as private:  # 0700: the key file is its owner's
            key_file = Path(private, "engine-key")
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(self.key + "\n")
            with open(self.log_path, "wb") as log_file:
                self.process = subprocess.Popen(self.command_for(key_file), stdin=subprocess.DEVNULL,
                                                stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
            try:
                self.wait_ready()  # the key file has been read once /health answers
            except BaseException:  # Ctrl-C while the model loads, too
                self.stop()
                raise
        log.info("llama-server %s ready on 127.0.0.1:%d (pid %d)", self.binary, self.port, self.process.pid)
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TutorError(f"llama-server exited at start (status {self.process.returncode}): "
                                 f"{self.log_tail()}", f"See {self.log_path}.")
            with contextlib.suppress(OSError, urllib.error.URLError):
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.2)
        raise TutorError(f"llama-server did not load the model within {START_TIMEOUT_S:.0f} s.", f"See {self.log_path}.")

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def describe(options: LabOptions, url: str, token_from: str, engine: Engine, fine_tuned: bool) -> str:
    """What the lab-server prints: its address and how seats connect."""
    show = (f"# {options.model} is fine-tuned: seats learn it from this server and show its text" if fine_tuned else
            f'# {options.model} is untuned: its text is shown only with modelText = "any" (see docs/instructors.md)')
    return "\n".join([
        f"{READY_LINE}{url}",
        f"  model {options.model}, llama-server {engine.binary} (pid {engine.process.pid}), "
        f"{options.slots} slots x {options.ctx_per_slot} tokens",
        f"  weights: {weights_text(*engine.weights, fine_tuned)}",
        f"  token: {token_from}",
        "  seats (the lab file /etc/error-tutor/config.toml):",
        '    backend = "remote"',
        f'    remoteUrl = "{url}"',
        f"    {show}",
        "  Ctrl-C stops it."])


def seat_url(options: LabOptions, port: int) -> str:
    """The URL seats use: this machine's name when it listens on every address (0.0.0.0, ::)."""
    host = socket.getfqdn() if options.host in ("0.0.0.0", "::", "") else options.host
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if options.ssl_certfile else 'http'}://{host}:{port}/v1"


async def serve_room(options: LabOptions, engine: Engine, token: str, alias: str, model_id: str,
                     announce, fine_tuned: bool = False) -> None:
    """Run the proxy until SIGINT/SIGTERM; ``announce(url)`` once it listens."""
    proxy = LabProxy(Upstream("127.0.0.1", engine.port, engine.key), token, model_id, alias,
                     options.cache_entries, engine.process.pid, fine_tuned)
    server = await proxy.start(options.host, options.port, tls_context(options))
    announce(seat_url(options, server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    log.info("lab server stopping: %s", proxy.report())


def run_lab_server(options: LabOptions) -> int:
    """Start llama-server, then the proxy; print the address; stop both on Ctrl-C or SIGTERM."""
    binary = find_llama_server(options.llama_server)
    tls_context(options)  # refuse a bad address or certificate before loading anything
    model_file, lora, model_id = served_files(options.model)
    fine_tuned = catalog.MODELS[options.model].fine_tuned
    token, token_from = read_token(options.api_key_env, options.host)
    log.info("llama-server loads %s", weights_text(model_file, lora, fine_tuned))
    engine = Engine(binary, options, model_file, lora, options.model).start()
    try:
        def announce(url: str) -> None:
            print(describe(options, url, token_from, engine, fine_tuned), flush=True)
        asyncio.run(serve_room(options, engine, token, options.model, model_id, announce, fine_tuned))
    finally:
        engine.stop()
    return 0


def run_command(args: argparse.Namespace) -> int:
    fields = {name: getattr(args, name) for name in LabOptions.__dataclass_fields__}
    return run_lab_server(LabOptions(**fields))


def register(sub) -> None:
    """The ``lab-server`` subcommand."""
    defaults = LabOptions()
    parser = sub.add_parser("lab-server", help="run one shared model server for a lab's seats (llama-server)",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=defaults.model, choices=list(catalog.MODELS),
                        help=f"the catalog model to serve, with its adapter if it has one (default {defaults.model})")
    parser.add_argument("--host", default=defaults.host, help="the address seats connect to (default 127.0.0.1; "
                        "any other needs the token variable and --ssl-certfile/--ssl-keyfile)")
    parser.add_argument("--port", type=int, default=defaults.port, help="the port (default 8000; 0 picks a free one)")
    parser.add_argument("--slots", type=int, default=defaults.slots,
                        help=f"requests llama-server generates at once, batched (default {defaults.slots})")
    parser.add_argument("--ctx-per-slot", type=int, default=defaults.ctx_per_slot,
                        help=f"context tokens of each slot (default {defaults.ctx_per_slot})")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="llama-server's threads (default 0: every core of this machine)")
    parser.add_argument("--api-key-env", default=defaults.api_key_env,
                        help=f"the environment variable holding the room's token (default {defaults.api_key_env}); "
                        "unset on loopback: a fresh token is written to <cache dir>/lab-server-token")
    parser.add_argument("--llama-server", default=defaults.llama_server,
                        help=f"the llama-server binary (default: the one make setup built, ${BINARY_ENV}, or PATH)")
    parser.add_argument("--cache-entries", type=int, default=defaults.cache_entries,
                        help=f"finished answers kept for identical requests (default {defaults.cache_entries}; 0: none)")
    parser.add_argument("--ssl-certfile", default=defaults.ssl_certfile, help="TLS certificate (PEM) for the seats' side")
    parser.add_argument("--ssl-keyfile", default=defaults.ssl_keyfile, help="TLS private key (PEM) for the seats' side")
    parser.set_defaults(func=run_command)


def spawn(argv: list[str], env: dict | None = None, timeout: float = START_TIMEOUT_S,
          stderr=None) -> tuple[subprocess.Popen, str]:
    """Start ``error-tutor lab-server ARGV`` as a process (stopped when its caller dies) and wait for its
    address (benchmarks and tests); a TutorError with its last words when it stops first."""
    process = subprocess.Popen([sys.executable, "-m", "error_tutor_server", "lab-server", *argv], env=env,
                               stdout=subprocess.PIPE, stderr=stderr, text=True, preexec_fn=die_with_parent)
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        line = process.stdout.readline() if ready else ""
        if line.startswith(READY_LINE):
            return process, line[len(READY_LINE):].strip()
        lines.append(line.rstrip())
        if ready and not line:
            break  # it exited
    process.terminate()
    process.wait(10)
    raise TutorError("error-tutor lab-server did not start: " + " | ".join(lines[-3:]),
                     "Run it by hand to see why.")
