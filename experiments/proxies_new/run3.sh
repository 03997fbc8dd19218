#!/usr/bin/env bash
# Third session (2026-11-27, from 17:50 UTC): swap and ntk after their speed-ups (same values:
# tests/test_proxies_fast.py), then the AZ-NAS components, epe_nas and plain towards 1,000 cells.
# Two chains side by side, one worker each, nice 10, on the shared 2-core machine; each stops at UNTIL.
# Usage: bash experiments/proxies_new/run3.sh   (logs in /tmp/proxies3-{swap,chain}.log)
set -u
export PYTHONPATH=$PWD
UNTIL=${UNTIL:-$(date -u -d "today 19:02" +%s)}
M="nice -n 10 .venv/bin/python experiments/proxies_new/measure.py score --workers 1 --until-ts $UNTIL"
$M --proxies swap --n 1000 --out scores-swap.csv > /tmp/proxies3-swap.log 2>&1 &
{
  $M --proxies ntk --n 60 --out scores-ntk.csv
  $M --proxies az_trainability az_expressivity az_progressivity flops epe_nas plain --n 300 --out scores-p3.csv
  $M --proxies az_trainability az_expressivity az_progressivity flops epe_nas plain --n 1000 --out scores-p3.csv
  $M --proxies ntk --n 1000 --out scores-ntk.csv
} > /tmp/proxies3-chain.log 2>&1 &
wait
# Started beside the two chains at 18:35 UTC, once the grasp timing run (experiments/grasp_speed) had finished:
#   nice -n 10 .venv/bin/python experiments/proxies_new/measure.py score --workers 1 --until-ts <19:03 UTC> \
#     --proxies az_trainability az_expressivity az_progressivity epe_nas plain --n 300 --out scores-az3.csv
