"""`error-tutor export`: a really trained LoRA of the real SmolLM2-135M, exported both ways,
loaded by llama.cpp, checked for parity, and served over LSP; bad input refused with nothing
left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import CONFIG, compact_view_of, diagnostics_for, init_params, open_document, wait_until
from test_lsp_diagnostics import C_MISSING_SEMICOLON

from error_tutor_server.errors import TutorError
from error_tutor_server.catalog import smollm2_path

converters = pytest.importorskip("error_tutor_export.converters")
from error_tutor_export import adapter as adapters  # noqa: E402
from error_tutor_export import pipeline, quantize  # noqa: E402
from error_tutor_export.config import ExportConfig, load_config  # noqa: E402

CLI = [sys.executable, "-m", "error_tutor_server"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
TRAIN_PROGRAMS = (
    ("c", C_MISSING_SEMICOLON, "Line 4 does not end its statement: C needs a ';' after `int total = 0`."),
    ("python", "def grade(score):\n    if score > 50\n        return 'pass'\n", "Line 2 starts a block, so it must end with ':'."),
)


def chat_examples(tokenizer) -> list[str]:
    """Two training examples in the server's exact prompt format, with an answer."""
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.case import Case
    from error_tutor_server.prompt import build_messages
    from error_tutor_server.settings import TutorSettings

    texts = []
    for language, program, answer in TRAIN_PROGRAMS:
        diagnostic = diagnose_sync(language, program, TutorSettings())[0]
        messages = build_messages(Case.of(diagnostic, program))
        messages.append({"role": "assistant", "content": answer})
        texts.append(tokenizer.apply_chat_template(messages, tokenize=False))
    return texts


def train_adapter(model, tokenizer, folder: Path, steps: int = 4) -> None:
    """A few real AdamW steps of LoRA r=8 on the attention projections."""
    import torch
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    peft_model = get_peft_model(model, config)
    batch = tokenizer(chat_examples(tokenizer), return_tensors="pt", padding=True)
    labels = batch.input_ids.masked_fill(batch.attention_mask == 0, -100)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-3)
    peft_model.train()
    for _ in range(steps):
        peft_model(**batch, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    peft_model.save_pretrained(folder)
    peft_model.unload()


def embedding_adapter(model, folder: Path) -> None:
    """An adapter that also trains the token embeddings: fine merged, impossible as a GGUF LoRA."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=8, lora_alpha=16, task_type="CAUSAL_LM", target_modules=["q_proj", "v_proj"],
                        modules_to_save=["embed_tokens"])
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(folder)
    peft_model.unload()


def record_base(folder: Path, gguf: Path, config=None) -> None:
    """What the training writes beside the adapter: the base GGUF with its sha256, and its config."""
    record = {"gguf_path": str(gguf), "sha256": adapters.sha256_file(gguf)}
    if config is not None:
        (folder / "base_config").mkdir()
        (folder / "base_config" / "config.json").write_text(json.dumps(config.to_dict()), encoding="utf-8")
        record["base_config"] = "base_config/config.json"
    (folder / "base_model.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture(scope="session")
def tools():
    try:
        return converters.locate()
    except TutorError as exc:
        pytest.skip(f"llama.cpp converters not fetched: {exc}")


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tools):
    """The real default model, loaded from its GGUF by transformers, with a trained LoRA saved."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    torch.manual_seed(0)
    gguf = smollm2_path()
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32,
                                                 quantization_config=GgufConfig(dequantize=True))
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    root = tmp_path_factory.mktemp("adapters")
    train_adapter(model, tokenizer, root / "lora")
    record_base(root / "lora", gguf, model.config)
    (root / "lora" / "manifest.json").write_text(json.dumps({"data_sha256": "ab" * 32}), encoding="utf-8")
    embedding_adapter(model, root / "embeddings")
    record_base(root / "embeddings", gguf)
    small = model.config.to_dict() | {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                                      "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16}
    (root / "small-base").mkdir()
    (root / "small-base" / "config.json").write_text(json.dumps(small), encoding="utf-8")
    tokenizer.save_pretrained(root / "small-base")
    return {"lora": root / "lora", "embeddings": root / "embeddings", "small_base": root / "small-base",
            "gguf": gguf}


@pytest.fixture(scope="session")
def merged(trained, tmp_path_factory):
    out = tmp_path_factory.mktemp("merged") / "tutor.Q8_0.gguf"
    return pipeline.export(ExportConfig(adapter_dir=str(trained["lora"]), out=str(out), quant="Q8_0"))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".work-" in p.name or p.suffix == ".gguf")


