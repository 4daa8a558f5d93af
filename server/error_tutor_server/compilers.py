"""Run the real compilers and turn what they print into ``CompilerDiagnostic`` objects.

The student's program is never executed: C is only syntax- and type-checked
(``-fsyntax-only``), Python is only compiled (``compile()`` in a child process), Java is
compiled into a throw-away directory. Every run has a time limit, an output limit and a
memory limit, and runs in a temporary directory.

What differs between the languages (the command line, where the report is printed, how it is
read) is chosen by each language's record in ``languages.py``, which names the functions here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import resource
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server import includes, warm_javac
from error_tutor_server.languages import Language, language_named
from error_tutor_server.linking import mark_unlinkable_calls
from error_tutor_server.settings import TutorSettings

log = logging.getLogger("error_tutor.compilers")

MAX_SOURCE_BYTES = 1_000_000
MAX_OUTPUT_BYTES = 1_000_000
MAX_WRITTEN_BYTES = 16_000_000  # a compiler writing more (stderr, class files) is stopped
MAX_DIAGNOSTICS = 50
# Each compile is one busy core and up to 1 GiB (javac: a JVM); half the cores leaves the rest to
# the editor and the model, and 4 at most bounds the memory a burst of opened files can take.
MAX_CONCURRENT_COMPILES = max(1, min(4, (os.cpu_count() or 2) // 2))

# Python is compiled, never run: this child reads the program on stdin and prints JSON.
_PY_CHECKER = r"""
import json, sys, warnings
src = sys.stdin.buffer.read()
out = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        compile(src, sys.argv[1], "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        out.append({"severity": "error", "type": type(e).__name__, "msg": getattr(e, "msg", str(e)),
                    "line": getattr(e, "lineno", None) or 1, "col": getattr(e, "offset", None) or 1,
                    "end_line": getattr(e, "end_lineno", None), "end_col": getattr(e, "end_offset", None)})
for w in caught:
    out.append({"severity": "warning", "type": w.category.__name__, "msg": str(w.message),
                "line": w.lineno or 1, "col": 1, "end_line": None, "end_col": None})
print(json.dumps(out))
"""


@dataclass(frozen=True)
class CompilerRun:
    argv: list[str]
    stdin: bytes | None
    workdir: str
    env: tuple[tuple[str, str], ...] = ()  # added to the environment (TMPDIR: a link's own temporary files)


@dataclass(frozen=True)
class CompilerResult:
    """How one compiler process ended and what it printed."""

    returncode: int | None  # None when it was stopped for taking too long
    stdout: str = ""
    stderr: str = ""

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


class CompileSlots:
    """At most ``limit`` compiler processes at once (one semaphore per event loop). A task
    cancelled while it waits never takes a slot; ``running`` and ``peak`` count processes."""

    def __init__(self, limit: int):
        self.limit, self.running, self.peak = limit, 0, 0
        self._semaphores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @contextlib.asynccontextmanager
    async def hold(self):
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                yield
            finally:
                self.running -= 1


COMPILE_SLOTS = CompileSlots(MAX_CONCURRENT_COMPILES)


def compiler_environment() -> dict[str, str]:
    """The environment every compiler runs in: messages in English, no options injected into a JVM."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("JAVA_TOOL_OPTIONS", None)
    return env


def _limit_resources(memory_limit_bytes: int):
    def apply() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_WRITTEN_BYTES, MAX_WRITTEN_BYTES))  # its stderr file too
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()
    return apply


def resolve_c_compiler(settings: TutorSettings) -> str:
    if settings.c_compiler == "auto":
        return "clang" if shutil.which("clang") else "gcc"
    return settings.c_compiler


def _require(command: str, setting: str) -> str:
    found = shutil.which(command)
    if not found:
        raise TutorError(f"The compiler '{command}' is not on PATH.",
                         f"Install it, or set '{setting}' to its full path.")
    return found


def build_run(language: str, text: str, settings: TutorSettings, workdir: str,
              filename: str, include_dir: str | None) -> CompilerRun:
    """The command line for one check of ``text`` (written to ``workdir/filename``)."""
    return language_named(language).build_run(text, settings, workdir, filename, include_dir)


