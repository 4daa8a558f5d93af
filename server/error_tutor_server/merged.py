"""The shipped LoRA adapters merged into their bases once, at set-up, so the runtime loads one GGUF file.

llama.cpp applies a GGUF LoRA at run time as two more small products per weight, ``W x + s * B (A x)``:
on one thread SmolLM2-135M generates ~20-30% fewer tokens per second with its adapter than without. Merged
once, ``W' = W + s * B A``, it is one plain model. llama.cpp's convention, checked by tests/test_merged.py
against the runtime LoRA: ``X.lora_a`` is stored [n_in, rank] (a numpy array rank x n_in), ``X.lora_b``
[rank, n_out] (n_out x rank), and ``s = alpha / rank`` with rank = lora_b's ne0.

Each weight is dequantized exactly (gguf-py), the product added in float32, and the file written with
every key of the base (tokenizer, chat template) plus the adapter's ``error_tutor.*`` facts
(``adapter_sha256``: the runtime prompts it as the fine-tuned model it is). Tensors no adapter touches keep
their bytes; llama.cpp's own ``llama_model_quantize`` then quantizes it to ``MERGED_QUANT[base]``
(benchmarks/bench_merged.py gives the figures). The result is cached as
``<cache>/models/<model>.merged.<quant>.<key>.gguf``, ``key`` naming the base's sha256, the adapter file's
sha256 and the quantization, with a stamp (its sha256, size and time) like the assembled bases: a missing,
changed or stale merged file is never loaded, and the runtime falls back to base + runtime LoRA.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import struct
import time
from pathlib import Path

from error_tutor_server import catalog
from error_tutor_server.errors import TutorError
from error_tutor_server.gguf_header import STRING, Layout, TensorInfo, read_layout

log = logging.getLogger("error_tutor.merged")

# The quantization of each base's merged file, from benchmarks/bench_merged.py (1 thread, a busy 2-core machine,
# against base + runtime LoRA). Q8_0 keeps the text: SmolLM2 10/12 greedy outputs identical, prompt 1.70x, generation
# 1.06x, wait 0.72x; Qwen 6/6, 1.30x, 0.95x, 0.90x. Requantized to 4 bits the adapter's small change drowns in the
# rounding (its own size): Q4_0 (repacked for AVX2: prompt 1.84x, generation 1.40x) and Q4_1 differ from the first
# token on 12/12 (Q4_1 writes the bare base's text for 2), Q5_1 keeps 5/12 (no faster), Qwen's Q4_K_M and Q4_0 0/6.
MERGED_QUANT = {"smollm2-135m": "Q8_0", "qwen2.5-coder-0.5b": "Q8_0"}
META_PREFIX = "error_tutor."
F32 = 0  # ggml's type of float32 tensors


def merged_name(model: str, base_sha: str, adapter_sha: str, quant: str) -> str:
    key = hashlib.sha256(f"{base_sha} {adapter_sha} {quant}".encode()).hexdigest()[:16]
    return f"{model}.merged.{quant}.{key}.gguf"


def target_for(model: str, base: Path, adapter: Path, quant: str = "", folder: Path | None = None) -> Path:
    """Where the merged file of ``model`` (its base and adapter files as given) is cached."""
    quant = quant or MERGED_QUANT[catalog.MODELS[model].base]
    name = merged_name(model, catalog.base_sha256(base), catalog.file_sha256(adapter), quant)
    return (folder or catalog.models_cache()) / name


def fresh(path: Path) -> bool:
    """The file was merged and stamped, and has not changed since (size and time in its stamp)."""
    return catalog.stamped(path)


def find(model: str, base: Path, adapter: Path, quant: str = "", folder: Path | None = None) -> Path | None:
    """The fresh merged file of ``model``, or None (absent, stale or unreadable: the runtime LoRA is used)."""
    try:
        path = target_for(model, base, adapter, quant, folder)
    except (OSError, KeyError) as exc:
        log.info("no merged file for %s (%s): base + runtime LoRA", model, exc)
        return None
    if fresh(path):
        return path
    why = "is stale or changed" if path.exists() else "is not there"
    log.info("the merged file %s %s: %s runs as base + runtime LoRA (`python -m error_tutor_server.catalog "
             "assemble` merges it)", path.name, why, model)
    return None


# -- merging --------------------------------------------------------------------------------------------

def as_float(data, kind: int):
    """A tensor's bytes (of any type gguf-py reads) as a float32 numpy array, n_out x n_in."""
    import numpy as np
    from gguf.quants import dequantize

    return np.array(dequantize(np.asarray(data), kind), dtype=np.float32)  # a writable copy


