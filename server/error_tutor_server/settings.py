"""One typed, fully defaulted settings object.

Clients send camelCase keys (``errorTutor.hintLevel`` in VS Code, ``hintLevel`` in
``initializationOptions``); Python uses snake_case. Every field has a default; an invalid
value produces a warning and falls back to the default, never an exception. The VS Code
extension's ``package.json`` mirrors these fields one for one (a test checks it).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from dataclasses import dataclass

from error_tutor_server.catalog import DEFAULT_MODEL, MODELS
from error_tutor_server.languages import LANGUAGES, listed

HINT_LEVELS = ("explain", "hint", "fix")
C_COMPILERS = ("gcc", "clang", "auto")
BACKENDS = ("local", "remote", "none")
LOCALES = ("auto", "en", "ja")
# An untuned small model's text, even when it passes the checks, was wrong in most of an audit of shown
# texts: by default only a model trained on our explanations is shown (maintainers measure others with "any").
MODEL_TEXT = ("fine-tuned", "any")
ANALYSIS_DEPTHS = ("syntax", "standard", "deep")  # see analysis.py


@dataclass(frozen=True)
class TutorSettings:
    """Everything a student, an instructor or a lab can set."""

    enabled_languages: tuple[str, ...] = tuple(LANGUAGES)
    c_compiler: str = "gcc"  # gcc | clang | auto (clang when installed, else gcc)
    c_flags: tuple[str, ...] = ("-std=gnu11", "-Wall")
    python_command: str = "python3"
    javac_command: str = "javac"
    compile_timeout_s: float = 10.0
    # on open and save: syntax (the compile check only) | standard (C compiled with optimisation and curated
    # warnings, and linked; pyflakes; javac -Xlint) | deep (standard, and gcc's -fanalyzer)
    analysis: str = "standard"
    hint_level: str = "hint"  # explain | hint | fix
    exam_mode: bool = False  # no explanations at all, only the compiler's diagnostics
    locale: str = "auto"  # auto (from the client) | en | ja
    backend: str = "local"  # local llama.cpp | remote OpenAI-compatible server | none (rules only)
    model: str = DEFAULT_MODEL  # a name from catalog.MODELS: a fine-tuned model, or an untuned base
    model_path: str = ""  # a GGUF file instead of `model` (maintainers); empty = the `model` setting's
    adapter_path: str = ""  # a GGUF LoRA adapter over model_path (or over `model`'s base instead of its own)
    remote_url: str = ""  # e.g. http://lab-server:8000/v1
    remote_model: str = ""  # a fine-tuned catalog name marks it fine-tuned when the server does not say
    remote_api_key_env: str = "ERROR_TUTOR_API_KEY"  # name of the env var holding the bearer token
    threads: int = 0  # 0 = adapt to the machine's load
    gpu_layers: int = 0
    max_tokens: int = 160
    model_text: str = "fine-tuned"  # fine-tuned: show only a fine-tuned model's text | any: also an untuned model's
    hover_budget_ms: int = 250  # past this a hover shows the rule-based text
    debounce_ms: int = 350
    cache_dir: str = ""  # empty = ~/.cache/error-tutor
    feedback: bool = False  # opt-in: store ratings with the case (no identity) for retraining
    feedback_path: str = ""  # SQLite file; empty = <cacheDir>/feedback.sqlite3

    def replace(self, **changes: Any) -> "TutorSettings":
        return dataclasses.replace(self, **changes)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


CHOICES = {
    "model": tuple(MODELS),
    "model_text": MODEL_TEXT,
    "hint_level": HINT_LEVELS,
    "c_compiler": C_COMPILERS,
    "backend": BACKENDS,
    "locale": LOCALES,
    "analysis": ANALYSIS_DEPTHS,
}
MINIMUMS = {"compile_timeout_s": 0.5, "threads": 0, "gpu_layers": -1, "max_tokens": 16,
            "hover_budget_ms": 0, "debounce_ms": 0}


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Convert one raw value to the field's type or raise ValueError."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ValueError("expected true or false")
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("expected a number")
        number = type(default)(float(value)) if isinstance(default, int) else float(value)
        if number < MINIMUMS.get(name, float("-inf")):
            raise ValueError(f"must be at least {MINIMUMS[name]}")
        return number
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        if name == "enabled_languages" and not set(value) <= set(LANGUAGES):
            raise ValueError(f"languages are {listed(list(LANGUAGES), 'and')}")
        return tuple(value)
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError("expected one of " + ", ".join(CHOICES[name]))
    return value


# -- settings are data, never commands ---------------------------------------------------------
# A C flag passes only if it cannot run a program or read a file: warnings (no comma, so not
# -Wl, -Wa, -Wp, which hand options on), -std=, -O, -D/-U without spaces (a space or newline in
# -D would let it write a directive), and -I with a folder inside the project (relative, no "..").
SAFE_C_FLAG = re.compile(r"""
    -W(?:no-)?[A-Za-z0-9][A-Za-z0-9+_-]*(?:=[A-Za-z0-9+_-]+)?
  | -w | -pedantic | -pedantic-errors | -ansi
  | -std=[A-Za-z0-9+]+
  | -O[0-3sgz]?
  | -[DU][A-Za-z_][A-Za-z0-9_]*(?:=\S*)?
  | -I(?!/)(?!(?:.*/)?\.\.(?:/|$))[^\s\\]+
