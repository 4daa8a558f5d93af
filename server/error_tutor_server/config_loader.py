"""One loader for the maintainers' config dataclasses (train, eval, export, data build).

Precedence: the dataclass defaults, then a YAML file (``--config``), then the flags given on the
command line -- the shape of TRL's ``TrlParser`` / transformers' ``HfArgumentParser``. Every field
is a flag (``lora_r`` -> ``--lora-r``) whose ``--help`` is the field's ``metadata["help"]`` followed
by its default, so the dataclass is the one source of truth for both. Field metadata:

* ``help``: the help text (required: a field without one is a bug, reported at start-up);
* ``aliases``: more option strings, e.g. ``["--corpus"]`` beside ``--corpora``;
* ``metavar``, ``choices``: as in argparse (``choices`` is also checked for YAML values);
* ``positional``: the field is a positional argument; ``required``: the flag must be given;
* ``split`` (lists, default true): ``--x a,b`` gives ``["a", "b"]``; false: each value is kept
  whole and the flag is repeated (``--corpus A --corpus B``), for paths and URLs.

Types: ``bool`` (``--x`` / ``--no-x``; YAML ``true``/``false``), ``int``, ``float``, ``str``,
``list[str]`` and ``dict[str, float]`` (YAML: a mapping merged over the default; flag:
``--x K=V,K=V``). Unknown YAML keys and values of the wrong type are a ``TutorError`` that says
which option, where, and how to fix it.

Used by ``error_tutor_finetune`` and ``error_tutor_export``, which both depend on this package.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import typing
from pathlib import Path
from typing import Any

from error_tutor_server.errors import TutorError

SCALARS = (bool, int, float, str)


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def field_types(cls) -> dict[str, Any]:
    """Each field's resolved annotation (``from __future__ import annotations`` makes them strings)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def default_of(f: dataclasses.Field) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None if f.default is dataclasses.MISSING else f.default


def type_label(kind: Any) -> str:
    """What a value of this type is, for error messages: 'a whole number', 'true or false'..."""
    origin = typing.get_origin(kind)
    if origin is list:
        return "a list of strings"
    if origin is dict:
        return "a mapping of names to numbers"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text"}.get(kind, str(kind))


# ---- values: YAML and flags alike -----------------------------------------------------------------

def _scalar(kind: type, value: Any) -> Any:
    """``value`` as a bool, int, float or str; a bare ``ValueError`` when it is not one."""
    if kind is str and isinstance(value, bool):  # YAML reads a bare on/off as a boolean
        return "on" if value else "off"
    if isinstance(value, bool) != (kind is bool) or value is None or isinstance(value, (list, dict)):
        raise ValueError
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ValueError
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError from None


def _items(value: Any, split: bool) -> list[str]:
    if isinstance(value, str):
        value = value.split(",") if split else [value]
    if not isinstance(value, (list, tuple)) or any(isinstance(x, (list, dict)) for x in value):
        raise ValueError
    return [str(x).strip() for x in value if str(x).strip()]


def _mapping(value: Any, current: dict | None) -> dict:
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError
        value = {k.strip(): v.strip() for k, v in pairs}
    if not isinstance(value, dict):
        raise ValueError
    return {**(current or {}), **{str(k): _scalar(float, v) for k, v in value.items()}}


def convert(f: dataclasses.Field, kind: Any, value: Any, current: Any = None) -> Any:
    """``value`` as the field's type (``ValueError`` when it is not one); mappings merge over ``current``."""
    origin = typing.get_origin(kind)
    if origin is list:
        result = _items(value, f.metadata.get("split", True))
    elif origin is dict:
        result = _mapping(value, current)
    elif kind in SCALARS:
        result = _scalar(kind, value)
    else:
        raise TypeError(f"config field {f.name} has an unsupported type {kind}")
    choices = f.metadata.get("choices")
    values = result if isinstance(result, list) else [result]
    if choices and any(v not in choices for v in values):
        raise ValueError(f"one of {', '.join(map(str, choices))}")
    return result


def checked(f: dataclasses.Field, kind: Any, value: Any, source: str, current: Any = None) -> Any:
    try:
        return convert(f, kind, value, current)
    except ValueError as exc:
        expected = str(exc) or type_label(kind)
        raise TutorError(f"Option '{f.name}' in {source} is {value!r}, which is not {expected}.",
                         f"Write {f.name} as {expected} (see --help; default: {default_of(f)!r}).") from None


# ---- the YAML file -----------------------------------------------------------------------------

