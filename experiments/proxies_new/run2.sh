#!/usr/bin/env bash
# Second session (2026-11-27 from ~15:00 UTC): the proxies the first session did not reach.
# Two chains side by side, one worker each, nice 10, both stop at UNTIL (default 16:08 UTC today).
# Usage: bash experiments/proxies_new/run2.sh  (from the repository root; logs in /tmp/proxies2-*.log)
set -u
export PYTHONPATH=$PWD
UNTIL=${UNTIL:-$(date -u -d "today 16:08" +%s)}
M="nice -n 10 .venv/bin/python experiments/proxies_new/measure.py score --workers 1 --until-ts $UNTIL"
(
  $M --proxies linear_regions plain epe_nas --n 1000
  $M --proxies az_trainability az_expressivity az_progressivity flops --n 300
  $M --proxies swap --n 300
  $M --proxies az_trainability az_expressivity az_progressivity flops --n 1000
) > /tmp/proxies2-main.log 2>&1 &
( $M --proxies ntk --n 300 --out scores-ntk.csv ) > /tmp/proxies2-ntk.log 2>&1 &
wait
