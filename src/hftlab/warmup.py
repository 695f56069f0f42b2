"""Compile the kernels a first run needs, with progress, so that no first command sits
silent for minutes: numba compiles each kernel on first use and caches it on disk
(``__pycache__`` beside the module), so this costs minutes once and about a second after.

``hftlab warmup`` (run by ``make demo`` and ``make test``) goes through the steps in
WARMUP_STEPS: a replay backtest of a compiled and a Python market maker, the five
built-in makers' skeleton, a simulated market, and a backtest inside one.
"""

from __future__ import annotations

import time
from typing import Callable

MS = 1_000_000


def _replay() -> None:
    import hftlab
    from hftlab.data.synthetic import l2_stream
    from hftlab.strategies import InventorySkew

    data = l2_stream(2_000, seed=1)
    mm = InventorySkew(half_spread=1, skew=2, capacity=5, qty=1, requote_ns=10 * MS)
    hftlab.backtest(data, mm.compiled())
    hftlab.backtest(data, mm)


def _makers() -> None:
    import hftlab
    from hftlab.data.synthetic import l2_stream
    from hftlab.strategies import GLFT, ToxicityAware

    data = l2_stream(2_000, seed=2)
    for mm in (GLFT(capacity=5, requote_ns=10 * MS),
               ToxicityAware(bucket_volume=20, window=5, capacity=5, requote_ns=10 * MS)):
        hftlab.backtest(data, mm.compiled())


def _simulate() -> None:
    import hftlab

    hftlab.sim.market("informed-episode", seconds=60, seed=1)


def _live() -> None:
    import hftlab
    from hftlab.strategies import InventorySkew

    m = hftlab.sim.market("informed-episode", seconds=60, seed=1)
    hftlab.backtest(m, InventorySkew(half_spread=1, skew=2, capacity=20, qty=2).compiled())


WARMUP_STEPS: list[tuple[str, Callable[[], None]]] = [
    ("replay loop, gate and risk checks", _replay),
    ("the market makers' skeleton and rules", _makers),
    ("simulated market (agents, matching engine)", _simulate),
    ("backtest inside a simulated market", _live),
]


def warmup(report: Callable[[int, str, float], None] | None = None) -> float:
    """Run every step; report(step index, step name, seconds) after each. Returns seconds."""
    t0 = time.perf_counter()
    for k, (name, step) in enumerate(WARMUP_STEPS):
        t = time.perf_counter()
        step()
        if report is not None:
            report(k, name, time.perf_counter() - t)
    return time.perf_counter() - t0
