"""A benchmark that answers for a cell it lacks with a cell of the same network."""

from __future__ import annotations

from nasearch.architecture import Architecture
from nasearch.interfaces import Benchmark, SearchSpace, TrainResult


class ByNetwork(Benchmark):
    """Wraps a benchmark that lists its cells (a table): a cell the table lacks takes the result
    of a cell it has with the same ``space.canonical_key``. For tables that hold one cell per
    network, like the 9,445-cell ImageNet16-120 table. A network with no row still raises KeyError."""

    def __init__(self, base: Benchmark, space: SearchSpace):
        listed = base.architectures()
        if listed is None:
            raise ValueError(f"benchmark {base.name!r} cannot list its cells, so it cannot share results "
                             "between cells of the same network (by_network needs a table benchmark)")
        self.base, self.space = base, space
        self.name, self.space_name, self.task = base.name, base.space_name, base.task
        self.higher_is_better = base.higher_is_better  # type: ignore[misc]
        self._members: dict[str, Architecture] = {}
        for arch in listed:
            self._members.setdefault(space.canonical_key(arch), arch)

    def covers(self, arch: Architecture) -> bool:
        return self.base.covers(arch) or self.space.canonical_key(arch) in self._members

    def train(self, arch: Architecture) -> TrainResult:
        if self.base.covers(arch):
            return self.base.train(arch)
        member = self._members.get(self.space.canonical_key(arch))
        if member is None:
            raise KeyError(f"{arch}: neither it nor a cell of the same network is in benchmark {self.base.name!r}")
        return self.base.train(member)

    def architectures(self) -> list[Architecture] | None:
        return self.base.architectures()
