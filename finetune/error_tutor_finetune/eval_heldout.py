"""The evaluation that ends every training run: the base model and the new adapter side by side on
the held-out split of the development corpora (programs the adapter never saw).

    error-tutor train ...                       # runs it into RUN/eval when it finishes
    python -m error_tutor_finetune.eval_heldout runs/train/adapter runs/train/eval   # again, by hand

The PEFT adapter is first exported to a GGUF LoRA (``error-tutor export --adapter-only``), as a
maintainer would ship it; the server and the evaluation run it through llama.cpp over the default
model. The model-based configurations run on the first ``model_limit`` cases of each corpus, the
others on all of them.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from error_tutor_finetune.evaluate import EvalConfig, run_eval
from error_tutor_server.errors import TutorError
from error_tutor_server.paths import default_corpora

log = logging.getLogger("error_tutor.eval")

MODEL_LIMIT = 30  # ~3 s per generation on 2 cores: 30 cases x 3 corpora x 3 model configurations is ~15 min


def heldout_corpora(heldout_json: Path, out: Path, split: str = "test") -> list[str]:
    """The development corpora's rows of one held-out split (``heldout.json``), as corpora of their own."""
    try:
        wanted = json.loads(heldout_json.read_text(encoding="utf-8"))[split]
    except (OSError, ValueError, KeyError) as exc:  # a small data set may have no test split: say so
        raise TutorError(f"Cannot read the '{split}' split of '{heldout_json}' ({exc}).",
                         "Rebuild the data with `error-tutor data build`: it writes heldout.json.") from None
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for corpus in map(Path, default_corpora()):
        ids = set(wanted.get(corpus.name, ()))
        if not ids or not corpus.is_file():
            continue
        rows = [line for line in corpus.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line).get("id") in ids]
        (out / corpus.name).write_text("".join(row + "\n" for row in rows), encoding="utf-8")
        written.append(str(out / corpus.name))
    if not written:
        raise TutorError(f"No held-out row of '{heldout_json}' is in the development corpora.",
                         "Evaluate with `error-tutor eval --corpus ...` instead.")
    return written


def adapter_gguf(adapter_dir: Path, out: Path) -> Path:
    """The adapter as a GGUF LoRA (exported once; an earlier export is reused)."""
    target = out / "adapter.gguf"
    if not target.exists():
        from error_tutor_export.config import ExportConfig
        from error_tutor_export.pipeline import export

        export(ExportConfig(adapter_dir=str(adapter_dir), out=str(target), adapter_only=True))
    return target


def manifest_heldout(adapter: Path) -> Path:
    """The heldout.json of the data the adapter was trained on (from its manifest.json)."""
    try:
        return Path(json.loads((adapter / "manifest.json").read_text(encoding="utf-8"))["heldout"])
    except (OSError, ValueError, KeyError) as exc:
        raise TutorError(f"'{adapter}' has no readable manifest.json ({exc}).",
                         "Pass the adapter/ folder that `error-tutor train` wrote.") from None


def run_evaluation(adapter_dir: str, out_dir: str, model_limit: int = MODEL_LIMIT, threads: int = 0,
                   corpora: list[str] | None = None) -> dict:
    """Base and adapter on ``corpora`` (default: the held-out split); returns summary.json's content."""
    adapter, out = Path(adapter_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpora = corpora or heldout_corpora(manifest_heldout(adapter), out / "corpora")
    config = EvalConfig(corpora=corpora, configs=["message", "rules", "raw-model", "grounded"],
                        adapters=[str(adapter_gguf(adapter, out))], model_limit=model_limit, threads=threads,
                        out=str(out), resume=(out / "cases.partial.jsonl").exists())
    log.info("evaluating %s on the held-out split into %s", adapter, out)
    return run_eval(config)


def evaluate_command(args: argparse.Namespace) -> int:
    summary = run_evaluation(args.adapter_dir, args.out_dir, args.model_limit, args.threads)
    print(json.dumps(summary.get("targets", []), indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    from error_tutor_server.cli import run_standalone

    parser = argparse.ArgumentParser(prog="python -m error_tutor_finetune.eval_heldout",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("adapter_dir", help="the adapter/ folder that `error-tutor train` wrote")
    parser.add_argument("out_dir", help="where the report, the cases and the exported adapter.gguf go")
    parser.add_argument("--model-limit", type=int, default=MODEL_LIMIT, metavar="N",
                        help=f"model configurations on the first N cases of each corpus (default {MODEL_LIMIT})")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for the model (default: the server's policy)")
    parser.set_defaults(func=evaluate_command)
    return run_standalone(parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
