#!/usr/bin/env bash
# Set up, then run the main job: RS, RS+warm-up, REA and REA+warm-up with epsinas on
# NAS-Bench-201 CIFAR-10 (embedded benchmark, grey-scale synthetic images; no files needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python experiments/main_job/main_job.py "$@"
