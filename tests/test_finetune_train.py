"""``error-tutor train``: real LoRA steps on the real SmolLM2-135M (from the server's GGUF), a DPO
step, resuming, the loss mask, and one-line errors for bad input."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import corpus_path
from error_tutor_finetune import modeling, train
from error_tutor_finetune.data import DataConfig, build_dataset
from error_tutor_finetune.train_config import ATTENTION_MLP, TrainConfig
from error_tutor_server.cli import build_parser, main
from error_tutor_server.errors import TutorError
from error_tutor_server.catalog import smollm2_path

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A small real data set: a slice of the C and Python corpora and their mutations."""
    corpus_path("c_tracer.jsonl")
    out = tmp_path_factory.mktemp("data")
    build_dataset(DataConfig(out=str(out), languages=["c", "python"], limit=6, mutations_per_program=1,
                             mutations_per_seed=1, preference_cases=4, samples_per_case=0),
                  progress=lambda items, **_: items)
    return out


def tiny_config(data_dir: Path, out: Path, **changes) -> TrainConfig:
    """A few real optimizer steps on two examples repeated: the loss must fall."""
    config = TrainConfig(data=str(data_dir), out=str(out), device="cpu", max_examples=2, curriculum=False,
                         batch_size=1, grad_accum=1, max_steps=6, learning_rate=1e-3, warmup=0, logging_steps=1,
                         save_steps=100, max_length=640, lora_r=8, lora_alpha=16, dpo=True, dpo_max_steps=1,
                         dpo_max_examples=2, validation_examples=0, evaluate=False)
    return replace(config, **changes)


def small_corpus(corpus: Path, folder: Path, rows: int) -> str:
    """The first rows of a development corpus (a tiny data set has no held-out split of its own)."""
    target = folder / corpus.name
    target.write_text("".join(line + "\n" for line in corpus.read_text(encoding="utf-8").splitlines()[:rows]), encoding="utf-8")
    return str(target)


def prompt_ids(tokenizer, data_dir: Path):
    import torch

    row = json.loads((data_dir / "train.jsonl").read_text().splitlines()[0])
    ids = tokenizer.apply_chat_template(row["messages"][:-1], add_generation_prompt=True, return_dict=True)["input_ids"]
    return torch.tensor([ids])