def lora_pairs(adapter) -> dict[str, tuple]:
    """``{base tensor name: (lora_a, lora_b)}`` of an adapter GGUFReader; a TutorError if one is unpaired."""
    found: dict[str, dict] = {}
    for tensor in adapter.tensors:
        stem, _, part = tensor.name.rpartition(".")
        if part not in ("lora_a", "lora_b"):
            raise TutorError(f"The adapter tensor {tensor.name} is not a LoRA factor.", "Re-export the adapter.")
        found.setdefault(stem, {})[part] = tensor
    unpaired = [stem for stem, parts in found.items() if len(parts) != 2]
    if unpaired:
        raise TutorError(f"The adapter lacks a lora_a or lora_b for {', '.join(unpaired[:3])}.",
                         "Re-export the adapter.")
    return {stem: (parts["lora_a"], parts["lora_b"]) for stem, parts in found.items()}


def merged_weight(name: str, weight, lora_a, lora_b, alpha: float):
    """``W + (alpha / rank) * B A`` in float32 (llama.cpp's scale: alpha / rank, or 1 when alpha is 0)."""
    w = weight
    a, b = as_float(lora_a.data, lora_a.tensor_type), as_float(lora_b.data, lora_b.tensor_type)
    rank = b.shape[1]
    if a.shape != (rank, w.shape[1]) or b.shape[0] != w.shape[0]:
        raise TutorError(f"The adapter's {name} factors {a.shape}, {b.shape} do not fit its weight {w.shape}.",
                         "The adapter was made for another base: choose the model it belongs to.")
    w += (alpha / rank if alpha else 1.0) * (b @ a)
    return w


def merge_facts(adapter_reader, adapter: Path, quant: str) -> dict[str, str]:
    """The adapter's ``error_tutor.*`` facts, as a merged file's (format, quantization, adapter file's sha256)."""
    facts = {field.name: str(field.contents()) for field in adapter_reader.fields.values()
             if field.name.startswith(META_PREFIX)}
    adapter_sha = catalog.file_sha256(adapter)
    facts.setdefault(META_PREFIX + "adapter_sha256", adapter_sha)
    facts.update({META_PREFIX + "format": "merged", META_PREFIX + "quantization": quant,
                  META_PREFIX + "adapter_file_sha256": adapter_sha, META_PREFIX + "merged_from": adapter.name})
    return facts


def _gguf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _padding(size: int, alignment: int) -> bytes:
    return b"\0" * (-size % alignment)


def tensor_bytes(info: TensorInfo) -> int:
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    block, size = GGML_QUANT_SIZES[GGMLQuantizationType(info.kind)]
    return math.prod(info.dims) // block * size


def plan_tensors(layout: Layout, pairs: dict) -> list[tuple[TensorInfo, TensorInfo]]:
    """(the base's tensor, the merged file's): every adapted weight becomes F32, at aligned offsets."""
    planned, offset = [], 0
    for info in layout.tensors:
        out = TensorInfo(info.name, info.dims, F32 if info.name in pairs else info.kind, offset)
        planned.append((info, out))
        offset += tensor_bytes(out) + len(_padding(tensor_bytes(out), layout.alignment))
    return planned


def write_header(out, source, layout: Layout, planned: list, extra: dict[str, str]) -> None:
    """The base's key/values copied as bytes (but those ``extra`` replaces), ``extra``, the tensor infos."""
    kept = [span for span in layout.spans if span[0] not in extra]
    out.write(b"GGUF" + struct.pack("<IQQ", layout.version, len(planned), len(kept) + len(extra)))
    for _, start, end in kept:
        source.seek(start)
        out.write(source.read(end - start))
    for key, value in extra.items():
        out.write(_gguf_string(key) + struct.pack("<I", STRING) + _gguf_string(value))
    for _, info in planned:
        out.write(_gguf_string(info.name) + struct.pack("<I", len(info.dims)))
        out.write(struct.pack(f"<{len(info.dims)}QIQ", *info.dims, info.kind, info.offset))
    out.write(_padding(out.tell(), layout.alignment))


