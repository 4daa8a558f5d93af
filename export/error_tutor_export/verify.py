"""Read every export back with llama.cpp and check it against its source.

- F16 logits parity: llama.cpp's logits of the F16 export vs the merged PyTorch model's, every
  position of every prompt. The tolerance (``f16_tolerance``, 0.5 by default) is justified by
  what the two legitimately differ in: F16 rounding of the weights (relative 2^-11) and
  llama.cpp's F16 dot products, which measure 0.04–0.08 max |Δ| (0.01 mean) on logits that
  span about ±35 for SmolLM2-135M. A real conversion fault is 10–100× larger: the trained
  adapter itself moves logits by up to ~40, and Q4 weights alone move them by ~1.
- Quantized: greedy-token agreement with the F16 (the F16's greedy continuation of each prompt,
  teacher-forced through the quantized model; the share of positions whose argmax is the same
  token), and perplexity of both on held-out explanations; minimums per type in the config.
- Tokenizer round trip (bases that came from a GGUF): the export must give exactly the same
  token ids as the original GGUF on the dev corpora texts (llama.cpp, ``vocab_only``).
- Adapter only: the adapter must change the output; at scale 0 it must give back the base.

Any failure is a TutorError: the export is not written.
"""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from error_tutor_server.errors import TutorError
from error_tutor_server.model import choose_threads

log = logging.getLogger("error_tutor.export")

MAX_PROMPT_TOKENS = 768
MAX_TEXT_TOKENS = 256
ADAPTER_PROMPT_TOKENS = 192


@dataclass(frozen=True)
class Thresholds:
    f16_tolerance: float = 0.5
    min_agreement: float = 0.8
    max_perplexity_ratio: float = 1.25
    min_adapter_effect: float = 1e-3
    max_scale0_delta: float = 1e-4


@contextmanager
def opened(path: Path, lora: Path | None = None, scale: float = 1.0, vocab_only: bool = False,
           n_ctx: int = 1024, threads: int = 0):
    """A ``Llama`` with every position's logits kept, closed on exit."""
    import llama_cpp

    logging.getLogger("llama-cpp-python").setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.ERROR)
    threads = choose_threads(threads)
    try:
        llama = llama_cpp.Llama(str(path), lora_path=str(lora) if lora else None, lora_scale=scale,
                                vocab_only=vocab_only, logits_all=not vocab_only, n_ctx=n_ctx, n_batch=512,
                                n_threads=threads, n_threads_batch=threads, seed=0, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise TutorError(f"llama.cpp cannot load the export '{path.name}'{' with ' + lora.name if lora else ''} ({exc}).",
                         "The conversion produced a broken file: run with -v and report the converter's log.") from None
    try:
        yield llama
    finally:
        llama.close()


def chat_ids(llama, messages: list[dict]) -> list[int]:
    """The prompt exactly as ``create_chat_completion`` builds it, with the file's own template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise TutorError("The export has no chat template.", "Use a base model with a chat template (an instruct model).")
    eos = llama.detokenize([llama.token_eos()], special=True).decode("utf-8", errors="replace")
    bos = llama.detokenize([llama.token_bos()], special=True).decode("utf-8", errors="replace")
    prompt = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)(messages=messages).prompt
    return llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)[-MAX_PROMPT_TOKENS:]


def logits(llama, ids: list[int]) -> np.ndarray:
    llama.reset()
    llama.eval(ids)
    return np.array(llama.scores[:len(ids)], dtype=np.float32)


def continue_greedy(llama, new_tokens: int) -> list[int]:
    """Greedy tokens after what ``llama`` has just evaluated (stops at end of turn)."""
    out: list[int] = []
    for _ in range(new_tokens):
        token = int(np.argmax(llama.scores[llama.n_tokens - 1]))
        out.append(token)
        if token == llama.token_eos():
            break
        llama.eval([token])
    return out


def token_nll(scores: np.ndarray, targets: list[int]) -> float:
    """Sum of -log p(target) under each row's softmax (float64)."""
    rows = scores.astype(np.float64)
    peak = rows.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(rows - peak).sum(axis=1)) + peak[:, 0]
    return float(np.sum(log_norm - rows[np.arange(len(targets)), targets]))