""", re.VERBOSE)
SAFE_C_FLAGS_HELP = ("only warnings (-W...), -std=, -O, -D/-U and -I with a folder inside your project are "
                     "allowed; flags that run programs or read other files are not")
# What an editor's settings (which a workspace's own settings file can supply) may name as a
# compiler: a plain name found on PATH. A full path or another program only from the
# instructor's file, the ERROR_TUTOR_* environment or the server's own command line.
CLIENT_COMMANDS = {"python_command": re.compile(r"python3?(\.\d{1,2})?|pypy3?"),
                   "javac_command": re.compile(r"javac")}
# Settings that name a program, compiler flags, a file or a URL: a VS Code workspace that is not
# trusted cannot set them (the extension's capabilities.untrustedWorkspaces.restrictedConfigurations).
RESTRICTED_IN_UNTRUSTED_WORKSPACES = ("c_compiler", "c_flags", "python_command", "javac_command", "model_path",
                                      "adapter_path", "remote_url", "remote_model", "remote_api_key_env",
                                      "cache_dir", "feedback_path")
TRUSTED_ONLY = {"remote_api_key_env": "it names an environment variable whose value is sent to the lab server"}


def unsafe_c_flags(flags: tuple[str, ...]) -> list[str]:
    return [flag for flag in flags if not SAFE_C_FLAG.fullmatch(flag)]


def untrusted_setting_problem(name: str, value) -> str:
    """Why an editor (an untrusted source) may not set ``name`` to ``value``; "" when it may."""
    if name in TRUSTED_ONLY:
        return (f"'{camel(name)}' can only be set in the instructor's configuration file or the server's "
                f"environment ({TRUSTED_ONLY[name]})")
    if name in CLIENT_COMMANDS and isinstance(value, str) and not CLIENT_COMMANDS[name].fullmatch(value):
        return (f"'{camel(name)}' = {value!r} was refused: an editor may only name a compiler found on PATH "
                f"(like {'python3' if name == 'python_command' else 'javac'}); a full path or another program "
                f"can only come from the instructor's configuration file or the ERROR_TUTOR_{name.upper()} variable")
    return ""


def _safe_flags(flags: tuple[str, ...], warnings: list[str]) -> tuple[str, ...]:
    """The flags that pass; a warning names the others (the rest of the setting still applies)."""
    refused = unsafe_c_flags(flags)
    if refused:
        warnings.append(f"Setting 'cFlags': {', '.join(repr(f) for f in refused)} refused ({SAFE_C_FLAGS_HELP}).")
    return tuple(flag for flag in flags if flag not in refused)


def unwrap_section(raw):
    """The ``errorTutor`` section of a client's payload, or the payload itself."""
    if isinstance(raw, dict) and isinstance(raw.get("errorTutor"), dict):
        return raw["errorTutor"]
    return raw


def parse_settings(raw: dict | None, base: TutorSettings | None = None) -> tuple[TutorSettings, list[str]]:
    """Merge ``raw`` (camelCase or snake_case keys) over ``base``; return settings and warnings."""
    base = base or TutorSettings()
    if raw is None:
        return base, []
    if not isinstance(raw, dict):
        return base, [f"Error Tutor settings must be an object, got {type(raw).__name__}; using defaults."]
    raw = unwrap_section(raw)
    defaults = TutorSettings()
    known = {f.name for f in dataclasses.fields(TutorSettings)}
    changes, warnings = {}, []
    for key, value in raw.items():
        name = snake(key)
        if name not in known:
            warnings.append(f"Unknown Error Tutor setting '{key}' was ignored.")
            continue
        try:
            parsed = _coerce(name, value, getattr(defaults, name))
            changes[name] = _safe_flags(parsed, warnings) if name == "c_flags" else parsed
        except (ValueError, TypeError) as exc:
            warnings.append(f"Setting '{camel(name)}' = {value!r} is invalid ({exc}); "
                            f"using {camel(name)} = {getattr(defaults, name)!r}.")
            changes[name] = getattr(defaults, name)
    return dataclasses.replace(base, **changes), warnings


def settings_schema() -> dict[str, Any]:
    """camelCase name -> default, for mirroring in the editor extension."""
    return {camel(f.name): (list(f.default) if isinstance(f.default, tuple) else f.default)
            for f in dataclasses.fields(TutorSettings)}
