"""Compile the kernels a first run needs, with progress, so that no first command sits
silent for minutes: numba compiles each kernel on first use and caches it on disk
(``__pycache__`` beside the module, or $NUMBA_CACHE_DIR), so this costs minutes once and
about a second after.

``hftlab warmup`` (run by ``make demo`` and ``make test``) goes through the steps in
WARMUP_STEPS: a replay backtest of a compiled and a Python market maker, the five
built-in makers' skeleton, a simulated market, a backtest inside one, and the demo's
five makers live and replayed with its report's numbers.

`compile_notices` says when numba really compiles (a cache miss, so a first run only):
"compiling kernels (first run only; cached after)" once, then each kernel with its
seconds. (The library's entry points say only the first line, on stderr:
``_kernel_cache.announce_compiles``.)
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from hftlab._kernel_cache import FIRST_NOTICE, reporting_compiles, stderr_line

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


def _demo() -> None:
    import hftlab
    from hftlab.demo import FEES, VPIN_BUCKET, VPIN_WINDOW, strategies
    from hftlab.instruments import LatencyProfile, Venue
    from hftlab.report.run_report import analyse

    m = hftlab.sim.market("informed-episode", seconds=60, seed=1)
    venue = Venue(m.venues[0].name, FEES, LatencyProfile.named("colocated"))
    for strat in strategies().values():
        rec = hftlab.backtest(m, strat.compiled(), venues=[venue], seed=1)
        hftlab.backtest(m, strat.compiled(), venues=[venue], seed=1, mode="replay")
    analyse(rec, m, VPIN_BUCKET, VPIN_WINDOW)


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
    ("the demo's five makers, live and replayed", _demo),
]

def _listener(say: Callable[[str], None]) -> Any:
    """A numba event listener for "numba:compile" (fired on a cache miss only): says
    FIRST_NOTICE at the first compile, then each outermost kernel and its seconds."""
    from numba.core import event

    class Notices(event.Listener):
        def __init__(self) -> None:
            self.started: list[float] = []
            self.said = False

        def on_start(self, ev: Any) -> None:
            if not self.said:
                say(f"{FIRST_NOTICE} ...")
                self.said = True
            self.started.append(time.perf_counter())

        def on_end(self, ev: Any) -> None:
            t = self.started.pop()
            if not self.started:
                fn = getattr(ev.data["dispatcher"], "py_func", None)
                name = f"{fn.__module__}.{fn.__qualname__}" if fn is not None else "a kernel"
                say(f"  compiled {name} in {time.perf_counter() - t:.1f} s")

    return Notices()


@contextmanager
def compile_notices(say: Callable[[str], None] = stderr_line) -> Iterator[None]:
    """While inside, say (a line of text) whenever numba compiles a kernel (module doc)."""
    from numba.core import event

    listener = _listener(say)
    event.register("numba:compile", listener)
    try:
        with reporting_compiles():
            yield
    finally:
        event.unregister("numba:compile", listener)


# the first steps in groups that share few kernels, compiled side by side: the replay
# engine (whose loop the makers reuse) and the simulated market
PARALLEL_GROUPS = ((0, 1), (2,))


def _steps(ks: tuple[int, ...]) -> list[float]:
    """Run warm-up steps ks in turn (in a worker process); returns their seconds."""
    out = []
    with reporting_compiles():
        for k in ks:
            t = time.perf_counter()
            WARMUP_STEPS[k][1]()
            out.append(time.perf_counter() - t)
    return out


def warmup(report: Callable[[int, str, float], None] | None = None,
           workers: int | None = None) -> float:
    """Run every step; report(step index, step name, seconds) after each. Returns seconds.

    With two or more CPUs (``workers``, default the CPU count) the PARALLEL_GROUPS compile
    in worker processes side by side, each group's steps in turn; the later steps, which
    reuse what those cached, run here. Numba's cache is safe to fill from several
    processes (each kernel its own files, replaced atomically).
    """
    t0 = time.perf_counter()
    workers = min(len(PARALLEL_GROUPS), workers or os.cpu_count() or 1)
    done = 0
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = {pool.submit(_steps, g): g for g in PARALLEL_GROUPS}
            for f in as_completed(futures):
                for k, seconds in zip(futures[f], f.result()):
                    if report is not None:
                        report(k, WARMUP_STEPS[k][0], seconds)
        done = 1 + max(k for g in PARALLEL_GROUPS for k in g)
    with reporting_compiles():  # the caller's progress says it compiles
        for k in range(done, len(WARMUP_STEPS)):
            t = time.perf_counter()
            WARMUP_STEPS[k][1]()
            if report is not None:
                report(k, WARMUP_STEPS[k][0], time.perf_counter() - t)
    return time.perf_counter() - t0
