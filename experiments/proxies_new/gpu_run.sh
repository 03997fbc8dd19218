#!/usr/bin/env bash
# ntk and swap on the whole 1,000-cell sample on one GPU (for the lead's device budget; not run by the
# helper that wrote it). Resumable: rows go to scores-gpu.csv as each cell finishes, and a rerun skips
# the cells stored, so a run cut by the time limit keeps its work. The device joins the stored
# configuration ({"device": "cuda"}), so these rows are reported apart from the CPU rows (swap redraws
# its weights from the GPU's generator: other draws than on the CPU).
# Usage (repository root, on the device machine): DATA=<dir holding cifar10-partial/> bash experiments/proxies_new/gpu_run.sh
# Then, here: PYTHONPATH=$PWD .venv/bin/python experiments/proxies_new/measure.py report
set -eu
export PYTHONPATH=$PWD
PY=${PY:-python}
M="$PY experiments/proxies_new/measure.py score --device cuda --workers 1 --data ${DATA:-../shared/data} --out scores-gpu.csv"
timeout ${LIMIT:-520} $M --proxies ntk swap --n 1000 || true
wc -l experiments/proxies_new/scores-gpu.csv
mkdir -p "${OUT:-/tmp}" && cp experiments/proxies_new/scores-gpu.csv "${OUT:-/tmp}/"
