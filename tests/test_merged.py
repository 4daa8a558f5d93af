"""A shipped adapter merged into its base at set-up (error_tutor_server.merged): the real SmolLM2 GGUF, its
real adapter and llama.cpp; the merged file predicts and writes what base + runtime LoRA does, carries the
error_tutor facts, and a missing, stale or corrupt one falls back to the runtime LoRA with a log line.

The merged model is compared with base + runtime LoRA teacher-forced, position by position, over three real
prompts and the 48 tokens base + runtime LoRA writes after each, rather than as texts token for token: Q8_0's
rounding turns a near tie into another token now and then (2 of 12 greedy texts differ, one from its first
token), and the texts then differ from there on, so equal texts could fail on another CPU or build without a
defect. Measured here, over the prompts (the mean absolute logit difference to base + runtime LoRA as a share of
the bare base's; the share of positions whose next token is base + runtime LoRA's), then that logit share over
what base + runtime LoRA writes: the right merge 0.10, 92-94%, 0.03; alpha/rank scaled 0.5x 0.61-0.62, 76-78%,
0.45-0.54; 2x 1.33-1.41, 55-65%, 0.38-0.45; 0.8x or 1.25x 0.28-0.37, 87-91%, 0.15-0.19; every ffn_down or every
attn_v left unmerged 0.26-0.29, 86-88%, 0.11-0.15 (each of these fails both tests); one layer's 7 tensors left
unmerged 0.12-0.17, 85-93%, 0.03-0.05 (not told apart from the rounding); the bare base 1, 65-67%, 1. Whether
the merged model's next token is base + runtime LoRA's over what that writes tells little: the bare base 81-90%,
the right merge 98-100%, the wrong scales 94-100%."""

from __future__ import annotations

import contextlib
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
from error_tutor_server.prompt import answer_label, build_messages, complete_sentences, said_enough

TUNED = "tutor-smollm2-135m"
QUANT = merged.MERGED_QUANT["smollm2-135m"]
PROGRAM = "#include <stdio.h>\n\nint main(void) {\n    int total = 0\n    printf(\"%d\\n\", total);\n    return 0;\n}\n"
DIAGNOSTIC = CompilerDiagnostic(language="c", line=4, column=20, end_line=4, end_column=21, severity="error",
                                message="expected ';' before 'printf'", source_line="    int total = 0")
PY_PROGRAM = "def area(width, height):\n    return width * heigth\n\nprint(area(2, 3))\n"
JAVA_PROGRAM = ("public class Main {\n    public static void main(String[] args) {\n        int count = 3;\n"
                "        System.out.println(cout);\n    }\n}\n")
CASES = [(DIAGNOSTIC, PROGRAM),
         (CompilerDiagnostic(language="python", line=2, column=20, end_line=2, end_column=26, severity="error",
                             message="NameError: name 'heigth' is not defined",
                             source_line="    return width * heigth"), PY_PROGRAM),
         (CompilerDiagnostic(language="java", line=4, column=28, end_line=4, end_column=32, severity="error",
                             message="cannot find symbol\n  symbol:   variable cout\n  location: class Main",
                             source_line="        System.out.println(cout);"), JAVA_PROGRAM)]
WRITTEN = 48  # tokens base + runtime LoRA writes after each prompt


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


def messages(case: tuple = CASES[0]) -> list[dict]:
    return build_messages(Case.of(*case, "en"), worked_example=False)


@contextlib.contextmanager
def loaded(model_path: Path, lora_path: Path | None = None):
    """llama.cpp keeping the next-token logits of every position (one thread)."""
    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(model_path), lora_path=str(lora_path) if lora_path else None, n_ctx=1024,
                            n_threads=1, n_threads_batch=1, logits_all=True, verbose=False)
    try:
        yield llama
    finally:
        llama.close()


def prompt_tokens(llama, case: tuple) -> list[int]:
    import llama_cpp

    text = llama.metadata["tokenizer.chat_template"]
    prompt = llama_cpp.llama_chat_format.Jinja2ChatFormatter(text, "", "")(messages=messages(case)).prompt
    return llama.tokenize(prompt.encode(), add_bos=False, special=True)


def writes(llama, prompt: list[int]) -> dict:
    """What ``llama`` writes greedily after ``prompt`` (WRITTEN tokens, or to its end token), and its logits at
    every position of the prompt and of what it wrote (each predicting the next token)."""
    llama.reset()
    llama.eval(prompt)
    written = []
    while len(written) < WRITTEN and llama.token_eos() not in written:
        written.append(int(np.argmax(llama.scores[llama.n_tokens - 1])))
        llama.eval(written[-1:])
    return {"prompt": prompt, "written": written, "lora": np.array(llama.scores[:len(prompt) + len(written) - 1])}


