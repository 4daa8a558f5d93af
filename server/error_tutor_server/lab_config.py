"""An instructor's lab-wide configuration: defaults, locked settings and environment variables.

The system file ``/etc/error-tutor/config.toml`` (the instructor's, writable only by an
administrator) is always read. A file named by ``ERROR_TUTOR_CONFIG`` (or ``--file``) is read
too and may add defaults and locks, but never change or unlock what the system file locks.
Each holds two tables with any ``TutorSettings`` field, in snake_case or camelCase::

    [defaults]                # what a student starts with; they may change it
    backend = "remote"
    remoteUrl = "http://lab-server:8000/v1"

    [locked]                  # what a student cannot change
    hint_level = "explain"
    exam_mode = false

Variables ``ERROR_TUTOR_<FIELD>`` (``ERROR_TUTOR_HINT_LEVEL=explain``) are defaults too and
win over the files' ``[defaults]``. The order is: built-in defaults < lab defaults (files, then
environment) < the student's settings < locked. A student's attempt to change a locked setting
is ignored with a warning that says who decided it. Every entry point (the server, ``explain``,
``eval``, ``data``) applies the same policy.

What an editor sends is untrusted (a workspace's own settings file can supply it): it may not
name a program other than a compiler on PATH, nor the variable whose value is sent to the lab
server; those come from the files or the environment.

    error-tutor config check [--file F]   # validate the files, print the effective settings
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import logging
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from error_tutor_server.errors import TutorError
from error_tutor_server.settings import TutorSettings, camel, parse_settings, snake, unwrap_section, untrusted_setting_problem

log = logging.getLogger("error_tutor.lab")

SYSTEM_CONFIG_PATH = Path("/etc/error-tutor/config.toml")
CONFIG_ENV = "ERROR_TUTOR_CONFIG"
ENV_PREFIX = "ERROR_TUTOR_"
TABLES = ("defaults", "locked")
FIELDS = tuple(f.name for f in dataclasses.fields(TutorSettings))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the lab configuration, located as precisely as possible."""

    where: str  # "config.toml:7", "config.toml", "environment"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class LabPolicy:
    """The lab's defaults and locked values (snake_case field -> validated value)."""

    defaults: dict[str, Any] = field(default_factory=dict)
    locked: dict[str, Any] = field(default_factory=dict)
    path: str = ""  # the TOML file read ("" when there was none)
    problems: tuple[Problem, ...] = ()  # entries that were ignored, with why
    origins: dict[str, str] = field(default_factory=dict)  # field -> "file" | "environment"

    def lab_settings(self, base: TutorSettings | None = None) -> TutorSettings:
        """What a student who sets nothing gets."""
        return (base or TutorSettings()).replace(**{**self.defaults, **self.locked})

    def apply(self, student_raw: dict | None, base: TutorSettings | None = None) -> tuple[TutorSettings, list[str]]:
        """Merge defaults < ``student_raw`` (camelCase or snake_case) < locked.

        ``base`` is what the lab's defaults are laid over (default: the built-in defaults).
        Returns the settings and the warnings to show the student: their invalid or unknown
        settings, their attempts to change locked ones, and problems in the lab's own file.
        """
        warnings = [f"Lab configuration: {problem}; that entry is ignored." for problem in self.problems]
        raw = unwrap_section(student_raw)
        if isinstance(raw, dict):
            raw, refused = self._drop_untrusted(raw)
            warnings += refused
        if isinstance(raw, dict) and self.locked:
            raw, refused = self._drop_locked(raw)
            warnings += refused
        settings, student_warnings = parse_settings(raw, self.lab_settings(base))
        return settings.replace(**self.locked), warnings + student_warnings

    @staticmethod
    def _drop_untrusted(raw: dict) -> tuple[dict, list[str]]:
        """The student's settings without the ones an editor may not set (see the module's docstring)."""
        kept, refused = {}, []
        for key, value in raw.items():
            problem = untrusted_setting_problem(snake(str(key)), value)
            if problem:
                refused.append(f"Setting {problem}; it is ignored.")
            else:
                kept[key] = value
        return kept, refused

    def _drop_locked(self, raw: dict) -> tuple[dict, list[str]]:
        kept, refused = {}, []
        for key, value in raw.items():
            name = snake(str(key))
            if name not in self.locked:
                kept[key] = value
                continue
            wanted, problems = parse_settings({name: value})
            if problems or getattr(wanted, name) != self.locked[name]:
                refused.append(f"{camel(name)} is locked by your instructor to {_show(self.locked[name])}; "
                               f"your setting {_show(value)} is ignored.")
        return kept, refused

    def describe(self) -> list[tuple[str, str, str]]:
        """(camelCase name, effective value, where it comes from) for every field."""
        settings = self.lab_settings()
        rows = []
        for name in FIELDS:
            if name in self.locked:
                origin = f"locked ({self.origins.get(name, 'file')})"
            elif name in self.defaults:
                origin = f"lab default ({self.origins.get(name, 'file')})"
            else:
                origin = "built-in default"
            rows.append((camel(name), _show(getattr(settings, name)), origin))
        return rows


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def user_config_path(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The extra file asked for (``--file``, else ``ERROR_TUTOR_CONFIG``), which must exist; None if none."""
    environ = os.environ if environ is None else environ
    chosen = path or environ.get(CONFIG_ENV)
    return Path(chosen).expanduser() if chosen else None


def validate_value(name: str, value: Any) -> tuple[Any, str]:
    """The field's value parsed like a client's setting, or an error message."""
    settings, warnings = parse_settings({name: value})
    if warnings:
        return None, re.sub(r"; using .*$", "", warnings[0])
    parsed = getattr(settings, name)
    if name == "remote_url" and parsed and not parsed.startswith(("http://", "https://")):
        return None, f"Setting 'remoteUrl' = {value!r} is invalid (expected an http(s) URL like http://lab-server:8000/v1)"
    return parsed, ""


def _key_line(text: str, table: str, key: str) -> int | None:
    """The 1-based line where ``key`` is set inside ``[table]`` (tomllib gives no positions)."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).strip("\"' ")
        elif current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return None


