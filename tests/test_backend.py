"""The backend interface (``backend.Backend``): the local model, the lab server and a test fake all
implement it, and the server keeps one Tutor whose backend and cache change only through ``_use``."""

from __future__ import annotations

import asyncio
import threading

import pytest

from error_tutor_server.case import Case
from error_tutor_server.backend import Backend, Generation, make_backend
from error_tutor_server.errors import TutorError
from error_tutor_server.model import LocalModel
from error_tutor_server.remote import RemoteModel
from error_tutor_server.server_state import TutorServerState
from error_tutor_server.settings import TutorSettings
from error_tutor_server.tutor import Tutor
from missing_semicolon import DIAG as C_DIAGNOSTIC, PROGRAM as C_PROGRAM


class FakeBackend:
    """Pure logic only: a backend that answers one fixed sentence."""

    recovers, fine_tuned, loaded, prompt_facts = False, True, True, "full"

    def __init__(self, answer: str) -> None:
        self.answer, self.closed, self.prompts = answer, threading.Event(), []

    @property
    def name(self) -> str:
        return "fake"

    def load(self) -> "FakeBackend":
        return self

    def generate(self, messages, max_tokens=160, cancel=None) -> Generation:
        self.prompts.append(messages)
        return Generation(self.answer, "stop", 12, 0.01, 1)

    def close(self) -> None:
        self.closed.set()


def test_every_backend_implements_the_interface():
    assert isinstance(make_backend(TutorSettings()), Backend)
    assert isinstance(make_backend(TutorSettings(backend="remote", remote_url="http://127.0.0.1:9/v1")), Backend)
    assert isinstance(FakeBackend(""), Backend)
    assert make_backend(TutorSettings(backend="none")) is None


def test_the_tutor_prompts_a_fine_tuned_backend_without_the_worked_example():
    fake = FakeBackend("")
    messages, _ = Tutor(TutorSettings(), fake).prompt(Case.of(C_DIAGNOSTIC, C_PROGRAM))
    assert [m["role"] for m in messages] == ["system", "user", "assistant"], "a fine-tuned model learnt the shape"
    assert messages[-1]["content"] == "Missing semicolon on line 4:", "and continues its answer's label"
    fake.fine_tuned = False
    messages, _ = Tutor(TutorSettings(), fake).prompt(Case.of(C_DIAGNOSTIC, C_PROGRAM))
    assert len(messages) == 4 and messages[-1]["role"] == "user", "the base model gets the worked example"


def test_a_closed_local_model_frees_its_weights_and_refuses_to_generate():
    model = LocalModel(threads=1).load()
    assert model.loaded
    model.close()
    assert not model.loaded
    with pytest.raises(TutorError, match="replaced"):
        model.generate([{"role": "user", "content": "hi"}], 8)
    assert RemoteModel("http://127.0.0.1:9/v1").close() is None


async def test_the_server_replaces_its_tutor_in_one_place_and_keeps_the_cache(tmp_path):
    state = TutorServerState(ls=None)
    state.configure_from_initialize({"backend": "none", "cacheDir": str(tmp_path / "cache")}, "")
    cache = state.tutor.cache
    fake = FakeBackend("unused")
    assert state._use(fake).backend is fake and state.tutor.cache is cache
    state.settings = state.settings.replace(hint_level="explain")
    assert state._use(fake).settings.hint_level == "explain" and not fake.closed.is_set()
    state._use(None)
    assert await asyncio.to_thread(fake.closed.wait, 10), "a replaced backend is closed"
    assert state.tutor.cache is cache, "one cache per server, not one SQLite connection per Tutor"
    state.settings = state.settings.replace(cache_dir=str(tmp_path / "other"))
    assert state._use(None).cache is not cache, "another cacheDir opens its own cache"


def test_an_untuned_models_text_is_not_shown_unless_asked_for():
    """modelText (default fine-tuned): an untuned model's text is not even generated; "any" shows it too."""
    case = Case.of(C_DIAGNOSTIC, C_PROGRAM)
    answer = "On line 4 the declaration of `total` does not end with a semicolon, so C reads on into `printf`."
    untuned = FakeBackend(answer)
    untuned.fine_tuned = False
    explanation = Tutor(TutorSettings(), untuned).explain(case)
    assert explanation.source == "rules" and explanation.kind == "rules_untuned" and untuned.prompts == []
    assert Tutor(TutorSettings(), untuned).cached(case) is None
    assert Tutor(TutorSettings(model_text="any"), untuned).explain(case).source == "model"
    assert Tutor(TutorSettings(), FakeBackend(answer)).explain(case).source == "model", "a fine-tuned model is shown"
