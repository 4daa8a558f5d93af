"""The lab server's front door: a thin asyncio HTTP proxy in front of llama.cpp's ``llama-server``.

Every seat of a room talks to this proxy; only the proxy talks to ``llama-server`` (on a private loopback
port, with a key of its own). What it adds:

* **the bearer token**: every path but ``/health`` needs ``Authorization: Bearer <token>`` (compared in
  constant time); anything else gets 401;
* **identical cases answered once**: students of one exercise hit the same error in the same code, and
  the seats send greedy requests (``temperature`` 0), whose answer is determined by the request itself.
  A request identical to one in flight joins it (its tokens are streamed to every seat that asked), and
  finished answers are kept in a small LRU cache that answers at once;
* **cancellation**: a seat whose student changed the document closes its connection (``remote.py``
  does); when every seat that wanted a generation has gone, the proxy closes its own connection to
  ``llama-server``, which stops the slot (or drops the queued task). While the answer is not streaming
  yet, SSE comments (``:``) go out every ``PING_S`` so that a seat can notice its own cancellation;
* **the shared prompt prefix**: requests go upstream with ``cache_prompt`` on, so a slot reuses the
  system prompt (and worked example) it already holds;
* **what the seats prompt**: ``/v1/models`` lists the model under its catalog name with an ``error_tutor``
  field, ``{"fine_tuned": ..., "revision": ...}``; a seat prompts a fine-tuned model without the worked
  example, as it was trained, and shows its text under the default ``modelText``. Every chat answer
  carries the revision (``X-Error-Tutor-Revision``), so a seat notices a lab server restarted with
  another model and never caches one model's text under the other's name.

``GET /lab/stats`` (with the token) reports what it did and the CPU time of both processes.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import hmac
import json
import logging
import os
import ssl
import time
from dataclasses import dataclass, field

from error_tutor_server.prompt import SHOWN_SENTENCES, said_enough
from error_tutor_server.remote import REVISION_HEADER, SAID_ENOUGH_FIELD  # what seats read and send

log = logging.getLogger("error_tutor.lab_proxy")

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 1 << 20  # a prompt is a few KB
READ_TIMEOUT_S = 10.0  # a client that sends its request slower than this is dropped
PING_S = 0.25
CHAT_PATH = "/v1/chat/completions"
PUBLIC_PATHS = {"/health", "/v1/health"}
FORWARDED_GETS = {"/v1/models", "/models", "/slots", "/metrics", "/props"}
MODEL_LISTS = {"/v1/models", "/models"}
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 411: "Length Required", 413: "Payload Too Large", 502: "Bad Gateway",
           503: "Service Unavailable"}


def sentences_wanted(value) -> int:
    """A seat's ``error_tutor_said_enough``: how many sentences its hover shows (``true`` from older seats:
    ``SHOWN_SENTENCES``); 0, generate to the end, for anything else."""
    if value is True:
        return SHOWN_SENTENCES
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= SHOWN_SENTENCES else 0


class HttpError(Exception):
    """A request the proxy answers with an error status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


async def read_request(reader: asyncio.StreamReader) -> Request:
    """One HTTP/1.1 request with a Content-Length body (bounded); HttpError for anything else."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
    except asyncio.LimitOverrunError:
        raise HttpError(413, "request headers too large") from None
    except (asyncio.IncompleteReadError, asyncio.TimeoutError):
        raise HttpError(408, "incomplete request") from None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _ = lines[0].split(" ", 2)
    except ValueError:
        raise HttpError(400, "bad request line") from None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HttpError(411, "send a Content-Length")
    declared = headers.get("content-length", "0")
    length = int(declared) if declared.isdigit() else -1
    if length < 0 or length > MAX_BODY_BYTES:
        raise HttpError(413, "request body too large or its length is invalid")
    try:
        body = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT_S) if length else b""
    except (asyncio.IncompleteReadError, asyncio.TimeoutError):
        raise HttpError(408, "incomplete request body") from None
    return Request(method.upper(), target.split("?", 1)[0], headers, body)


def authorized(request: Request, token: str) -> bool:
    """The request carries ``Authorization: Bearer <token>`` (constant-time comparison)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def deterministic(body: dict) -> bool:
    """Greedy decoding of one choice: the answer depends only on the request and the model."""
    temperature = body.get("temperature")
    greedy = (isinstance(temperature, (int, float)) and temperature <= 0) or body.get("top_k") == 1
    return greedy and body.get("n", 1) == 1 and not body.get("logprobs")


