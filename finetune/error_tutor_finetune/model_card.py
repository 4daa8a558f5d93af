"""The model card of a shipped adapter: what it is, how it was made, how it scores, under which licences.

    python -m error_tutor_finetune.model_card --run runs/train-qwen \\
        --adapter server/error_tutor_server/models/error-tutor-qwen2.5-coder-0.5b.lora.gguf \\
        --eval runs/eval-models/summary.json --name tutor-qwen2.5-coder-0.5b

Everything in it is read from files the pipeline wrote: the training run's ``train_summary.json``
(base, config, time, tokens/s, loss), the data build's ``manifest.json`` (sha256 of every file), the
exported GGUF's ``error_tutor.*`` metadata (read back from the file), and an evaluation's
``summary.json`` (the checking halves' table of every configuration). Written beside the adapter as
``<adapter>.md``. Without ``--run``, only the card's evaluation section is replaced (a shipped adapter
evaluated again, for example beside its untuned base; the training facts stay as the run wrote them):

    python -m error_tutor_finetune.model_card --name tutor-qwen2.5-coder-0.5b \
        --adapter server/error_tutor_server/models/error-tutor-qwen2.5-coder-0.5b.lora.gguf \
        --eval runs/eval-bases/summary.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from error_tutor_finetune.eval_report import _cell as cell
from error_tutor_server.catalog import BASES, MODELS
from error_tutor_server.gguf_header import read_metadata

COLUMNS = (("covered", "covered"), ("located", "located"), ("specific", "specific"), ("leak", "leak"),
           ("model_shown", "model text shown"), ("agreement", "agreement"), ("latency_median_ms", "median ms"))
ATTRIBUTIONS = [
    "TRACER (github umairzahmed/tracer), Apache-2.0: Ahmed, Kumar, Sethi, Karkare, Gupta, \"Compilation error "
    "repair: for the student programs, from the student programs\", ICSE-SEET 2018; Das et al., \"Prutor: A System "
    "for Tutoring CS1 and Collecting Student Programs for Analysis\", 2016.",
    "friendly-traceback (MIT) and its documentation (CC0), by André Roberge: the Python programs and the expert "
    "explanations that are the Python targets.",
    "University of Pennsylvania, github SERI-CS/iticse24-error-measures, MIT: the CS1 javac messages.",
]


EVALUATION_HEADING = "## Evaluation (development corpora, checking halves)"
LICENCE_HEADING = "## Licence and attributions"


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def evaluation_table(summary: dict, half: str = "checking") -> list[str]:
    """One row per language and configuration of ``half`` (what the evaluation's halves section holds)."""
    rows = summary.get("halves", {}).get(half) or []
    lines = ["| language | configuration | n | " + " | ".join(title for _, title in COLUMNS) + " |",
             "|---|---|---:|" + "---:|" * len(COLUMNS)]
    for row in rows:
        cells = [cell(row.get(key), key) for key, _ in COLUMNS]
        lines.append(f"| {row.get('language', '')} | {row.get('config', '')} | {row.get('n', '')} | " + " | ".join(cells) + " |")
    return lines


def teachers_said(data_config: dict) -> str:
    """Who wrote the targets, as the data build's config says."""
    python = ("friendly-traceback's expert explanations (the corpus's for real errors, friendly-traceback run on the "
              "program for synthetic ones)" if data_config.get("python_expert") else
              "friendly-traceback's expert explanations where the corpus has them")
    ranked = (f"; of each case's drafts that pass, the one {data_config.get('rank_base') or 'the student base'} "
              "had the lowest loss on (ARTE)" if data_config.get("rank_drafts") else "")
    return (f"Targets by the knowledge base's grounded rules and, for Python, {python}, each checked by the "
            f"server's checker and fact contract{ranked}; only the tuning halves of the development corpora and "
            "c_tracer_more.jsonl (the checking halves stay unseen).")


def evaluation_section(evaluation: dict | None) -> list[str]:
    if not evaluation:
        return []
    return [EVALUATION_HEADING, "", f"`{evaluation.get('meta', {}).get('command', 'error-tutor eval')}`", "",
            *evaluation_table(evaluation), ""]


def with_evaluation(text: str, evaluation: dict) -> str:
    """A card's text with its evaluation section (added or) replaced, everything else kept."""
    before, licence, tail = text.partition(LICENCE_HEADING)
    if not licence:
        raise ValueError("the card has no licence section: write it again from the run with --run")
    head = before.partition(EVALUATION_HEADING)[0]  # the evaluation section comes just before the licence
    return head + "\n".join(evaluation_section(evaluation)) + "\n" + licence + tail


def card(name: str, run: Path, adapter: Path, evaluation: dict | None) -> str:
    choice = MODELS[name]
    base = BASES[choice.base]
    summary = read_json(run / "train_summary.json")
    config = summary["config"]
    manifest = read_json(Path(config["data"]) / "manifest.json")
    metadata = read_metadata(adapter)
    lines = [f"# {name}: {base.title} fine-tuned to explain compiler errors", "",
             f"A LoRA adapter (GGUF, {metadata.get('error_tutor.quantization', '')}, {adapter.stat().st_size / 1e6:.1f} MB) "
             f"over **{base.title}**, merged into the base once at set-up (a Q8_0 file in the cache; else applied by llama.cpp at load time). Chosen with the `model` setting "
             f"(`{name}`); the untuned base is `model = \"{choice.base}\"`.", "",
             "## Base", "",
             f"- {base.title}, licence {base.licence}; installed offline from PyPI ({', '.join(base.distributions)}), "
             f"sha256 `{base.sha256}` (checked at set-up).",
             f"- The adapter records it: `error_tutor.base_sha256` = `{metadata.get('error_tutor.base_sha256', '')}`; "
             "the server refuses an adapter whose recorded base is not the one it loads.", "",
             "## Training", "",
             f"- LoRA r={config['lora_r']}, alpha={config['lora_alpha']}, dropout {config['lora_dropout']} on "
             f"{', '.join(config['target_modules'])}; learning rate {config['learning_rate']}, effective batch "
             f"{config['batch_size'] * config['grad_accum']}, {config['epochs']} epoch, max length {config['max_length']}.",
             f"- {sum(s.get('examples', 0) for s in summary['stages'])} examples in stages "
             f"{', '.join(s['stage'] for s in summary['stages'])} (curriculum: synthetic errors, then real ones), "
             "balanced over languages and kinds of error (square root of each kind's size).",
             f"- Prompts: without the worked example; {config.get('prompt_facts', 'full')} facts "
             f"(`error_tutor.prompt_facts` = `{metadata.get('error_tutor.prompt_facts', 'full')}`: the server prompts "
             "the adapter with the facts it was trained on; compact leaves out the category, concept, likely cause and "
             "likely line). Loss on the answer only: its label, what the message means here, and the why.",
             f"- {summary['train_tokens']:,} tokens in {summary['train_seconds'] / 60:.0f} min: "
             f"{summary['tokens_per_second']:.0f} tokens/s on {summary['device']} ({summary['threads']} threads); "
             f"peak memory {summary['peak_memory_mb'] / 1024:.1f} GB; loss {summary['first_loss']:.3f} -> {summary['last_loss']:.3f}.",
             f"- Reproduce: `make models` (or `error-tutor train --config finetune/error_tutor_finetune/configs/cpu-{choice.base}.yaml`, "
             "then `error-tutor export RUN/adapter --adapter-only --quant Q8_0 --out ADAPTER.gguf`).",
             "", "## Training data", "",
             teachers_said(manifest.get("config", {})), ""]
    lines += [f"- `{info['file']}`: {info.get('rows', '-')} rows, sha256 `{info['sha256']}`"
              for key, info in manifest["files"].items() if isinstance(info, dict) and info.get("sha256")]
    lines += [f"- adapter sha256 (of the PEFT weights): `{metadata.get('error_tutor.adapter_sha256', '')}`", ""]
    lines += evaluation_section(evaluation)
    lines += [LICENCE_HEADING, "",
              f"The adapter: Apache-2.0. The base: {base.licence}. Training data:", ""]
    lines += [f"- {text}" for text in ATTRIBUTIONS]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m error_tutor_finetune.model_card", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="the training run's folder (train_summary.json); without it, only "
                        "the existing card's evaluation section is replaced by --eval's")
    parser.add_argument("--adapter", required=True, type=Path, help="the exported adapter GGUF (the card goes beside it)")
    parser.add_argument("--name", required=True, choices=[m for m in MODELS if MODELS[m].fine_tuned], help="its catalog name")
    parser.add_argument("--eval", type=Path, help="an evaluation's summary.json to include")
    args = parser.parse_args(argv)
    evaluation = read_json(args.eval) if args.eval else None
    out = args.adapter.with_suffix(".md")
    if args.run is None:
        if evaluation is None or not out.exists():
            parser.error("without --run, give --eval and an adapter whose card exists")
        out.write_text(with_evaluation(out.read_text(encoding="utf-8"), evaluation), encoding="utf-8")
    else:
        out.write_text(card(args.name, args.run, args.adapter, evaluation), encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
