#!/usr/bin/env bash
# epsinas (weights 1e-7 and 1, float32 as the reference code, batch 256; the exact narrow path)
# on 500 random NB201 cells, real CIFAR-10 images and grey-scale images, against both
# CIFAR-10 tables. Writes one JSON line per run to experiments/foundation/epsinas_500.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
STORE=${STORE:-/tmp/nasearch-experiments/scores.sqlite}
REAL=../shared/data/cifar10-partial/cifar10_partial_salvaged.npz
OUT=experiments/foundation/epsinas_500.jsonl
: > "$OUT"
for data in "$REAL" grey; do
  for bench in nb201-cifar10 nb201-cifar10-200ep; do
    result=$("$PY" -m nasearch.cli correlate --proxy epsinas --proxy-option 'weights=[1e-7,1]' \
      --proxy-option dtype=float32 --sample 500 --seed 0 --data "$data" --batch-size 256 \
      --benchmark "$bench" --store "$STORE" --json)
    echo "{\"data\": \"$(basename "$data")\", \"benchmark\": \"$bench\", \"result\": $result}" | tee -a "$OUT"
  done
done