def read_yaml(path: str | Path) -> dict:
    """The file's mapping of options ({} for an empty file)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise TutorError(f"Cannot read the config file '{path}' ({exc.strerror}).", "Check the path given to --config.") from None
    except yaml.YAMLError as exc:
        raise TutorError(f"The config file '{path}' is not valid YAML ({str(exc).splitlines()[0]}).",
                         "Fix its syntax (key: value, one a line).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TutorError(f"The config file '{path}' is not a mapping of options.", "Write one `option: value` a line.")
    return data


def unknown_option(key: str, known: list[str], path: str | Path) -> TutorError:
    close = difflib.get_close_matches(key, known, n=1)
    change = f"rename '{key}' to '{close[0]}' or remove it" if close else f"correct or remove '{key}'"
    return TutorError(f"Unknown option '{key}' in {path}.",
                      f"Unknown keys are never ignored (a typo would silently keep the default): {change} "
                      f"(options: {', '.join(known)}).")


# ---- defaults < YAML < flags -------------------------------------------------------------------

def load_config(cls, yaml_path: str | Path | None = None, overrides: dict | None = None):
    """An instance of ``cls``: its defaults, then the YAML file's values, then ``overrides``
    (``None`` values are ignored: a flag that was not given)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kinds = field_types(cls)
    values = {name: default_of(f) for name, f in fields.items()}
    for key, value in (read_yaml(yaml_path) if yaml_path else {}).items():
        name = str(key).replace("-", "_")
        if name not in fields:
            raise unknown_option(str(key), sorted(fields), yaml_path)
        values[name] = checked(fields[name], kinds[name], value, str(yaml_path), values[name])
    for name, value in (overrides or {}).items():
        if name in fields and value is not None:
            values[name] = checked(fields[name], kinds[name], value, "the command line", values[name])
    return cls(**values)


def config_from_args(cls, args: argparse.Namespace):
    """``cls`` from parsed arguments: ``args.config`` is the YAML file, the fields' flags override it."""
    names = {f.name for f in dataclasses.fields(cls)}
    return load_config(cls, getattr(args, "config", None), {k: v for k, v in vars(args).items() if k in names})


# ---- the flags ---------------------------------------------------------------------------------

def help_text(f: dataclasses.Field) -> str:
    text = f.metadata.get("help", "")
    if not text:
        raise TypeError(f"config field {f.name} has no help text (metadata={{'help': ...}})")
    if f.metadata.get("positional"):
        return text.replace("%", "%%")
    if f.metadata.get("required"):
        return f"{text} (required)".replace("%", "%%")
    return f"{text} (default: {default_of(f)!r})".replace("%", "%%")


def flag_type(f: dataclasses.Field, kind: Any):
    """argparse's ``type``: the value converted, or argparse's own one-line usage error."""
    def parse(text: str):
        try:
            return convert(f, kind, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r} is not {str(exc) or type_label(kind)}") from None
    parse.__name__ = type_label(kind)
    return parse


def flag_options(f: dataclasses.Field, kind: Any) -> dict:
    """``add_argument`` keywords for one field (default None: only given flags override the YAML)."""
    options: dict[str, Any] = {"help": help_text(f)}
    if f.metadata.get("metavar"):
        options["metavar"] = f.metadata["metavar"]
    if kind is bool:
        return {**options, "action": argparse.BooleanOptionalAction, "default": None}
    if typing.get_origin(kind) is list and not f.metadata.get("split", True):
        return {**options, "action": "append", "default": None, "choices": f.metadata.get("choices")}
    options["type"] = flag_type(f, kind)
    if typing.get_origin(kind) is list:
        options.setdefault("metavar", "A,B")
    elif typing.get_origin(kind) is dict:
        options.setdefault("metavar", "K=V,K=V")
    elif f.metadata.get("choices"):
        options["choices"] = f.metadata["choices"]
    if f.metadata.get("positional"):
        return options
    return {**options, "default": None, "required": bool(f.metadata.get("required"))}


def add_config_flags(parser: argparse.ArgumentParser, cls, yaml_help: str = "") -> None:
    """``--config YAML`` and one argument per field of ``cls``."""
    parser.add_argument("--config", metavar="YAML",
                        help=yaml_help or "a YAML file setting any of the options below (flags override it)")
    kinds = field_types(cls)
    for f in dataclasses.fields(cls):
        options = flag_options(f, kinds[f.name])
        if f.metadata.get("positional"):
            parser.add_argument(f.name, **options)
        else:
            parser.add_argument(flag_name(f.name), *f.metadata.get("aliases", ()), dest=f.name, **options)