def perplexity(llama, texts: list[str]) -> float:
    total, count = 0.0, 0
    for text in texts:
        ids = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)[:MAX_TEXT_TOKENS]
        if len(ids) < 2:
            continue
        total += token_nll(logits(llama, ids)[:-1], ids[1:])
        count += len(ids) - 1
    return math.exp(total / max(count, 1))


@dataclass
class Reference:
    """What one pass over the F16 export yields: its parity with PyTorch, its greedy
    continuations of the prompts and its perplexity (for the quantized comparison)."""
    report: dict
    runs: list[tuple[list[int], list[int]]]
    perplexity: float = float("nan")


def reference_pass(f16: Path, model, prompts: list[list[dict]], texts: list[str], new_tokens: int,
                   threads: int = 0) -> Reference:
    """llama.cpp's F16 logits vs the merged PyTorch model's (every position of every prompt), then
    the F16's greedy continuation of each prompt and its perplexity on ``texts``."""
    from error_tutor_export.merge import torch_logits

    worst, total, count, same, positions, runs = 0.0, 0.0, 0, 0, 0, []
    with opened(f16, threads=threads) as llama:
        for messages in tqdm(prompts, desc="F16 vs PyTorch", unit="prompt", disable=None, leave=False):
            ids = chat_ids(llama, messages)
            ours, reference = logits(llama, ids), torch_logits(model, ids)
            delta = np.abs(ours - reference)
            worst, total, count = max(worst, float(delta.max())), total + float(delta.sum()), count + delta.size
            same += int((ours.argmax(-1) == reference.argmax(-1)).sum())
            positions += len(ids)
            runs.append((ids, continue_greedy(llama, new_tokens)))
        ppl = perplexity(llama, texts) if texts else float("nan")
    report = {"f16_max_abs_logit_delta": round(worst, 5), "f16_mean_abs_logit_delta": round(total / max(count, 1), 6),
              "f16_argmax_agreement": round(same / max(positions, 1), 4), "prompts": len(prompts),
              "positions": positions}
    return Reference(report, runs, ppl)


def check_f16(reference: Reference, limits: Thresholds) -> dict:
    worst = reference.report["f16_max_abs_logit_delta"]
    log.info("F16 vs PyTorch: max |Δlogit| %.4f, mean %.5f (tolerance %.2f)", worst,
             reference.report["f16_mean_abs_logit_delta"], limits.f16_tolerance)
    if not worst <= limits.f16_tolerance:  # also catches NaN
        raise TutorError(f"The F16 export's logits differ from the merged model's by up to {worst:.3f} "
                         f"(tolerance {limits.f16_tolerance}).",
                         "The conversion is wrong for this model: run with -v, check the base matches the adapter.")
    return {**reference.report, "f16_tolerance": limits.f16_tolerance}


def quant_agreement(reference: Reference, quantized: Path, quant: str, texts: list[str], limits: Thresholds,
                    threads: int = 0) -> dict:
    """Greedy-token agreement with the F16 (its continuations teacher-forced through the quantized
    export), and perplexity of both on ``texts``."""
    matched = total = 0
    with opened(quantized, threads=threads) as llama:
        for ids, continuation in tqdm(reference.runs, desc=f"{quant} vs F16", unit="prompt", disable=None, leave=False):
            scores = logits(llama, ids + continuation)[len(ids) - 1:len(ids) + len(continuation) - 1]
            matched += int((scores.argmax(-1) == np.array(continuation)).sum())
            total += len(continuation)
        ppl_quant = perplexity(llama, texts)
    agreement, ppl_f16 = matched / max(total, 1), reference.perplexity
    report = {"quant": quant, "greedy_agreement": round(agreement, 4), "greedy_tokens": total,
              "perplexity_f16": round(ppl_f16, 3), "perplexity_quant": round(ppl_quant, 3),
              "perplexity_ratio": round(ppl_quant / ppl_f16, 4), "perplexity_texts": len(texts)}
    log.info("%s vs F16: greedy agreement %.3f over %d tokens; perplexity %.2f vs %.2f", quant, agreement, total,
             ppl_quant, ppl_f16)
    if agreement < limits.min_agreement or not ppl_quant <= ppl_f16 * limits.max_perplexity_ratio:
        raise TutorError(f"The {quant} export drifts too far from the F16: greedy agreement {agreement:.2f} "
                         f"(minimum {limits.min_agreement}), perplexity {ppl_quant:.2f} vs {ppl_f16:.2f} "
                         f"(at most ×{limits.max_perplexity_ratio}).",
                         "Use a larger type (--quant Q8_0 or F16), or loosen the limits in the export config.")
    return report


