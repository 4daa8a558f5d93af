"""Which files a C check may read: the student's folder, the temporary work directory and the
compiler's own system headers, and nothing else.

The preprocessor decides, not a regular expression: every check runs with ``-H``, which makes
gcc (and clang) list every header it opened, and each one is resolved (symlinks included) and
must lie inside an allowed root. A header that could not be opened is judged by the name the
compiler reports ("NAME: No such file or directory"), resolved against every search directory,
so an outside path is refused the same way whether or not it exists. When anything escapes, the
compiler's output is dropped and the student sees one diagnostic that says why.

Two lookups reveal whether a file exists without opening it. ``__has_include`` (even when formed
by token pasting) is switched off for gcc with ``-U__has_include``, and a program that names it
is refused with a clear message. ``#pragma GCC dependency`` is refused in the program and in its
own headers. A cheap textual check on the program runs first, so an obvious ``#include
"/etc/passwd"`` (or a device that never ends, like ``/dev/zero``) is never opened at all.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError

log = logging.getLogger("error_tutor.includes")

INCLUDE_CODE = "error-tutor-include"
# -H lists every header opened; __has_include becomes an ordinary identifier (no existence probe)
GCC_INCLUDE_FLAGS = ("-H", "-U__has_include", "-U__has_include_next")
CLANG_INCLUDE_FLAGS = ("-H",)
OUTSIDE_MESSAGE = ("This program includes a file outside your project folder and the system headers, "
                   "so Error Tutor did not check it. Include only your own headers (kept in the program's folder) "
                   "and standard headers such as <stdio.h>.")
PROBE_MESSAGE = ("This program uses {what}, which Error Tutor does not allow because it can look for files outside "
                 "your project folder, so it did not check it. Remove it and include the headers you need directly.")

_SEARCH_FLAGS = ("-I", "-iquote", "-isystem", "-idirafter")
_OPEN_FAILURES = tuple(sorted({os.strerror(code) for code in errno.errorcode}, key=len, reverse=True))
_CLANG_NOT_FOUND = re.compile(r"^'(.*)' file not found")
_HEADER_LINE = re.compile(r"^\.+ (.+)$")
_GUARD_LIST_HEAD = "Multiple include guards may be useful for:"
_COMMENT_OR_LITERAL = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL)
_DIRECTIVE = re.compile(r"^[ \t]*(?:#|%:)[ \t]*(?:include|include_next|import)\b[ \t]*([<\"])([^>\"\n]*)[>\"]", re.MULTILINE)
_HAS_INCLUDE = re.compile(r"\b__has_include(?:_next)?\b")
_DEPENDENCY_PRAGMA = re.compile(r"^[ \t]*(?:#|%:)[ \t]*pragma[ \t]+GCC[ \t]+dependency\b", re.MULTILINE)
_system_dirs: dict[str, tuple[str, ...]] = {}


def without_comments(text: str, keep_literals: bool = True) -> str:
    """``text`` as the preprocessor sees it before directives: trigraphs and line splices
    joined, comments replaced by a space (string literals kept or emptied)."""
    text = re.sub(r"\?\?/", "\\\\", text.replace("??=", "#"))
    text = re.sub(r"\\[ \t]*\r?\n", "", text)
    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith("/"):
            return " "
        return token if keep_literals else token[0] * 2
    return _COMMENT_OR_LITERAL.sub(replace, text)


def probe_refusal(text: str, with_literals: str | None = None) -> str | None:
    """The message for a program that asks whether a file exists without including it."""
    code = without_comments(text, keep_literals=False)
    with_literals = without_comments(text) if with_literals is None else with_literals
    if _HAS_INCLUDE.search(code):
        return PROBE_MESSAGE.format(what="__has_include")
    if _DEPENDENCY_PRAGMA.search(with_literals) or ("_Pragma" in code and "dependency" in with_literals):
        return PROBE_MESSAGE.format(what="#pragma GCC dependency")
    return None


def split_header_trace(stderr: str) -> tuple[list[str], str]:
    """The headers that ``-H`` listed, and the compiler's other output without them (and
    without gcc's "Multiple include guards" list that follows them)."""
    opened, rest, in_guard_list = [], [], False
    for line in stderr.splitlines(keepends=True):
        header = _HEADER_LINE.match(line.rstrip("\r\n"))
        if header:
            opened.append(header.group(1))
        elif line.rstrip("\r\n") == _GUARD_LIST_HEAD:
            in_guard_list = True
        elif in_guard_list and line.startswith("/"):
            continue
        else:
            in_guard_list = False
            rest.append(line)
    return opened, "".join(rest)


def unopened_names(messages: list[str]) -> list[str]:
    """The file names in "NAME: No such file or directory" (or any other open failure)."""
    names = []
    for message in messages:
        clang = _CLANG_NOT_FOUND.match(message)
        if clang:
            names.append(clang.group(1))
        for reason in _OPEN_FAILURES:
            if message.endswith(f": {reason}"):
                names.append(message[: -len(reason) - 2])
                break
    return names


def search_dirs_in(flags: list[str]) -> list[str]:
    """The directories named by -I, -iquote, -isystem and -idirafter in ``flags``."""
    found = []
    for index, flag in enumerate(flags):
        for option in _SEARCH_FLAGS:
            if flag == option and index + 1 < len(flags):
                found.append(flags[index + 1])
            elif flag.startswith(option) and len(flag) > len(option):
                found.append(flag[len(option):])
    return found


