"""A lab's shared inference server: any OpenAI-compatible ``/v1/chat/completions`` endpoint
(llama-cpp-python's ``llama_cpp.server``, llama.cpp's ``llama-server``, vLLM, Ollama).

Requests stream so that a cancelled hover stops the generation; a bearer token is sent when
the variable named by ``remoteApiKeyEnv`` is set; TLS uses the system's certificates (or
``SSL_CERT_FILE``). After a failure the server is not asked again for a few seconds, so a
student falls back to rules at once, and recovery is automatic when it answers again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request

from error_tutor_server.errors import TutorError
from error_tutor_server.model import Generation

log = logging.getLogger("error_tutor.remote")

RETRY_AFTER_S = 5.0


class RemoteModel:
    def __init__(self, url: str, model: str = "", api_key: str = "", timeout_s: float = 30.0):
        if not url.startswith(("http://", "https://")):
            raise TutorError(f"remoteUrl '{url}' is not an http(s) URL.", "Set it like http://lab-server:8000/v1.")
        self.url = url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.lock = threading.Lock()  # a student's seat sends one request at a time
        self._down_until = 0.0

    @classmethod
    def from_settings(cls, settings) -> "RemoteModel":
        return cls(settings.remote_url, settings.remote_model, os.environ.get(settings.remote_api_key_env, ""))

    @property
    def name(self) -> str:
        return f"{self.model or 'remote'}@{self.url}"

    @property
    def loaded(self) -> bool:
        return True

    def _request(self, path: str, body: dict | None = None) -> urllib.request.Request:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        return urllib.request.Request(self.url + path, data=data, headers=headers)

    def load(self) -> "RemoteModel":
        """Check that the server answers (its model list)."""
        try:
            with urllib.request.urlopen(self._request("/models"), timeout=self.timeout_s) as response:
                json.load(response)
        except (OSError, ValueError) as exc:
            raise TutorError(f"The lab inference server {self.url} does not answer ({exc}).",
                             "Check remoteUrl and that the server is running; explanations stay rule-based meanwhile.") from None
        return self

    def generate(self, messages: list[dict], max_tokens: int = 160,
                 cancel: threading.Event | None = None) -> Generation:
        if time.monotonic() < self._down_until:
            raise TutorError("The lab inference server is unavailable.", "Retrying shortly.")
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        if self.model:
            body["model"] = self.model
        with self.lock:
            started = time.perf_counter()
            try:
                return self._stream(body, cancel, started)
            except (OSError, ValueError) as exc:
                self._down_until = time.monotonic() + RETRY_AFTER_S
                raise TutorError(f"The lab inference server failed ({exc}).", "Falling back to rules.") from None

    def _stream(self, body: dict, cancel: threading.Event | None, started: float) -> Generation:
        pieces, finish = [], "stop"
        with urllib.request.urlopen(self._request("/chat/completions", body), timeout=self.timeout_s) as response:
            for raw in response:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:") or line == "data: [DONE]":
                    continue
                choice = json.loads(line[5:])["choices"][0]
                if choice.get("delta", {}).get("content"):
                    pieces.append(choice["delta"]["content"])
                finish = choice.get("finish_reason") or finish
        return Generation("".join(pieces), finish, len(pieces), time.perf_counter() - started, 0)
