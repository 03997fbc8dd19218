"""What every scorer of one named score source shares: orientation, counters, charging.

``ProxyScorer`` (scores computed by a proxy) and ``TableScorer`` (scores read from a table)
differ only in how ``raw_many`` finds a value. Everything a strategy, the search loop and
the manifest read of them is here, once: ``scorer(arch)`` and ``oriented_many`` (higher is
better), ``raw``, ``begin_run`` and ``charged_seconds`` (a search run pays once for each
distinct score it uses, whatever that score cost when it was made), the ``calls``/``nan``
counters and ``manifest()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Hashable, Iterable, Protocol, Sequence

import numpy as np

from nasearch.architecture import Architecture


class ScoreSource(Protocol):
    """The part of a proxy a scorer's manifest and orientation need."""

    name: str
    higher_is_better: bool

    def config_dict(self) -> dict[str, Any]: ...


class Fingerprinted(Protocol):
    fingerprint: str


class RawScorer(ABC):
    """Base of scorers whose ``raw_many`` gives values in the source's own sign."""

    proxy: ScoreSource
    batch: Fingerprinted
    seed: int

    def _start_counting(self) -> None:
        self.calls = 0  # scores handed out
        self.computed = 0  # scores computed here (not found in memory, store or table)
        self.seconds = 0.0  # time those took (tables: their published times)
        self.nan = 0  # NaN scores handed out
        self.charged_seconds = 0.0  # what the distinct scores handed out since begin_run() cost
        self._charged: set[Hashable] = set()

    @abstractmethod
    def raw_many(self, archs: Sequence[Architecture], progress: bool | None = None) -> np.ndarray:
        """Scores of ``archs`` in order, in the source's own sign (NaN where undefined)."""

    def raw(self, arch: Architecture) -> float:
        """The source's own value for ``arch``."""
        return float(self.raw_many([arch])[0])

    def oriented_many(self, archs: Sequence[Architecture], progress: bool | None = None) -> np.ndarray:
        """Scores of ``archs`` oriented so that higher is better."""
        values = self.raw_many(archs, progress=progress)
        return values if self.proxy.higher_is_better else -values

    def __call__(self, arch: Architecture) -> float:
        return float(self.oriented_many([arch])[0])

    def begin_run(self) -> None:
        """Start charging anew: a search run pays once for each distinct score it uses."""
        self._charged = set()

    def manifest(self) -> dict[str, Any]:
        return {"proxy": self.proxy.name, "proxy_config": self.proxy.config_dict(), "proxy_seed": self.seed,
                "data_fingerprint": self.batch.fingerprint}

    def _hand_out(self, values: np.ndarray, keys: Iterable[Hashable], cost: Callable[[Hashable], float]) -> None:
        """Count ``values`` as handed out and charge each distinct key not charged since begin_run()."""
        for key in dict.fromkeys(keys):
            if key not in self._charged:
                self._charged.add(key)
                self.charged_seconds += cost(key)
        self.calls += len(values)
        self.nan += int(np.isnan(values).sum())
