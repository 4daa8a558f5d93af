"""The ``error-tutor data ...`` and ``error-tutor train`` subcommands.

    error-tutor data build --out runs/data                 # training data (see data.py)
    error-tutor data export-feedback --db F --out DIR       # students' ratings (feedback_export.py)
    error-tutor train --config finetune/error_tutor_finetune/configs/cpu-smollm2-135m.yaml

``register_data`` creates the ``data`` command group and keeps its subparsers object, so other
modules add their own ``data`` subcommands: either listed in ``DATA_COMMANDS`` (a
``module:function(data_subparsers)`` registrar, skipped when its module is absent) or, after
``register_data`` ran, with ``add_data_subcommand(name, help)``.
"""

from __future__ import annotations

import argparse
import importlib
import logging

from error_tutor_finetune.train_config import TrainConfig
from error_tutor_server.config_loader import add_config_flags, config_from_args


log = logging.getLogger("error_tutor.finetune")

# name -> "module:function(data_subparsers)" for data subcommands that live in other modules
DATA_COMMANDS = {"export-feedback": "error_tutor_finetune.feedback_export:register_feedback"}

_data_subparsers = None


def add_data_subcommand(name: str, help: str) -> argparse.ArgumentParser:
    """A new ``error-tutor data <name>`` parser (call after ``register_data``); set its ``func``."""
    if _data_subparsers is None:
        raise RuntimeError("register_data(subparsers) must run before add_data_subcommand")
    return _data_subparsers.add_parser(name, help=help, formatter_class=argparse.RawDescriptionHelpFormatter)


def _info_logging(args: argparse.Namespace) -> None:
    """Show progress logs (the main CLI's default level is WARNING)."""
    if not getattr(args, "verbose", False):
        logging.getLogger("error_tutor").setLevel(logging.INFO)


def run_build(args: argparse.Namespace) -> int:
    from error_tutor_finetune.data import DataConfig, build_dataset

    _info_logging(args)
    config = config_from_args(DataConfig, args)
    manifest = build_dataset(config)
    files = manifest["files"]
    print(f"{files['train']['rows']} train / {files['validation']['rows']} validation / {files['test']['rows']} test rows, "
          f"{files['preferences']['rows']} preference pairs, {manifest['stats']['rejected']} targets rejected "
          f"-> {config.out} (see dataset_card.md)")
    return 0


def register_build(data_subparsers) -> None:
    from error_tutor_finetune import data

    parser = data_subparsers.add_parser("build", help="build SFT and preference data from real and synthetic errors",
                                        description=data.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_flags(parser, data.DataConfig)
    parser.set_defaults(func=run_build)


def register_data(subparsers) -> None:
    """Add the ``data`` command group (``build``, and the registrars of ``DATA_COMMANDS``)."""
    global _data_subparsers
    parser = subparsers.add_parser("data", help="build training data (data build), export students' ratings")
    _data_subparsers = parser.add_subparsers(dest="data_command", required=True, metavar="{build,...}")
    register_build(_data_subparsers)
    for name, target in DATA_COMMANDS.items():
        module, function = target.split(":")
        try:
            getattr(importlib.import_module(module), function)(_data_subparsers)
        except (ImportError, AttributeError) as exc:
            log.debug("data subcommand %s unavailable: %s", name, exc)


def run_train(args: argparse.Namespace) -> int:
    from error_tutor_finetune.train import train

    _info_logging(args)
    config = config_from_args(TrainConfig, args)
    summary = train(config)
    print(f"adapter: {summary['adapter']}  ({summary['wall_seconds']:.0f} s, {summary['tokens_per_second']:.0f} tokens/s; "
          f"loss {summary['first_loss']:.3f} -> {summary['last_loss']:.3f}; summary in {config.out}/train_summary.json)")
    return 0


def register_train(subparsers) -> None:
    """Add ``train`` (LoRA SFT curriculum, optional DPO) to the ``error-tutor`` command."""
    from error_tutor_finetune import train

    parser = subparsers.add_parser("train", help="fine-tune a LoRA adapter (SFT, then optionally DPO)",
                                   description=train.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_flags(parser, TrainConfig)
    parser.set_defaults(func=run_train)


def main(argv: list[str] | None = None) -> int:
    """``python -m error_tutor_finetune.cli train ...`` (also what ``accelerate launch`` runs)."""
    from error_tutor_server.cli import run_standalone

    parser = argparse.ArgumentParser(prog="python -m error_tutor_finetune.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    register_data(sub)
    register_train(sub)
    return run_standalone(parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
