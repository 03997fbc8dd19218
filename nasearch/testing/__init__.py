"""Contract checks for proxies, search spaces and strategies: ours and a plug-in author's.

Every ``check_*`` function tests one law of the contracts in ``nasearch.interfaces`` on one
part and raises ``AssertionError`` naming the part, the cell and what broke. Proxy and space
checks return True when they checked something and False when the law does not apply (a
proxy that does not prefer channels-last has no layout law), so a suite can report a skip.
nasearch's own tests run them over every registered part (``tests/test_contracts.py``), the
way timm's tests run over ``list_models()``; a plug-in author runs them on their parts::

    import pytest
    from nasearch import testing

    @pytest.mark.parametrize("check", testing.PROXY_CHECKS)
    def test_my_proxy(check):
        probe = testing.default_probe()            # a tiny NAS-Bench-201 network, 8 images
        if not testing.PROXY_CHECKS[check](MyProxy(), probe):
            pytest.skip("does not apply to this proxy")

    @pytest.mark.parametrize("check", testing.SPACE_CHECKS)
    def test_my_space(check):
        testing.SPACE_CHECKS[check](MySpace())

    def test_my_strategy():
        testing.check_strategy(MyStrategy, MySpace(), my_table_benchmark, my_scorer)

``testing.probe_for(MySpace())`` checks proxies on a space's own networks instead.
Tolerances are those the built-in parts meet: scores are bit-identical when a network is
rebuilt with the same seed or pruned of dead branches; channels-last moves them by float32
rounding (relative 1e-3); isomorphic twins agree to relative 1e-4 (sums in another order).
"""

from nasearch.testing.proxies import (PROXY_CHECKS, ProxyProbe, check_proxy, check_proxy_dead_branch_invariance, check_proxy_labels,
                                      check_proxy_isomorphism_invariance, check_proxy_layout_invariance,
                                      check_proxy_leaves_nothing_behind, check_proxy_meta_build,
                                      check_proxy_returns_float, default_probe, probe_for, twin_pairs)
from nasearch.testing.spaces import (SPACE_CHECKS, check_space, check_space_build, check_space_canonical,
                                     check_space_edit_distance, check_space_enumeration,
                                     check_space_mutation_distance, check_space_neighbours, check_space_round_trip)
from nasearch.testing.strategies import RecordingBenchmark, RecordingScorer, check_strategy, small_config

__all__ = [
    "PROXY_CHECKS", "SPACE_CHECKS", "ProxyProbe", "RecordingBenchmark", "RecordingScorer", "check_proxy",
    "check_proxy_dead_branch_invariance", "check_proxy_isomorphism_invariance", "check_proxy_labels", "check_proxy_layout_invariance",
    "check_proxy_leaves_nothing_behind", "check_proxy_meta_build", "check_proxy_returns_float", "check_space",
    "check_space_build", "check_space_canonical", "check_space_edit_distance", "check_space_enumeration",
    "check_space_mutation_distance", "check_space_neighbours", "check_space_round_trip", "check_strategy",
    "default_probe", "probe_for", "small_config", "twin_pairs",
]
