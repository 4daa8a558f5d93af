"""Quantize with the runtime's own llama.cpp, and write and read back the export's metadata.

Quantizing goes through llama-cpp-python's binding of ``llama_model_quantize`` (the library
that will run the file), starting from ``llama_model_quantize_default_params()``. On
SmolLM2-135M (hidden size 576, not a multiple of 256) the K-quants fall back to Q5_0/Q8_0 for
the tensors whose rows do not split into 256-blocks, so Q4_K_M ends up a little larger than
Q4_1 — llama.cpp prints those fall-backs; we log them at debug level.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import shutil
import tempfile
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_export.converters import Converters, run_script

log = logging.getLogger("error_tutor.export")

# --quant name -> llama.cpp's LLAMA_FTYPE_* constant in llama_cpp
QUANT_TYPES = {
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q5_K_M": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "F16": "LLAMA_FTYPE_MOSTLY_F16",
    "Q4_1": "LLAMA_FTYPE_MOSTLY_Q4_1",
}
# what quantize() takes: the export's types, and those tried for merged files (error_tutor_server.merged)
RUNTIME_TYPES = {**QUANT_TYPES, **{name: f"LLAMA_FTYPE_MOSTLY_{name}" for name in ("Q4_0", "Q5_0", "Q5_1")}}
# what the adapter-only export may write (convert_lora_to_gguf's --outtype)
ADAPTER_TYPES = {"F16": "f16", "Q8_0": "q8_0", "F32": "f32"}
META_PREFIX = "error_tutor."
GGUF_META_SCRIPT = Path(__file__).with_name("gguf_meta.py")


def check_quant(quant: str, adapter_only: bool) -> str:
    """The canonical quant name, or a TutorError naming the ones that work."""
    name = quant.upper()
    allowed = ADAPTER_TYPES if adapter_only else QUANT_TYPES
    if name not in allowed:
        what = "an adapter-only export" if adapter_only else "a merged export"
        raise TutorError(f"Unsupported quantization '{quant}' for {what}.", f"Use one of: {', '.join(allowed)}.")
    return name


def no_space(what: str) -> TutorError:
    return TutorError(f"The disk filled up while {what}; nothing was written.",
                      "Free some disk space (the export needs about 5 times the size of the F16 model) and run it again.")


def quantize(source: Path, target: Path, quant: str, threads: int = 0, requantize: bool = False) -> None:
    """``llama_model_quantize(source, target, params)`` with ``params.ftype`` set from ``quant``;
    ``requantize``: tensors already quantized in ``source`` may be requantized to another type."""
    import llama_cpp

    logging.getLogger("llama-cpp-python").setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.ERROR)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, RUNTIME_TYPES[quant])
    params.nthread = threads
    params.allow_requantize = requantize
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), ctypes.byref(params))
    if status != 0:
        free = shutil.disk_usage(target.parent).free
        if free < source.stat().st_size:
            raise no_space(f"quantizing to {quant}")
        raise TutorError(f"llama.cpp could not quantize {source.name} to {quant} (status {status}).",
                         "Run with -v to see llama.cpp's log; try another --quant.")


def export_metadata(facts: dict[str, str]) -> dict[str, str]:
    """The ``error_tutor.*`` key/value pairs (strings) written into the export."""
    return {META_PREFIX + key: str(value) for key, value in facts.items() if value not in (None, "")}


def write_metadata(converters: Converters, source: Path, target: Path, pairs: dict[str, str]) -> None:
    """Copy ``source`` to ``target`` adding ``pairs``, with the converters' gguf-py."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=target.parent, delete=False, encoding="utf-8") as handle:
        json.dump(pairs, handle)
        kv_path = Path(handle.name)
    try:
        run_script(converters, GGUF_META_SCRIPT, [str(source), str(target), str(kv_path)], "Writing the metadata",
                   target.parent)
    finally:
        kv_path.unlink(missing_ok=True)


def _meta_string(function, handle, index: int) -> str:
    size = 256
    while True:
        buffer = ctypes.create_string_buffer(size)
        written = function(handle, index, buffer, size)
        if written < size:
            return buffer.value.decode("utf-8", errors="replace")
        size = written + 1


def read_model_metadata(path: Path) -> dict[str, str]:
    """Every key/value as the runtime sees it (vocab-only load: no weights)."""
    import llama_cpp

    llama = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
    try:
        model = llama._model.model
        return {_meta_string(llama_cpp.llama_model_meta_key_by_index, model, i):
                _meta_string(llama_cpp.llama_model_meta_val_str_by_index, model, i)
                for i in range(llama_cpp.llama_model_meta_count(model))}
    finally:
        llama.close()


def read_adapter_metadata(llama) -> dict[str, str]:
    """Every key/value of the LoRA adapter loaded into ``llama`` (a ``Llama`` made with lora_path)."""
    import llama_cpp

    adapter = llama._lora_adapter
    return {_meta_string(llama_cpp.llama_adapter_meta_key_by_index, adapter, i):
            _meta_string(llama_cpp.llama_adapter_meta_val_str_by_index, adapter, i)
            for i in range(llama_cpp.llama_adapter_meta_count(adapter))}


def check_metadata(found: dict[str, str], expected: dict[str, str], path: Path) -> None:
    wrong = [key for key, value in expected.items() if found.get(key) != value]
    if wrong:
        raise TutorError(f"Reading {path.name} back, its metadata {', '.join(wrong)} is missing or different.",
                         "The file was not written correctly: check the disk and run the export again.")
    log.info("metadata read back: %d error_tutor.* keys", len(expected))


def is_no_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC
