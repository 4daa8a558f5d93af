#!/usr/bin/env bash
# Reproduces the shipped fine-tuned model from the repository, and the adapter it was compared with (what `make models` runs):
# training data from the tuning halves, LoRA on both bases, adapter-only GGUF export (Q8_0),
# the side-by-side evaluation on the checking halves, and the model cards.
# About 95 minutes on 2 idle cores (Qwen's training ~65, SmolLM2's ~17, evaluation ~12); every
# training run resumes from its last checkpoint when started again.
# Smoke: MODELS_SMOKE=1 scripts/make_models.sh (8 examples, 2 steps, 4 evaluated cases; minutes).
set -euo pipefail
BIN=${BIN:-.venv/bin}
OUT=${MODELS_OUT:-server/error_tutor_server/models}
RUNS=${RUNS:-runs}
SMOKE=()
EVAL_LIMIT=${EVAL_MODEL_LIMIT:-40}
if [ "${MODELS_SMOKE:-0}" = 1 ]; then
  SMOKE=(--max-examples 8 --max-steps 2 --batch-size 2 --grad-accum 1 --validation-examples 4)
  EVAL_LIMIT=4
  OUT=${MODELS_OUT:-$RUNS/models-smoke}
fi
mkdir -p "$OUT"
[ -f "$RUNS/data-v3/manifest.json" ] || \
  "$BIN/error-tutor" data build --no-preferences --mutations-per-program 1 --out "$RUNS/data-v3"

# The shipped default (into $OUT) and the comparison base (into $RUNS, not shipped)
"$BIN/error-tutor" train --config finetune/error_tutor_finetune/configs/cpu-qwen2.5-coder-0.5b.yaml \
  --data "$RUNS/data-v3" --out "$RUNS/train-qwen" "${SMOKE[@]}"
"$BIN/error-tutor" export "$RUNS/train-qwen/adapter" --adapter-only --quant Q8_0 \
  --out "$OUT/error-tutor-qwen2.5-coder-0.5b.lora.gguf"
"$BIN/error-tutor" train --config finetune/error_tutor_finetune/configs/cpu-smollm2.yaml \
  --data "$RUNS/data-v3" --out "$RUNS/train-smollm2" "${SMOKE[@]}"
"$BIN/error-tutor" export "$RUNS/train-smollm2/adapter" --adapter-only --quant Q8_0 \
  --out "$RUNS/error-tutor-smollm2-135m.lora.gguf"

# bases x untuned/tuned, side by side, on the checking halves (the SmolLM2 adapter over its base: --model + --adapter
# would pair it with Qwen; `grounded+<adapter>` applies an adapter over SmolLM2, the runtime's small default)
ERROR_TUTOR_MODELS_DIR="$OUT" "$BIN/error-tutor" eval --half checking --configs message,rules --model-limit "$EVAL_LIMIT" \
  --catalog-model smollm2-135m --adapter "$RUNS/error-tutor-smollm2-135m.lora.gguf" \
  --catalog-model qwen2.5-coder-0.5b --catalog-model tutor-qwen2.5-coder-0.5b --out "$RUNS/eval-models"
"$BIN/python" -m error_tutor_finetune.model_card --run "$RUNS/train-qwen" --name tutor-qwen2.5-coder-0.5b \
  --adapter "$OUT/error-tutor-qwen2.5-coder-0.5b.lora.gguf" --eval "$RUNS/eval-models/summary.json"
