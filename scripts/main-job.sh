#!/usr/bin/env bash
# Set up, then run the main job: RS, RS+warm-up, REA and REA+warm-up with epsinas on
# NAS-Bench-201 CIFAR-10 (embedded benchmark, grey-scale synthetic images; no files needed).
# Results go to ./nasearch-main-job/ in the directory you run this from (or --out DIR);
# --update-committed rewrites the committed experiments/main_job/ instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
"$ROOT/.venv/bin/python" "$ROOT/experiments/main_job/main_job.py" "$@"
