"""Copy a GGUF file adding string metadata, with llama.cpp's own gguf-py (run as a script).

It runs in a subprocess with the converters' gguf-py first on ``PYTHONPATH`` (see
``converters.run_script``), so the writer is the same code that wrote the file:

    PYTHONPATH=~/.cache/error-tutor/llama.cpp-converters/gguf-py python gguf_meta.py in.gguf out.gguf kv.json

``kv.json`` maps keys (``error_tutor.base_model``) to string values. Tensors are copied as
they are; existing keys with the same name are replaced.
"""

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    import gguf
    from gguf.scripts.gguf_new_metadata import MetadataDetails, copy_with_new_metadata

    source, target, kv_path = (Path(a) for a in argv)
    pairs = json.loads(kv_path.read_text(encoding="utf-8"))
    reader = gguf.GGUFReader(source, "r")
    arch_field = reader.get_field(gguf.Keys.General.ARCHITECTURE)
    arch = arch_field.contents() if arch_field else "llama"
    writer = gguf.GGUFWriter(target, arch=arch, endianess=reader.endianess)
    alignment = reader.get_field(gguf.Keys.General.ALIGNMENT)
    if alignment is not None:
        writer.data_alignment = alignment.contents()
    new = {key: MetadataDetails(gguf.GGUFValueType.STRING, str(value)) for key, value in pairs.items()}
    copy_with_new_metadata(reader, writer, new, [])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