def tokenizer_round_trip(original: Path, exported: Path, texts: list[str]) -> dict:
    """Exactly the same token ids from the export as from the original GGUF, on every text."""
    with opened(original, vocab_only=True) as before, opened(exported, vocab_only=True) as after:
        mismatches = [text for text in texts
                      if before.tokenize(text.encode("utf-8"), add_bos=False, special=False)
                      != after.tokenize(text.encode("utf-8"), add_bos=False, special=False)]
        template_same = before.metadata.get("tokenizer.chat_template") == after.metadata.get("tokenizer.chat_template")
    log.info("tokenizer round trip: %d/%d texts identical; chat template %s", len(texts) - len(mismatches),
             len(texts), "identical" if template_same else "DIFFERENT")
    if mismatches or not template_same:
        example = repr(mismatches[0][:60]) if mismatches else "the chat template"
        raise TutorError(f"The export's tokenizer differs from the original GGUF's on {len(mismatches)} of "
                         f"{len(texts)} texts (first: {example}).",
                         "The base's tokenizer did not survive conversion: pass the original GGUF as --base.")
    return {"tokenizer_texts": len(texts), "tokenizer_mismatches": 0, "chat_template_identical": True}


def adapter_effect(base: Path, adapter: Path, prompts: list[list[dict]], limits: Thresholds,
                   threads: int = 0) -> tuple[dict, dict]:
    """The adapter must change the logits, and at scale 0 give back the base's exactly.

    Each prompt's last ``ADAPTER_PROMPT_TOKENS`` tokens are enough to see both, at a third of
    the cost; scale 0 is checked on two prompts (it is exact or it is broken)."""
    from error_tutor_export.quantize import read_adapter_metadata

    with opened(base, threads=threads) as plain:
        token_lists = [chat_ids(plain, m)[-ADAPTER_PROMPT_TOKENS:] for m in prompts]
        reference = [logits(plain, ids) for ids in token_lists]
    with opened(base, adapter, 1.0, threads=threads) as applied:
        effect = max(float(np.abs(logits(applied, ids) - ref).max()) for ids, ref in zip(token_lists, reference))
        metadata = read_adapter_metadata(applied)
    with opened(base, adapter, 0.0, threads=threads) as zero:
        scale0 = max(float(np.abs(logits(zero, ids) - ref).max()) for ids, ref in zip(token_lists[:2], reference))
    report = {"adapter_max_abs_logit_effect": round(effect, 4), "scale0_max_abs_logit_delta": scale0,
              "prompts": len(prompts)}
    log.info("adapter moves logits by up to %.4f; at scale 0 by %.2g", effect, scale0)
    if not effect > limits.min_adapter_effect:
        raise TutorError(f"The GGUF adapter does not change the model's output (max |Δlogit| {effect:.2g}).",
                         "The adapter's LoRA tensors were not matched to the base: check --base, or retrain.")
    if not scale0 <= limits.max_scale0_delta:
        raise TutorError(f"At scale 0 the GGUF adapter still changes the output (max |Δlogit| {scale0:.2g}).",
                         "The adapter file carries more than LoRA tensors: export it merged instead.")
    return report, metadata
