"""The key-value metadata at the head of a GGUF file, read without llama.cpp or the ``gguf`` package.

Enough to tell, before loading anything, which base model an exported adapter was trained on
(``error_tutor.base_sha256``). Arrays (a base model's vocabulary) are skipped, not kept.
``read_layout`` also gives where each key/value lies and the tensor infos, so that ``merged`` copies a
base's 100,000-token vocabulary as bytes (gguf-py's reader takes seconds to parse it).
Layout: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dims: tuple[int, ...]  # ggml's order: ne0, a row's length, first
    kind: int  # a ggml type (gguf.GGMLQuantizationType)
    offset: int  # from the start of the data section


@dataclass
class Layout:
    """Where a GGUF file's parts lie: each key/value's bytes, the tensor infos, the data section."""

    version: int = 0
    metadata: dict = field(default_factory=dict)  # scalars and strings, as read_metadata gives them
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # (key, first byte, end) of each key/value
    tensors: list[TensorInfo] = field(default_factory=list)
    alignment: int = 32
    data_start: int = 0


def _read_keys(handle: BinaryIO, layout: Layout) -> int:
    """The magic, version and key/values (into ``layout``); returns the tensor count."""
    if handle.read(4) != b"GGUF":
        raise GGUFFormatError("no GGUF magic")
    layout.version = _read(handle, "<I")
    if layout.version < 2:
        raise GGUFFormatError(f"GGUF version {layout.version} is too old")
    tensors, count = _read(handle, "<Q"), _read(handle, "<Q")
    for _ in range(count):
        start = handle.tell()
        key = _string(handle)
        value = _value(handle, _read(handle, "<I"))
        layout.spans.append((key, start, handle.tell()))
        if value is not None:
            layout.metadata[key] = value
    return tensors


def read_metadata(path: Path) -> dict:
    """The header's scalar and string values by key (arrays are skipped); GGUFFormatError if not GGUF."""
    with open(path, "rb") as handle:
        layout = Layout()
        _read_keys(handle, layout)
        return layout.metadata


def read_layout(path: Path) -> Layout:
    """The whole header: key/values with their byte spans, tensor infos, alignment and data offset."""
    layout = Layout()
    with open(path, "rb") as handle:
        for _ in range(_read_keys(handle, layout)):
            name = _string(handle)
            dims = tuple(_read(handle, "<Q") for _ in range(_read(handle, "<I")))
            layout.tensors.append(TensorInfo(name, dims, _read(handle, "<I"), _read(handle, "<Q")))
        layout.alignment = int(layout.metadata.get("general.alignment", 32))
        layout.data_start = -(-handle.tell() // layout.alignment) * layout.alignment
    return layout
