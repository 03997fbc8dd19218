#!/usr/bin/env bash
# Create ./.venv (once) with the CPU build of PyTorch and nasearch installed in editable mode.
# Each step says what it does first: the installs take minutes on a slow or shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $PYTHON" >&2
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import nasearch, pytest, torch, hypothesis, ray" 2>/dev/null \
        || [ pyproject.toml -nt .venv/.nasearch-installed ]; then
    echo "setup: upgrading pip in .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    # pinned first: an unpinned torch would pull gigabytes of CUDA packages
    echo "setup: installing torch==2.13.0 (CPU build, about 200 MB: the longest step)" >&2
    .venv/bin/python -m pip install --quiet "torch==2.13.0"
    # the optional extras the tests exercise: ray and optuna (~1 min of the install, ~350 MB),
    # hypothesis (fuzz tests), analog-nasbench (the optional nb201-cifar10-analog table)
    echo "setup: installing nasearch (editable), its dependencies and the extras the tests use" >&2
    .venv/bin/python -m pip install --quiet -e ".[test,ray,optuna,analog]"
    touch .venv/.nasearch-installed
    echo "setup: done; the nasearch command is .venv/bin/nasearch (or: source .venv/bin/activate)" >&2
fi
