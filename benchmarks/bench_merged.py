"""A fine-tuned model merged into one GGUF (per quantization) against its base + runtime LoRA (prints figures).

    nice -n 19 .venv/bin/python benchmarks/bench_merged.py                                      # 12 prompts (~8 min)
    nice -n 19 .venv/bin/python benchmarks/bench_merged.py --model tutor-qwen2.5-coder-0.5b --quant Q8_0 Q4_K_M Q4_0
    nice -n 19 .venv/bin/python benchmarks/bench_merged.py --cases 2 --max-tokens 16            # smoke (~2 min)

Variants: ``lora`` (the base with the shipped adapter applied by llama.cpp at run time: the reference),
``base`` (the bare base, no adapter: the speed ceiling, and how far the adapter moves the text), and
``merged-<quant>`` for each ``--quant`` (``error_tutor_server.merged`` writes each into ``--work``, timed).
On one thread each, for real prompts (the checking halves' cases of bench_student_model.py, prompted as a
fine-tuned model is: no worked example): prompt tokens/s and generation tokens/s, greedy (argmax) as the
runtime generates, stopping at the end token or a stop sequence. The machine may be busy: every prompt runs
on every variant in turn (interleaved), and each variant's speed is also given as the median of its
per-prompt ratios to ``lora``'s. Agreement: how many greedy outputs are token for token those of ``lora``,
and the mean share of ``lora``'s tokens that a variant's output repeats before it first differs.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_student_model import checking_cases  # noqa: E402

from error_tutor_export.quantize import RUNTIME_TYPES  # noqa: E402
from error_tutor_server import catalog, merged  # noqa: E402
from error_tutor_server.backend import STOP_SEQUENCES  # noqa: E402
from error_tutor_server.case import Case  # noqa: E402
from error_tutor_server.prompt import build_messages  # noqa: E402


@dataclass
class Run:
    """One variant's figures over the prompts."""

    name: str
    prompt_tps: list[float] = field(default_factory=list)
    gen_tps: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # prompt and generation: the hover's wait
    outputs: list[list[int]] = field(default_factory=list)


class Variant:
    """A loaded model (one thread) that evaluates a prompt and generates greedily, timing both."""

    def __init__(self, name: str, model_path: Path, lora_path: Path | None = None, n_ctx: int = 2048):
        import llama_cpp

        from error_tutor_server.model import route_llama_logs

        route_llama_logs()
        self.run = Run(name)
        self.llama = llama_cpp.Llama(model_path=str(model_path), lora_path=str(lora_path) if lora_path else None,
                                     n_ctx=n_ctx, n_threads=1, n_threads_batch=1, verbose=False)
        meta, vocab = self.llama.metadata, self.llama._model
        self.formatter = llama_cpp.llama_chat_format.Jinja2ChatFormatter(
            meta["tokenizer.chat_template"], vocab.token_get_text(self.llama.token_eos()),
            vocab.token_get_text(self.llama.token_bos()) if self.llama.token_bos() != -1 else "")

    def tokens(self, messages: list[dict]) -> list[int]:
        result = self.formatter(messages=messages)
        return self.llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)

    def next_token(self) -> int:
        import llama_cpp

        logits = llama_cpp.llama_get_logits_ith(self.llama._ctx.ctx, -1)
        return int(np.ctypeslib.as_array(ctypes.cast(logits, ctypes.POINTER(ctypes.c_float)),
                                         shape=(self.llama.n_vocab(),)).argmax())

    def generate(self, messages: list[dict], max_tokens: int) -> None:
        """Evaluate the prompt, then generate greedily; records tokens/s of both and the output's tokens."""
        import llama_cpp

        prompt = self.tokens(messages)
        self.llama.reset()
        began = time.perf_counter()
        self.llama.eval(prompt)
        prompted = time.perf_counter()
        output, text = [], b""
        while len(output) < max_tokens:
            token = self.next_token()
            if llama_cpp.llama_vocab_is_eog(self.llama._model.vocab, token):
                break
            output.append(token)
            text += self.llama.detokenize([token])
            if any(stop.encode() in text for stop in STOP_SEQUENCES):
                break
            self.llama.eval([token])
        ended = time.perf_counter()
        self.run.prompt_tps.append(len(prompt) / (prompted - began))
        self.run.gen_tps.append(len(output) / max(ended - prompted, 1e-9))
        self.run.seconds.append(ended - began)
        self.run.outputs.append(output)

    def close(self) -> None:
        self.llama.close()