def request_key(body: dict, model_id: str) -> str | None:
    """What determines the answer (the model and every field but how it is delivered), hashed; None when
    the answer is sampled and must not be shared."""
    if not deterministic(body):
        return None
    fields = {k: v for k, v in body.items() if k not in ("stream", "stream_options", "cache_prompt", "user")}
    canonical = json.dumps([model_id, fields], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Answer:
    """A finished generation: what a seat receives, and what llama-server said it cost."""

    text: str
    finish: str
    usage: dict = field(default_factory=dict)


class AnswerCache:
    """A bounded LRU of finished answers, by request key."""

    def __init__(self, entries: int):
        self.entries = entries
        self._items: collections.OrderedDict[str, Answer] = collections.OrderedDict()

    def get(self, key: str | None) -> Answer | None:
        if key is None or key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: str | None, answer: Answer) -> None:
        if key is None or self.entries <= 0:
            return
        self._items[key] = answer
        self._items.move_to_end(key)
        while len(self._items) > self.entries:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Flight:
    """One upstream generation and the seats waiting for it; events go to every subscriber's queue,
    the backlog first to a seat that joins late. Events: ("piece", text), ("end", Answer),
    ("fail", status, body) before anything was streamed, ("error", message) after."""

    def __init__(self, key: str | None):
        self.key = key
        self.events: list[tuple] = []
        self.queues: list[asyncio.Queue] = []
        self.task: asyncio.Task | None = None
        self.done = False

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        for event in self.events:
            queue.put_nowait(event)
        self.queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> bool:
        """Drop a seat; True when nobody is left waiting for an unfinished generation."""
        if queue in self.queues:
            self.queues.remove(queue)
        return not self.queues and not self.done

    def publish(self, event: tuple) -> None:
        self.events.append(event)
        self.done = self.done or event[0] in ("end", "fail", "error")
        for queue in self.queues:
            queue.put_nowait(event)


