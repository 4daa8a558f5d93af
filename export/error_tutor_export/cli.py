"""``error-tutor export``: a trained LoRA adapter to a verified GGUF for llama.cpp.

    # merged into the base and quantized (what `modelPath` takes)
    error-tutor export runs/lora --out tutor.Q4_K_M.gguf --quant Q4_K_M
    # the adapter alone, applied over the unchanged base GGUF (what `adapterPath` takes)
    error-tutor export runs/lora --out tutor-lora.gguf --adapter-only
    # tiny smoke run: F16, fewer verification prompts
    error-tutor export runs/lora --out /tmp/smoke.gguf --quant F16 --prompts 2 --tokenizer-texts 20

The base defaults to the one recorded in the adapter folder (``base_model.json``); llama.cpp's
converters must have been fetched by ``make setup``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from error_tutor_export.config import ExportConfig
from error_tutor_server.config_loader import add_config_flags, config_from_args

log = logging.getLogger("error_tutor.export")


def register(subparsers) -> None:
    """Add ``export`` to the ``error-tutor`` command: one argument per ``ExportConfig`` field, and ``--report``."""
    parser = subparsers.add_parser(
        "export", help="export a trained LoRA adapter to GGUF (merged and quantized, or adapter-only)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_flags(parser, ExportConfig, "a YAML export config setting any of the options below "
                                           "(see error_tutor_export/export.yaml; flags override it)")
    parser.add_argument("--report", default=None, help="also write the verification figures to this JSON file")
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from error_tutor_export.pipeline import export

    result = export(config_from_args(ExportConfig, args))
    summary = {"path": str(result.path), "quant": result.quant, "adapter_only": result.adapter_only,
               "bytes": result.bytes, "seconds": round(result.seconds, 1), "verification": result.report,
               "metadata": result.metadata}
    if args.report:
        Path(args.report).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0