def _suggest(key: str) -> str:
    choices = list(FIELDS) + [camel(name) for name in FIELDS]
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.75)
    return f" (did you mean '{camel(snake(close[0]))}'?)" if close else ""


def _read_table(label: str, text: str, table: str, entries: Any) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one ``[defaults]``/``[locked]`` table."""
    if not isinstance(entries, dict):
        return {}, [Problem(label, f"'{table}' must be a table like [{table}], not a {type(entries).__name__}")]
    values, problems, seen = {}, [], {}
    for key, value in entries.items():
        line = _key_line(text, table, key)
        where = f"{label}:{line}" if line else label
        name = snake(key)
        if name not in FIELDS:
            problems.append(Problem(where, f"unknown setting '{key}' in [{table}]{_suggest(key)}"))
        elif name in seen:
            problems.append(Problem(where, f"'{key}' in [{table}] repeats '{seen[name]}'; set it once"))
        else:
            parsed, error = validate_value(name, value)
            if error:
                problems.append(Problem(where, f"[{table}] {error}"))
            else:
                values[name], seen[name] = parsed, key
    return values, problems


def read_config_file(path: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """The validated tables of a TOML file, and every problem found (never raises)."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, [Problem(label, "the file does not exist")]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(label, f"cannot be read ({getattr(exc, 'strerror', None) or exc})")]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [_syntax_problem(label, exc)]
    tables, problems = {}, []
    for key in document:
        if key not in TABLES:
            line = next((n for n, l in enumerate(text.splitlines(), 1) if re.match(rf"\s*\[?\s*{re.escape(key)}\b", l)), None)
            problems.append(Problem(f"{label}:{line}" if line else label,
                                    f"unknown table or key '{key}' (only [defaults] and [locked] are allowed; "
                                    "put settings inside one of them)"))
    for table in TABLES:
        if table in document:
            tables[table], found = _read_table(label, text, table, document[table])
            problems += found
    return tables, problems


