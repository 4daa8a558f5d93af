"""What an adapter folder holds, which base it belongs to, and whether the two fit together.

An adapter folder is what PEFT's ``save_pretrained`` writes (``adapter_config.json`` and
``adapter_model.safetensors``), plus what the training code adds beside it:

- ``base_model.json``: ``{"gguf_path": "...", "sha256": "...", "base_config": "base_config/config.json"}``
  (also accepted: ``path``, ``hf_dir``) — the exact base the adapter was trained on, and its
  transformers config (which saves parsing the GGUF header);
- ``manifest.json``: training facts; ``data_sha256`` (or ``training_data_sha256``) is copied
  into the export's metadata;
- the evaluation's ``summary.json`` (``../eval/summary.json`` beside the adapter folder, as
  ``error-tutor train`` lays out a run; or ``eval_summary.json`` inside it): copied into the
  metadata.

All checks here read only configs, file headers and tensor shapes: they fail in a second,
before anything slow is loaded.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from error_tutor_server.errors import TutorError
from error_tutor_server.catalog import file_sha256 as sha256_file

log = logging.getLogger("error_tutor.export")

WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
EMBEDDING_NAMES = ("embed_tokens", "lm_head", "wte", "wpe", "embed_in", "embed_out", "word_embeddings", "output")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "spm.model")
DATA_HASH_KEYS = ("data_sha256", "training_data_sha256", "dataset_sha256")
EVAL_FILES = ("eval_summary.json", "evaluation.json", "../eval/summary.json")
MAX_EVALUATION_CHARS = 4000


def read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TutorError(f"Cannot read {what} '{path}' ({exc.strerror}).", "Check the path and its permissions.") from None
    except ValueError as exc:
        raise TutorError(f"{what} '{path}' is not valid JSON ({exc}).", "Re-save the adapter with the training command.") from None
    if not isinstance(data, dict):
        raise TutorError(f"{what} '{path}' is not a JSON object.", "Re-save the adapter with the training command.")
    return data


@dataclass(frozen=True)
class Base:
    """The base model: a GGUF file (loaded dequantized) or a local Hugging Face folder."""
    path: Path
    kind: str  # "gguf" | "hf"
    sha256: str = ""
    config_dir: Path | None = None  # a folder with the base's config.json, when the training saved one

    @property
    def name(self) -> str:
        return self.path.stem if self.kind == "gguf" else self.path.name

    @property
    def from_gguf(self) -> bool:
        return self.kind == "gguf"


@dataclass
class Adapter:
    folder: Path
    config: dict
    weights: Path
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def rank(self) -> int:
        return int(self.config.get("r", 0))

    @property
    def sha256(self) -> str:
        return sha256_file(self.weights)

    def target_names(self) -> set[str]:
        """The base modules the LoRA tensors attach to (``model.layers.0.self_attn.q_proj``)."""
        names = set()
        for name in self.shapes:
            for marker in (".lora_A.", ".lora_B.", ".lora_embedding_A", ".lora_embedding_B"):
                if marker in name:
                    names.add(name.split(marker)[0].removeprefix("base_model.model."))
        return names


def _tensor_shapes(weights: Path) -> dict[str, tuple[int, ...]]:
    if weights.suffix != ".safetensors":
        import torch

        state = torch.load(weights, map_location="cpu", weights_only=True)
        return {name: tuple(t.shape) for name, t in state.items()}
    from safetensors import safe_open

    try:
        with safe_open(str(weights), framework="numpy") as handle:
            return {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except Exception as exc:  # safetensors raises its own error types for a damaged header
        raise TutorError(f"'{weights}' is not a readable safetensors file ({exc}).",
                         "Re-save the adapter with the training command.") from None


def load_adapter(folder: Path) -> Adapter:
    """Read a PEFT LoRA folder; a TutorError says what is missing."""
    if not folder.is_dir():
        raise TutorError(f"The adapter folder '{folder}' does not exist.", "Pass the folder that `error-tutor train` wrote.")
    config_path = folder / "adapter_config.json"
    if not config_path.is_file():
        raise TutorError(f"'{folder}' has no adapter_config.json, so it is not a PEFT adapter folder.",
                         "Pass the folder that `error-tutor train` wrote (it holds adapter_config.json).")
    config = read_json(config_path, "adapter config")
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise TutorError(f"'{folder}' holds a {config.get('peft_type')} adapter; only LoRA can be exported.",
                         "Train a LoRA adapter (the default of `error-tutor train`).")
    weights = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
    if weights is None:
        raise TutorError(f"'{folder}' has no adapter_model.safetensors.", "Re-save the adapter with the training command.")
    adapter = Adapter(folder, config, weights, _tensor_shapes(weights))
    if not adapter.target_names():
        raise TutorError(f"'{weights}' holds no LoRA tensors.", "Re-save the adapter with the training command.")
    return adapter


def embedding_parts(adapter: Adapter) -> list[str]:
    """What the adapter trains of the embeddings or the output head (nothing a GGUF LoRA can carry)."""
    def is_embedding(name: str) -> bool:
        return name.split(".")[-1] in EMBEDDING_NAMES or any(f".{e}." in f".{name}." for e in EMBEDDING_NAMES[:5])

    config = adapter.config
    found = [f"modules_to_save: {m}" for m in (config.get("modules_to_save") or []) if is_embedding(m)]
    targets = config.get("target_modules") or []
    targets = [targets] if isinstance(targets, str) else targets
    found += [f"target_modules: {m}" for m in targets if is_embedding(m)]
    if config.get("trainable_token_indices"):
        found.append("trainable_token_indices")
    found += [f"tensor: {n}" for n in adapter.shapes
              if "lora_embedding" in n or (".lora_" not in n and is_embedding(n.removesuffix(".weight")))]
    return found


def check_adapter_only(adapter: Adapter) -> None:
    """Refuse what llama.cpp's LoRA format cannot express (the merged export can still carry it)."""
    parts = embedding_parts(adapter)
    if parts:
        raise TutorError(f"The adapter trains the embeddings or the output head ({'; '.join(parts[:3])}), "
                         "which a GGUF LoRA adapter cannot carry.",
                         "Export it merged instead: drop --adapter-only.")
    extra = [n for n in adapter.shapes if ".lora_A." not in n and ".lora_B." not in n]
    if extra:
        raise TutorError(f"The adapter also saves whole modules ({', '.join(extra[:3])}), which a GGUF LoRA "
                         "adapter cannot carry.", "Export it merged instead: drop --adapter-only.")
    config = adapter.config
    unsupported = [name for name, bad in (
        ("DoRA (use_dora)", config.get("use_dora")), ("per-module alpha (alpha_pattern)", config.get("alpha_pattern")),
        ("per-module rank (rank_pattern)", config.get("rank_pattern")),
        ("trained biases (bias/lora_bias)", config.get("bias", "none") != "none" or config.get("lora_bias")),
    ) if bad]
    if unsupported:
        raise TutorError(f"The adapter uses {', '.join(unsupported)}, which llama.cpp's LoRA format cannot express.",
                         "Export it merged instead: drop --adapter-only.")