def build_merged(model: str, quants: list[str], work: Path) -> list[tuple[str, Path, float]]:
    """Each quantization's merged file (one folder each: a merge keeps only its model's latest file)."""
    base, adapter = catalog.resolve(model)
    built = []
    for quant in quants:
        began = time.perf_counter()
        path = merged.merge(model, base, adapter, quant=quant, folder=work / quant)
        built.append((quant, path, time.perf_counter() - began))
    return built


def prompts(count: int) -> list[list[dict]]:
    """The fine-tuned model's messages for ``count`` checking-half cases (C and Python in turn)."""
    return [build_messages(Case.of(c.diagnostic, c.program, "en"), worked_example=False) for c in checking_cases(count)]


def agreement(run: Run, reference: Run) -> tuple[int, float]:
    """(outputs identical to the reference's, mean share of the reference's tokens repeated before a difference)."""
    same, shares = 0, []
    for mine, theirs in zip(run.outputs, reference.outputs):
        same += mine == theirs
        prefix = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
        shares.append(prefix / max(len(theirs), 1) if mine != theirs else 1.0)
    return same, statistics.mean(shares) if shares else 0.0


def median_ratio(values: list[float], reference: list[float]) -> float:
    return statistics.median(v / r for v, r in zip(values, reference) if r > 0)


def report(runs: list[Run], built: list[tuple[str, Path, float]]) -> None:
    """Speeds (medians, and median per-prompt ratios to the reference), agreement with it and with the bare base."""
    reference, bare, count = runs[0], runs[1], len(runs[0].outputs)
    print(f"\n{count} prompts, 1 thread; ratio: median of per-prompt ratios to {reference.name}; "
          f"same/prefix: agreement with {reference.name}; =base: outputs identical to the bare base's")
    print(f"  {'variant':<14} {'prompt t/s':>10} {'ratio':>6} {'gen t/s':>8} {'ratio':>6} {'wait s':>7} {'ratio':>6} "
          f"{'same':>6} {'prefix':>7} {'=base':>6}")
    for run in runs:
        same, prefix = agreement(run, reference)
        print(f"  {run.name:<14} {statistics.median(run.prompt_tps):>10.1f} "
              f"{median_ratio(run.prompt_tps, reference.prompt_tps):>6.2f} {statistics.median(run.gen_tps):>8.1f} "
              f"{median_ratio(run.gen_tps, reference.gen_tps):>6.2f} {statistics.median(run.seconds):>7.2f} "
              f"{median_ratio(run.seconds, reference.seconds):>6.2f} {same:>3}/{count:<2} {prefix:>7.2f} "
              f"{agreement(run, bare)[0]:>3}/{count:<2}")
    print("\nmerged files (merge + quantize, seconds; size MB):")
    for quant, path, seconds in built:
        print(f"  {quant:<8} {seconds:>6.1f} s  {path.stat().st_size / 1e6:>7.1f} MB  {path.name}")


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tutor-smollm2-135m",
                        choices=[m.name for m in catalog.MODELS.values() if m.fine_tuned],
                        help="the fine-tuned model whose base and shipped adapter are merged")
    parser.add_argument("--quant", nargs="+", default=["Q8_0", "Q4_0", "Q4_1"], choices=list(RUNTIME_TYPES),
                        help="the merged files' quantizations (llama.cpp's types)")
    parser.add_argument("--cases", type=int, default=12, help="how many prompts (C and Python cases in turn)")
    parser.add_argument("--max-tokens", type=int, default=160, help="the most tokens generated per prompt")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the merged files (kept; a second run reuses them); default: a new temp folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-merged-"))
    built = build_merged(args.model, args.quant, work)
    base, adapter = catalog.resolve(args.model)
    variants = [Variant("lora", base, adapter), Variant("base", base)]
    variants += [Variant(f"merged-{quant}", path) for quant, path, _ in built]
    for number, messages in enumerate(prompts(args.cases), 1):
        for variant in variants:  # interleaved: every variant sees the same moment's load
            variant.generate(messages, args.max_tokens)
        print(f"prompt {number}: " + ", ".join(f"{v.run.name} {v.run.gen_tps[-1]:.1f}" for v in variants) + " gen t/s",
              flush=True)
    report([v.run for v in variants], built)
    for variant in variants:
        variant.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
