"""A shipped adapter merged into its base at set-up (error_tutor_server.merged): the real SmolLM2 GGUF, its
real adapter and llama.cpp; the merged file predicts and writes what base + runtime LoRA does, carries the
error_tutor facts, and a missing, stale or corrupt one falls back to the runtime LoRA with a log line."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from error_tutor_server import catalog, merged
from error_tutor_server.case import Case
from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.gguf_header import read_metadata
from error_tutor_server.model import LocalModel
from error_tutor_server.prompt import build_messages

TUNED = "tutor-smollm2-135m"
QUANT = merged.MERGED_QUANT["smollm2-135m"]
PROGRAM = "#include <stdio.h>\n\nint main(void) {\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n"
DIAGNOSTIC = CompilerDiagnostic(language="c", line=4, column=20, end_line=4, end_column=21, severity="error",
                                message="expected ';' before 'printf'", source_line="    int total = 0")


@pytest.fixture(scope="module")
def shipped() -> tuple[Path, Path]:
    return catalog.resolve(TUNED)


@pytest.fixture(scope="module")
def cache(tmp_path_factory, shipped) -> Path:
    """A models cache folder holding the merged file (merged once for the module: seconds) and an older one."""
    folder = tmp_path_factory.mktemp("models")
    older = folder / f"{TUNED}.merged.{QUANT}.0123456789abcdef.gguf"
    older.write_bytes(b"GGUF from an earlier adapter")
    merged.merge(TUNED, *shipped, folder=folder)
    return folder


@pytest.fixture(scope="module")
def merged_file(cache, shipped) -> Path:
    return merged.target_for(TUNED, *shipped, folder=cache)


@pytest.fixture
def in_cache(monkeypatch):
    """Point the runtime's models cache at ``folder``."""
    def point(folder: Path) -> None:
        monkeypatch.setattr(catalog, "models_cache", lambda: folder)
    return point


def messages() -> list[dict]:
    return build_messages(Case.of(DIAGNOSTIC, PROGRAM, "en"), worked_example=False)


def prompt_logits(model_path: Path, lora_path: Path | None = None) -> np.ndarray:
    """The next-token logits at every position of a real prompt (one thread)."""
    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(model_path), lora_path=str(lora_path) if lora_path else None, n_ctx=1024,
                            n_threads=1, n_threads_batch=1, logits_all=True, verbose=False)
    try:
        text = llama.metadata["tokenizer.chat_template"]
        prompt = llama_cpp.llama_chat_format.Jinja2ChatFormatter(text, "", "")(messages=messages()).prompt
        tokens = llama.tokenize(prompt.encode(), add_bos=False, special=True)
        llama.eval(tokens)
        return np.array(llama.scores[:len(tokens)])
    finally:
        llama.close()


def test_the_merged_file_is_cached_stamped_and_replaces_older_ones(cache, merged_file, shipped):
    assert merged.fresh(merged_file) and merged.find(TUNED, *shipped, folder=cache) == merged_file
    assert [p.name for p in cache.glob("*.gguf")] == [merged_file.name], "the older merged file is removed"
    before = merged_file.stat().st_mtime_ns
    assert merged.merge(TUNED, *shipped, folder=cache) == merged_file and merged_file.stat().st_mtime_ns == before


def test_the_merged_model_predicts_what_base_plus_runtime_lora_predicts(merged_file, shipped):
    """Teacher-forced over a real prompt: the merged model's next tokens are the runtime LoRA's, and its logits
    far nearer to them than the bare base's are (llama.cpp's convention: W + alpha/rank * B A)."""
    base, adapter = shipped
    lora, mine, bare = prompt_logits(base, adapter), prompt_logits(merged_file), prompt_logits(base)
    agree = (mine.argmax(1) == lora.argmax(1)).mean()
    bare_agree = (bare.argmax(1) == lora.argmax(1)).mean()
    assert agree >= 0.85 and agree > bare_agree + 0.15, (agree, bare_agree)
    assert np.abs(mine - lora).mean() < 0.35 * np.abs(bare - lora).mean()


