"""QLoRA beside plain LoRA on one CUDA GPU: training tokens/s and peak GPU memory (prints figures and ratios).

    .venv/bin/python benchmarks/bench_train_gpu.py --write-configs runs/base-configs        # here: config + tokenizer
    .venv/bin/python benchmarks/bench_train_gpu.py --bases runs/base-configs/smollm2-135m runs/base-configs/qwen2.5-coder-0.5b \
        --data runs/data-v5 --out runs/bench-train-gpu                                       # on the GPU machine
    .venv/bin/python benchmarks/bench_train_gpu.py --bases DIR --data DIR --steps 3 --batch-size 2   # smoke

A GPU machine may have no copy of the real weights (nothing can be fetched there, and a base is
hundreds of MB), so each base is **built from its own config.json and tokenizer with random weights**
(seeded): the same shapes, hence the same memory and speed as the real model, but none of its quality.
This checks and measures the training path, not what the adapter learns; the figures are labelled so.

Variants, each ``error-tutor train`` in its own process (peak memory is per process), on the same rows,
steps, batch and sequence length:

- ``lora-bf16``: the base in bf16, LoRA on every projection, no gradient checkpointing;
- ``lora-bf16-ckpt``: the same with gradient checkpointing;
- ``qlora-nf4``: the base quantized by bitsandbytes to 4-bit NF4 with double quantization, bf16 compute,
  gradient checkpointing (``finetune/error_tutor_finetune/configs/qlora-gpu.yaml``).

``--write-configs`` writes each catalog base's config.json and tokenizer, read from its GGUF, into a folder
(a few MB: what travels to the GPU machine).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("error_tutor.bench_train_gpu")

VARIANTS = {  # name: (qlora, gradient checkpointing)
    "lora-bf16": (False, "off"),
    "lora-bf16-ckpt": (False, "on"),
    "qlora-nf4": (True, "on"),
}


def write_configs(folder: Path, names: list[str]) -> None:
    """Each catalog base's config.json and tokenizer, read from its GGUF (no weights)."""
    from transformers import AutoConfig, AutoTokenizer

    from error_tutor_server.catalog import base_path

    for name in names:
        gguf = Path(base_path(name))
        out = folder / name
        out.mkdir(parents=True, exist_ok=True)
        AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True).save_pretrained(out)
        AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True).save_pretrained(out)
        print(f"{name}: {out}")


def random_base(config_dir: Path, out: Path, seed: int) -> Path:
    """A Hugging Face folder with the config's shapes and random weights (bf16), plus the tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder = out / f"{config_dir.name}-random-weights"
    if (folder / "config.json").is_file():
        return folder
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(config_dir), dtype=torch.bfloat16)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(config_dir).save_pretrained(folder)
    (folder / "RANDOM_WEIGHTS.txt").write_text(f"Random weights (seed {seed}) with the shapes of {config_dir}.\n")
    log.info("%s: %.1fM parameters, random", folder.name, sum(p.numel() for p in model.parameters()) / 1e6)
    return folder


def train_variant(base: Path, variant: str, args) -> dict:
    """One ``error-tutor train`` run; its train_summary.json."""
    qlora, checkpointing = VARIANTS[variant]
    run = args.out / f"{base.name}-{variant}"
    command = [sys.executable, "-m", "error_tutor_finetune.cli", "train", "--data", str(args.data), "--out", str(run),
               "--base-model", str(base), "--device", "cuda", "--qlora" if qlora else "--no-qlora",
               "--gradient-checkpointing", checkpointing, "--max-steps", str(args.steps),
               "--batch-size", str(args.batch_size), "--grad-accum", "1", "--max-length", str(args.max_length),
               "--max-examples", str(args.steps * args.batch_size), "--no-curriculum", "--no-dpo",
               "--no-evaluate", "--no-resume", "--validation-examples", "0", "--logging-steps", "5",
               "--save-steps", "100000", "--lora-r", "32", "--lora-alpha", "64"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:], "wall_seconds": 0.0}
    summary = json.loads((run / "train_summary.json").read_text())
    summary["process_seconds"] = time.perf_counter() - started
    return summary


def table(results: dict[tuple[str, str], dict]) -> str:
    lines = ["| base (random weights) | variant | tokens/s | peak GPU memory | first → last loss | tokens/s vs lora-bf16 "
             "| memory vs lora-bf16 |", "|---|---|---:|---:|---|---:|---:|"]
    for (base, variant), s in results.items():
        if "error" in s:
            lines.append(f"| {base} | {variant} | failed: {s['error']} | | | | |")
            continue
        ref = results.get((base, "lora-bf16"), {})
        speed = s["tokens_per_second"] / ref["tokens_per_second"] if ref.get("tokens_per_second") else float("nan")
        memory = s["peak_memory_mb"] / ref["peak_memory_mb"] if ref.get("peak_memory_mb") else float("nan")
        lines.append(f"| {base} | {variant} | {s['tokens_per_second']:,.0f} | {s['peak_memory_mb']:,.0f} MiB "
                     f"| {s['first_loss']:.2f} → {s['last_loss']:.2f} | {speed:.2f}× | {memory:.2f}× |")
    return "\n".join(lines)


def environment() -> str:
    import torch

    try:
        from importlib.metadata import version

        bnb = version("bitsandbytes")
    except Exception:  # noqa: BLE001 - reported, not needed
        bnb = "missing"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA GPU"
    return f"{gpu}; torch {torch.__version__}; bitsandbytes {bnb}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-configs", type=Path, metavar="DIR",
                        help="write each catalog base's config.json + tokenizer into DIR and stop")
    parser.add_argument("--catalog-bases", nargs="+", default=["smollm2-135m", "qwen2.5-coder-0.5b"],
                        help="the catalog bases --write-configs reads (default: both)")
    parser.add_argument("--bases", nargs="+", type=Path, default=[],
                        help="folders holding a base's config.json and tokenizer (made by --write-configs)")
    parser.add_argument("--data", type=Path, default=Path("runs/data"), help="a folder made by `error-tutor data build`")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-train-gpu"), help="runs and random bases go here")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), help="what to run")
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per run")
    parser.add_argument("--batch-size", type=int, default=16, help="rows per step")
    parser.add_argument("--max-length", type=int, default=768, help="longest row in tokens (longer rows are dropped)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args = parse_args(argv)
    if args.write_configs:
        write_configs(args.write_configs, args.catalog_bases)
        return 0
    if not args.bases:
        print("Pass --bases (folders made by --write-configs), or --write-configs DIR first.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    print(environment())
    results = {}
    for config_dir in args.bases:
        base = random_base(config_dir, args.out, args.seed)
        for variant in args.variants:
            results[(config_dir.name, variant)] = summary = train_variant(base, variant, args)
            print(f"{config_dir.name} {variant}: " + json.dumps({k: summary.get(k) for k in
                  ("tokens_per_second", "peak_memory_mb", "train_seconds", "process_seconds", "error")}), flush=True)
    print(f"\n{args.steps} steps × batch {args.batch_size}, rows ≤ {args.max_length} tokens, LoRA r 32 on every "
          "projection; bases with RANDOM weights (real shapes)\n")
    print(table(results))
    (args.out / "results.json").write_text(json.dumps({f"{b} {v}": s for (b, v), s in results.items()}, indent=1,
                                                      default=str))
    return 0 if all("error" not in s for s in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
