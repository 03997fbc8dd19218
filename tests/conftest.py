from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The team's reference data beside the repository; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (a clone outside the team has no ../shared)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Never touch the user's real score store from a test."""
    monkeypatch.setenv("NASEARCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test, as every backend runs: small networks run far slower on
    several threads of a busy 2-core machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
