#!/bin/bash
# Issue 14, item 3: the two components of the epsinas_meco ranking on all 15,625 NAS-Bench-201 cells, on a
# 16-core machine (no GPU needed: both are cheap CPU proxies). Run from the repository root; resumable:
# rerunning completes what a run left, so a timeout loses nothing. Then the analysis rewrites
# experiments/ranking/results.md with the whole-space table (and uses the option's own epsinas scores).
# Optional: the costlier candidates on a GPU, e.g. `... --proxy gsnr --device cuda`.
set -u
export PYTHONPATH=$PWD
S="python experiments/ranking/score_whole_space.py"
$S --proxy meco --workers 8 > /tmp/ranking_meco.log 2>&1 &
$S --proxy epsinas_whole --batch 256 --workers 8 > /tmp/ranking_eps.log 2>&1 &
wait
tail -n 2 /tmp/ranking_*.log
python experiments/ranking/analyse.py > /dev/null && tail -n 45 experiments/ranking/results.md
