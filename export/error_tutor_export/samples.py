"""Fixed, deterministic inputs for verification, taken from the dev corpora.

- chat prompts: real compiler diagnostics of real student programs, turned into the exact
  prompt the server sends (``prompt.build_messages``);
- held-out explanations: friendly-traceback's expert explanations of Python syntax errors
  (text the adapter is not trained to reproduce word for word), for perplexity;
- tokenizer texts: programs, compiler messages and explanations from all three corpora.

When the corpora are not there (an installed copy without the source checkout, and no
``corpora_dir`` setting or ``$ERROR_TUTOR_CORPORA``), a few built-in programs stand in, and the
export says so.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path

from error_tutor_server import paths
from error_tutor_server.errors import TutorError

log = logging.getLogger("error_tutor.export")

BUILTIN_PROGRAMS = (
    ("c", "#include <stdio.h>\n\nint main(void) {\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n"),
    ("python", "def grade(score):\n    if score >= 50\n        return 'pass'\n    return 'fail'\n"),
    ("c", "int main(void) {\n    int n = 3;\n    for (int i = 0; i < n; i++) {\n        sum += i;\n    }\n    return 0;\n}\n"),
    ("python", "values = [1, 2, 3\nprint(sum(values))\n"),
)
BUILTIN_TEXTS = (
    "A SyntaxError means Python could not understand the structure of your code before running it.",
    "The compiler expected a semicolon at the end of the statement on line 4, before the next line begins.",
    "error: 'sum' undeclared (first use in this function)",
    "Each variable in C must be declared with its type before it is used.",
)


def corpora_dir(setting: str = "") -> Path | None:
    """The corpora folder (``paths.corpora_dir``), or None when there is none: built-in programs stand in."""
    try:
        return paths.corpora_dir(setting)
    except TutorError:
        return None


def read_corpus(folder: Path | None, name: str) -> list[dict]:
    if folder is None or not (folder / name).is_file():
        return []
    path = folder / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def spread(rows: list, count: int) -> list:
    """``count`` rows spread evenly over ``rows`` (the same ones every run)."""
    if count <= 0 or not rows:
        return []
    if count >= len(rows):
        return list(rows)
    step = len(rows) / count
    return [rows[int(i * step)] for i in range(count)]


def _messages(language: str, program: str) -> list[dict] | None:
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.case import Case
    from error_tutor_server.prompt import build_messages
    from error_tutor_server.settings import TutorSettings

    try:
        found = diagnose_sync(language, program, TutorSettings(), filename="prog.c" if language == "c" else "prog.py")
    except Exception as exc:  # a missing compiler must not stop an export: fall back to other samples
        log.debug("no diagnostics for a %s sample: %s", language, exc)
        return None
    errors = [d for d in found if d.severity == "error"] or found
    if not errors:
        return None
    return build_messages(Case.of(errors[0], program))


@lru_cache(maxsize=4)
def _chat_prompts(count: int, folder: str) -> tuple:
    root = Path(folder) if folder else None
    c_programs = [("c", r["source"]) for r in spread(read_corpus(root, "c_tracer.jsonl"), count)]
    py_programs = [("python", r["source"]) for r in spread(read_corpus(root, "python_friendly_syntax.jsonl"), count)]
    programs = [p for pair in zip_longest(c_programs, py_programs) for p in pair if p]
    if not programs:
        log.warning("dev corpora not found in %s: verifying on %d built-in programs", root or "any folder",
                    len(BUILTIN_PROGRAMS))
        programs = list(BUILTIN_PROGRAMS)
    prompts = []
    for language, program in programs:
        messages = _messages(language, program)
        if messages:
            prompts.append(tuple((m["role"], m["content"]) for m in messages))
        if len(prompts) == count:
            break
    return tuple(prompts)


def chat_prompts(count: int, folder: Path | None) -> list[list[dict]]:
    """``count`` chat prompts exactly as the server builds them, half C and half Python."""
    prompts = _chat_prompts(count, str(folder) if folder else "")
    return [[{"role": r, "content": c} for r, c in prompt] for prompt in prompts]


def heldout_explanations(count: int, folder: Path | None) -> list[str]:
    """Expert explanations (second half of the Python corpus) for perplexity."""
    rows = read_corpus(folder, "python_friendly_syntax.jsonl")
    texts = [r["friendly_output"] for r in rows[len(rows) // 2:] if r.get("friendly_output")]
    return spread(texts, count) or list(BUILTIN_TEXTS)


def tokenizer_texts(count: int, folder: Path | None) -> list[str]:
    """Programs, compiler messages and explanations from all three corpora, ``count`` in all."""
    c_rows = read_corpus(folder, "c_tracer.jsonl")
    py_rows = read_corpus(folder, "python_friendly_syntax.jsonl")
    java_rows = read_corpus(folder, "java_upenn_messages.jsonl")
    pool = ([r["source"] for r in c_rows] + [r["gcc12_message"] for r in c_rows if r.get("gcc12_message")]
            + [r["source"] for r in py_rows] + [r["friendly_output"] for r in py_rows]
            + [r["message_with_context"] for r in java_rows])
    pool = [text for text in pool if isinstance(text, str) and text.strip()]
    return spread(pool, count) or list(BUILTIN_TEXTS) + [p for _, p in BUILTIN_PROGRAMS]
