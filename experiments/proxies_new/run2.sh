#!/usr/bin/env bash
# Second session (2026-11-27, 15:00-16:08 UTC): the proxies the first session did not reach, one worker,
# nice 10, on a machine at load average 13-19 (other sessions' jobs). Stops at UNTIL (default 16:08 UTC).
# linear_regions reached 1,000 cells and plain 241 in a first ordering (linear_regions, plain, epe_nas to
# 1,000; ntk beside it, stopped after one cell: ~50 s a cell at that load); it was restarted in this order
# so that each proxy reaches 300 cells before any goes further.
# Usage: bash experiments/proxies_new/run2.sh  (from the repository root; log in /tmp/proxies2-main.log)
set -u
export PYTHONPATH=$PWD
UNTIL=${UNTIL:-$(date -u -d "today 16:08" +%s)}
M="nice -n 10 .venv/bin/python experiments/proxies_new/measure.py score --workers 1 --until-ts $UNTIL"
{
  $M --proxies plain epe_nas az_trainability az_expressivity az_progressivity flops --n 300
  $M --proxies swap --n 300
  $M --proxies plain epe_nas az_trainability az_expressivity az_progressivity flops --n 1000
} > /tmp/proxies2-main.log 2>&1
# Started beside the chain above at 15:43 UTC (a second worker), writing scores-az.csv:
#   nice -n 10 .venv/bin/python experiments/proxies_new/measure.py score --workers 1 --until-ts $UNTIL \
#     --proxies az_trainability az_expressivity az_progressivity flops --n 300 --out scores-az.csv
