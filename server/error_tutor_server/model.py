"""The model runtime: one llama.cpp model behind one lock, with a thread policy for busy labs.

A ``Llama`` object is not thread-safe, so every call takes ``self.lock``. Generation streams
token by token and stops as soon as its ``cancel`` event is set (hover cancelled, document
changed). Loading never writes to stdout: llama.cpp's logs are silenced and the stdio
language server keeps its protocol stream on a private file descriptor (see ``lsp.serve``).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from pathlib import Path

from error_tutor_server.backend import STOP_SEQUENCES, Generation
from error_tutor_server.prompt import PROMPT_FACTS, prefilled, said_enough, shown_sentences
from error_tutor_server.errors import TutorError
from error_tutor_server import catalog, merged
from error_tutor_server.gguf_header import GGUFFormatError, read_metadata

log = logging.getLogger("error_tutor.model")

GGUF_MAGIC = b"GGUF"
# prompt lookup decoding: up to this many next tokens drafted from the prompt's own text (an n-gram match) and
# checked in one batch. Off: a batch's arithmetic differs from one token's in the last bits, and where this small
# model's next token is nearly tied that changes its words. On the checking halves the texts it changed lost a
# word ("javac only notice a missing one"; "`>=` come from other languages", wrong for all three readers of the
# audit) for ~15% less time (benchmarks/bench_student_model.py --lookup 6). A larger model may afford it.
LOOKUP_TOKENS = 0


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def busy_processes() -> int:
    """Other runnable tasks right now (from /proc/loadavg), not counting this one."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            running = int(handle.read().split()[3].split("/")[0])
        return max(running - 1, 0)
    except (OSError, ValueError, IndexError):
        return 0


def choose_threads(setting: int, cores: int | None = None, busy: int | None = None) -> int:
    """Threads for the next generation.

    llama.cpp's worker threads wait for each other at every layer: when another process holds
    a core, a thread that is descheduled stalls all of them (2 threads beside 2 busy processes
    fall from ~80 to ~1 token/s on 2 cores, while 1 thread keeps ~7). So use only the cores
    nobody else is using, and never more than 4 (more gives little for a model this small).
    """
    if setting > 0:
        return setting
    cores = cpu_count() if cores is None else cores
    busy = busy_processes() if busy is None else busy
    return max(1, min(cores - busy, cores, 4))


def validate_gguf(path: Path, what: str = "model") -> Path:
    """Fail with a clear message unless ``path`` is a readable GGUF file."""
    setting = "modelPath" if what == "model" else "adapterPath"
    if not path.is_file():
        raise TutorError(f"The {what} file '{path}' does not exist.", f"Fix '{setting}', or leave it empty for the default.")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise TutorError(f"The {what} file '{path}' cannot be read ({exc.strerror}).", "Check its permissions.") from None
    if magic != GGUF_MAGIC:
        raise TutorError(f"'{path}' is not a GGUF file.", f"Point '{setting}' at a .gguf {what} (convert others with `error-tutor export`).")
    return path


@functools.cache
def route_llama_logs():
    """llama.cpp's own log lines go to this module's logger at DEBUG, never to stderr: llama-cpp-python's
    callback prints continuation lines whatever the level (a LoRA's ~170 "cannot use buft" lines on every
    load, in `error-tutor explain` and in an editor's log). Returns the callback, which must stay alive."""
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def to_debug_log(level, text, user_data):
        log.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())

    llama_cpp.llama_log_set(to_debug_log, ctypes.c_void_p(0))
    return to_debug_log


def architecture_of(path: Path) -> str:
    """``general.architecture`` of a GGUF file ("" when its header cannot be read: llama.cpp will say why)."""
    try:
        return str(read_metadata(path).get("general.architecture", ""))
    except (OSError, GGUFFormatError):
        return ""


def recorded_prompt_facts(path: Path) -> str:
    """``error_tutor.prompt_facts`` of an exported adapter or merged model: "full" when it says none."""
    try:
        value = str(read_metadata(path).get("error_tutor.prompt_facts", "full"))
    except (OSError, GGUFFormatError):
        return "full"
    return value if value in PROMPT_FACTS else "full"


