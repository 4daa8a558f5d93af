"""The key-value metadata at the head of a GGUF file, read without llama.cpp or the ``gguf`` package.

Enough to tell, before loading anything, which base model an exported adapter was trained on
(``error_tutor.base_sha256``). Arrays (a base model's vocabulary) are skipped, not kept.
Layout: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class GGUFFormatError(ValueError):
    """The file is not a GGUF file this reader understands."""


def _read(handle: BinaryIO, fmt: str):
    size = struct.calcsize(fmt)
    data = handle.read(size)
    if len(data) != size:
        raise GGUFFormatError("the file ends inside its header")
    return struct.unpack(fmt, data)[0]


def _string(handle: BinaryIO) -> str:
    length = _read(handle, "<Q")
    if length > 1 << 24:
        raise GGUFFormatError("a string in the header is implausibly long")
    return handle.read(length).decode("utf-8", errors="replace")


def _value(handle: BinaryIO, kind: int):
    if kind in SCALARS:
        return _read(handle, SCALARS[kind])
    if kind == STRING:
        return _string(handle)
    if kind == ARRAY:
        item_kind, count = _read(handle, "<I"), _read(handle, "<Q")
        for _ in range(count):
            _value(handle, item_kind)
        return None
    raise GGUFFormatError(f"unknown value type {kind}")


def read_metadata(path: Path) -> dict:
    """The header's scalar and string values by key (arrays are skipped); GGUFFormatError if not GGUF."""
    with open(path, "rb") as handle:
        if handle.read(4) != b"GGUF":
            raise GGUFFormatError("no GGUF magic")
        version = _read(handle, "<I")
        if version < 2:
            raise GGUFFormatError(f"GGUF version {version} is too old")
        _read(handle, "<Q")  # tensor count
        count = _read(handle, "<Q")
        metadata = {}
        for _ in range(count):
            key = _string(handle)
            value = _value(handle, _read(handle, "<I"))
            if value is not None:
                metadata[key] = value
        return metadata
