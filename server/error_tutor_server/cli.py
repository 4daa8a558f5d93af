"""The ``error-tutor`` command.

    error-tutor explain prog.c [--format json] [--no-model] [--model PATH]
    error-tutor serve            # language server on stdio (what editors start)
    error-tutor serve --tcp --port 2087

Other subcommands (``data``, ``train``, ``eval``, ``export``, ``config``) are added by the
maintainers' packages when they are installed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from error_tutor_server import __version__
from error_tutor_server.analysis import analyse
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.catalog import DEFAULT_MODEL, MODELS
from error_tutor_server.errors import TutorError
from error_tutor_server.case import Explanation
from error_tutor_server.render import cascade_root, render_markdown, render_text
from error_tutor_server.lab_config import lab_policy
from error_tutor_server.languages import LANGUAGES, language_for_path, listed
from error_tutor_server.paths import offline_environment
from error_tutor_server.settings import C_COMPILERS, HINT_LEVELS, LOCALES, TutorSettings
from error_tutor_server.tutor import Tutor

log = logging.getLogger("error_tutor")

# name -> "module:function(parser) that registers the subcommand"
EXTRA_COMMANDS = {
    "data": "error_tutor_finetune.cli:register_data",
    "train": "error_tutor_finetune.cli:register_train",
    "eval": "error_tutor_finetune.evaluate:register",
    "export": "error_tutor_export.cli:register",
    "config": "error_tutor_server.lab_config:register",
    "lab-server": "error_tutor_server.lab_server:register",
}


def read_program(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TutorError(f"Cannot read '{path}' ({exc.strerror}).", "Check the path and its permissions.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TutorError(f"'{path}' is not UTF-8 text (byte {exc.start}).",
                         "Save it as UTF-8, or check that it is a source file.") from None


@dataclass(frozen=True)
class FileReport:
    """One file's diagnostics, each with its explanation (None in exam mode) and the earlier error
    it probably follows from; rendered as JSON or as text at the edge."""

    path: Path
    language: str
    program: str
    items: list[tuple[CompilerDiagnostic, Explanation | None, CompilerDiagnostic | None]]


def explain_file(path: Path, language: str | None, settings: TutorSettings, tutor: Tutor) -> FileReport:
    language = language or language_for_path(str(path))
    if language not in LANGUAGES:
        raise TutorError(f"Cannot tell the language of '{path}'.", f"Pass --language {'|'.join(LANGUAGES)}.")
    text = read_program(path)
    analysis = asyncio.run(analyse(language, text, settings, filename=path.name,
                                   include_dir=str(path.resolve().parent)))
    if analysis.notice:
        print(analysis.notice, file=sys.stderr)
    diagnostics = analysis.diagnostics
    items = [(diagnostic, None if settings.exam_mode else tutor.explain(tutor.case(diagnostic, text)),
              cascade_root(diagnostics, index)) for index, diagnostic in enumerate(diagnostics)]
    return FileReport(path, language, text, items)


def report_json(report: FileReport, locale: str) -> dict:
    """The CLI's JSON contract for one file (see the README)."""
    def explained(diagnostic, explanation, root) -> dict:
        return {"text": explanation.text(), "source": explanation.source, "category": explanation.category,
                "line": explanation.line, "follows_from_line": root.line if root else None,
                "markdown": render_markdown(explanation, diagnostic, report.program, locale, root, panel=True)}
    return {"file": str(report.path), "language": report.language, "diagnostics": [
        {"line": d.line, "column": d.column, "end_line": d.end_line, "end_column": d.end_column,
         "severity": d.severity, "message": d.message,
         "explanation": None if explanation is None else explained(d, explanation, root)}
        for d, explanation, root in report.items]}


def print_text(report: FileReport, locale: str, verbose: bool = False) -> None:
    print(f"== {report.path} ({report.language}): {len(report.items) or 'no'} diagnostics")
    for diagnostic, explanation, root in report.items:
        print(f"\n{report.path}:{diagnostic.line}:{diagnostic.column}: {diagnostic.severity}: {diagnostic.message}")
        if explanation is not None:
            print("  " + render_text(explanation, report.program, locale, root, verbose).replace("\n", "\n  "))
    print()


def explain_settings(args: argparse.Namespace) -> TutorSettings:
    """The command line's choices laid over the lab's defaults, under its locks (as in the editor)."""
    named = args.model in MODELS
    chosen = {"hint_level": args.hint_level, "locale": args.locale, "model": args.model if named else None,
              "model_path": None if named else args.model,
              "adapter_path": args.adapter, "threads": args.threads, "c_compiler": args.c_compiler,
              "backend": "none" if args.no_model else None}
    settings, warnings = lab_policy().apply({k: v for k, v in chosen.items() if v is not None})
    for warning in warnings:
        print(f"error-tutor: {warning}", file=sys.stderr)
    return settings


def run_explain(args: argparse.Namespace) -> int:
    settings = explain_settings(args)
    tutor = Tutor.from_settings(settings, disk_cache=not args.no_cache)
    reports = [explain_file(Path(f), args.language, settings, tutor) for f in args.files]
    if args.format == "json":
        documents = [report_json(report, tutor.locale) for report in reports]
        print(json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print_text(report, tutor.locale, args.verbose)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from error_tutor_server.lsp import serve

    serve(tcp=args.tcp, host=args.host, port=args.port, token_file=args.token_file)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="error-tutor", description="Explain compiler errors to people learning to program.")
    parser.add_argument("--version", action="version", version=f"error-tutor {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    explain = sub.add_parser("explain", help="compile files with the real compiler and explain each diagnostic")
    source_files = listed([language.display_name for language in LANGUAGES.values()], "or") + " source files"
    explain.add_argument("files", nargs="+", help=source_files)
    explain.add_argument("--language", choices=tuple(LANGUAGES), help="override the language guessed from the extension")
    explain.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    explain.add_argument("--no-model", action="store_true", help="rule-based explanations only")
    explain.add_argument("--model", help="a model by name (" + ", ".join(MODELS) + "; default: the `model` setting's, "
                         f"{DEFAULT_MODEL}) or a GGUF model file")
    explain.add_argument("--adapter", help="a GGUF LoRA adapter applied over the model")
    explain.add_argument("--hint-level", choices=HINT_LEVELS, help="explain | hint (default) | fix; "
                         "an instructor's lock wins")
    explain.add_argument("--locale", choices=LOCALES, help="language of the explanations (default: English)")
    explain.add_argument("--threads", type=int, help="model threads (default 0: adapt to the machine's load)")
    explain.add_argument("--c-compiler", choices=C_COMPILERS, help="C compiler (default gcc)")
    explain.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk explanation cache")
    explain.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="say why each explanation is the one shown (the checker's reasons when the model's "
                              "text was rejected), and log debug details")
    explain.set_defaults(func=run_explain)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted because many clients pass it)")
    serve.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    serve.add_argument("--host", default="127.0.0.1", help="TCP address (default loopback only; "
                       "any other needs --token-file)")
    serve.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    serve.add_argument("--token-file", help="a file holding the token every TCP client must send as "
                       "initializationOptions.token (default: a fresh one in <cache dir>/tcp-token)")
    serve.set_defaults(func=run_serve)

    for name, target in EXTRA_COMMANDS.items():
        module, function = target.split(":")
        try:
            getattr(importlib.import_module(module), function)(sub)
        except ImportError as exc:
            log.debug("subcommand %s unavailable: %s", name, exc)
    return parser


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    return run_command(args)


def run_standalone(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """A maintainer's script run on its own (``python -m ...``): offline, progress logged to stderr,
    a ``TutorError`` reported in one line."""
    offline_environment()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed subcommand: a ``TutorError`` becomes one line on stderr and exit status 2."""
    try:
        return args.func(args)
    except TutorError as exc:
        print(f"error-tutor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