def write_float_merge(base: Path, adapter: Path, target: Path, quant: str) -> int:
    """Write ``target``: the base's keys and tensors, every adapted weight merged in float32. Returns how many."""
    import gguf
    import numpy as np

    layout, lora = read_layout(base), gguf.GGUFReader(adapter, "r")
    if lora.get_field("general.architecture").contents() != layout.metadata.get("general.architecture"):
        raise TutorError(f"The adapter {adapter.name} is for another architecture than {base.name}.",
                         "Choose the model it belongs to.")
    pairs, alpha = lora_pairs(lora), float(lora.get_field("adapter.lora.alpha").contents())
    missing = sorted(set(pairs) - {info.name for info in layout.tensors})
    if missing:
        raise TutorError(f"The adapter adapts {missing[0]}, which {base.name} lacks.",
                         "Choose the model it belongs to.")
    planned = plan_tensors(layout, pairs)
    with open(base, "rb") as source, open(target, "wb") as out:
        write_header(out, source, layout, planned, merge_facts(lora, adapter, quant))
        for info, _ in planned:
            source.seek(layout.data_start + info.offset)
            data = source.read(tensor_bytes(info))
            if info.name in pairs:
                rows = np.frombuffer(data, np.uint8).reshape(math.prod(info.dims[1:]), -1)
                data = merged_weight(info.name, as_float(rows, info.kind), *pairs[info.name], alpha).tobytes()
            out.write(data + _padding(len(data), layout.alignment))
    return len(pairs)


def stamp(path: Path) -> None:
    """Stamp a merged file with its own sha256 (nothing is pinned for it)."""
    catalog.write_stamp(path, catalog.file_sha256(path))


def remove_older(target: Path, model: str) -> None:
    """Earlier merged files of ``model`` (another adapter, base or quantization) and their stamps."""
    for old in target.parent.glob(f"{model}.merged.*.gguf"):
        if old != target:
            catalog._stamp(old).unlink(missing_ok=True)
            old.unlink(missing_ok=True)


def merge(model: str, base: Path, adapter: Path, quant: str = "", folder: Path | None = None,
          threads: int = 0) -> Path:
    """The fresh merged file of ``model``: cached, else merged and quantized now (atomically)."""
    from error_tutor_export.quantize import quantize
    from error_tutor_server.model import route_llama_logs

    quant = quant or MERGED_QUANT[catalog.MODELS[model].base]
    target = target_for(model, base, adapter, quant, folder)
    if fresh(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = [target.with_name(f".{target.name}.{os.getpid()}.{part}") for part in ("f32", "part")]
    try:
        write_float_merge(base, adapter, work[0], quant)
        route_llama_logs()  # the quantizer's fall-back notes go to the debug log
        quantize(work[0], work[1], quant, threads, requantize=True)
        work[1].replace(target)
        stamp(target)
    finally:
        for path in work:
            path.unlink(missing_ok=True)
    remove_older(target, model)
    return target


def merge_installed(folder: Path | None = None) -> list[tuple[str, Path | None, float, str]]:
    """Merge every fine-tuned model whose base is installed: ``(model, merged file or None, seconds, why not)``."""
    done = []
    for choice in catalog.MODELS.values():
        if not choice.fine_tuned:
            continue
        started = time.perf_counter()
        try:
            base, adapter = catalog.resolve(choice.name)
            path, why = merge(choice.name, base, adapter, folder=folder), ""
        except (TutorError, ImportError, OSError, ValueError) as exc:
            path, why = None, str(exc)
        seconds = time.perf_counter() - started
        log.debug("%s: merged file %s (%.1f s) %s", choice.name, path, seconds, why)
        done.append((choice.name, path, seconds, why))
    return done