def recorded_base(adapter: Adapter) -> Base | None:
    """The base named by ``base_model.json`` in the adapter folder, checked against its sha256."""
    record_path = adapter.folder / "base_model.json"
    if not record_path.is_file():
        return None
    record = read_json(record_path, "base model record")
    raw = record.get("gguf_path") or record.get("path") or record.get("hf_dir") or ""
    if not raw:
        raise TutorError(f"{record_path} names no base model (no 'gguf_path').", "Pass the base with --base.")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (adapter.folder / path).resolve()
    base = base_from_path(path, "the base recorded in base_model.json")
    expected = str(record.get("sha256", "")).lower()
    actual = base.sha256 if base.kind == "gguf" else sha256_file(base.path / "config.json")
    if expected and actual != expected:
        raise TutorError(f"The base '{path}' is not the one the adapter was trained on "
                         f"(sha256 {actual[:12]}… instead of {expected[:12]}…).",
                         "Pass the original base with --base, or retrain the adapter on this one.")
    config_file = adapter.folder / str(record.get("base_config") or "base_config/config.json")
    return Base(base.path, base.kind, base.sha256, config_file.parent if config_file.is_file() else None)


def base_from_path(path: Path, what: str = "--base") -> Base:
    """A GGUF file or a local Hugging Face model folder (with config.json and a tokenizer)."""
    if path.is_file():
        with open(path, "rb") as handle:
            if handle.read(4) != b"GGUF":
                raise TutorError(f"{what} '{path}' is neither a GGUF file nor a model folder.",
                                 "Pass a .gguf file or a Hugging Face model folder with config.json.")
        return Base(path, "gguf", sha256_file(path))
    if path.is_dir() and (path / "config.json").is_file():
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            raise TutorError(f"The base model folder '{path}' has no tokenizer ({', '.join(TOKENIZER_FILES[:2])}).",
                             "Save the tokenizer into that folder (tokenizer.save_pretrained) or pass the base GGUF.")
        return Base(path, "hf")
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return base_from_path(ggufs[0], what)
    raise TutorError(f"{what} '{path}' is not a GGUF file or a model folder with config.json.",
                     "Pass --base with the base model the adapter was trained on.")