def build_c_run(text: str, settings: TutorSettings, workdir: str, filename: str,
                include_dir: str | None) -> CompilerRun:
    """gcc or clang, syntax- and type-checking only; the student's folder is searched for "..." headers."""
    compiler = resolve_c_compiler(settings)
    argv = [_require(compiler, "cCompiler"), "-fsyntax-only", "-fdiagnostics-color=never", *settings.c_flags]
    # gcc prints no JSON at all when -fmax-errors stops it, so only clang gets an error limit
    argv += ["-fdiagnostics-format=json"] if compiler == "gcc" else ["-ferror-limit=50", "-fno-caret-diagnostics"]
    argv += includes.GCC_INCLUDE_FLAGS if compiler == "gcc" else includes.CLANG_INCLUDE_FLAGS
    if include_dir:
        argv += ["-iquote", include_dir]
    (Path(workdir) / filename).write_text(text, encoding="utf-8")
    return CompilerRun(argv + [filename], None, workdir)


def build_python_run(text: str, settings: TutorSettings, workdir: str, filename: str,
                     include_dir: str | None) -> CompilerRun:
    """The compile-only checker in an isolated interpreter, the program on its stdin."""
    argv = [_require(settings.python_command, "pythonCommand"), "-I", "-X", "utf8", "-c", _PY_CHECKER, filename]
    return CompilerRun(argv, text.encode("utf-8"), workdir)


def build_java_run(text: str, settings: TutorSettings, workdir: str, filename: str,
                   include_dir: str | None) -> CompilerRun:
    """javac into a throw-away folder, finding the student's other classes in their folder."""
    (Path(workdir) / filename).write_text(text, encoding="utf-8")
    argv = [_require(settings.javac_command, "javacCommand"), "-J-Xmx256m", "-J-Duser.language=en",
            "-J-XX:TieredStopAtLevel=1", "-encoding", "UTF-8", "-proc:none", "-implicit:none",
            "-Xmaxerrs", str(MAX_DIAGNOSTICS), "-d", str(Path(workdir) / "classes"),
            "-sourcepath", include_dir or workdir, filename]
    return CompilerRun(argv, None, workdir)