def _syntax_problem(label: str, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    position = re.search(r"\(at line (\d+), column (\d+)\)", message)
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    if position:
        return Problem(f"{label}:{position.group(1)}", f"TOML syntax error at column {position.group(2)}: {reason}")
    return Problem(label, f"TOML syntax error: {reason}")


def read_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """``ERROR_TUTOR_<FIELD>`` variables that name a field (others, like the API key, are not settings)."""
    values, problems = {}, []
    for variable, raw in sorted(environ.items()):
        if not variable.startswith(ENV_PREFIX):
            continue
        name = variable[len(ENV_PREFIX):].lower()
        if name not in FIELDS:
            continue
        parsed, error = validate_value(name, raw)
        if error:
            problems.append(Problem(f"environment {variable}", error))
        else:
            values[name] = parsed
    return values, problems


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _within_system_locks(label: str, tables: dict, system_locked: dict) -> tuple[dict, list[Problem]]:
    """The extra file's tables without entries that would change what the system file locks."""
    kept, problems = {}, []
    for table, values in tables.items():
        kept[table] = {name: value for name, value in values.items() if name not in system_locked}
        problems += [Problem(label, f"[{table}] {camel(name)} is locked by the system configuration "
                                    f"{SYSTEM_CONFIG_PATH}; another file cannot change it")
                     for name in values if name in system_locked]
    return kept, problems


def load_lab_policy(path: str | Path | None = None, environ: Mapping[str, str] | None = None,
                    system_path: Path | None = None) -> LabPolicy:
    """The policy from the system file, the extra file (if any) and the environment; problems are
    kept, not raised. ``system_path`` replaces the system file's location (tests only)."""
    environ = os.environ if environ is None else environ
    system = system_path or SYSTEM_CONFIG_PATH
    system_tables, problems = read_config_file(system) if system.exists() else ({}, [])
    system_locked = system_tables.get("locked", {})
    extra, extra_tables = user_config_path(path, environ), {}
    if extra is not None and not _same_file(extra, system):
        extra_tables, found = read_config_file(extra)
        extra_tables, refused = _within_system_locks(str(extra), extra_tables, system_locked)
        problems += found + refused
    from_env, env_problems = read_environment(environ)
    defaults = {**system_tables.get("defaults", {}), **extra_tables.get("defaults", {}), **from_env}
    locked = {**extra_tables.get("locked", {}), **system_locked}
    origins = {}  # a later source wins; the extra file holds nothing the system file locks
    for source, tables in (("system file", system_tables), ("file", extra_tables)):
        for values in tables.values():
            origins.update({name: source for name in values})
    origins.update({name: "environment" for name in from_env if name not in locked})
    read = [str(f) for f, t in ((system, system_tables), (extra, extra_tables)) if f is not None and t]
    return LabPolicy(defaults, locked, ", ".join(read), tuple(problems + env_problems), origins)


_CACHED: dict[tuple, LabPolicy] = {}


def _stamp(file: Path | None) -> tuple:
    try:
        return (str(file), file.stat().st_mtime_ns) if file else ()
    except OSError:
        return (str(file), None)


def lab_policy() -> LabPolicy:
    """The current process's policy, re-read when a file or the environment changes."""
    files = [SYSTEM_CONFIG_PATH, user_config_path()]
    key = (tuple(_stamp(file) for file in files),
           tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX))))
    if key not in _CACHED:
        _CACHED.clear()
        _CACHED[key] = load_lab_policy()
        if _CACHED[key].problems:
            log.warning("lab configuration problems: %s", "; ".join(map(str, _CACHED[key].problems)))
    return _CACHED[key]


# -- error-tutor config check ---------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    if user_config_path(args.file) is None and not SYSTEM_CONFIG_PATH.exists():
        print(f"No lab configuration at {SYSTEM_CONFIG_PATH} (set {CONFIG_ENV} or pass --file): "
              "students get the built-in defaults and the ERROR_TUTOR_* variables below.")
    policy = load_lab_policy(args.file)
    for problem in policy.problems:
        print(f"error: {problem}", file=sys.stderr)
    if policy.problems:
        raise TutorError(f"{len(policy.problems)} problem(s) in the lab configuration.",
                         "Fix the lines named above and run `error-tutor config check` again.")
    from_env = sum(1 for name in policy.defaults if policy.origins.get(name) == "environment")
    if policy.path:
        print(f"{policy.path}: OK ({len(policy.defaults) - from_env} default(s), {len(policy.locked)} locked)")
    if from_env:
        print(f"{from_env} default(s) from {ENV_PREFIX}* environment variables")
    rows = policy.describe()
    width = max(len(name) for name, _, _ in rows)
    print(f"\n{'setting':<{width}}  {'effective value':<34}  from")
    for name, value, origin in rows:
        print(f"{name:<{width}}  {value:<34}  {origin}")
    return 0


def register(subparsers) -> None:
    """Add ``config check`` to the ``error-tutor`` command."""
    config = subparsers.add_parser("config", help="the lab-wide configuration for instructors")
    commands = config.add_subparsers(dest="config_command", required=True)
    check = commands.add_parser("check", help="validate the lab's TOML file and print the effective settings",
                                description="Validate the lab configuration (unknown keys, invalid values, "
                                            "TOML syntax) and print every setting with where it comes from.")
    check.add_argument("--file", help=f"a TOML file read after the system file {SYSTEM_CONFIG_PATH} "
                                      f"(default: ${CONFIG_ENV})")
    check.set_defaults(func=run_check)
