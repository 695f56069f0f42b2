"""Simulated markets shared by the sim tests (each simulated once per session)."""

from __future__ import annotations

import pytest

from hftlab import sim

# (scenario, seconds): long enough for the facts, short enough for a fast suite
RUNS = {
    "calm": 1200,
    "informed-episode": 1800,
    "toxicity-regimes": 3600,
    "flash-crash": 5400,
    "lagging-venue": 1800,
    "correlated-assets": 3600,
}


@pytest.fixture(scope="session")
def markets() -> dict:
    """Lazily simulated scenario markets by name, seed 1."""
    cache: dict = {}

    class _Markets(dict):
        def __missing__(self, name: str):
            cache[name] = sim.market(name, seconds=RUNS[name], seed=1)
            self[name] = cache[name]
            return cache[name]

    return _Markets()