async def _execute(run: CompilerRun, language: Language, timeout_s: float) -> CompilerResult:
    """Run the compiler in a compile slot; kill it on timeout or cancellation. Its stderr goes to
    a file, not a pipe: gcc -H writes every header line on its own, and a pipe would wake the
    event loop hundreds of times per check."""
    env = {**compiler_environment(), **dict(run.env)}
    warm = warm_javac.installed() if language.name == "java" and run.stdin is None and not run.env else None
    if warm is not None:  # the language server's long-lived JVM; None from it: plain javac below
        async with COMPILE_SLOTS.hold():
            done = await warm.compile(run.argv, run.workdir, timeout_s)
        if done is not None:
            return CompilerResult(done[0], done[1], done[2])
    async with COMPILE_SLOTS.hold():
        with tempfile.TemporaryFile(prefix="error-tutor-") as errors:
            proc = await asyncio.create_subprocess_exec(
                *run.argv, cwd=run.workdir, env=env, preexec_fn=_limit_resources(language.memory_limit_bytes),
                stdin=asyncio.subprocess.PIPE if run.stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=errors, limit=MAX_OUTPUT_BYTES)
            try:
                out, _ = await asyncio.wait_for(proc.communicate(run.stdin), timeout_s)
            except asyncio.TimeoutError:
                return CompilerResult(None)
            finally:
                if proc.returncode is None:
                    try:
                        os.killpg(proc.pid, 9)
                    except ProcessLookupError:
                        pass
                    await proc.wait()
            err = await asyncio.to_thread(_read_start, errors)
    return CompilerResult(proc.returncode, out[:MAX_OUTPUT_BYTES].decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def _read_start(file) -> bytes:
    file.seek(0)
    return file.read(MAX_OUTPUT_BYTES)


def check_source(text: str) -> None:
    """Refuse what no compiler should be given, with a message that says why."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_SOURCE_BYTES:
        raise TutorError(f"This file is {size / 1e6:.1f} MB; Error Tutor checks files up to {MAX_SOURCE_BYTES / 1e6:.0f} MB.",
                         "Split it into smaller files to get explanations.")
    if "\x00" in text:
        raise TutorError("This file contains NUL bytes and looks binary, so it was not compiled.",
                         "Open the program's source file instead.")


async def diagnose(language: str, text: str, settings: TutorSettings, filename: str | None = None,
                   include_dir: str | None = None, record: Language | None = None) -> list[CompilerDiagnostic]:
    """Compile ``text`` with the real compiler for ``language``; return its diagnostics. ``record``
    replaces the language's own (analysis.py: the deeper passes, with the same limits and checks)."""
    check_source(text)
    record = record or language_named(language)
    filename = Path(filename or record.default_filename).name
    with tempfile.TemporaryDirectory(prefix="error-tutor-") as workdir:
        run = record.build_run(text, settings, workdir, filename, include_dir)
        policy = await _include_policy(run, workdir, include_dir, settings) if record.vets_includes else None
        refused = await asyncio.to_thread(includes.textual_refusal, policy, text) if policy else None
        if refused:
            return [includes.refusal(text, refused)]
        result = await _execute(run, record, settings.compile_timeout_s)
        output = result.stdout if record.report_on_stdout_only else result.stderr + result.stdout
        if policy is not None:  # the preprocessor's list of opened headers decides
            opened, stderr = includes.split_header_trace(result.stderr)
            output = stderr + result.stdout
            refused = await asyncio.to_thread(includes.escapes, policy, opened, c_messages(output))
            if refused:
                return [includes.refusal(text, refused)]
    failure = compiler_failure(language, result, output, text, settings.compile_timeout_s, record)
    if failure is not None:
        return [failure.with_source(text)]
    diagnostics = record.parse_output(output, filename)
    if record.refine is not None:
        diagnostics = record.refine(diagnostics, text)
    return [d if d.source_line else d.with_source(text) for d in diagnostics[:MAX_DIAGNOSTICS]]


async def _include_policy(run: CompilerRun, workdir: str, include_dir: str | None,
                          settings: TutorSettings) -> includes.IncludePolicy:
    compiler = run.argv[0]
    system_dirs = includes.known_system_dirs(compiler)
    if system_dirs is None:
        async with COMPILE_SLOTS.hold():  # asking the compiler runs it too; the first one asks, the rest wait
            system_dirs = await includes.system_include_dirs(compiler)
    return includes.IncludePolicy.build(workdir, include_dir, list(settings.c_flags), system_dirs)


_OUT_OF_MEMORY = re.compile(r"out of memory|virtual memory exhausted|Cannot allocate memory|MemoryError|"
                            r"OutOfMemoryError|Could not reserve enough space")
_TOO_DEEP = re.compile(r"StackOverflowError|RecursionError|maximum recursion depth")
_INTERNAL_ERROR = re.compile(r"^\S+: internal compiler error", re.MULTILINE)


def python_reported_anything(output: str) -> bool:
    """The checker's JSON list is its last line; anything else means it never got that far."""
    lines = output.strip().splitlines()
    return bool(lines) and lines[-1].startswith("[")


def c_reported_anything(output: str) -> bool:
    """gcc's JSON report, or one of clang's ``file:line:col: severity:`` lines."""
    return output.lstrip().startswith("[") or bool(_C_LINE.search(output))


def javac_reported_anything(output: str) -> bool:
    """One of javac's ``File.java:line: error:`` head lines."""
    return any(_JAVAC_HEAD.match(line) for line in output.splitlines())


def c_internal_error(result: CompilerResult) -> bool:
    """gcc's (or clang's) "internal compiler error": it gave up, whatever its exit status."""
    return bool(_INTERNAL_ERROR.search(result.stderr))


def javac_system_error(result: CompilerResult) -> bool:
    """javac exits 1 for errors in the program, 3 for a system error and 4 for an abnormal end."""
    return result.returncode >= 3


def crashed(language: str, result: CompilerResult, output: str, record: Language | None = None) -> bool:
    """A compiler that stopped without checking the file. gcc and javac exit 1 when the program
    has errors, and Python's checker exits 0, so only these count: a timeout, a signal, gcc's
    internal compiler error, javac's system error (3) or abnormal end (4), or a failure with
    no diagnostic at all."""
    if result.timed_out or result.returncode < 0:
        return True
    record = record or language_named(language)
    if record.internal_failure is not None and record.internal_failure(result):
        return True
    return result.returncode != 0 and not record.reported_anything(output)


def compiler_failure(language: str, result: CompilerResult, output: str, text: str,
                     timeout_s: float, record: Language | None = None) -> CompilerDiagnostic | None:
    """One diagnostic at line 1 saying, in plain words, that the compiler could not check the file."""
    if not crashed(language, result, output, record):
        return None
    name, said = language_named(language).compiler_name, result.stderr + result.stdout
    if result.timed_out:
        message = (f"The {name} took longer than {timeout_s:g} s and was stopped, so this file could not be checked. "
                   "Look for an #include of the file itself or a huge generated part and remove it; "
                   "raise compileTimeoutS if the file is simply large.")
    elif _OUT_OF_MEMORY.search(said):
        message = (f"The {name} ran out of memory while checking this file, so it could not be checked. "
                   "Something in it grows enormous when compiled, such as a macro that expands into other macros "
                   "many times or thousands of nested brackets: simplify that part.")
    elif _TOO_DEEP.search(said):
        message = (f"The {name} ran out of stack while checking this file, so it could not be checked. "
                   "Something in it is nested far too deeply (thousands of brackets, operators or generic types "
                   "inside each other): split it into smaller steps.")
    else:
        message = (f"The {name} crashed while checking this file (exit status {result.returncode}), so it could not "
                   "be checked. Look for extremely deep nesting or a huge generated expression and simplify it; "
                   "if the file is ordinary, check the compiler settings (cCompiler, cFlags, pythonCommand, javacCommand).")
    log.warning("%s failed (exit status %s)", name, result.returncode)
    first = text.split("\n", 1)[0]
    return CompilerDiagnostic(language=language, line=1, column=1, end_line=1, end_column=max(len(first), 1) + 1,
                              severity="error", message=message, code="error-tutor-compiler-failed")


def refine_c_diagnostics(diagnostics: list[CompilerDiagnostic], text: str) -> list[CompilerDiagnostic]:
    """Columns in characters, and calls that could never link reported as errors (see linking.py)."""
    lines = text.splitlines()
    return mark_unlinkable_calls([character_columns(d, lines) for d in diagnostics], text)


def character_columns(diagnostic: CompilerDiagnostic, lines: list[str]) -> CompilerDiagnostic:
    """gcc and clang count columns in UTF-8 bytes; the editor counts characters."""
    def column(line: int, byte_column: int) -> int:
        if not 1 <= line <= len(lines) or lines[line - 1].isascii():
            return byte_column
        return len(lines[line - 1].encode("utf-8")[: byte_column - 1].decode("utf-8", "ignore")) + 1
    return dataclasses.replace(diagnostic, column=column(diagnostic.line, diagnostic.column),
                               end_column=column(diagnostic.end_line, diagnostic.end_column))


def diagnose_sync(language: str, text: str, settings: TutorSettings, **kwargs) -> list[CompilerDiagnostic]:
    return asyncio.run(diagnose(language, text, settings, **kwargs))


_SEVERITIES = {"error": "error", "fatal error": "error", "warning": "warning", "note": "note"}
_OPTION_SUFFIX = re.compile(r"\s*\[-W[^\]]*\]$")


def parse_c_output(output: str, filename: str) -> list[CompilerDiagnostic]:
    """gcc's JSON diagnostics, or clang's ``file:line:col: severity: message`` lines."""
    stripped = output.strip()
    if stripped.startswith("["):
        try:  # gcc may print "compilation terminated." after the JSON
            return _parse_gcc_json(json.JSONDecoder().raw_decode(stripped)[0], filename)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("unreadable gcc JSON output (%s); falling back to text", exc)
    return _parse_c_text(output, filename)


def gcc_json_items(items: list):
    """gcc's JSON items in the order it reported them. gcc 12 nests a diagnostic reported while
    another was open (an error right after a lexer warning such as "/*" within comment) among
    that one's children: those are diagnostics in their own right, not notes."""
    for item in items:
        yield item
        yield from gcc_json_items([c for c in item.get("children", []) if c.get("kind", "note") != "note"])


def c_messages(output: str) -> list[str]:
    """Every message in the C compiler's output, whatever file it is in (for the include policy)."""
    stripped = output.strip()
    if stripped.startswith("["):
        try:
            items = json.JSONDecoder().raw_decode(stripped)[0]
            return [str(item.get("message", "")) for item in gcc_json_items(items)]
        except (ValueError, AttributeError, TypeError):
            pass
    return re.findall(r"(?:fatal error|error|warning): (.*)$", output, re.MULTILINE)


def _parse_gcc_json(items: list, filename: str) -> list[CompilerDiagnostic]:
    result = []
    for item in gcc_json_items(items):
        location = next((loc for loc in item.get("locations", [])
                         if loc.get("caret", {}).get("file") == filename), None)
        if location is None:
            continue  # in a header, or a file of the same name elsewhere: not the student's file
        caret, finish = location["caret"], location.get("finish", location["caret"])
        notes = tuple(child.get("message", "") for child in item.get("children", [])
                      if child.get("kind", "note") == "note")
        # "column" is gcc's display column (a tab counts up to 8); the byte column is clang's unit too
        start = caret.get("byte-column", caret.get("column", 1))
        result.append(CompilerDiagnostic(
            language="c", line=caret["line"], column=start, end_line=finish["line"],
            end_column=finish.get("byte-column", finish.get("column", start)) + 1,
            severity=_SEVERITIES.get(item.get("kind", "error"), "error"),
            message=item.get("message", "").strip(), code=item.get("option", ""), notes=notes))
    return [d for d in result if d.severity != "note"]


_C_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>fatal error|error|warning|note): (?P<msg>.*)$",
                     re.MULTILINE)


