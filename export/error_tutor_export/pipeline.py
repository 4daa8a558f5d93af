"""The export, stage by stage, writing ``<out>.tmp`` and renaming it only once verified.

Merged:       check → load base (float32) → merge LoRA → save HF folder → convert to F16 GGUF →
              metadata → verify F16 vs PyTorch → quantize → verify quantized, tokenizer, metadata
Adapter only: check → stage adapter and base config → convert_lora_to_gguf → metadata →
              verify the adapter's effect and scale 0, metadata

Work files live in a hidden folder beside the output (same disk) and are removed on success,
failure, Ctrl-C or SIGTERM; a file under the output name is always complete and verified.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from error_tutor_server import __version__
from error_tutor_server.errors import TutorError
from error_tutor_export import adapter as adapters
from error_tutor_export import converters, merge, quantize, samples, verify
from error_tutor_export.config import ExportConfig

log = logging.getLogger("error_tutor.export")

LICENSE = "Apache-2.0"


@dataclass
class ExportResult:
    path: Path
    quant: str
    adapter_only: bool
    bytes: int
    seconds: float
    report: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)


class Progress:
    """One line per stage on stderr (and the log), with its time."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.started = time.perf_counter()

    @contextlib.contextmanager
    def stage(self, what: str):
        self.done += 1
        began = time.perf_counter()
        stop_if_interrupted()
        print(f"[{self.done}/{self.total}] {what} ...", file=self.stream, flush=True)
        log.info("stage %d/%d: %s", self.done, self.total, what)
        yield
        stop_if_interrupted()
        print(f"      done in {time.perf_counter() - began:.1f} s", file=self.stream, flush=True)


INTERRUPTED = threading.Event()  # set by Ctrl-C or SIGTERM, even if a library swallows the exception


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Ctrl-C and SIGTERM stop an export (so its clean-up runs). The request is also remembered:
    a KeyboardInterrupt raised inside a library callback can be swallowed, so every stage
    boundary checks ``INTERRUPTED`` as well."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        INTERRUPTED.set()
        raise KeyboardInterrupt

    INTERRUPTED.clear()
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_if_interrupted() -> None:
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


def check_output(out: str) -> Path:
    if not out:
        raise TutorError("No output file given.", "Pass --out FILE.gguf.")
    path = Path(out).expanduser().resolve()
    if path.is_dir():
        raise TutorError(f"--out '{path}' is a folder.", "Pass a file name, e.g. --out tutor.gguf.")
    if not path.parent.is_dir():
        raise TutorError(f"The folder of --out '{path.parent}' does not exist.", "Create it first or pick another path.")
    if not os.access(path.parent, os.W_OK):
        raise TutorError(f"Cannot write into '{path.parent}'.", "Pick a folder you can write to.")
    return path


