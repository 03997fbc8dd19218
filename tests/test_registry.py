import sys
import textwrap

import pytest

from nasearch import registry
from nasearch.registry import Registry


def test_unknown_name_suggests_close_matches():
    with pytest.raises(KeyError, match="unknown proxy 'epsinaz'. Did you mean epsinas"):
        registry.proxies.get("epsinaz")
    with pytest.raises(KeyError, match="unknown strategy 'reaa'"):
        registry.strategies.get_class("reaa")
    assert [r.noun for r in (registry.spaces, registry.proxies, registry.strategies, registry.benchmarks)] == [
        "space", "proxy", "strategy", "benchmark"]


def test_third_party_proxy_found_through_entry_point(tmp_path, monkeypatch):
    package = tmp_path / "my_proxies"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent("""
        from nasearch.interfaces import Proxy

        class DepthProxy(Proxy):
            '''Counts modules (a toy third-party proxy).'''
            needs_data = False
            needs_random_init = False

            def score(self, model, batch):
                return float(len(list(model.modules())))
    """))
    dist = tmp_path / "my_proxies-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-proxies\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[nasearch.proxies]\nmodule_count = my_proxies:DepthProxy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh = Registry("proxies", ("nasearch.proxies",))
    monkeypatch.setattr(registry, "proxies", fresh)
    assert "module_count" in fresh.available()
    proxy = fresh.get("module_count")
    assert proxy.name == "module_count"

    from nasearch.cli import main

    assert main(["correlate", "--proxy", "module_count", "--sample", "20", "--json", "--no-store"]) == 0
    sys.modules.pop("my_proxies", None)
