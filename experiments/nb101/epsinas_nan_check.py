"""Why epsinas gives NaN on NAS-Bench-101 with the paper's weights in float32 (see epsinas_timing.md).

    nice -n 10 .venv/bin/python experiments/nb101/epsinas_nan_check.py
"""
import torch, numpy as np
torch.set_num_threads(1)
from nasearch.spaces.nb101 import NB101Space
from nasearch.interfaces import TASKS
from nasearch.data import load_batch
from nasearch.proxies.epsinas import constant_outputs, epsinas_statistic, minmax
from nasearch.proxies._modules import materialise
space=NB101Space()
arch=space.parse("input|maxpool3x3~0|maxpool3x3~1|conv1x1~0|maxpool3x3~3|maxpool3x3~0,4|output~1,2,5")
b=load_batch("grey", TASKS["cifar10"], 8)
with torch.device("meta"): m=space.build(arch, TASKS["cifar10"])
m=materialise(m)
for dt in (torch.float32, torch.float64):
    lo,hi=constant_outputs(m,b.inputs,(1e-4,10.0),False,dt)
    print(dt, lo[:4], hi[:4], np.isfinite(lo).all(), np.isfinite(hi).all(), epsinas_statistic(lo,hi))