class Upstream:
    """llama-server on a loopback port, asked with its private key; one connection per request, so that
    closing it stops that generation."""

    def __init__(self, host: str, port: int, key: str):
        self.host, self.port, self.key = host, port, key

    async def open(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict, asyncio.StreamReader,
                                                                               asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=MAX_BODY_BYTES)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {self.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
        status_line = (await reader.readline()).split()
        if len(status_line) < 2 or not status_line[1].isdigit():
            raise ConnectionError("llama-server closed the connection without an answer")
        status = int(status_line[1])
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, reader, writer

    async def fetch(self, method: str, path: str, body: bytes = b"") -> tuple[int, str, bytes]:
        """A whole (small) response: status, content type, body."""
        status, headers, reader, writer = await self.open(method, path, body)
        try:
            data = b"".join([chunk async for chunk in body_chunks(reader, headers)])
        finally:
            writer.close()
        return status, headers.get("content-type", "application/json"), data


async def body_chunks(reader: asyncio.StreamReader, headers: dict):
    """A response body as it arrives: chunked transfer encoding, a Content-Length, or until closed."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return
            yield await reader.readexactly(size)
            await reader.readexactly(2)
    elif "content-length" in headers:
        yield await reader.readexactly(int(headers["content-length"]))
    else:
        while chunk := await reader.read(65536):
            yield chunk


async def sse_events(reader: asyncio.StreamReader, headers: dict):
    """The JSON events of a server-sent event stream (``data:`` lines; ``[DONE]`` ends it)."""
    pending = b""
    async for chunk in body_chunks(reader, headers):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line = line.strip()
            if line.startswith(b"data:"):
                data = line[5:].strip()
                if data == b"[DONE]":
                    return
                yield json.loads(data)
            elif line.startswith(b"error:"):
                yield {"error": json.loads(line[6:].strip())}


def model_revision(model_id: str) -> str:
    """A short name for the model's identity (catalog name, base file, adapter's sha256)."""
    return hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:12]


def advertise(body: bytes, fine_tuned: bool, revision: str) -> bytes:
    """llama-server's model list with each model marked ``error_tutor: {fine_tuned, revision}`` (an extra
    field of the OpenAI model object, which clients ignore); the list unchanged when it is not one."""
    try:
        answer = json.loads(body)
        for entry in answer["data"]:
            entry["error_tutor"] = {"fine_tuned": fine_tuned, "revision": revision}
    except (ValueError, KeyError, TypeError):
        return body
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


def chunk_json(model: str, delta: dict, finish: str | None, usage: dict | None = None) -> bytes:
    event = {"id": "chatcmpl-lab", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        event["usage"] = usage
    return b"data: " + json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n\n"


def completion_json(model: str, answer: Answer) -> bytes:
    return json.dumps({"id": "chatcmpl-lab", "object": "chat.completion", "created": int(time.time()), "model": model,
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                                    "finish_reason": answer.finish}], "usage": answer.usage},
                      ensure_ascii=False).encode("utf-8")


def response_head(status: int, content_type: str, extra: dict | None = None, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", f"Content-Type: {content_type}",
             "Cache-Control: no-cache", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def error_body(status: int, message: str) -> bytes:
    kind = "authentication_error" if status == 401 else "invalid_request_error"
    return json.dumps({"error": {"message": message, "type": kind, "code": status}}).encode("utf-8")


async def closed(reader: asyncio.StreamReader) -> None:
    """Returns when the peer closes its side (it sends nothing after its request) or resets it."""
    try:
        await reader.read(1)
    except (ConnectionError, OSError):
        pass


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), NaN when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


class LabProxy:
    """The asyncio server in front of one llama-server (see the module's docstring)."""

    def __init__(self, upstream: Upstream, token: str, model_id: str, model_name: str, cache_entries: int = 2048,
                 engine_pid: int | None = None, fine_tuned: bool = False):
        self.upstream = upstream
        self.token = token
        self.model_id = model_id  # the model's identity, part of every key
        self.model_name = model_name  # what answers call the model
        self.fine_tuned = fine_tuned  # trained on Error Tutor's explanations: seats send no worked example
        self.revision = model_revision(model_id)
        self.cache = AnswerCache(cache_entries)
        self.flights: dict[str, Flight] = {}
        self.engine_pid = engine_pid
        self.stats = collections.Counter()
        self.started = time.monotonic()

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> asyncio.Server:
        return await asyncio.start_server(self.handle, host, port, ssl=ssl_context, limit=MAX_HEADER_BYTES,
                                          backlog=512)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, one request; the connection closes after the answer."""
        try:
            request = await read_request(reader)
            await self.route(request, reader, writer)
        except HttpError as exc:
            await self.send(writer, exc.status, error_body(exc.status, str(exc)))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the seat went away
        except asyncio.CancelledError:
            pass  # the lab server is stopping
        except Exception:  # one bad request never stops the room's server
            log.exception("request failed")
            self.stats["proxy_errors"] += 1
            await self.send(writer, 502, error_body(502, "the lab server failed; see its log"))
        finally:
            writer.close()

    async def send(self, writer: asyncio.StreamWriter, status: int, body: bytes,
                   content_type: str = "application/json", extra: dict | None = None) -> None:
        try:
            writer.write(response_head(status, content_type, extra, len(body)) + body)
            await writer.drain()
        except ConnectionError:
            pass

    async def route(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if request.path in PUBLIC_PATHS:
            status, content_type, body = await self.upstream.fetch("GET", "/health")
            return await self.send(writer, status, body, content_type)
        if not authorized(request, self.token):
            self.stats["unauthorized"] += 1
            raise HttpError(401, "Invalid or missing access token (send Authorization: Bearer <token>).")
        if request.path == "/lab/stats" and request.method == "GET":
            return await self.send(writer, 200, json.dumps(self.report()).encode("utf-8"))
        if request.path in FORWARDED_GETS and request.method == "GET":
            status, content_type, body = await self.upstream.fetch("GET", request.path)
            if request.path in MODEL_LISTS and status == 200:
                body = advertise(body, self.fine_tuned, self.revision)
            return await self.send(writer, status, body, content_type)
        if request.path in (CHAT_PATH, "/chat/completions"):
            if request.method != "POST":
                raise HttpError(405, "POST a chat completion")
            return await self.chat(request, reader, writer)
        raise HttpError(404, f"no such endpoint: {request.path}")

    def report(self) -> dict:
        """What the proxy did, and the CPU seconds of both processes."""
        return {**self.stats, "cache_entries": len(self.cache), "in_flight": len(self.flights), "engine_pid": self.engine_pid,
                "uptime_s": time.monotonic() - self.started, "proxy_cpu_s": process_cpu_s(os.getpid()),
                "engine_cpu_s": process_cpu_s(self.engine_pid) if self.engine_pid else float("nan")}

    def join(self, body: dict) -> tuple[Flight, str]:
        """The flight that answers ``body``: the cache, an identical one in flight, or a new generation."""
        key = request_key(body, self.model_id)
        self.stats["requests"] += 1
        cached = self.cache.get(key)
        if cached is not None:
            self.stats["cache_hits"] += 1
            flight = Flight(key)
            flight.publish(("piece", cached.text))
            flight.publish(("end", cached))
            return flight, "hit"
        if key is not None and key in self.flights:
            self.stats["shared"] += 1
            return self.flights[key], "shared"
        flight = Flight(key)
        if key is not None:
            self.flights[key] = flight
        flight.task = asyncio.create_task(self.generate(flight, body))
        return flight, "miss"

    async def chat(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            body = json.loads(request.body)
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                raise ValueError("no messages")
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, "the body must be a JSON chat completion request with messages") from None
        flight, how = self.join(body)
        queue = flight.subscribe()
        gone = asyncio.ensure_future(closed(reader))  # the seat closes its connection to cancel
        try:
            if body.get("stream"):
                await self.stream_to(writer, queue, gone, how)
            else:
                await self.answer_to(writer, queue, gone, how)
        finally:
            gone.cancel()
            if not flight.done:
                self.stats["seat_cancelled"] += 1  # it went away before its answer was complete
            if flight.unsubscribe(queue):
                self.abandon(flight)

    def abandon(self, flight: Flight) -> None:
        """Nobody wants this generation any more: forget it at once (a seat asking the same again starts
        afresh) and close its connection, which makes llama-server stop the slot or drop the queued task."""
        if flight.key is not None and self.flights.get(flight.key) is flight:
            del self.flights[flight.key]
        if flight.task is not None:
            flight.task.cancel()

    async def next_event(self, queue: asyncio.Queue, gone: asyncio.Future, timeout: float | None) -> tuple | None:
        """The flight's next event; None after ``timeout``; ConnectionError when the seat has gone."""
        getter = asyncio.ensure_future(queue.get())
        done, _ = await asyncio.wait({getter, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        if gone in done:
            raise ConnectionError("the seat closed its connection")
        return None

    def answer_headers(self, how: str) -> dict:
        """How the answer was found, and which model gave it."""
        return {"X-Error-Tutor-Cache": how, REVISION_HEADER: self.revision}

    async def answer_to(self, writer, queue, gone, how: str) -> None:
        """A non-streaming request: the whole answer as one JSON object."""
        while True:
            event = await self.next_event(queue, gone, None)
            if event[0] == "end":
                body = completion_json(self.model_name, event[1])
                return await self.send(writer, 200, body, extra=self.answer_headers(how))
            if event[0] == "fail":
                return await self.send(writer, event[1], event[2])
            if event[0] == "error":
                return await self.send(writer, 502, error_body(502, event[1]))

    async def stream_to(self, writer, queue, gone, how: str) -> None:
        """A streaming request: the pieces as they come (a backlog at once), pings while none do."""
        writer.write(response_head(200, "text/event-stream", self.answer_headers(how)))
        while True:
            event = await self.next_event(queue, gone, PING_S)
            if event is None:
                writer.write(b":\n\n")
            elif event[0] == "piece":
                writer.write(chunk_json(self.model_name, {"content": event[1]}, None))
            elif event[0] == "end":
                writer.write(chunk_json(self.model_name, {}, event[1].finish, event[1].usage) + b"data: [DONE]\n\n")
            else:  # the upstream failed: an error event, as llama-server sends one mid-stream
                message = event[1] if event[0] == "error" else event[2].decode("utf-8", "replace")
                writer.write(b"data: " + json.dumps({"error": {"message": message, "code": 502}}).encode() + b"\n\n")
            await writer.drain()
            if event is not None and event[0] != "piece":
                return

    async def generate(self, flight: Flight, body: dict) -> None:
        """Run one generation upstream, publishing its pieces; cache it when it finished."""
        upstream_body = {**body, "stream": True, "stream_options": {"include_usage": True},
                         "cache_prompt": body.get("cache_prompt", True)}
        upstream_body.pop(SAID_ENOUGH_FIELD, None)
        self.stats["upstream"] += 1
        writer = None
        try:
            status, headers, reader, writer = await self.upstream.open(
                "POST", CHAT_PATH, json.dumps(upstream_body).encode("utf-8"))
            if status != 200:
                data = b"".join([chunk async for chunk in body_chunks(reader, headers)])
                self.stats["upstream_errors"] += 1
                return flight.publish(("fail", status, data or error_body(status, "llama-server refused")))
            answer = await self.relay(flight, reader, headers, sentences_wanted(body.get(SAID_ENOUGH_FIELD)))
            if answer.finish in ("stop", "length"):
                self.cache.put(flight.key, answer)
            flight.publish(("end", answer))
        except asyncio.CancelledError:
            self.stats["upstream_cancelled"] += 1
            raise
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            self.stats["upstream_errors"] += 1
            log.warning("llama-server failed: %r", exc)
            flight.publish(("error", f"llama-server failed ({exc or type(exc).__name__})"))
        finally:
            if writer is not None:
                writer.close()
            if flight.key is not None and self.flights.get(flight.key) is flight:
                del self.flights[flight.key]

    async def relay(self, flight: Flight, reader: asyncio.StreamReader, headers: dict, enough: int = 0) -> Answer:
        """Publish each piece of llama-server's stream; the finished answer with its usage and timings.
        ``enough``: a seat's request that stops once the hover has the ``enough`` sentences it shows. The answer
        ends here, in the same step as the piece that completed it, so that it is cached and shared
        (every seat would close its stream at that piece, which would abandon an unfinished one)."""
        pieces, finish, usage = [], "", {}
        async for event in sse_events(reader, headers):
            if "error" in event:
                raise ValueError(f"llama-server error: {event['error']}")
            for choice in event.get("choices", []):
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    pieces.append(piece)
                    flight.publish(("piece", piece))
                finish = choice.get("finish_reason") or finish
            usage = event.get("usage") or usage
            if "timings" in event:
                self.account(event["timings"])
                usage = {**usage, "timings": event["timings"]}
            if enough and said_enough("".join(pieces), enough):
                finish, usage = "stop", {**usage, "completion_tokens": len(pieces)}
                self.stats["said_enough"] += 1
                break
        if not finish:
            raise ValueError("llama-server ended the stream without a finish reason")
        self.stats["completed"] += 1
        timings = usage.get("timings", {})
        if "completion_tokens" not in usage and timings:
            prompt = int(timings.get("prompt_n", 0) + timings.get("cache_n", 0))
            predicted = int(timings.get("predicted_n", 0))
            usage = {**usage, "prompt_tokens": prompt, "completion_tokens": predicted, "total_tokens": prompt + predicted}
        return Answer("".join(pieces), finish, usage)

    def account(self, timings: dict) -> None:
        """llama-server's own figures: tokens generated and read, and how many came from its prompt cache."""
        self.stats["tokens_predicted"] += int(timings.get("predicted_n", 0))
        self.stats["prompt_tokens_processed"] += int(timings.get("prompt_n", 0))
        self.stats["prompt_tokens_cached"] += int(timings.get("cache_n", 0))
        self.stats["generation_ms"] += int(timings.get("predicted_ms", 0) + timings.get("prompt_ms", 0))