def resolve_base(adapter: Adapter, override: str = "") -> Base:
    """``--base`` if given, else ``base_model.json``, else ``base_model_name_or_path`` if it is local."""
    if override:
        return base_from_path(Path(override).expanduser())
    recorded = recorded_base(adapter)
    if recorded is not None:
        return recorded
    named = str(adapter.config.get("base_model_name_or_path") or "")
    if named and Path(named).expanduser().exists():
        log.info("no base_model.json: using the adapter config's base %s", named)
        return base_from_path(Path(named).expanduser(), "the adapter config's base_model_name_or_path")
    raise TutorError(f"Cannot tell which base model '{adapter.folder}' was trained on "
                     f"(no base_model.json; base_model_name_or_path is '{named}').",
                     "Pass --base with the base GGUF file or Hugging Face model folder.")


def training_facts(adapter: Adapter) -> dict[str, str]:
    """Training-data hash and evaluation summary, when the training code left them."""
    facts: dict[str, str] = {}
    manifest_path = adapter.folder / "manifest.json"
    manifest = read_json(manifest_path, "training manifest") if manifest_path.is_file() else {}
    for key in DATA_HASH_KEYS:
        if manifest.get(key):
            facts["training_data_sha256"] = str(manifest[key])
            break
    if manifest:  # the facts its prompts gave (train's prompt_facts): the server prompts it the same way
        facts["prompt_facts"] = str((manifest.get("config") or {}).get("prompt_facts") or "full")
    evaluation = manifest.get("evaluation")
    for name in EVAL_FILES:
        if evaluation is None and (adapter.folder / name).is_file():
            evaluation = read_json(adapter.folder / name, "evaluation summary")
    if evaluation is not None:
        facts["evaluation"] = compact_evaluation(evaluation)
    return facts


def compact_evaluation(evaluation: dict) -> str:
    """The evaluation as JSON, cut down to its summary and targets when it is long."""
    text = json.dumps(evaluation, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_EVALUATION_CHARS and isinstance(evaluation, dict):
        short = {k: evaluation[k] for k in ("summary", "targets") if k in evaluation}
        text = json.dumps(short, sort_keys=True, ensure_ascii=False)
        if len(text) > MAX_EVALUATION_CHARS:
            text = json.dumps({"targets": evaluation.get("targets")}, sort_keys=True, ensure_ascii=False)
    return text[:MAX_EVALUATION_CHARS]
