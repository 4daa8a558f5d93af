"""Write the language server's settings, as the editor extension must mirror them.

    .venv/bin/python editor-client/scripts/dump_settings.py            # writes editor-client/server-settings.json
    .venv/bin/python editor-client/scripts/dump_settings.py --check    # exit 1 if the file is out of date

The extension's unit tests compare ``package.json``'s ``contributes.configuration`` with this
file, so a setting added to ``TutorSettings`` fails the extension's build until it is mirrored.
Each entry: the server's default, its JSON-schema type, and the allowed values and minimum
where the server enforces them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from error_tutor_server import settings as server_settings
from error_tutor_server.languages import LANGUAGES

log = logging.getLogger("error_tutor.editor_client")

OUTPUT = Path(__file__).resolve().parents[1] / "server-settings.json"
CHOICES = {server_settings.camel(name): choices for name, choices in server_settings.CHOICES.items()}


def json_type(default) -> str:
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, list):
        return "array"
    return "string"


def describe() -> dict:
    """camelCase name -> {default, type, enum?, items?, minimum?}, in the server's field order."""
    minimums = server_settings.MINIMUMS
    described = {}
    for name, default in server_settings.settings_schema().items():
        entry = {"default": default, "type": json_type(default)}
        if name in CHOICES:
            entry["enum"] = list(CHOICES[name])
        if name == "enabledLanguages":
            entry["items"] = {"type": "string", "enum": list(LANGUAGES)}
        elif isinstance(default, list):
            entry["items"] = {"type": "string"}
        minimum = minimums.get(server_settings.snake(name))
        if minimum is not None:
            entry["minimum"] = minimum
        described[name] = entry
    return described


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file differs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    text = json.dumps(describe(), indent=2) + "\n"
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            log.error("%s is out of date; run %s", args.output, Path(__file__).name)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    written = json.loads(args.output.read_text(encoding="utf-8"))  # read back to verify
    log.info("wrote %d settings to %s", len(written), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
