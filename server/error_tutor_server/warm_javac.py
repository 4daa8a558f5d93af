"""A warm javac: one long-lived JVM per language server that compiles each check in-process.

Starting a JVM for every check costs most of a second; the syntax pass after a change should
take a fraction of that. ``java/WarmJavac.java`` (package data) is compiled once with the system
javac into ``cache_dir()/warm-javac/<sha of the source>/`` and run with the same memory limit,
locale and environment as a plain javac run. Each request is javac's own argument list (the
launcher's ``-J`` options dropped), so what it prints, and so the parsed diagnostics, are those
of the plain run. The student's program is compiled, never run (``-proc:none``).

Anything that goes wrong (no javac, no cache folder, a JVM that dies, prints garbage or takes
longer than compileTimeoutS) gives ``None``: the caller runs plain javac for that check, and the
next check starts a fresh JVM. The JVM ends with the server (``close``), or on its own when its
stdin closes (the server process died).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path

from error_tutor_server import paths

log = logging.getLogger("error_tutor.warm_javac")

SOURCE = Path(__file__).with_name("java") / "WarmJavac.java"
END = b"--end-of-reply--"
MAX_REPLY_BYTES = 4_000_000  # base64 of javac's output, itself bounded by -Xmaxerrs
START_TIMEOUT_S = 60.0  # building the helper (once) and starting the JVM


def _java_next_to(javac: str) -> str | None:
    """The ``java`` of the JDK that ``javac`` belongs to (so both are the same version)."""
    found = shutil.which(javac)
    if not found:
        return None
    beside = Path(os.path.realpath(found)).parent / "java"
    return str(beside) if beside.is_file() else shutil.which("java")


def _build(javac: str, cache: Path) -> Path:
    """The folder holding WarmJavac.class, compiling it there first if needed."""
    from error_tutor_server.compilers import compiler_environment  # compilers imports this module

    source = SOURCE.read_bytes()
    folder = cache / "warm-javac" / hashlib.sha256(source).hexdigest()[:16]
    if (folder / "WarmJavac.class").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix="build-") as building:
        subprocess.run([javac, "-J-Xmx256m", "-encoding", "UTF-8", "-proc:none", "-d", building, str(SOURCE)],
                       check=True, capture_output=True, timeout=START_TIMEOUT_S, env=compiler_environment())
        try:
            os.replace(building, folder)  # another server may have built it meanwhile: theirs is the same
        except OSError:
            if not (folder / "WarmJavac.class").is_file():
                raise
        os.makedirs(building, exist_ok=True)  # for TemporaryDirectory's clean-up
    return folder


def request_args(argv: list[str], workdir: str) -> list[str] | None:
    """javac's own arguments for ``argv`` (a javac command line run in ``workdir``): the launcher's
    -J options dropped and the source files made absolute (the JVM's folder is not ``workdir``).
    None for anything else: an @argfile (it would be read relative to the wrong folder), or a
    command line without -proc:none (an annotation processor would run inside the long-lived JVM)."""
    if "-proc:none" not in argv:
        return None
    args = []
    for arg in argv[1:]:
        if arg.startswith("-J"):
            continue
        if arg.startswith("@"):
            return None
        if arg.endswith(".java") and not os.path.isabs(arg):
            arg = os.path.join(workdir, arg)
        args.append(arg)
    return args


def _relative_output(text: str, argv: list[str], workdir: str) -> str:
    """javac names a file as it was given: give back the names the plain run would print."""
    for arg in argv[1:]:
        if arg.endswith(".java") and not os.path.isabs(arg):
            absolute = os.path.join(workdir, arg)
            text = "\n".join(line[len(absolute) - len(arg):] if line.startswith(absolute + ":") else line
                             for line in text.split("\n"))
    return text


class WarmJavac:
    """One JVM, one request at a time. ``compile`` gives (returncode, stdout, stderr) or None."""

    def __init__(self, cache: Path | None = None, memory_limit_bytes: int | None = None):
        from error_tutor_server.languages import JAVA

        self.cache = cache or paths.cache_dir()
        self.memory_limit_bytes = memory_limit_bytes or JAVA.memory_limit_bytes
        self.proc: asyncio.subprocess.Process | None = None
        self.javac: str | None = None
        self.lock = asyncio.Lock()
        self.broken = False  # could not be built or started: plain javac from now on
        self.starts = 0
        self._logged: set[str] = set()
        self._drain: asyncio.Task | None = None

    def _log_once(self, what: str, detail: object) -> None:
        if what not in self._logged:
            self._logged.add(what)
            log.warning("warm javac %s (%s); using plain javac", what, detail)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.returncode is None else None

    async def _start(self, javac: str) -> None:
        from error_tutor_server.compilers import _limit_resources, compiler_environment

        java = _java_next_to(javac)
        if java is None:
            raise FileNotFoundError(f"no java beside {javac}")
        folder = await asyncio.to_thread(_build, shutil.which(javac) or javac, self.cache)
        self.proc = await asyncio.create_subprocess_exec(
            java, "-Xmx256m", "-Duser.language=en", "-cp", str(folder), "WarmJavac",
            env=compiler_environment(), preexec_fn=_limit_resources(self.memory_limit_bytes), cwd=str(folder),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            limit=MAX_REPLY_BYTES)
        self.javac, self.starts = javac, self.starts + 1

    async def compile(self, argv: list[str], workdir: str, timeout_s: float) -> tuple[int, str, str] | None:
        """javac ``argv`` (run in ``workdir``) in the warm JVM; None: run plain javac instead."""
        args = request_args(argv, workdir)
        if self.broken or args is None:
            return None
        await self.lock.acquire()
        handed_over = False
        try:
            if self.proc is None or self.proc.returncode is not None or self.javac != argv[0]:
                await self._kill()
                try:
                    await asyncio.wait_for(self._start(argv[0]), START_TIMEOUT_S)
                except asyncio.CancelledError:
                    await self._kill()
                    raise
                except Exception as exc:  # no java, no write access, a JDK without javax.tools...
                    self.broken = True
                    self._log_once("could not start", exc)
                    await self._kill()
                    return None
            request = json.dumps({"args": args}) + "\n"
            reading = asyncio.ensure_future(self._exchange(request.encode("utf-8")))
            try:
                reply = await asyncio.wait_for(asyncio.shield(reading), timeout_s)
            except asyncio.TimeoutError:
                reading.cancel()
                self._log_once("took too long", f"{timeout_s:g} s")
                await self._kill()
                return None
            except asyncio.CancelledError:
                # a newer version of the document: let the reply arrive (or time out) in the
                # background, the lock still held, so the JVM is left between requests
                handed_over = True
                self._drain = asyncio.ensure_future(self._finish(reading, timeout_s))
                raise
            if reply is None:
                await self._kill()
                return None
            rc, out, err = reply
            if rc >= 3:  # javac's system error or abnormal end (out of memory or stack): a fresh JVM next time
                await self._kill()
            return rc, _relative_output(out, argv, workdir), _relative_output(err, argv, workdir)
        finally:
            if not handed_over:
                self.lock.release()

    async def _finish(self, reading: asyncio.Future, timeout_s: float) -> None:
        try:
            if await asyncio.wait_for(reading, timeout_s) is None:
                await self._kill()
        except BaseException:
            await self._kill()
        finally:
            self.lock.release()

    async def _exchange(self, request: bytes) -> tuple[int, str, str] | None:
        """Send one request, read its reply; None for a JVM that died or printed garbage."""
        proc = self.proc
        try:
            proc.stdin.write(request)
            await proc.stdin.drain()
            head = await proc.stdout.readline()
            end = await proc.stdout.readline()
            if not head.endswith(b"\n") or end.rstrip(b"\n") != END:
                raise ValueError(f"unexpected reply {head[:80]!r}")
            reply = json.loads(head)
            rc = int(reply["rc"])
            err = base64.b64decode(reply["err"]).decode("utf-8", "replace")
            out = base64.b64decode(reply["out"]).decode("utf-8", "replace")
            return rc, out, err
        except (OSError, ValueError, KeyError, TypeError, asyncio.LimitOverrunError) as exc:
            self._log_once("failed", exc)
            return None

    async def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.returncode is None:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
        await proc.wait()

    async def close(self) -> None:
        """Stop the JVM (the server is shutting down)."""
        self.broken = True  # no new JVM after this
        if self._drain is not None and not self._drain.done():
            self._drain.cancel()
        await self._kill()


# The warm compiler of each event loop that has one (the language server's); the CLI has none.
_INSTALLED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def install(compiler: WarmJavac | None = None) -> WarmJavac | None:
    """Give the running event loop's Java checks a warm compiler (none outside an event loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    compiler = compiler or WarmJavac()
    _INSTALLED[loop] = compiler
    return compiler


def installed() -> WarmJavac | None:
    try:
        return _INSTALLED.get(asyncio.get_running_loop())
    except RuntimeError:
        return None


async def uninstall() -> None:
    """Stop the running event loop's warm compiler, if it has one."""
    compiler = _INSTALLED.pop(asyncio.get_running_loop(), None)
    if compiler is not None:
        await compiler.close()