def known_system_dirs(compiler: str) -> tuple[str, ...] | None:
    """The compiler's header directories when it has already been asked, else None."""
    return _system_dirs.get(compiler)


async def system_include_dirs(compiler: str) -> tuple[str, ...]:
    """The compiler's own header directories (``cc -xc -E -v /dev/null``), asked once per compiler."""
    if compiler not in _system_dirs:
        proc = await asyncio.create_subprocess_exec(
            compiler, "-xc", "-E", "-v", os.devnull, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"})
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        found = parse_search_list(err.decode("utf-8", "replace"))
        if not found:
            raise TutorError(f"The C compiler '{compiler}' did not say where its system headers are.",
                             "Set 'cCompiler' to gcc or clang.")
        _system_dirs[compiler] = found
        log.debug("system include directories of %s: %s", compiler, _system_dirs[compiler])
    return _system_dirs[compiler]


def parse_search_list(verbose_output: str) -> tuple[str, ...]:
    """The ``#include <...>`` search list from the compiler's ``-v`` output."""
    found, inside = [], False
    for line in verbose_output.splitlines():
        if line.startswith("#include <...> search starts here:"):
            inside = True
        elif line.startswith("End of search list."):
            break
        elif inside and line.startswith(" "):
            found.append(line.strip().removesuffix(" (framework directory)"))
    return tuple(found)


def _has_parent_step(path: str) -> bool:
    return ".." in path.split("/")


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


@dataclass(frozen=True)
class IncludePolicy:
    """Where one C check may read files from."""

    workdir: Path  # the compiler's working directory, holding the program
    roots: tuple[Path, ...]  # resolved: the student's folder, the work directory, -I folders inside it
    system_dirs: tuple[str, ...]  # as the compiler names them
    system_roots: tuple[Path, ...]  # the same, resolved
    system_prefixes: tuple[str, ...]  # the same with a final "/", those without ".."
    search_dirs: tuple[Path, ...]  # every folder a name can be looked up in

    @classmethod
    def build(cls, workdir: str, include_dir: str | None, flags: list[str], system_dirs: tuple[str, ...]) -> "IncludePolicy":
        work = Path(workdir).resolve()
        folder = Path(include_dir).resolve() if include_dir else None
        extra = [(work / d).resolve() for d in search_dirs_in(flags)]
        roots = (work, *([folder] if folder else []), *(d for d in extra if folder and _inside(d, (folder,))))
        search = (work, *([folder] if folder else []), *extra, *(Path(d) for d in system_dirs))
        prefixes = tuple(d.rstrip("/") + "/" for d in system_dirs if not _has_parent_step(d))
        return cls(work, roots, system_dirs, tuple(Path(d).resolve() for d in system_dirs), prefixes, search)

    def under_system_dir(self, path: str) -> bool:
        """Lexically inside a system directory without any "..": every folder and symlink on the
        way belongs to the system, not to the student."""
        return not _has_parent_step(path) and path.startswith(self.system_prefixes)

    def place_opened(self, name: str) -> tuple[bool, Path | None]:
        """Whether a header the compiler opened (as ``-H`` named it) is allowed, and its resolved
        path when it is one of the project's own headers."""
        path = str(self.workdir / name)
        if self.under_system_dir(path):
            return True, None
        try:
            resolved = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return False, None  # -H named something that is not there: never trust it
        if _inside(resolved, self.roots):
            return True, resolved
        return _inside(resolved, self.system_roots), None

    def allows_name(self, name: str) -> bool:
        """An include name (opened or not) stays inside the allowed roots from every search folder."""
        if os.path.isabs(name) or os.path.normpath(name).split(os.sep)[0] == "..":
            return False
        allowed, plain = self.roots + self.system_roots, not _has_parent_step(name)
        return all(_inside((folder / name).resolve(), allowed) for folder in self.search_dirs
                   if not (plain and self.under_system_dir(str(folder / name))))


def escapes(policy: IncludePolicy, opened: list[str], messages: list[str]) -> str | None:
    """Why this check must be refused, or None: a header opened outside the roots, a probe in
    one of the project's headers, or a header that could not be opened under a name that
    leaves the roots (judged last, so a missing file reads exactly like a present one)."""
    headers = []
    for name in opened:
        allowed, project_header = policy.place_opened(name)
        if not allowed:
            return OUTSIDE_MESSAGE
        if project_header is not None:
            headers.append(project_header)
    for header in dict.fromkeys(headers):
        try:
            reason = probe_refusal(header.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return OUTSIDE_MESSAGE
        if reason:
            return reason
    if not all(policy.allows_name(name) for name in unopened_names(messages)):
        return OUTSIDE_MESSAGE
    return None


def textual_refusal(policy: IncludePolicy, text: str) -> str | None:
    """The cheap first line, before any compiler runs: a probe, or an ``#include`` whose name
    visibly leaves the project (so that file is never opened, even /dev/zero)."""
    directives = without_comments(text)
    reason = probe_refusal(text, directives)
    if reason:
        return reason
    names = [match.group(2) for match in _DIRECTIVE.finditer(directives)]
    return None if all(policy.allows_name(name) for name in names) else OUTSIDE_MESSAGE


def refusal(text: str, message: str) -> CompilerDiagnostic:
    """The one diagnostic shown instead of the compiler's output."""
    first = text.split("\n", 1)[0]
    return CompilerDiagnostic(language="c", line=1, column=1, end_line=1, end_column=len(first) + 1,
                              severity="error", message=message, code=INCLUDE_CODE, source_line=first)
