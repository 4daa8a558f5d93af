"""The server's model with its layers offloaded to a CUDA GPU (``gpuLayers``) beside the CPU (prints figures).

    .venv/bin/python benchmarks/bench_gpu_layers.py --model BASE.gguf --adapter server/error_tutor_server/models/error-tutor-smollm2-135m.lora.gguf \
        --prompts runs/data-v5/validation.jsonl --gpu-layers 0 -1               # a llama-cpp-python built with -DGGML_CUDA=on
    .venv/bin/python benchmarks/bench_gpu_layers.py --model BASE.gguf --prompts P.jsonl --cases 1 --max-tokens 8   # smoke

Each setting loads ``error_tutor_server.model.LocalModel`` as the server does (``gpu_layers``: 0 = CPU only,
-1 = every layer) and answers the same prompts greedily: the server's real prompts, the ``messages`` of
rows made by ``error-tutor data build`` without their answer. A GPU machine may hold no real base (nothing
can be fetched there), so the model may be one written from the base's config with random weights: the
speed is the real shape's, the text is noise and runs to ``--max-tokens``. Prints load seconds, seconds per
answer, tokens/s, and the ratio to the first setting.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from error_tutor_server.model import LocalModel


def prompts(path: Path, count: int) -> list[list[dict]]:
    """The first ``count`` rows' messages, up to (not including) the answer."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:count]]
    return [[m for m in row["messages"] if m["role"] != "assistant"] for row in rows]


def measure(args, gpu_layers: int, asked: list[list[dict]]) -> dict:
    model = LocalModel(model_path=str(args.model), adapter_path=str(args.adapter or ""), threads=args.threads,
                       gpu_layers=gpu_layers)
    started = time.perf_counter()
    model.load()
    loaded = time.perf_counter() - started
    model.generate(asked[0], max_tokens=4)  # warm-up: first CUDA kernels, caches
    runs = [model.generate(messages, max_tokens=args.max_tokens) for messages in asked]
    model.close()
    return {"gpu_layers": gpu_layers, "load_s": loaded, "answer_s": statistics.median(r.seconds for r in runs),
            "tokens_per_s": sum(r.tokens for r in runs) / sum(r.seconds for r in runs),
            "tokens": sum(r.tokens for r in runs)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="the base GGUF")
    parser.add_argument("--adapter", type=Path, help="a GGUF LoRA adapter applied over it (optional)")
    parser.add_argument("--prompts", type=Path, required=True, help="a JSONL file of rows with 'messages'")
    parser.add_argument("--gpu-layers", type=int, nargs="+", default=[0, -1], help="settings to compare, in order")
    parser.add_argument("--cases", type=int, default=8, help="prompts per setting")
    parser.add_argument("--max-tokens", type=int, default=64, help="tokens per answer at most")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (the server's 'threads')")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import llama_cpp

    print(f"llama-cpp-python {llama_cpp.__version__}; GPU offload supported: {llama_cpp.llama_supports_gpu_offload()}")
    asked = prompts(args.prompts, args.cases)
    results = [measure(args, layers, asked) for layers in args.gpu_layers]
    first = results[0]
    print(f"\n{args.model.name}{' + ' + args.adapter.name if args.adapter else ''}: {len(asked)} prompts, "
          f"≤ {args.max_tokens} tokens each, {args.threads} CPU thread(s)\n")
    print("| gpu_layers | load | answer p50 | answer tokens/s (prompt included) | vs first |\n|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['gpu_layers']} | {r['load_s']:.2f} s | {r['answer_s']:.3f} s | {r['tokens_per_s']:,.0f} "
              f"| {r['tokens_per_s'] / first['tokens_per_s']:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