def check_space(folder: Path, needed: int, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise TutorError(f"Not enough disk space in '{folder}' for {what}: about {needed / 1e6:.0f} MB needed, "
                         f"{free / 1e6:.0f} MB free.", "Free some space or write the export to another disk.")


def facts_for(adapter: adapters.Adapter, base: adapters.Base, quant: str, adapter_only: bool) -> dict[str, str]:
    """What goes into the ``error_tutor.*`` metadata."""
    import llama_cpp

    facts = {"base_model": base.name, "base_sha256": base.sha256, "adapter_sha256": adapter.sha256,
             "license": LICENSE, "format": "lora-adapter" if adapter_only else "merged",
             "quantization": quant, "exporter": f"error-tutor {__version__}, llama-cpp-python {llama_cpp.__version__}"}
    facts.update(adapters.training_facts(adapter))
    return quantize.export_metadata(facts)


def convert_merged(config: ExportConfig, adapter, base, work: Path, tools, progress: Progress, base_config=None):
    """Stages 2-5: the merged model in PyTorch (kept for verification) and its F16 GGUF."""
    with progress.stage(f"loading the base {base.path.name} in float32"):
        model, tokenizer = merge.load_base(base, base_config)
    with progress.stage("merging the LoRA adapter into the float32 weights"):
        model = merge.merge(adapter, model)
    hf_dir = work / "merged-hf"
    with progress.stage("saving the merged model with its tokenizer and chat template"):
        merge.save_hf(model, tokenizer, hf_dir)
    raw = work / "model-f16-raw.gguf"
    with progress.stage("converting to GGUF F16 (convert_hf_to_gguf.py)"):
        converters.run_script(tools, tools.hf_script, [str(hf_dir), "--outtype", "f16", "--outfile", str(raw)],
                              "convert_hf_to_gguf.py", work)
        shutil.rmtree(hf_dir, ignore_errors=True)
    return model, raw


def verify_merged(config, base, f16: Path, final: Path, quant: str, model, progress, pairs) -> dict:
    folder = samples.corpora_dir(config.corpora_dir)
    prompts = samples.chat_prompts(config.prompts, folder)
    texts = samples.heldout_explanations(config.perplexity_texts, folder) if quant != "F16" else []
    limits = verify.Thresholds(config.f16_tolerance, config.min_agreement.get(quant, 1.0),
                               config.max_perplexity_ratio.get(quant, 1.0))
    with progress.stage(f"verifying the F16 against the merged PyTorch model ({len(prompts)} prompts)"):
        reference = verify.reference_pass(f16, model, prompts, texts, config.new_tokens if texts else 0,
                                          config.threads)
        report = verify.check_f16(reference, limits)
    with progress.stage("verifying the exported file (metadata, tokenizer, quantization drift)"):
        quantize.check_metadata(quantize.read_model_metadata(final), pairs, final)
        if base.from_gguf:
            report.update(verify.tokenizer_round_trip(base.path, final,
                                                      samples.tokenizer_texts(config.tokenizer_texts, folder)))
        if quant != "F16":
            report.update(verify.quant_agreement(reference, final, quant, texts, limits, config.threads))
    return report


def export_merged(config: ExportConfig, adapter, base, work: Path, tmp: Path, progress: Progress,
                  base_config=None) -> tuple[dict, dict]:
    quant = config.quant
    tools = converters.locate()
    model, raw = convert_merged(config, adapter, base, work, tools, progress, base_config)
    pairs = facts_for(adapter, base, quant, False)
    f16 = work / "model-f16.gguf" if quant != "F16" else tmp
    with progress.stage("writing the error_tutor.* metadata"):
        quantize.write_metadata(tools, raw, f16, pairs)
        raw.unlink()
    if quant != "F16":
        with progress.stage(f"quantizing to {quant} (llama_model_quantize)"):
            quantize.quantize(f16, tmp, quant, config.threads)
    if not config.verify:
        return {}, pairs
    return verify_merged(config, base, f16, tmp, quant, model, progress, pairs), pairs


def stage_adapter(adapter: adapters.Adapter, base: adapters.Base, folder: Path) -> Path:
    """A clean copy for the converter: config (rsLoRA folded into alpha) and weights, no model card."""
    import json

    folder.mkdir(parents=True)
    settings = dict(adapter.config)
    if settings.get("use_rslora"):
        # llama.cpp scales by alpha / r; rsLoRA means alpha / sqrt(r)
        settings["lora_alpha"] = float(settings["lora_alpha"]) * math.sqrt(adapter.rank)
        settings["use_rslora"] = False
    settings["base_model_name_or_path"] = base.name
    (folder / "adapter_config.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    shutil.copyfile(adapter.weights, folder / adapter.weights.name)
    return folder


def export_adapter(config: ExportConfig, adapter, base, work: Path, tmp: Path, progress: Progress,
                   base_config=None) -> tuple[dict, dict]:
    tools = converters.locate()
    raw = work / "adapter-raw.gguf"
    with progress.stage("converting the adapter to a GGUF LoRA (convert_lora_to_gguf.py)"):
        base_dir = merge.save_config(base, base_config, work / "base-config")
        staged = stage_adapter(adapter, base, work / "adapter")
        outtype = quantize.ADAPTER_TYPES[config.quant]
        converters.run_script(tools, tools.lora_script, [str(staged), "--base", str(base_dir), "--outtype", outtype,
                                                          "--outfile", str(raw)], "convert_lora_to_gguf.py", work)
    pairs = facts_for(adapter, base, config.quant, True)
    with progress.stage("writing the error_tutor.* metadata"):
        quantize.write_metadata(tools, raw, tmp, pairs)
    if not config.verify:
        return {}, pairs
    if not base.from_gguf:
        raise TutorError("An adapter-only export is verified over a GGUF base, but --base is a Hugging Face folder.",
                         "Pass the base as a GGUF file, or add --no-verify.")
    with progress.stage("verifying: the adapter changes the output, and scale 0 gives back the base"):
        prompts = samples.chat_prompts(config.prompts, samples.corpora_dir(config.corpora_dir))
        limits = verify.Thresholds()
        report, found = verify.adapter_effect(base.path, tmp, prompts, limits, config.threads)
        quantize.check_metadata(found, pairs, tmp)
    return report, pairs


def default_quant(adapter_only: bool) -> str:
    return "F16" if adapter_only else "Q4_K_M"


def prepare(config: ExportConfig):
    """Stage 1: every check that needs no model loaded; fails in seconds."""
    quant = quantize.check_quant(config.quant or default_quant(config.adapter_only), config.adapter_only)
    out = check_output(config.out)
    adapter = adapters.load_adapter(Path(config.adapter_dir).expanduser())
    if config.adapter_only:
        adapters.check_adapter_only(adapter)
    base = adapters.resolve_base(adapter, config.base)
    if base.path.resolve() == out:
        raise TutorError(f"--out '{out}' is the base model itself.", "Write the export to another file.")
    base_config = merge.base_config(base)
    merge.check_fits(adapter, base, base_config)
    converters.locate()
    if config.disk_check:
        size = adapter.weights.stat().st_size
        needed = 5 * size if config.adapter_only else int(6.6 * merge.parameter_count(base_config))
        check_space(out.parent, needed, "the export")
    return quant, out, adapter, base, base_config


def stage_count(config: ExportConfig) -> int:
    if config.adapter_only:
        return 3 + int(config.verify)
    return 6 + int((config.quant or default_quant(False)).upper() != "F16") + 2 * int(config.verify)


def export(config: ExportConfig) -> ExportResult:
    """Run the whole export; the output appears only when everything passed."""
    started = time.perf_counter()
    progress = Progress(stage_count(config))
    with progress.stage("checking the adapter, the base and the output"):
        quant, out, adapter, base, base_config = prepare(config)
    config = config.with_overrides(quant=quant)
    tmp = out.with_name(out.name + ".tmp")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    try:
        with sigterm_as_interrupt(), translate_failures(out):
            if config.adapter_only:
                report, pairs = export_adapter(config, adapter, base, work, tmp, progress, base_config)
            else:
                report, pairs = export_merged(config, adapter, base, work, tmp, progress, base_config)
            stop_if_interrupted()
            os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        if config.keep_work:
            log.info("work files kept in %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    result = ExportResult(out, quant, config.adapter_only, out.stat().st_size, time.perf_counter() - started,
                          report, pairs)
    print(f"wrote {out} ({result.bytes / 1e6:.1f} MB, {quant}) in {result.seconds:.0f} s", file=sys.stderr, flush=True)
    return result


@contextlib.contextmanager
def translate_failures(out: Path):
    """Ctrl-C, SIGTERM and a full disk become one clear TutorError (the caller cleans up)."""
    try:
        yield
    except KeyboardInterrupt:
        raise TutorError(f"The export was interrupted; nothing was written to {out.name}.",
                         "Run the command again and let it finish.") from None
    except TutorError:
        raise
    except Exception as exc:  # torch, safetensors and gguf-py report a full disk in their own types
        if quantize.is_no_space(exc) or "No space left on device" in str(exc):
            raise quantize.no_space(f"writing {out.name}") from None
        raise
