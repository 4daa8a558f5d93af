"""The shipped adapter's model card: written from the pipeline's own files, and true of the committed adapter."""

from __future__ import annotations

import json

from error_tutor_finetune.model_card import card, main
from error_tutor_server import catalog
from error_tutor_server.gguf_header import read_metadata

NAME = "tutor-qwen2.5-coder-0.5b"
ADAPTER = catalog.shipped_models_dir() / catalog.MODELS[NAME].adapter


def test_the_committed_card_states_the_adapters_own_facts():
    text = ADAPTER.with_suffix(".md").read_text(encoding="utf-8")
    metadata = read_metadata(ADAPTER)
    assert metadata["error_tutor.base_sha256"] == catalog.BASES["qwen2.5-coder-0.5b"].sha256
    assert metadata["error_tutor.base_sha256"] in text and metadata["error_tutor.adapter_sha256"] in text
    assert "checking halves" in text and "| c | rules |" in text and "Apache-2.0" in text and "TRACER" in text


def test_a_card_is_written_from_the_run_the_data_and_the_evaluation(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "manifest.json").write_text(json.dumps({"files": {"train": {"file": "train.jsonl", "rows": 7, "sha256": "ab" * 32}}}))
    summary = {"config": {"data": str(data), "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05,
                          "target_modules": ["q_proj", "v_proj"], "learning_rate": 2e-4, "batch_size": 2,
                          "grad_accum": 4, "epochs": 1, "max_length": 640},
               "stages": [{"stage": "sft-synthetic", "examples": 3}, {"stage": "sft-real", "examples": 4}],
               "train_tokens": 1234, "train_seconds": 120.0, "tokens_per_second": 10.3, "device": "cpu",
               "threads": 2, "peak_memory_mb": 2048.0, "first_loss": 1.5, "last_loss": 0.5}
    (tmp_path / "train_summary.json").write_text(json.dumps(summary))
    evaluation = {"meta": {"command": "error-tutor eval --half checking"},
                  "halves": {"checking": [{"language": "c", "config": "rules", "n": 9, "covered": 1.0, "located": 0.9,
                                           "specific": 0.8, "leak": 0.0, "model_shown": None, "agreement": None,
                                           "latency_median_ms": 0.5}]}}
    text = card(NAME, tmp_path, ADAPTER, evaluation)
    assert "7 examples in stages sft-synthetic, sft-real" in text and "1,234 tokens in 2 min" in text
    assert f"`train.jsonl`: 7 rows, sha256 `{'ab' * 32}`" in text
    assert "| c | rules | 9 | 100.0% | 90.0% | 80.0% | 0.0% | - | - | 0.5 |" in text
    assert "`error-tutor eval --half checking`" in text and f"model = \"{catalog.MODELS[NAME].base}\"" in text


def test_evaluating_a_shipped_adapter_again_replaces_only_its_evaluation_section(tmp_path):
    adapter = tmp_path / ADAPTER.name
    adapter.write_bytes(ADAPTER.read_bytes())
    before = ADAPTER.with_suffix(".md").read_text(encoding="utf-8")
    adapter.with_suffix(".md").write_text(before, encoding="utf-8")
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"meta": {"command": "error-tutor eval --catalog-model qwen2.5-coder-0.5b"},
                                   "halves": {"checking": [{"language": "java", "config": "grounded:qwen2.5-coder-0.5b",
                                                            "n": 20, "model_shown": 0.7, "leak": 0.0}]}}))
    assert main(["--name", NAME, "--adapter", str(adapter), "--eval", str(summary)]) == 0
    after = adapter.with_suffix(".md").read_text(encoding="utf-8")
    assert "| java | grounded:qwen2.5-coder-0.5b | 20 |" in after and "--catalog-model qwen2.5-coder-0.5b" in after
    assert after.count("## Evaluation") == 1 and "| c | rules | 116 |" not in after
    unchanged = before.partition("## Evaluation")[0], before.partition("## Licence")[1:]
    assert after.startswith(unchanged[0]) and after.endswith("".join(unchanged[1]))
