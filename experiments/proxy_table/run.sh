#!/bin/bash
# The order the table was scored in (run from the repository root). Every step resumes from the
# score store and stops at the deadline $UNTIL (UTC); rerunning completes what a step left.
# History: grasp was first in step 1 and the rest of the list was planned on a 100-cell prefix,
# while other jobs held half the machine; when the machine freed up (13:35 UTC) the order
# below was restarted, the finished steps being no-ops.
set -u
UNTIL=${UNTIL:-14:40}
M="nice -n 10 /work/venv/bin/python experiments/proxy_table/measure.py score --workers 2 --until $UNTIL"
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
# 6. Second session (2026-11-24 from 15:50 UTC), after networks began skipping dead branches and
#    running channels-last for the proxies that allow it (about 2x faster; values change by float
#    rounding only, see notes.md): the rest of the list, cheapest first, then ImageNet16-120,
#    then the costly Jacobian family.
UNTIL=${UNTIL2:-17:20}
M="nice -n 10 $PWD/.venv/bin/python experiments/proxy_table/measure.py score --workers 2 --until $UNTIL"
REST="grad_sign gsnr combined tcet_synflow js jsc pjs pjsc wpjs wpjsi cv grasp_snr"
for p in $REST; do $M --task cifar10 --proxies $p; done
for p in $REST; do $M --task imagenet16 --proxies $p; done
for p in sns snsc lns lnsc mnjs mnjsc; do $M --task cifar10 --proxies $p; done