def logits_of(path: Path, text: str, lora: Path | None = None):
    from error_tutor_export.verify import logits, opened

    with opened(path, lora) as llama:
        return logits(llama, llama.tokenize(text.encode(), add_bos=False, special=True))


# -- the converters ---------------------------------------------------------------------------

def test_converters_are_fetched_once_with_a_stamp(tools):
    stamp = converters.read_stamp(tools.root)
    assert stamp["version"] == converters.runtime_version() == tools.version
    assert tools.hf_script.is_file() and tools.lora_script.is_file() and (tools.gguf_py / "gguf").is_dir()
    began = time.perf_counter()
    again = converters.fetch(tools.version)  # stamp matches: no download
    assert again.root == tools.root and time.perf_counter() - began < 2.0


def test_missing_converters_say_run_make_setup(tmp_path):
    with pytest.raises(TutorError, match="make setup"):
        converters.locate(tmp_path / "nowhere")


# -- merged, quantized export -----------------------------------------------------------------

@pytest.mark.slow
def test_merged_q8_export_matches_pytorch_and_keeps_the_tokenizer(merged, trained):
    report = merged.report
    assert merged.path.is_file() and merged.quant == "Q8_0"
    assert leftovers(merged.path.parent) == [merged.path.name], "no .tmp or work files left"
    assert 0 <= report["f16_max_abs_logit_delta"] <= report["f16_tolerance"] == 0.5
    assert report["f16_argmax_agreement"] >= 0.99
    assert report["tokenizer_texts"] == 200 and report["tokenizer_mismatches"] == 0
    assert report["chat_template_identical"]
    assert report["greedy_agreement"] >= 0.9 and report["greedy_tokens"] > 50
    assert report["perplexity_ratio"] <= 1.03
    assert 100e6 < merged.bytes < 200e6, "Q8_0 of a 135M model"


@pytest.mark.slow
def test_merged_export_carries_the_adapter_and_metadata(merged, trained):
    metadata = quantize.read_model_metadata(merged.path)
    assert metadata["error_tutor.license"] == "Apache-2.0"
    assert metadata["error_tutor.adapter_sha256"] == adapters.sha256_file(trained["lora"] / "adapter_model.safetensors")
    assert metadata["error_tutor.base_sha256"] == adapters.sha256_file(trained["gguf"])
    assert metadata["error_tutor.training_data_sha256"] == "ab" * 32
    assert metadata["general.file_type"] == "7"  # Q8_0
    text = "<|im_start|>user\nWhy does gcc say expected ';'?<|im_end|>\n<|im_start|>assistant\n"
    moved = abs(logits_of(merged.path, text) - logits_of(trained["gguf"], text)).max()
    assert moved > 0.05, "the merged model differs from the base"


@pytest.mark.slow
def test_merged_export_runs_in_the_local_model(merged):
    from error_tutor_server.model import LocalModel

    model = LocalModel(model_path=str(merged.path), threads=2)
    generation = model.generate([{"role": "user", "content": "What does a missing semicolon mean in C?"}], max_tokens=24)
    assert generation.tokens > 0 and generation.text.strip()
    assert model.fine_tuned, "the GGUF's error_tutor.adapter_sha256 says it was fine-tuned: no worked example"


