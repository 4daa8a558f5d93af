"""The one interface every generation backend implements, and how settings choose one.

``Tutor`` talks to a ``Backend`` only through this protocol: the in-process llama.cpp model
(``model.LocalModel``), a lab's shared OpenAI-compatible server (``remote.RemoteModel``), and
the fakes of unit tests. ``None`` instead of a backend means rule-based explanations only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# An explanation is one paragraph; a model about to hand over the fix usually opens a code fence or says
# so first (Qwen2.5-Coder, untuned, leaked the corrected line after these words in most probe cases).
STOP_SEQUENCES = ("\n\n", "```", "To fix", "The correct")  # OpenAI-compatible servers take at most 4


@dataclass(frozen=True)
class Generation:
    text: str
    finish_reason: str  # "stop" | "length" | "cancelled"
    tokens: int
    seconds: float
    threads: int

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


@runtime_checkable
class Backend(Protocol):
    """What generates the model's text for a prompt."""

    recovers: bool  # a failure is temporary (a lab server that comes back): keep it and retry

    @property
    def name(self) -> str:
        """The model (and adapter) as the cache key and the status bar name it."""

    @property
    def fine_tuned(self) -> bool:
        """Trained on our explanations: prompted without the worked example, as it was trained."""

    @property
    def prompt_facts(self) -> str:
        """The facts a fine-tuned model was trained to read: "full" or "compact" (``prompt.compact_facts``)."""

    @property
    def loaded(self) -> bool:
        """``load`` has run (whether a model is fine-tuned may only be known then)."""

    def load(self) -> "Backend":
        """Get ready to generate (seconds for a local model; call it off the event loop). Idempotent;
        raises ``TutorError`` with a fix when it cannot."""

    def generate(self, messages: list[dict], max_tokens: int = 160,
                 cancel: threading.Event | None = None) -> Generation:
        """One greedy chat completion that stops early when ``cancel`` is set; ``TutorError`` on failure."""

    def close(self) -> None:
        """Release what it holds (a local model's weights); the server never uses it again."""


def make_backend(settings) -> Backend | None:
    """The backend the settings ask for (not yet loaded), or None for rules only."""
    if settings.backend == "none":
        return None
    if settings.backend == "remote":
        from error_tutor_server.remote import RemoteModel

        return RemoteModel.from_settings(settings)
    from error_tutor_server.model import LocalModel

    return LocalModel(settings.model_path, settings.adapter_path, settings.threads, settings.gpu_layers,
                      model=settings.model)
