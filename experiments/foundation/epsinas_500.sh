#!/usr/bin/env bash
# epsinas (reference path: float32, plain network, weights 1e-7 and 1, batch 256) on 500 random
# NB201 cells, real CIFAR-10 images and grey-scale images, against both CIFAR-10 tables.
set -euo pipefail
cd "$(dirname "$0")/../.."
STORE=${STORE:-/tmp/nasearch-experiments/scores.sqlite}
REAL=../shared/data/cifar10-partial/cifar10_partial_salvaged.npz
for data in "$REAL" grey; do
  for bench in nb201-cifar10 nb201-cifar10-200ep; do
    echo "data=$(basename $data) benchmark=$bench"
    python -m nasearch.cli correlate --proxy epsinas --proxy-option 'weights=[1e-7,1]' --proxy-option dtype=float32 \
      --sample 500 --seed 0 --data "$data" --batch-size 256 --benchmark "$bench" --store "$STORE" --json
  done
done
