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
if ! .venv/bin/python -c "import nasearch, pytest, torch" 2>/dev/null \
        || [ pyproject.toml -nt .venv/.nasearch-installed ]; then
    echo "setup: upgrading pip in .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    # pinned first: an unpinned torch would pull gigabytes of CUDA packages
    echo "setup: installing torch==2.13.0 (CPU build, about 200 MB: the longest step)" >&2
    .venv/bin/python -m pip install "torch==2.13.0"
    echo "setup: installing nasearch (editable) and its dependencies" >&2
    .venv/bin/python -m pip install --quiet -e ".[test]"
    touch .venv/.nasearch-installed
    echo "setup: done; the nasearch command is .venv/bin/nasearch (or: source .venv/bin/activate)" >&2
fi