def check_adapter_fits(base: Path, adapter: Path) -> None:
    """llama.cpp applies a LoRA adapter trained on another base without a word (and then writes
    nonsense): an adapter exported by Error Tutor names its base's sha256, which must be this one's."""
    try:
        metadata = read_metadata(adapter)
    except (OSError, GGUFFormatError) as exc:
        raise TutorError(f"The adapter '{adapter}' cannot be read ({exc}).", "Re-export it or clear 'adapterPath'.") from None
    if metadata.get("general.type", "adapter") != "adapter":
        raise TutorError(f"'{adapter}' is a model, not a LoRA adapter.", "Point 'adapterPath' at an adapter GGUF.")
    recorded = str(metadata.get("error_tutor.base_sha256", ""))
    if recorded:
        fits = recorded == catalog.base_sha256(base)
        trained_on = metadata.get("error_tutor.base_model") or recorded[:12]
    else:  # another tool's adapter: at least the architecture must be the base's
        architecture = str(metadata.get("general.architecture", ""))
        fits = architecture in ("", architecture_of(base) or architecture)
        trained_on = f"a {architecture} model"
    if not fits:
        raise TutorError(f"The adapter {adapter.name} was trained on {trained_on}, not on {base.name}.",
                         "Choose the model it belongs to, or clear 'adapterPath'.")


@functools.cache
def drafting_llama():
    """``llama_cpp.Llama`` for prompt lookup decoding, asking llama.cpp for the logits of every token of a draft's
    batch (sampling checks each drafted token) but only the last of a prompt's (the only one sampled there):
    llama-cpp-python asks for all of them whenever a draft model is set, ~14% more work per prompt token and an
    output buffer as long as the prompt."""
    import llama_cpp

    class DraftingLlama(llama_cpp.Llama):
        def eval(self, tokens):
            every = self._logits_all
            self._logits_all = len(tokens) <= self.draft_model.num_pred_tokens + 1  # a sampled token and its draft
            try:
                super().eval(tokens)
            finally:
                self._logits_all = every
    return DraftingLlama