def _parse_c_text(output: str, filename: str) -> list[CompilerDiagnostic]:
    result: list[CompilerDiagnostic] = []
    for m in _C_LINE.finditer(output):
        if m["file"] != filename:
            continue  # another file: a header, or one with the same name elsewhere
        line, col = int(m["line"]), int(m["col"])
        option = re.search(r"\[(-W[^\]]*)\]$", m["msg"])
        diagnostic = CompilerDiagnostic(
            language="c", line=line, column=col, end_line=line, end_column=col + 1,
            severity=_SEVERITIES[m["sev"]], message=_OPTION_SUFFIX.sub("", m["msg"]).strip(),
            code=option.group(1) if option else "")
        if diagnostic.severity == "note" and result:
            last = result[-1]
            result[-1] = CompilerDiagnostic(**{**last.to_dict(), "notes": (*last.notes, diagnostic.message)})
        elif diagnostic.severity != "note":
            result.append(diagnostic)
    return result


def parse_python_output(output: str, filename: str) -> list[CompilerDiagnostic]:
    """The JSON printed by the compile-only child process."""
    try:
        items = json.loads(output.strip().splitlines()[-1]) if output.strip() else []
    except ValueError:
        raise TutorError("Python's compile check printed something unexpected.",
                         "Check that 'pythonCommand' points to a Python 3 interpreter.") from None
    result = []
    for item in items:
        line, col = int(item["line"]), max(int(item["col"]), 1)
        end_line = int(item["end_line"] or line)
        end_col = int(item["end_col"] or col + 1)
        if (end_line, end_col) <= (line, col):
            end_line, end_col = line, col + 1
        result.append(CompilerDiagnostic(
            language="python", line=line, column=col, end_line=end_line, end_column=end_col,
            severity=item["severity"], message=f"{item['type']}: {item['msg']}", code=item["type"]))
    return result


_JAVAC_HEAD = re.compile(r"^(?P<file>[^\n]+?\.java):(?P<line>\d+): (?P<sev>error|warning): (?P<msg>.*)$")


def parse_javac_output(output: str, filename: str) -> list[CompilerDiagnostic]:
    """javac's text: a head line, the source line, a caret line, then indented details."""
    result, lines, i = [], output.splitlines(), 0
    while i < len(lines):
        head = _JAVAC_HEAD.match(lines[i])
        i += 1
        if not head:
            continue
        body = []
        while i < len(lines) and not _JAVAC_HEAD.match(lines[i]) and not re.match(r"^\d+ (error|warning)", lines[i]):
            body.append(lines[i])
            i += 1
        caret = next((k for k, text in enumerate(body) if text.strip() == "^"), None)
        column = body[caret].index("^") + 1 if caret is not None else 1
        notes = tuple(text.strip() for text in body[(caret + 1 if caret is not None else 0):] if text.strip())
        if head["file"] != filename:
            continue
        line = int(head["line"])
        result.append(CompilerDiagnostic(
            language="java", line=line, column=column, end_line=line, end_column=column + 1,
            severity=head["sev"], message=head["msg"].strip(), notes=notes))
    return result