@pytest.mark.slow
def test_sft_then_dpo_lowers_the_loss_and_changes_the_model(data_dir, tmp_path):
    import torch
    from peft import PeftModel
    from safetensors import safe_open

    corpora = [small_corpus(CORPORA / "c_tracer.jsonl", tmp_path, 2), small_corpus(CORPORA / "java_upenn_messages.jsonl", tmp_path, 1)]
    summary = train.train(tiny_config(data_dir, tmp_path / "run", evaluate=True, eval_model_limit=1, eval_corpora=corpora))
    run = tmp_path / "run"
    metrics = train.read_metrics(run / "metrics.jsonl")
    losses = [m["loss"] for m in metrics if m["stage"] == "sft" and "loss" in m]
    assert len(losses) >= 5 and sum(losses[-2:]) / 2 < sum(losses[:2]) / 2 * 0.8, losses
    dpo = [m for m in metrics if m["stage"] == "dpo" and "loss" in m]
    assert dpo and all(m["loss"] == m["loss"] for m in dpo)  # a real, finite DPO step
    assert [s["stage"] for s in summary["stages"]] == ["sft", "dpo"]
    assert summary["tokens_per_second"] > 0 and summary["wall_seconds"] > 0 and summary["peak_memory_mb"] > 100
    assert (run / "loss.png").stat().st_size > 1000

    trainable = summary["trainable"]
    assert trainable["only_lora"] and set(trainable["modules"]) <= set(ATTENTION_MLP)
    assert 0 < trainable["parameters"] < 0.05 * trainable["total_parameters"]
    adapter = run / "adapter"
    settings = json.loads((adapter / "adapter_config.json").read_text())
    assert set(settings["target_modules"]) <= set(ATTENTION_MLP) and not settings.get("use_dora")
    assert not settings.get("modules_to_save")
    with safe_open(str(adapter / "adapter_model.safetensors"), "pt") as handle:
        keys = list(handle.keys())
    assert keys and all((".lora_A." in k or ".lora_B." in k) and "embed" not in k and "lm_head" not in k for k in keys)
    base_info = json.loads((adapter / "base_model.json").read_text())
    assert base_info["sha256"] == modeling.file_sha256(smollm2_path()) and base_info["format"] == "gguf"
    assert (adapter / "base_config" / "config.json").is_file() and (adapter / "tokenizer_config.json").is_file()

    base = modeling.resolve_base("")
    tokenizer = modeling.load_tokenizer(base)
    ids = prompt_ids(tokenizer, data_dir)
    model = modeling.load_model(base, "cpu", False, tmp_path).eval()
    with torch.no_grad():
        before = model(ids).logits[0, -1]
        tuned = PeftModel.from_pretrained(model, str(adapter)).eval()
        after = tuned(ids).logits[0, -1]
    assert (before - after).abs().max().item() > 1e-2  # the adapter changes what the model says next

    # then the held-out evaluation ran: the adapter exported to a GGUF LoRA, beside the base model
    evaluation = {(row["language"], row["config"]): row for row in summary["evaluation"]["summary"]}
    assert {"grounded", "grounded+adapter", "raw-model", "rules"} <= {config for _, config in evaluation}
    tuned = next(row for (_, config), row in evaluation.items() if config == "grounded+adapter")
    assert tuned["n"] >= 1 and tuned["model_leak"] is not None and tuned["covered"] == 1.0
    assert (run / "eval" / "adapter.gguf").stat().st_size > 1e5 and "grounded+adapter" in (run / "eval" / "report.md").read_text()


@pytest.mark.slow
def test_an_interrupted_run_resumes_from_its_last_checkpoint(data_dir, tmp_path):
    config = tiny_config(data_dir, tmp_path / "run", max_steps=2, save_steps=1, dpo=False)
    train.train(config)
    stage = tmp_path / "run" / "sft"
    assert (stage / "checkpoint-2").is_dir()
    (stage / "done.json").unlink()  # as if the process had been killed after its last checkpoint
    shutil.rmtree(stage / "adapter")
    train.train(replace(config, max_steps=3))
    steps = [m["step"] for m in train.read_metrics(tmp_path / "run" / "metrics.jsonl") if "loss" in m]
    assert steps == [1, 2, 3]  # steps 1-2 were not trained again
    assert json.loads((stage / "done.json").read_text())["stage"] == "sft"


def test_only_the_answer_tokens_carry_the_loss(data_dir, tmp_path):
    """The server's prompt (system text, worked example with its own answer, the case) is masked."""
    base = modeling.resolve_base("")
    tokenizer = modeling.load_tokenizer(base)
    row = json.loads((data_dir / "train.jsonl").read_text().splitlines()[0])
    model = modeling.load_model(base, "cpu", False, tmp_path)
    config = tiny_config(data_dir, tmp_path / "mask")
    trainer = train.make_sft_trainer(model, tokenizer, "sft", [row], [], config, "cpu", tmp_path / "mask")
    example = trainer.train_dataset[0]
    labels, ids = example["labels"], example["input_ids"]
    trained = [i for i, label in zip(ids, labels) if label != -100]
    first = next(n for n, label in enumerate(labels) if label != -100)
    assert all(label == -100 for label in labels[:first]) and all(label != -100 for label in labels[first:])
    assert tokenizer.decode(trained).strip() == row["messages"][-1]["content"] + "<|im_end|>"
    prompt_text = tokenizer.decode(ids[:first])
    assert row["messages"][2]["content"] in prompt_text  # the worked example's answer is prompt, not target