@pytest.mark.slow
def test_a_fine_tuned_gguf_is_prompted_as_it_was_trained_from_the_first_explanation(merged):
    """Before the model is loaded, nothing says it is fine-tuned: explaining loads it first, so even the
    first prompt leaves the worked example out, the generation is cached under that prompt, and a
    rating finds the model's text there."""
    from error_tutor_server.compilers import diagnose_sync
    from error_tutor_server.feedback import rating_row
    from error_tutor_server.model import LocalModel
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.tutor import Tutor

    settings = TutorSettings(max_tokens=24)
    tutor = Tutor(settings, LocalModel(model_path=str(merged.path), threads=2))
    diagnostic = next(d for d in diagnose_sync("c", C_MISSING_SEMICOLON, settings) if d.severity == "error")
    tutor.explain(tutor.case(diagnostic, C_MISSING_SEMICOLON))
    messages, key = tutor.prompt(tutor.case(diagnostic, C_MISSING_SEMICOLON))
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]  # the answer's label, to continue
    assert tutor.cache.get(key) is not None
    assert rating_row(settings, tutor, diagnostic, C_MISSING_SEMICOLON, True)["model_text"]


@pytest_lsp.fixture(config=CONFIG)
async def exported_client(lsp_client: LanguageClient, tmp_path, merged):
    await lsp_client.initialize_session(init_params(tmp_path, modelPath=str(merged.path), hoverBudgetMs=250,
                                                    debounceMs=200))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.slow
async def test_server_answers_a_hover_with_the_exported_model(exported_client, merged, tmp_path):
    def ready():
        return [s for s in exported_client.statuses if getattr(s, "state", None) == "ready"]
    await wait_until(lambda: ready(), timeout=90)
    assert merged.path.name in ready()[-1].detail, "the server loaded the exported GGUF"
    uri = open_document(exported_client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(exported_client, uri))[0].range.start
    panel = await exported_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="errorTutor.explain", arguments=[uri, start.line, start.character]))
    assert "local model" in panel or "built-in guide" in panel, panel
    hover = await exported_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=start))
    assert compact_view_of(hover.contents.value, panel) and "line 4" in panel


# -- adapter-only export ----------------------------------------------------------------------

@pytest.mark.slow
def test_adapter_only_export_loads_over_the_unchanged_base(trained, tmp_path):
    out = tmp_path / "tutor-lora.gguf"
    done = subprocess.run([*CLI, "export", str(trained["lora"]), "--out", str(out), "--adapter-only"],
                          capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert "[1/4] checking" in done.stderr and "convert_lora_to_gguf.py" in done.stderr
    assert summary["adapter_only"] and summary["quant"] == "F16" and leftovers(tmp_path) == [out.name]
    assert summary["verification"]["adapter_max_abs_logit_effect"] > 1e-3
    assert summary["verification"]["scale0_max_abs_logit_delta"] <= 1e-4
    assert summary["metadata"]["error_tutor.format"] == "lora-adapter"
    assert 1e6 < out.stat().st_size < 10e6
    from error_tutor_server.model import LocalModel

    model = LocalModel(adapter_path=str(out), threads=2).load()
    assert model.name.endswith("+ tutor-lora.gguf") and model.fine_tuned
    text = "<|im_start|>user\nWhy does gcc say expected ';'?<|im_end|>\n<|im_start|>assistant\n"
    assert abs(logits_of(trained["gguf"], text, out) - logits_of(trained["gguf"], text)).max() > 1e-3


# -- bad input: refused with a fix, nothing left behind ---------------------------------------

# quick themselves, but they need the trained adapter fixture (minutes, paid once per test run)
uses_trained_adapter = pytest.mark.slow


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "export", *args], capture_output=True, text=True, env=ENV, timeout=300)


@uses_trained_adapter
def test_unsupported_quant_is_refused(trained, tmp_path):
    done = run_cli(str(trained["lora"]), "--out", str(tmp_path / "x.gguf"), "--quant", "Q3_K_S")
    assert done.returncode == 2
    assert "Unsupported quantization 'Q3_K_S'" in done.stderr and "Q4_K_M" in done.stderr
    assert leftovers(tmp_path) == []


