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

from error_tutor_export.config import ExportConfig, load_config
from error_tutor_export.quantize import ADAPTER_TYPES, QUANT_TYPES

log = logging.getLogger("error_tutor.export")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="export a trained LoRA adapter to GGUF (merged and quantized, or adapter-only)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("adapter_dir", help="the adapter folder written by `error-tutor train` (adapter_config.json)")
    parser.add_argument("--out", required=True, help="the GGUF file to write (written as OUT.tmp, renamed when verified)")
    parser.add_argument("--quant", default=None,
                        help=f"merged: {', '.join(QUANT_TYPES)} (default Q4_K_M; Q4_1 is the shipped model's type); "
                             f"adapter-only: {', '.join(ADAPTER_TYPES)} (default F16)")
    parser.add_argument("--base", default=None,
                        help="base GGUF file or Hugging Face model folder (default: the adapter's base_model.json)")
    parser.add_argument("--adapter-only", action="store_true", default=None,
                        help="write a GGUF LoRA adapter for the unchanged base instead of a merged model")
    parser.add_argument("--no-verify", dest="verify", action="store_false", default=None,
                        help="skip the read-back checks (parity, tokenizer, quantization drift)")
    parser.add_argument("--config", default=None, help="YAML export config (see error_tutor_export/export.yaml)")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (0 = adapt to the machine's load)")
    parser.add_argument("--prompts", type=int, default=None, help="verification prompts (default 8)")
    parser.add_argument("--tokenizer-texts", type=int, default=None, help="texts for the tokenizer round trip (default 200)")
    parser.add_argument("--keep-work", action="store_true", default=None, help="keep the intermediate files (debugging)")
    parser.add_argument("--report", default=None, help="also write the verification figures to this JSON file")
    parser.set_defaults(func=run_export)


def config_from_args(args: argparse.Namespace) -> ExportConfig:
    config = load_config(args.config)
    return config.with_overrides(adapter_dir=args.adapter_dir, out=args.out, quant=args.quant, base=args.base,
                                 adapter_only=args.adapter_only, verify=args.verify, threads=args.threads,
                                 prompts=args.prompts, tokenizer_texts=args.tokenizer_texts, keep_work=args.keep_work)


def run_export(args: argparse.Namespace) -> int:
    from error_tutor_export.pipeline import export

    result = export(config_from_args(args))
    summary = {"path": str(result.path), "quant": result.quant, "adapter_only": result.adapter_only,
               "bytes": result.bytes, "seconds": round(result.seconds, 1), "verification": result.report,
               "metadata": result.metadata}
    if args.report:
        Path(args.report).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0