def test_the_trained_prompt_is_the_one_the_server_sends_a_fine_tuned_model(data_dir, tmp_path):
    """Trained without the worked example (~130 tokens less per example and per hover), prompted without it."""
    from error_tutor_server.diagnostics import CompilerDiagnostic
    from error_tutor_server.settings import TutorSettings
    from error_tutor_server.case import Case
    from error_tutor_server.tutor import Tutor

    row = json.loads((data_dir / "train.jsonl").read_text().splitlines()[0])
    [trained] = train.as_prompted([row], tiny_config(data_dir, tmp_path))
    assert len(trained["messages"]) == len(row["messages"]) - 2 and trained["messages"][-1] == row["messages"][-1]
    assert train.as_prompted([row], tiny_config(data_dir, tmp_path, worked_example=True)) == [row]

    class Backend:
        name, fine_tuned, prompt_facts = "tutor.gguf", True, "full"

    diagnostic = CompilerDiagnostic(**{**row["meta"]["diagnostic"], "notes": tuple(row["meta"]["diagnostic"]["notes"])})
    prompt, _ = Tutor(TutorSettings(), Backend()).prompt(Case.of(diagnostic, row["meta"]["program"]))
    # the trained prompt, and the start of the trained answer (its label) for the model to continue
    assert prompt[:-1] == trained["messages"][:-1] and prompt[-1]["role"] == "assistant"
    assert trained["messages"][-1]["content"].startswith(prompt[-1]["content"] + " "), (prompt[-1], trained["messages"][-1])
    Backend.prompt_facts = "compact"  # trained on compact facts, prompted with them
    [compact] = train.as_prompted([row], tiny_config(data_dir, tmp_path, prompt_facts="compact"))
    prompt, _ = Tutor(TutorSettings(), Backend()).prompt(Case.of(diagnostic, row["meta"]["program"]))
    assert prompt[:-1] == compact["messages"][:-1] and compact["messages"][-1] == row["messages"][-1]
    user = compact["messages"][-2]["content"]
    assert "Meaning: " in user and "Likely cause: " not in user and "Category: " not in user
    assert len(user) < 0.8 * len(trained["messages"][-2]["content"])
    Backend.fine_tuned = False  # the base model keeps its worked example, and every fact
    prompt, _ = Tutor(TutorSettings(), Backend()).prompt(Case.of(diagnostic, row["meta"]["program"]))
    assert prompt == row["messages"][:-1]
    with pytest.raises(TutorError, match="prompt_facts"):
        train.as_prompted([row], tiny_config(data_dir, tmp_path, prompt_facts="short"))


def test_bad_inputs_are_one_line_errors(data_dir, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "train.jsonl").write_text("")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "x"}]\n')
    cases = [(["--data", str(tmp_path / "none")], "does not exist"), (["--data", str(empty)], "is empty"),
             (["--data", str(broken)], "line 1 is not valid JSON"),
             (["--data", str(data_dir), "--base-model", str(tmp_path / "missing.gguf")], "does not exist"),
             (["--data", str(data_dir), "--device", "cuda"], "no CUDA GPU")]
    for flags, expected in cases:
        assert main(["train", *flags, "--out", str(tmp_path / "run"), "--no-evaluate"]) == 2
        error = capsys.readouterr().err.strip()
        assert expected in error and len(error.splitlines()) == 1, (flags, error)


def test_a_base_without_a_chat_template_is_refused(tmp_path):
    folder = tmp_path / "plain-base"
    tokenizer = modeling.load_tokenizer(modeling.resolve_base(""))
    tokenizer.chat_template = None
    tokenizer.save_pretrained(folder)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    with pytest.raises(TutorError, match="no chat template"):
        modeling.load_tokenizer(modeling.resolve_base(str(folder)))


