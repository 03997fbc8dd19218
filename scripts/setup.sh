#!/usr/bin/env bash
# Create ./.venv (once) with the CPU build of PyTorch and nasearch installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import nasearch, pytest, torch, hypothesis, ray" 2>/dev/null \
        || [ pyproject.toml -nt .venv/.nasearch-installed ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    # pinned first: an unpinned torch would pull gigabytes of CUDA packages
    .venv/bin/python -m pip install --quiet "torch==2.13.0"
    # the optional extras the tests exercise: ray and optuna (~1 min of the install, ~350 MB),
    # hypothesis (fuzz tests), analog-nasbench (the optional nb201-cifar10-analog table)
    .venv/bin/python -m pip install --quiet -e ".[test,ray,optuna,analog]"
    touch .venv/.nasearch-installed
fi
