"""Everything the language server keeps and does, apart from the protocol handlers.

The handlers in ``lsp.py`` call these methods; pure helpers (``diagnostic_at``,
``to_lsp_diagnostic``) are what unit tests call directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from error_tutor_server.analysis import analyse
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.errors import TutorError
from error_tutor_server.render import cascade_root, render_markdown
from error_tutor_server.jobs import ExplanationJobs
from error_tutor_server.lab_config import lab_policy
from error_tutor_server.languages import LANGUAGES, language_of
from error_tutor_server.settings import TutorSettings, unwrap_section
from error_tutor_server.backend import Backend, make_backend
from error_tutor_server.cache import GenerationCache
from error_tutor_server.case import Case
from error_tutor_server.paths import cache_dir
from error_tutor_server.tutor import Tutor, open_cache
from error_tutor_server import warm_javac

log = logging.getLogger("error_tutor.server")

MAX_PREFETCH = 8
MAX_PREFETCH_REMOTE = 1  # many seats share one lab server: only the first diagnostic ahead of time
EXPLAIN_COMMAND_WAIT_S = 60.0
BACKEND_FIELDS = ("backend", "model_path", "adapter_path", "threads", "gpu_layers", "remote_url",
                  "remote_model", "remote_api_key_env")
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "note": types.DiagnosticSeverity.Information}
STATUS_NOTIFICATION = "errorTutor/status"


@dataclass
class Document:
    uri: str
    language: str
    version: int | None = None
    text: str = ""
    diagnostics: list[CompilerDiagnostic] = field(default_factory=list)
    checked_version: int | None = None
    task: asyncio.Task | None = None


def plain(value):
    """JSON-like data as dicts and lists (pygls may hand over namedtuples for unknown objects)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def diagnostic_at(diagnostics: list[CompilerDiagnostic], line: int, character: int) -> int | None:
    """Index of the diagnostic under a 0-based position: the narrowest range holding it
    (ranges are widened by one character each side, since carets are often one wide)."""
    best, best_width = None, None
    for index, d in enumerate(diagnostics):
        start, end = (d.line - 1, d.column - 2), (d.end_line - 1, max(d.end_column - 1, d.column))
        if start <= (line, character) <= end:
            width = (end[0] - start[0]) * 10_000 + end[1] - start[1]
            if best_width is None or width < best_width:
                best, best_width = index, width
    return best


def to_lsp_diagnostic(d: CompilerDiagnostic, source: str) -> types.Diagnostic:
    start = types.Position(line=max(d.line - 1, 0), character=max(d.column - 1, 0))
    end = types.Position(line=max(d.end_line - 1, 0), character=max(d.end_column - 1, d.column))
    return types.Diagnostic(range=types.Range(start=start, end=end), message=d.message,
                            severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Error),
                            source=source, code=d.code or None)