def test_lora_never_targets_embeddings_or_the_head(tmp_path):
    base = modeling.resolve_base("")
    model = modeling.load_model(base, "cpu", False, tmp_path)
    with pytest.raises(TutorError, match="not attention/MLP"):
        modeling.lora_targets(model, ["q_proj", "lm_head"])
    wrapped = modeling.add_lora(model, TrainConfig(), "cpu")
    described = modeling.describe_trainable(wrapped)
    assert described["only_lora"] and described["modules"] == sorted(ATTENTION_MLP)


def test_every_train_flag_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    train_parser = sub.choices["train"]
    flags = [a for a in train_parser._actions if a.option_strings and a.dest != "help"]
    assert len(flags) >= 30
    assert all(a.help and len(a.help) > 10 for a in flags), [a.dest for a in flags if not a.help]
    assert "accelerate launch" in train_parser.description


def test_yaml_config_and_flags_combine(tmp_path):
    from error_tutor_finetune.train_config import load_config

    path = tmp_path / "c.yaml"
    path.write_text("lora_r: 4\ngradient_checkpointing: off\ntarget_modules: [q_proj, v_proj]\n")
    config = load_config(TrainConfig, str(path), {"lora_r": 8, "epochs": None})
    assert config.lora_r == 8 and config.gradient_checkpointing == "off" and config.target_modules == ["q_proj", "v_proj"]
    path.write_text("lora_rank: 4\n")
    with pytest.raises(TutorError, match="Unknown option 'lora_rank'"):
        load_config(TrainConfig, str(path))
    for name in ("cpu-smollm2-135m.yaml", "qlora-gpu.yaml"):
        shipped = Path(train.__file__).parent / "configs" / name
        assert isinstance(load_config(TrainConfig, str(shipped)), TrainConfig)


def test_examples_are_chosen_in_proportion_to_the_root_of_each_kinds_size():
    import random

    from error_tutor_finetune.train import balanced

    rows = ([{"meta": {"language": "c", "category": "undeclared-identifier", "n": i}} for i in range(900)]
            + [{"meta": {"language": "c", "category": "missing-semicolon", "n": i}} for i in range(100)]
            + [{"meta": {"language": "python", "category": "missing-colon", "n": i}} for i in range(25)])
    ordered = balanced(rows, random.Random(0))
    assert sorted(map(id, ordered)) == sorted(map(id, rows)), "a reordering: nothing lost, nothing repeated"
    counts = {}
    for row in ordered[:115]:
        key = row["meta"]["category"]
        counts[key] = counts.get(key, 0) + 1
    # square roots 30 : 10 : 5 -> about 77 : 26 : 13 of the first 115 (in proportion it would be 101 : 11 : 3)
    assert 68 <= counts["undeclared-identifier"] <= 86 and 20 <= counts["missing-semicolon"] <= 32
    assert 9 <= counts["missing-colon"] <= 17


def test_warnings_are_a_last_stage_with_real_errors_replayed():
    from error_tutor_finetune.train import choose_examples
    from error_tutor_finetune.train_config import TrainConfig

    def rows(stage, count, category):
        return [{"meta": {"stage": stage, "language": "c", "category": category, "n": i}} for i in range(count)]

    data = rows("synthetic", 50, "missing-semicolon") + rows("real", 50, "undeclared-identifier") + rows("warning", 30, "unused-variable")
    stages = choose_examples(data, TrainConfig(max_examples=40, real_share=0.5, warning_examples=10))
    assert list(stages) == ["sft-synthetic", "sft-real", "sft-warning"]
    assert all(r["meta"]["stage"] == "real" for r in stages["sft-real"]) and len(stages["sft-real"]) == 20
    last = stages["sft-warning"]
    assert sum(r["meta"]["stage"] == "warning" for r in last) == 10
    replayed = [r for r in last if r["meta"]["stage"] == "real"]
    assert len(replayed) == 5 and all(r in stages["sft-real"] for r in replayed), "replays errors already learnt"
    assert "sft-warning" not in choose_examples(data, TrainConfig(max_examples=40, real_share=0.5))