@uses_trained_adapter
def test_embedding_adapter_cannot_become_a_gguf_adapter(trained, tmp_path):
    with pytest.raises(TutorError, match="embeddings or the output head.*drop --adapter-only"):
        pipeline.export(ExportConfig(adapter_dir=str(trained["embeddings"]), out=str(tmp_path / "e.gguf"),
                                     adapter_only=True))
    assert leftovers(tmp_path) == []


@uses_trained_adapter
def test_mismatched_base_is_refused_before_loading(trained, tmp_path):
    began = time.perf_counter()
    with pytest.raises(TutorError, match="does not fit the base.*hidden size 64") as caught:
        pipeline.export(ExportConfig(adapter_dir=str(trained["lora"]), out=str(tmp_path / "m.gguf"),
                                     base=str(trained["small_base"])))
    assert "input size 64" in str(caught.value) or "no module" in str(caught.value)
    assert time.perf_counter() - began < 30 and leftovers(tmp_path) == []


@uses_trained_adapter
def test_base_with_another_checksum_is_refused(trained, tmp_path):
    folder = tmp_path / "lora"
    folder.mkdir()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        (folder / name).write_bytes((trained["lora"] / name).read_bytes())
    (folder / "base_model.json").write_text(json.dumps({"gguf_path": str(trained["gguf"]), "sha256": "0" * 64}))
    with pytest.raises(TutorError, match="not the one the adapter was trained on"):
        pipeline.export(ExportConfig(adapter_dir=str(folder), out=str(tmp_path / "x.gguf")))


@uses_trained_adapter
def test_base_folder_without_tokenizer_is_refused(trained, tmp_path):
    (tmp_path / "config.json").write_text((trained["small_base"] / "config.json").read_text())
    with pytest.raises(TutorError, match="has no tokenizer"):
        adapters.base_from_path(tmp_path)


def test_folder_that_is_not_an_adapter_is_refused(tmp_path):
    with pytest.raises(TutorError, match="no adapter_config.json"):
        pipeline.export(ExportConfig(adapter_dir=str(tmp_path), out=str(tmp_path / "x.gguf")))


def test_yaml_config_rejects_unknown_keys_and_reads_limits(tmp_path):
    path = tmp_path / "export.yaml"
    path.write_text("quant: q8_0\nmin_agreement:\n  Q8_0: 0.95\n")
    config = load_config(path)
    assert config.min_agreement["Q8_0"] == 0.95 and config.min_agreement["Q4_K_M"] < 0.95
    path.write_text("quantisation: Q8_0\n")
    with pytest.raises(TutorError, match="Unknown keys.*quantisation"):
        load_config(path)
    assert load_config(pipeline.Path(__file__).parents[1] / "export" / "error_tutor_export" / "export.yaml") == ExportConfig()


def small_disk(folder: Path, megabytes: int) -> Path:
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    return folder


@uses_trained_adapter
def test_too_little_disk_is_refused_up_front(trained, tmp_path):
    disk = small_disk(tmp_path / "disk", 20)
    try:
        with pytest.raises(TutorError, match="Not enough disk space"):
            pipeline.export(ExportConfig(adapter_dir=str(trained["lora"]), out=str(disk / "x.gguf")))
        assert leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@uses_trained_adapter
def test_disk_filling_up_mid_export_leaves_nothing(trained, tmp_path):
    disk = small_disk(tmp_path / "disk", 5)  # the staged 3.7 MB adapter fits, the converted 1.9 MB does not
    try:
        with pytest.raises(TutorError, match="(disk filled up|ran out of disk space)"):
            pipeline.export(ExportConfig(adapter_dir=str(trained["lora"]), out=str(disk / "x.gguf"),
                                         adapter_only=True, disk_check=False))
        assert list(disk.iterdir()) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@uses_trained_adapter
def test_interrupted_export_leaves_nothing(trained, tmp_path):
    out = tmp_path / "i.gguf"
    process = subprocess.Popen([*CLI, "export", str(trained["lora"]), "--out", str(out), "--quant", "F16"],
                               stderr=subprocess.PIPE, text=True, env=ENV)
    for line in process.stderr:
        if "loading the base" in line:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 2
    assert "interrupted; nothing was written to i.gguf" in rest
    assert leftovers(tmp_path) == []
