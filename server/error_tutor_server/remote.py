"""A lab's shared inference server: any OpenAI-compatible ``/v1/chat/completions`` endpoint
(llama-cpp-python's ``llama_cpp.server``, llama.cpp's ``llama-server``, vLLM, Ollama).

Requests stream so that a cancelled hover stops the generation; a bearer token is sent when
the variable named by ``remoteApiKeyEnv`` is set (that name comes only from the instructor's
file or the environment, never from an editor) and the URL is https:// or loopback; TLS uses the system's certificates (or
``SSL_CERT_FILE``). After a failure the server is not asked again for a few seconds, so a
student falls back to rules at once, and recovery is automatic when it answers again.

A stream that ends without a ``finish_reason`` was cut short by the server (llama_cpp.server
interrupts a running request when another arrives unless started with
``--interrupt_requests False``): it is reported as ``cancelled`` so that it is never cached.

Which model the server serves is asked once (``load``, off the event loop) from its ``/v1/models``: the
model's id goes into ``name`` (so into every cache key), and the model is ``fine_tuned`` (prompted without
the worked example, its text shown under the default ``modelText``) when the server says so (the
``error_tutor`` field that ``error-tutor lab-server`` adds), or else when that id or ``remoteModel`` is a
fine-tuned catalog name (``--model_alias``/``--served-model-name`` of another server). After a failure it
is asked again; an answer from a model of another revision than the one learnt is not kept.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from error_tutor_server import catalog
from error_tutor_server.errors import TutorError
from error_tutor_server.backend import STOP_SEQUENCES, Generation
from error_tutor_server.prompt import SHOWN_SENTENCES, prefilled, said_enough, shown_sentences

log = logging.getLogger("error_tutor.remote")

RETRY_AFTER_S = 5.0
TIMEOUT_S = 30.0
_NETWORK_ERRORS = (OSError, ValueError, http.client.HTTPException, KeyError, IndexError, TypeError, AttributeError)
REVISION_HEADER = "X-Error-Tutor-Revision"  # lab_proxy's: which model of the lab server answered
# a request field only ``error-tutor lab-server`` reads: stop once the hover has all it shows, and share that
SAID_ENOUGH_FIELD = "error_tutor_said_enough"


@dataclass(frozen=True)
class Served:
    """The model a server serves: its id, whether it is fine-tuned on Error Tutor's explanations, and its
    revision (only ``error-tutor lab-server`` says)."""

    model: str
    fine_tuned: bool
    revision: str = ""
    lab: bool = False  # an ``error-tutor lab-server``: it reads SAID_ENOUGH_FIELD


def catalog_fine_tuned(name: str) -> bool:
    choice = catalog.MODELS.get(name)
    return choice is not None and choice.fine_tuned


def served_model(answer, requested: str = "") -> Served:
    """What a ``/v1/models`` answer says of the model a seat uses: the one named ``requested``, else the
    only one listed (``requested`` unlisted among several: nothing is known but its name)."""
    listed = answer.get("data") if isinstance(answer, dict) else None
    listed = listed if isinstance(listed, list) else []
    entries = [e for e in listed if isinstance(e, dict) and isinstance(e.get("id"), str)]
    named = [e for e in entries if e["id"] == requested] if requested else []
    entry = named[0] if named else entries[0] if len(entries) == 1 else {}
    model = entry.get("id") or requested
    ours = entry.get("error_tutor")
    ours = ours if isinstance(ours, dict) else {}
    said = ours.get("fine_tuned")
    tuned = said if isinstance(said, bool) else catalog_fine_tuned(model) or catalog_fine_tuned(requested)
    return Served(model, tuned, str(ours.get("revision") or ""), bool(ours))


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _http_problem(url: str, exc: urllib.error.HTTPError) -> tuple[str, str]:
    """A failed HTTP status as (problem, fix) a student or instructor can act on."""
    if exc.code in (401, 403):
        return (f"The lab inference server {url} refused the access token (HTTP {exc.code}).",
                "Set the variable named by 'remoteApiKeyEnv' (default ERROR_TUTOR_API_KEY) to the lab's token.")
    if exc.code == 404:
        return (f"The lab inference server {url} has no chat endpoint there (HTTP 404).",
                "Check 'remoteUrl': it usually ends in /v1, like http://lab-server:8000/v1.")
    return (f"The lab inference server {url} failed (HTTP {exc.code} {exc.reason}).",
            "Explanations are rule-based until it answers again; it is retried automatically.")


class RemoteModel:
    """One student's connection to the shared server, one request at a time (a ``backend.Backend``)."""

    recovers = True  # a failure is temporary: keep this backend and retry, do not drop it

    def __init__(self, url: str, model: str = "", api_key: str = "", timeout_s: float = TIMEOUT_S):
        if not url.startswith(("http://", "https://")):
            raise TutorError(f"remoteUrl '{url}' is not an http(s) URL.", "Set it like http://lab-server:8000/v1.")
        self.url = url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.lock = threading.Lock()  # a student's seat sends one request at a time
        self._asking = threading.Lock()  # one /models request at a time
        self._down_until = 0.0
        self._served: Served | None = None  # learnt by load(); forgotten after a failure
        host = urllib.parse.urlsplit(self.url).hostname or ""
        # loopback never goes through an HTTP proxy from the environment
        handlers = [urllib.request.ProxyHandler({})] if is_loopback(host) else []
        self._opener = urllib.request.build_opener(*handlers)
        if api_key and self.url.startswith("http://") and not is_loopback(host):
            log.warning("the access token is not sent to %s: it goes only over https:// or to loopback", host)
            self.api_key = ""

    @classmethod
    def from_settings(cls, settings) -> "RemoteModel":
        return cls(settings.remote_url, settings.remote_model, os.environ.get(settings.remote_api_key_env, ""))

    @property
    def name(self) -> str:
        """The served model's id (and revision) at the URL: part of every cache key."""
        served = self._served
        if served is None:
            return f"{self.model or 'remote'}@{self.url}"
        return f"{served.model or 'remote'}{'#' + served.revision if served.revision else ''}@{self.url}"

    @property
    def fine_tuned(self) -> bool:
        """What the server said (never asked here: this runs on the event loop too); before it has
        said, whether ``remoteModel`` is a fine-tuned catalog name."""
        served = self._served
        return served.fine_tuned if served is not None else catalog_fine_tuned(self.model)

    @property
    def prompt_facts(self) -> str:
        """The facts the served model reads: a catalog model's (an ``error-tutor lab-server`` serves one under
        its catalog name), else the full facts."""
        served = self._served
        return catalog.prompt_facts(served.model if served is not None else self.model)

    @property
    def loaded(self) -> bool:
        """The served model is known (``load`` asked the server since its last failure)."""
        return self._served is not None

    def close(self) -> None:
        """Nothing is held between requests (each one opens its own connection)."""

    @property
    def available(self) -> bool:
        """False during the retry window after a failure."""
        return time.monotonic() >= self._down_until

    def _request(self, path: str, body: dict | None = None) -> urllib.request.Request:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        return urllib.request.Request(self.url + path, data=data, headers=headers)

    def _failure(self, exc: BaseException, what: str) -> TutorError:
        self._down_until = time.monotonic() + RETRY_AFTER_S
        self._served = None  # it may come back serving another model: ask again
        if isinstance(exc, urllib.error.HTTPError):
            return TutorError(*_http_problem(self.url, exc))
        return TutorError(f"The lab inference server {self.url} {what} ({exc or type(exc).__name__}).",
                          "Check remoteUrl and that the server is running; explanations stay rule-based "
                          "meanwhile and it is retried automatically.")

    def load(self) -> "RemoteModel":
        """Ask the server which model it serves (its model list; blocking: call it off the event loop).
        During the retry window after a failure, a TutorError at once."""
        if not self.available:
            raise TutorError("The lab inference server is unavailable.", "Retrying shortly.")
        with self._asking:
            try:
                with self._opener.open(self._request("/models"), timeout=self.timeout_s) as response:
                    served = served_model(json.load(response), self.model)
            except _NETWORK_ERRORS as exc:
                raise self._failure(exc, "does not answer") from None
        if served != self._served:
            log.info("%s serves %s (%s)", self.url, served.model or "an unnamed model",
                     "fine-tuned: no worked example" if served.fine_tuned else "prompted with the worked example")
        self._served, self._down_until = served, 0.0
        return self

    def generate(self, messages: list[dict], max_tokens: int = 160,
                 cancel: threading.Event | None = None) -> Generation:
        """Stream one chat completion; TutorError (fall back to rules) when the server fails."""
        if not self.available:
            raise TutorError("The lab inference server is unavailable.", "Retrying shortly.")
        lab = self._served is not None and self._served.lab
        asked, prefix = prefilled(messages)
        shown = shown_sentences(messages)
        if lab:  # llama-server continues a last assistant message (the answer's start)
            asked = messages
        else:  # another server may not: it is left out, and the model writes that start itself
            prefix = ""
        body = {"messages": asked, "max_tokens": max_tokens, "temperature": 0.0, "stream": True,
                "stop": list(STOP_SEQUENCES)}
        if self.model:
            body["model"] = self.model
        if lab:
            body[SAID_ENOUGH_FIELD] = shown  # it stops there itself, and every seat asking the same shares it
        with self.lock:
            started = time.perf_counter()
            try:
                generation = self._stream(body, cancel, started, prefix, shown)
            except _NETWORK_ERRORS as exc:
                raise self._failure(exc, "failed") from None
            self._down_until = 0.0
            return generation

    def _stream(self, body: dict, cancel: threading.Event | None, started: float, prefix: str = "",
                shown: int = SHOWN_SENTENCES) -> Generation:
        """The streamed answer; one that continues ``prefix`` starts with it (llama-server sends it first)."""
        pieces, finish = [], ""
        with self._opener.open(self._request("/chat/completions", body), timeout=self.timeout_s) as response:
            if self._another_model(response.headers.get(REVISION_HEADER) or ""):
                return Generation("", "cancelled", 0, time.perf_counter() - started, 0)
            for raw in response:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                    continue
                event = json.loads(line[5:])
                if "error" in event:
                    raise ValueError(f"server error: {event['error']}")
                choice = event["choices"][0]
                if (choice.get("delta") or {}).get("content"):
                    pieces.append(choice["delta"]["content"])
                finish = choice.get("finish_reason") or finish
                if said_enough("".join(pieces), shown):  # the rest would not be shown: closing frees the server
                    finish = "stop"
                    break
        if not finish:
            log.info("the server ended the stream without a finish reason (interrupted); not caching it")
            finish = "cancelled"
        text = "".join(pieces)
        text = text if text.startswith(prefix) else prefix + text
        return Generation(text, finish, len(pieces), time.perf_counter() - started, 0)

    def _another_model(self, revision: str) -> bool:
        """The answer comes from another model than the one learnt (the lab server was restarted with
        another): forget it, so that the next request asks again, and keep nothing of this one."""
        served = self._served
        if served is None or revision == served.revision:
            return False
        log.info("%s now answers with another model (revision %s, not %s): asking which", self.url,
                 revision or "none", served.revision or "none")
        self._served = None
        return True
