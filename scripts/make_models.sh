#!/usr/bin/env bash
# Reproduces the shipped fine-tuned models from the repository (what `make models` runs):
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

declare -A CONFIG=([qwen2.5-coder-0.5b]=cpu-qwen2.5-coder-0.5b [smollm2-135m]=cpu-smollm2)
declare -A RUN=([qwen2.5-coder-0.5b]=train-qwen [smollm2-135m]=train-smollm2)
for base in qwen2.5-coder-0.5b smollm2-135m; do
  run="$RUNS/${RUN[$base]}"
  "$BIN/error-tutor" train --config "finetune/error_tutor_finetune/configs/${CONFIG[$base]}.yaml" \
    --data "$RUNS/data-v3" --out "$run" "${SMOKE[@]}"
  "$BIN/error-tutor" export "$run/adapter" --adapter-only --quant Q8_0 --out "$OUT/error-tutor-$base.lora.gguf"
done

ERROR_TUTOR_MODELS_DIR="$OUT" "$BIN/error-tutor" eval --half checking --configs message,rules --model-limit "$EVAL_LIMIT" \
  --catalog-model smollm2-135m --catalog-model tutor-smollm2-135m \
  --catalog-model qwen2.5-coder-0.5b --catalog-model tutor-qwen2.5-coder-0.5b --out "$RUNS/eval-models"
for base in qwen2.5-coder-0.5b smollm2-135m; do
  "$BIN/python" -m error_tutor_finetune.model_card --run "$RUNS/${RUN[$base]}" --name "tutor-$base" \
    --adapter "$OUT/error-tutor-$base.lora.gguf" --eval "$RUNS/eval-models/summary.json"
done