def test_the_merged_model_writes_what_base_plus_runtime_lora_writes(merged_file, shipped):
    base, adapter = shipped
    runtime_lora = LocalModel(model_path=str(base), adapter_path=str(adapter), threads=1)
    one_file = LocalModel(model_path=str(merged_file), threads=1)
    try:
        expected, written = (m.generate(messages(), max_tokens=48).text for m in (runtime_lora, one_file))
    finally:
        runtime_lora.close()
        one_file.close()
    assert written == expected


def test_the_merged_file_carries_the_tutor_facts_and_the_base_keys(merged_file, shipped):
    base, adapter = shipped
    facts, adapter_facts, base_facts = read_metadata(merged_file), read_metadata(adapter), read_metadata(base)
    assert facts["error_tutor.adapter_sha256"] == adapter_facts["error_tutor.adapter_sha256"]
    assert facts["error_tutor.base_sha256"] == catalog.BASES["smollm2-135m"].sha256
    assert facts["error_tutor.format"] == "merged" and facts["error_tutor.quantization"] == QUANT
    assert facts["error_tutor.adapter_file_sha256"] == catalog.file_sha256(adapter)
    assert facts["tokenizer.chat_template"] == base_facts["tokenizer.chat_template"]
    assert LocalModel(model_path=str(merged_file)).fine_tuned


def test_the_runtime_loads_the_fresh_merged_file(cache, merged_file, in_cache):
    in_cache(cache)
    model = LocalModel(model=TUNED, threads=1)
    assert model.merged == merged_file and model.name == merged_file.name and model.fine_tuned
    assert model.name != LocalModel(model="smollm2-135m").name, "cached texts are kept apart"
    try:
        assert model.generate(messages(), max_tokens=8).tokens > 0
        assert model.merged == merged_file
    finally:
        model.close()


def test_an_explicit_adapter_keeps_the_runtime_lora(cache, shipped, in_cache):
    in_cache(cache)
    model = LocalModel(model=TUNED, adapter_path=str(shipped[1]))
    assert model.merged is None and model.name.endswith(f" + {shipped[1].name}")


def copy_of(merged_file: Path, folder: Path) -> Path:
    folder.mkdir()
    copy = folder / merged_file.name
    shutil.copy2(merged_file, copy)
    shutil.copy2(catalog._stamp(merged_file), catalog._stamp(copy))
    return copy


def test_a_missing_or_stale_merged_file_falls_back_to_the_runtime_lora(tmp_path, merged_file, shipped, in_cache,
                                                                       caplog):
    caplog.set_level(logging.INFO, "error_tutor.merged")
    in_cache(tmp_path)
    assert LocalModel(model=TUNED).merged is None and "is not there" in caplog.text
    copy = copy_of(merged_file, tmp_path / "stale")
    in_cache(copy.parent)
    assert LocalModel(model=TUNED).merged == copy
    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 10**9))  # changed since it was stamped
    caplog.clear()
    model = LocalModel(model=TUNED)
    assert model.merged is None and model.adapter == shipped[1] and "is stale or changed" in caplog.text
    assert model.name == f"{shipped[0].name} + {shipped[1].name}"


def test_a_corrupt_merged_file_falls_back_when_it_loads(tmp_path, merged_file, shipped, in_cache, caplog):
    copy = copy_of(merged_file, tmp_path / "corrupt")
    with open(copy, "r+b") as handle:  # same size, a broken header: the stamp cannot tell
        handle.write(b"FUGG")
    merged.stamp(copy)
    in_cache(copy.parent)
    model = LocalModel(model=TUNED, threads=1)
    assert model.merged == copy
    caplog.set_level(logging.WARNING, "error_tutor.model")
    try:
        assert model.generate(messages(), max_tokens=8).tokens > 0
    finally:
        model.close()
    assert model.merged is None and model.name == f"{shipped[0].name} + {shipped[1].name}"
    assert "did not load" in caplog.text and copy.name in caplog.text


def test_merge_installed_reports_each_fine_tuned_model(cache, merged_file, monkeypatch):
    monkeypatch.setattr(catalog, "MODELS", {name: catalog.MODELS[name] for name in (TUNED, "smollm2-135m")})
    [(name, path, seconds, why)] = merged.merge_installed(folder=cache)
    assert (name, path, why) == (TUNED, merged_file, "") and seconds < 5