class LocalModel:
    """A GGUF model run in-process by llama.cpp (a ``backend.Backend``)."""

    recovers = False  # a model that fails to load will not load on the next try either

    def __init__(self, model_path: str = "", adapter_path: str = "", threads: int = 0,
                 gpu_layers: int = 0, n_ctx: int = 2048, seed: int = 0, model: str = "smollm2-135m",
                 lookup: int = LOOKUP_TOKENS):
        """``model_path`` (a GGUF file) or else ``model`` (a catalog name: its base, and its shipped
        adapter when it is a fine-tuned one); ``adapter_path`` replaces any shipped adapter. A shipped
        adapter merged into its base at set-up (``merged``) loads as that one file, when it is fresh."""
        shipped = None
        if model_path:
            self.path = validate_gguf(Path(model_path))
        else:
            self.path, shipped = catalog.resolve(model)
        self.adapter = validate_gguf(Path(adapter_path), "adapter") if adapter_path else shipped
        self.merged = merged.find(model, self.path, shipped) if shipped and not adapter_path else None
        # the facts it was trained to read: a shipped adapter's from the catalog, another's from its export
        self.prompt_facts = (catalog.prompt_facts(model) if shipped and not adapter_path
                             else recorded_prompt_facts(self.adapter or self.path))
        self.threads_setting = threads
        self.gpu_layers = gpu_layers
        self.n_ctx = n_ctx
        self.seed = seed
        self.lookup = lookup
        self.lock = threading.Lock()
        self._llama = None
        self._chat_template = None  # the loaded model's own (chat_template), to continue a prefilled answer
        self._closed = False

    @property
    def name(self) -> str:
        if self.merged is not None:
            return self.merged.name
        return self.path.name + (f" + {self.adapter.name}" if self.adapter else "")

    @functools.cached_property
    def fine_tuned(self) -> bool:
        """A LoRA adapter is applied, or the GGUF was exported from one (``error_tutor.adapter_sha256`` in
        its header, read before loading, so the cache and the prompt know it from the first hover): such a
        model is prompted without the worked example, as it was trained."""
        if self.adapter:
            return True
        if catalog.base_at(self.path) is not None:
            return False
        try:
            return "error_tutor.adapter_sha256" in read_metadata(self.path)
        except (OSError, GGUFFormatError):
            return False

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def load(self) -> "LocalModel":
        """Load the weights (seconds; call it off the event loop). Idempotent."""
        with self.lock:
            if self._closed:
                raise TutorError(f"The model {self.name} was replaced by another.", "Ask again: the new one answers.")
            if self._llama is None:
                self._llama = self._create()
                self._chat_template = chat_template(self._llama)
        return self

    def close(self) -> None:
        """Free the weights once the generation in progress (if any) has finished."""
        with self.lock:
            self._closed = True
            if self._llama is not None:
                self._llama.close()
                self._llama, self._chat_template = None, None

    def _create(self):
        if self.merged is not None:
            try:
                return self._llama_for(self.merged, None)
            except TutorError as error:
                log.warning("the merged file %s did not load (%s); running %s + %s instead",
                            self.merged.name, error, self.path.name, self.adapter.name)
                self.merged = None
        if self.adapter:
            check_adapter_fits(self.path, self.adapter)
        return self._llama_for(self.path, self.adapter)

    def _llama_for(self, path: Path, adapter: Path | None):
        import llama_cpp

        route_llama_logs()
        started = time.perf_counter()
        threads = choose_threads(self.threads_setting)
        drafting, kind = {}, llama_cpp.Llama
        if self.lookup > 0:
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            # logits_all: a row of scores for every position (its rows are only written, so only paid for, for drafts)
            drafting = {"logits_all": True,
                        "draft_model": LlamaPromptLookupDecoding(num_pred_tokens=self.lookup, max_ngram_size=3)}
            kind = drafting_llama()
        try:
            llama = kind(
                model_path=str(path), lora_path=str(adapter) if adapter else None,
                n_ctx=self.n_ctx, n_threads=threads, n_threads_batch=threads, n_gpu_layers=self.gpu_layers,
                seed=self.seed, verbose=False, **drafting)
        except (ValueError, RuntimeError, OSError) as exc:
            raise TutorError(f"llama.cpp could not load '{path}' ({exc}).",
                             "The file may be corrupt or truncated: re-export or re-install it, or clear 'modelPath'.") from None
        log.info("loaded %s in %.2f s (%d threads)", self.name, time.perf_counter() - started, threads)
        return llama

    def _apply_threads(self) -> int:
        import llama_cpp

        threads = choose_threads(self.threads_setting)
        llama_cpp.llama_set_n_threads(self._llama.ctx, threads, threads)
        return threads

    def generate(self, messages: list[dict], max_tokens: int = 160,
                 cancel: threading.Event | None = None) -> Generation:
        """Greedy chat completion; stops early when ``cancel`` is set. A last assistant message is the
        answer's start (``prompt.prefilled``): the model continues it, and the text includes it."""
        self.load()
        with self.lock:
            threads = self._apply_threads()
            started = time.perf_counter()
            prefix, stream = self._stream(messages, max_tokens)
            pieces, finish, tokens, shown = [prefix], "stop", 0, shown_sentences(messages)
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                choice = chunk["choices"][0]
                piece = choice.get("text") if "text" in choice else choice.get("delta", {}).get("content")
                if piece:
                    pieces.append(piece)
                    tokens += 1
                    if said_enough("".join(pieces), shown):  # the rest would not be shown
                        finish = "stop"
                        break
                finish = choice.get("finish_reason") or finish
            stream.close()
            return Generation("".join(pieces), finish, tokens, time.perf_counter() - started, threads)

    def _stream(self, messages: list[dict], max_tokens: int):
        """The prefilled start ("" if none) and llama.cpp's stream of what follows it."""
        asked, prefix = prefilled(messages)
        options = {"max_tokens": max_tokens, "temperature": 0.0, "top_k": 1, "stream": True}
        if not prefix or self._chat_template is None:  # nothing to continue, or no template to continue within
            return "", self._llama.create_chat_completion(messages=asked, stop=list(STOP_SEQUENCES), **options)
        rendered = self._chat_template(messages=asked)  # ends with the assistant's header
        ends = [rendered.stop] if isinstance(rendered.stop, str) else list(rendered.stop or [])
        return prefix, self._llama.create_completion(prompt=rendered.prompt + prefix,
                                                     stop=list(STOP_SEQUENCES) + ends, **options)


def chat_template(llama):
    """The model's own chat template (its GGUF's ``tokenizer.chat_template``) as llama-cpp-python applies it,
    compiled once per loaded model; None when the GGUF has none."""
    from llama_cpp import llama_chat_format

    metadata = llama.metadata
    if not metadata.get("tokenizer.chat_template"):
        return None

    def token(key: str) -> str:
        return llama._model.token_get_text(int(metadata[key])) if key in metadata else ""
    return llama_chat_format.Jinja2ChatFormatter(template=metadata["tokenizer.chat_template"],
                                                 eos_token=token("tokenizer.ggml.eos_token_id"),
                                                 bos_token=token("tokenizer.ggml.bos_token_id"))