@pytest.fixture(scope="module")
def scored(merged_file, shipped) -> list[dict]:
    """For each case: what base + runtime LoRA writes, and the logits of base + runtime LoRA (``lora``), of the
    merged file (``merged``) and of the bare base (``bare``) over its prompt and that text."""
    base, adapter = shipped
    with loaded(base, adapter) as llama:
        runs = [writes(llama, prompt_tokens(llama, case)) for case in CASES]
    for key, path in (("merged", merged_file), ("bare", base)):
        with loaded(path) as llama:
            for run in runs:
                tokens = run["prompt"] + run["written"]
                llama.reset()
                llama.eval(tokens)
                run[key] = np.array(llama.scores[:len(tokens) - 1])
    return runs


def compared(run: dict, part: slice) -> tuple[float, float, float]:
    """Over ``part`` of a run's positions: the share of next tokens that are base + runtime LoRA's, for the merged
    model and the bare base, and the merged model's mean absolute logit difference to base + runtime LoRA as a
    share of the bare base's."""
    lora, mine, bare = (run[key][part] for key in ("lora", "merged", "bare"))
    agree, bare_agree = ((scores.argmax(1) == lora.argmax(1)).mean() for scores in (mine, bare))
    return agree, bare_agree, float(np.abs(mine - lora).mean() / np.abs(bare - lora).mean())


def test_the_merged_file_is_cached_stamped_and_replaces_older_ones(cache, merged_file, shipped):
    assert merged.fresh(merged_file) and merged.find(TUNED, *shipped, folder=cache) == merged_file
    assert [p.name for p in cache.glob("*.gguf")] == [merged_file.name], "the older merged file is removed"
    before = merged_file.stat().st_mtime_ns
    assert merged.merge(TUNED, *shipped, folder=cache) == merged_file and merged_file.stat().st_mtime_ns == before


def test_the_merged_model_predicts_what_base_plus_runtime_lora_predicts(scored):
    """Teacher-forced over real prompts: the merged model's next tokens are the runtime LoRA's, and its logits
    far nearer to them than the bare base's are (llama.cpp's convention: W + alpha/rank * B A; the module's
    docstring gives what a wrong scale or an unmerged tensor kind measures)."""
    for run in scored:
        agree, bare_agree, nearer = compared(run, slice(0, len(run["prompt"]) - 1))
        assert agree >= 0.85 and agree > bare_agree + 0.15 and nearer < 0.2, (agree, bare_agree, nearer)


def test_the_merged_model_writes_what_base_plus_runtime_lora_writes(scored):
    """Teacher-forced along what base + runtime LoRA writes: the merged model would write the same next token at
    nearly every position, and its logits there are within a tenth of the bare base's distance."""
    assert all(len(run["written"]) >= 16 for run in scored), [len(run["written"]) for run in scored]
    found = [compared(run, slice(len(run["prompt"]) - 1, None)) for run in scored]
    assert np.mean([agree for agree, _, _ in found]) >= 0.95 and max(nearer for *_, nearer in found) < 0.1, found


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


def test_the_fine_tuned_model_continues_the_label_it_is_given_as_it_would_have_written_it(cache, in_cache):
    """The answer's label (category and line, known facts) is prefilled: the model goes on from it, and where it
    would have written that label itself, the text is the same, ~10 tokens sooner. It stops once its first
    sentence (what the message means here) is complete: the hover's why is the guide's own."""
    in_cache(cache)
    model = LocalModel(model=TUNED, threads=1)
    case = Case.of(*CASES[0], "en")
    label = answer_label(case.classification, case.line)
    try:
        written = model.generate(build_messages(case, worked_example=False), max_tokens=160)
        given = model.generate(build_messages(case, worked_example=False, prefill=True), max_tokens=160)
    finally:
        model.close()
    assert written.text.startswith(label + " "), written.text
    assert written.text.startswith(given.text) and given.tokens < written.tokens - 5, (given, written)
    assert complete_sentences(given.text, 1) == complete_sentences(written.text, 1) != "", (given, written)
    assert said_enough(given.text, 1), given.text


def test_prompt_lookup_decoding_writes_the_same_greedy_text(cache, in_cache):
    """Drafting from the prompt (model.LOOKUP_TOKENS) only checks several tokens at once: the text is unchanged,
    but where two tokens are all but tied (a batch's arithmetic differs from one token's in the last bits), and it
    runs past llama.cpp's first batch of positions."""
    in_cache(cache)
    texts = {}
    for lookup in (0, 6):
        model = LocalModel(model=TUNED, threads=1, lookup=lookup)
        try:
            texts[lookup] = [model.generate(messages(case), max_tokens=WRITTEN).text for case in CASES]
            # past llama.cpp's first 512 positions (its batch size): the scores must keep a row for each
            long = build_messages(Case.of(*CASES[0], "en"))  # with the worked example
            long[0] = {**long[0], "content": long[0]["content"] + " Be kind." * 60}
            assert len(model._llama.tokenize(str(long).encode())) > 560
            texts[lookup].append(model.generate(long, max_tokens=WRITTEN).text)
        finally:
            model.close()
    # the same where the model is sure of its words (the C and Java cases); the Python case and the long prompt
    # make it hesitate between labels, where a batch's last bits can tip it
    assert (texts[6][0], texts[6][2]) == (texts[0][0], texts[0][2]) and all(texts[6]), texts


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