class TutorServerState:
    def __init__(self, ls) -> None:
        self.ls = ls
        self.settings = TutorSettings()
        self.client_locale = ""
        self.tutor: Tutor | None = None  # one per server, replaced only by ``_use``
        self._cache: tuple[Path, GenerationCache] | None = None
        self.jobs: ExplanationJobs | None = None
        self.documents: dict[str, Document] = {}
        self.model_state = "loading"
        self.model_detail = ""
        self._shown: set[str] = set()
        self._load_task: asyncio.Task | None = None
        self.stopping = False
        self.warm_javac = None

    # -- settings and start-up -------------------------------------------------------------
    def configure_from_initialize(self, options, locale: str) -> None:
        self.client_locale = locale
        options = plain(options)
        self._apply_settings(options if isinstance(options, dict) else None)

    def start(self) -> None:
        self.jobs = ExplanationJobs()
        # Java's checks in one long-lived JVM, built in the cache folder (warm_javac.py)
        self.warm_javac = warm_javac.install(warm_javac.WarmJavac(cache_dir(self.settings.cache_dir)))
        self._reload_backend()
        caps = self.ls.client_capabilities.workspace
        if caps is not None and caps.configuration:
            params = types.ConfigurationParams(items=[types.ConfigurationItem(section="errorTutor")])
            self.ls.workspace_configuration(params, callback=self._on_configuration_reply)

    def _on_configuration_reply(self, result, *args) -> None:
        result = plain(result)
        if isinstance(result, list) and result and isinstance(result[0], dict):
            self.configuration_changed({"errorTutor": result[0]})

    def configuration_changed(self, payload) -> None:
        payload = unwrap_section(plain(payload))
        if not isinstance(payload, dict) or not payload:
            return
        old = self.settings
        self._apply_settings(payload, base=TutorSettings())
        if any(getattr(old, f) != getattr(self.settings, f) for f in BACKEND_FIELDS):
            self._reload_backend()
        else:
            self._use(self.tutor.backend if self.tutor else None)
        for doc in list(self.documents.values()):
            self.schedule_check(doc.uri, doc.version, doc.text, doc.language, debounce=False)

    def _apply_settings(self, raw: dict | None, base: TutorSettings | None = None) -> None:
        self.settings, warnings = lab_policy().apply(raw, base or self.settings)  # instructor's locks win
        for warning in warnings:
            self.show(warning, types.MessageType.Warning)
        if self.tutor is None:
            self._use(None)

    def _use(self, backend: Backend | None) -> Tutor:
        """The one place the server's Tutor is replaced (new settings, or another backend). The
        generation cache stays open across replacements unless ``cacheDir`` changes; a backend
        that is replaced is closed off the event loop, once its generation in progress stops."""
        old = self.tutor.backend if self.tutor is not None else None
        if old is not None and old is not backend:
            asyncio.get_running_loop().run_in_executor(None, old.close)
        folder = cache_dir(self.settings.cache_dir)
        if self._cache is None or self._cache[0] != folder:
            self._cache = (folder, open_cache(self.settings))
        self.tutor = Tutor(self.settings, backend, client_locale=self.client_locale, cache=self._cache[1])
        return self.tutor

    def _reload_backend(self) -> None:
        if self.jobs is not None:
            self.jobs.cancel_where(lambda key: True)  # queued for the backend that is going away
        try:
            backend = make_backend(self.settings)
        except TutorError as exc:
            self._use(None)
            self._set_status("error", str(exc))
            self.show(f"{exc} Explanations will be rule-based until this is fixed.", types.MessageType.Warning)
            return
        if self._load_task is not None:
            self._load_task.cancel()
        self._load_task = asyncio.get_running_loop().create_task(self._load_model(self._use(backend)))

    async def _load_model(self, tutor: Tutor) -> None:
        if tutor.backend is None:
            self._set_status("rules", "rule-based explanations only")
            return
        self._set_status("loading", tutor.backend.name)
        token = f"error-tutor-load-{time.monotonic_ns()}"
        progress = await self._begin_progress(token, f"Error Tutor: loading {tutor.backend.name}")
        try:
            started = time.perf_counter()
            await asyncio.to_thread(tutor.backend.load)
            self._set_status("ready", f"{tutor.backend.name} ({time.perf_counter() - started:.1f} s)")
        except Exception as exc:  # a broken model must never take the server down
            message = str(exc) if isinstance(exc, TutorError) else f"The model failed to load ({exc})."
            log.exception("model load failed") if not isinstance(exc, TutorError) else log.warning(message)
            if self.tutor is tutor and not tutor.backend.recovers:  # a lab server may come back
                self._use(None)
            self._set_status("error", message)
            self.show(f"{message} Explanations will be rule-based.", types.MessageType.Warning)
        finally:
            if progress and not self.stopping:
                self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=self.model_state))

    async def _begin_progress(self, token: str, title: str) -> bool:
        window = self.ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return False
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 2.0)
        except Exception:  # the client may not answer; progress is optional
            return False
        self.ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        return True

    def _set_status(self, state: str, detail: str = "") -> None:
        self.model_state, self.model_detail = state, detail
        log.info("model %s: %s", state, detail)
        if not self.stopping:
            self.ls.protocol.notify(STATUS_NOTIFICATION, {"state": state, "detail": detail})

    def status(self) -> dict:
        return {"state": self.model_state, "detail": self.model_detail,
                "settings": dataclasses.asdict(self.settings), "documents": len(self.documents),
                "pending": self.ls.protocol.pending_messages()}  # requests and notifications in flight

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Tell the user once per distinct message; always log it."""
        log.warning(message)
        if message not in self._shown:
            self._shown.add(message)
            self.ls.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- diagnostics ---------------------------------------------------------------------------
    def schedule_check(self, uri: str, version: int | None, text: str, language_id: str, *, debounce: bool) -> None:
        language = language_of(uri, language_id)
        if language is None or language not in self.settings.enabled_languages:
            return
        doc = self.documents.setdefault(uri, Document(uri, language))
        doc.version, doc.text, doc.language = version, text, language
        if doc.task is not None:
            doc.task.cancel()  # kills a compiler still running for an older version
        if self.jobs is not None:
            self.jobs.cancel_where(lambda key: key[0] == uri)
        delay = self.settings.debounce_ms / 1000 if debounce else 0.0
        # typing gets the fast syntax pass; open, save and new settings the deeper one too (analysis.py)
        doc.task = asyncio.get_running_loop().create_task(self._check(doc, version, text, delay, deep=not debounce))

    async def _check(self, doc: Document, version: int | None, text: str, delay: float, deep: bool = False) -> None:
        if delay:
            await asyncio.sleep(delay)
        path = Path(to_fs_path(doc.uri) or "main")
        include_dir = str(path.parent) if path.parent.is_dir() else None
        try:
            analysis = await analyse(doc.language, text, self.settings, filename=path.name, include_dir=include_dir,
                                     deep=deep)
            diagnostics = analysis.diagnostics
            if analysis.notice:
                self.show(analysis.notice)  # once per distinct message
        except TutorError as exc:
            self.show(str(exc))
            diagnostics = []
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("checking %s failed", doc.uri)
            diagnostics = []
        if doc.version != version or self.documents.get(doc.uri) is not doc:
            return  # a newer version is on its way
        doc.diagnostics, doc.checked_version = diagnostics, version
        source = LANGUAGES[doc.language].diagnostic_source(self.settings)
        self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=doc.uri, version=version, diagnostics=[to_lsp_diagnostic(d, source) for d in diagnostics]))
        self._prefetch(doc)

    def _prefetch(self, doc: Document) -> None:
        if self.settings.exam_mode or self.jobs is None or self.tutor is None or self.tutor.backend is None:
            return
        limit = MAX_PREFETCH_REMOTE if self.settings.backend == "remote" else MAX_PREFETCH  # a shared server
        tutor, text = self.tutor, doc.text
        for index, diagnostic in enumerate(doc.diagnostics[:limit]):
            # the case is built in the worker thread with the rest of the work, off the event loop
            self.jobs.submit((doc.uri, doc.version, index),
                             lambda cancel, d=diagnostic: tutor.explain(tutor.case(d, text), cancel))

    def close(self, uri: str) -> None:
        doc = self.documents.pop(uri, None)
        if doc and doc.task:
            doc.task.cancel()
        if self.jobs is not None:
            self.jobs.cancel_where(lambda key: key[0] == uri)
        self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- explanations ------------------------------------------------------------------------------
    def _find(self, uri: str, position: types.Position) -> tuple[Document, int] | None:
        doc = self.documents.get(uri)
        if doc is None or self.settings.exam_mode or doc.checked_version != doc.version:
            return None
        index = diagnostic_at(doc.diagnostics, position.line, position.character)
        return None if index is None else (doc, index)

    async def explain_at(self, uri: str, position: types.Position, wait: bool = False) -> str | None:
        found = self._find(uri, position)
        if found is None:
            return None
        doc, index = found
        tutor = self.tutor
        case = tutor.case(doc.diagnostics[index], doc.text)
        explanation = tutor.cached(case)
        if explanation is None and tutor.backend is not None and self.jobs is not None:
            explanation = await self._await_model(tutor, case, (doc.uri, doc.version, index), wait)
        if explanation is None:
            explanation = tutor.rules(case)
        return render_markdown(explanation, case.diagnostic, doc.text, tutor.locale, cascade_root(doc.diagnostics, index),
                               panel=wait)  # the explain command fills a panel; a hover stays compact

    async def _await_model(self, tutor: Tutor, case: Case, key: tuple, wait: bool):
        job = self.jobs.submit(key, partial(tutor.explain, case), front=True, prefetched=False)
        budget = EXPLAIN_COMMAND_WAIT_S if wait else self.settings.hover_budget_ms / 1000
        try:
            return await asyncio.wait_for(asyncio.shield(job.future), budget)
        except asyncio.TimeoutError:
            return tutor.rules(case, "rules_pending")
        except asyncio.CancelledError:
            if not job.prefetched:
                self.jobs.cancel_job(job)  # the cancelled hover was the only one that wanted it
            raise
        except Exception:
            log.exception("explanation failed")
            return None

    async def rate(self, uri: str, position: types.Position, helpful: bool) -> dict:
        """Store a rating off the event loop: a feedback file locked by another process makes the
        write wait (busy timeout and retries, up to about a minute), and hovers must not."""
        found = self._find(uri, position)
        if found is None:
            return {"stored": False, "reason": "no diagnostic at that position"}
        from error_tutor_server.feedback import record_rating

        doc, index = found
        return await asyncio.to_thread(record_rating, self.settings, self.tutor, doc.diagnostics[index], doc.text,
                                       helpful)

    async def stop(self) -> None:
        self.stopping = True
        if self._load_task is not None:
            self._load_task.cancel()
        if self.jobs is not None:
            await self.jobs.close()
        for doc in self.documents.values():
            if doc.task:
                doc.task.cancel()
        await warm_javac.uninstall()  # no JVM outlives the server
