#!/usr/bin/env bash
# Create ./.venv (once) with the CPU build of PyTorch and nasearch installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import nasearch, pytest, torch" 2>/dev/null \
        || [ pyproject.toml -nt .venv/.nasearch-installed ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    # pinned first: an unpinned torch would pull gigabytes of CUDA packages
    .venv/bin/python -m pip install --quiet "torch==2.13.0"
    # optuna and ray[tune] are optional extras the tests exercise: ~500 MB (ray, pyarrow, pandas);
    # measured 61 s to add them to a venv here, 17 min for a fresh venv at load ~28 on 2 cores
    .venv/bin/python -m pip install --quiet -e ".[test,optuna,ray]"
    touch .venv/.nasearch-installed
fi
