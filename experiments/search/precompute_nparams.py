"""Score every NB201 cell with nparams once, into the experiments' store (so the parallel
workers of the experiments only read it). Run from the repository root:

    PYTHONPATH=$PWD python experiments/search/precompute_nparams.py
"""

from pathlib import Path

import torch

from nasearch.data import synthetic_batch
from nasearch.interfaces import TASKS
from nasearch.registry import proxies, spaces
from nasearch.scoring import ProxyScorer
from nasearch.store import ScoreStore

torch.set_num_threads(1)
space = spaces.get("nb201")
task = TASKS["cifar10"]
store = ScoreStore(Path(__file__).parent / "results.sqlite")
scorer = ProxyScorer(space, proxies.get("nparams"), task, synthetic_batch("grey", task, 2), store=store)
values = scorer.raw_many(list(space.enumerate()), progress=True)
print(f"nparams: {scorer.computed} computed, {scorer.calls - scorer.computed} already stored, "
      f"{scorer.seconds:.1f} s")
