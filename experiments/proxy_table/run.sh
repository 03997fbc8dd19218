#!/bin/bash
# The order the table was scored in (run from the repository root). Every step resumes from the
# score store and stops at the deadline $UNTIL (UTC); rerunning completes what a step left.
# History: grasp was first in step 1 and the rest of the list was planned on a 100-cell prefix,
# while other jobs held half the machine; when the machine freed up (13:35 UTC) the order
# below was restarted, the finished steps being no-ops.
set -u
UNTIL=${UNTIL:-14:40}
M="nice -n 10 python experiments/proxy_table/measure.py score --workers 2 --until $UNTIL"
export PYTHONPATH=$PWD
# 1. CIFAR-10, 1,000 cells: cheap ones and those with published figures and a NASLib column
$M --task cifar10 --proxies nparams flops epsinas synflow naswot jacov snip grad_norm fisher synflow_snr
# 2. ImageNet16-120 (the sample's cells its table covers), same set
$M --task imagenet16 --proxies nparams flops epsinas synflow synflow_snr naswot jacov snip grad_norm fisher
# 3. grasp, and its seed noise (initialisation seed 1, with fisher) on the first 100 cells
$M --task cifar10 --proxies grasp
$M --task cifar10 --n 100 --seed 1 --proxies grasp fisher
$M --task imagenet16 --proxies grasp
# 4. the rest of issue 3's first list, one proxy at a time on both tasks
for p in zico snip_snr lnwot tcet_snip grad_sign gsnr combined tcet_synflow js jsc; do
  $M --task cifar10 --proxies $p
  $M --task imagenet16 --proxies $p
done
# 5. the costly Jacobian family (not reached in this run)
$M --task cifar10 --n 200 --proxies pjs pjsc wpjs wpjsi sns snsc lns lnsc mnjs mnjsc grasp_snr cv
# 6. Second session (2026-11-24 from 15:35 UTC), after networks began skipping dead branches and
#    running channels-last for the proxies that allow it (about 2x faster; values change by float
#    rounding only, see notes.md): the rest of the list, one proxy at a time; at 16:47 the costly
#    Jacobian family (sns … mnjsc) moved to `score-family`, which computes each of its 4 Jacobians
#    once per cell for all 8 input-Jacobian proxies instead of 16 passes (same values).
UNTIL=${UNTIL2:-17:27}  # the run started with 17:20 and was moved to 17:27 at 16:25 (after cv)
PY="nice -n 10 $PWD/.venv/bin/python experiments/proxy_table/measure.py"
M="$PY score --workers 2 --until $UNTIL"
for p in grad_sign gsnr combined tcet_synflow js jsc pjs pjsc wpjs wpjsi cv grasp_snr; do
  $M --task cifar10 --proxies $p
done
$M --task imagenet16 --proxies grad_sign
FAMILY="js jsc sns snsc lns lnsc mnjs mnjsc"
$PY score-family --workers 2 --until $UNTIL --task cifar10 --proxies $FAMILY
for p in gsnr combined tcet_synflow js jsc pjs pjsc wpjs wpjsi cv grasp_snr; do
  $M --task imagenet16 --proxies $p
done
$PY score-family --workers 2 --until $UNTIL --task imagenet16 --proxies $FAMILY
# 7. Timing on the otherwise idle machine after step 6 (current code, fresh 1-thread process per proxy):
#    the proxies with reference times over the first 100 cells, every other proxy over the first 20;
#    then the copies of the records beside this script and the report.
PY="$PWD/.venv/bin/python experiments/proxy_table/measure.py"
rm -f /tmp/nasearch-proxy-table/timing-cifar10.json
$PY timing --n 100 --proxies epsinas synflow snip grad_norm jacov fisher grasp
$PY timing --n 20 --proxies nparams flops naswot lnwot zico gsnr grad_sign synflow_snr snip_snr tcet_snip \
  tcet_synflow combined js jsc sns snsc lns lnsc mnjs mnjsc pjs pjsc wpjs wpjsi grasp_snr cv
# grasp came out slower channels-last over 100 real-data cells (2.01 s; 20 cells: 1.85 channels-last vs 1.58
# contiguous), so grasp and grasp_snr went back to the contiguous layout and were timed again:
$PY timing --n 100 --proxies grasp
$PY timing --n 20 --proxies grasp_snr
cp /tmp/nasearch-proxy-table/timing-cifar10.json /tmp/nasearch-proxy-table/memory-*.json experiments/proxy_table/
$PY report > /dev/null
