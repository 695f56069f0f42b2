"""A backtest in a simulated market: the agents act live and our orders are among theirs.

The simulator (hftlab.sim.simulator_nb) and the backtest loop (loop_nb) take turns:

1. ``sim_venue_nb.horizon`` gives the earliest time one of our commands could reach the
   venue; the agents act up to it (``simulator_nb.run`` with that stop) and their events
   are handed to the loop, which settles everything due by then: the market at the
   exchange, the feed, responses, timers, samples and the strategy's answers.
2. A risk desk (backtest(desk=...)) takes its turns inside this loop as in replay: the
   horizon stops the agents where its next turn could send a command (a kill's cancels
   and flatten), the loop returns RUN_DESK at that time and the Python driver lets the
   desk decide (backtest._Runner.desk_turn) before the loop resumes.
3. When one of our commands reaches the venue the loop returns RUN_ARRIVE and
   ``sim_venue_nb.arrive`` runs it in the agents' matching engine; its events join the
   stream at that time.
4. When an agent's order fills one of ours the simulator stops right after it
   (OWN_FILL): the loop settles everything before that moment, the fill is booked
   (``sim_venue_nb.passive_fills``) and a new horizon is taken, since the strategy may
   answer the fill.

Everything else -- risk gate, latency, fees, accounting, records -- is the replay's.
The turns are taken in compiled code (simulated_nb.drive); this module keeps the arrays
and does what only Python can: call a Python strategy, flush records, grow buffers,
report progress.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hftlab.data.market import MarketData
from hftlab.engine import simulated_nb as D
from hftlab.engine.api_nb import readonly
from hftlab.engine.state import events
from hftlab.core.layout import MATCH_EVENT_DTYPE, MESSAGE_DTYPE, RUN_DONE, concat_records
from hftlab.schema import EVENT_DTYPE
from hftlab.sim import simulator as S
from hftlab.sim.simulator import Setup

TICKS = 100  # progress reports per session (when a progress callback is given)
COLUMNS = 1 << 18  # first size of the session's event table (it grows when full)


class _Session:
    """The session's events as they happen: one EVENT_DTYPE table and each event's source
    record number, which the compiled driver appends to and the loop reads (through
    read-only column views), with the loop's per-event ladder updates; nothing is dropped,
    so at the end the table is the session, with no conversion. Rows are written before
    they are read, so none is zeroed first.

    The loop is handed no order ids (a column of zeros): its order map would only repeat
    what the events say, since the matching engine's events carry the price and size that
    enter or leave the book, and queue positions in a simulated market come from that
    engine, not from the loop's map."""

    def __init__(self, capacity: int) -> None:
        self.table = np.empty(capacity, EVENT_DTYPE)
        self.rec = np.empty(capacity, np.int64)
        self.idx = np.empty(capacity, np.int64)
        self.new = np.empty(capacity, np.int64)
        no_ids = np.broadcast_to(np.uint64(0), capacity)  # read-only, no memory
        self.events = events([no_ids if name == "order_id" else readonly(self.table[name])
                              for name in EVENT_DTYPE.names], self.idx, self.new)

    def grown(self, n: int) -> "_Session":
        """A session of twice the room holding the first n rows."""
        more = _Session(2 * len(self.table))
        for a, b in ((more.table, self.table), (more.rec, self.rec), (more.idx, self.idx),
                     (more.new, self.new)):
            a[:n] = b[:n]
        return more


def _sim_arrays(st: Any) -> D.SimArrays:
    """The simulator state's arrays the driver passes on (again after they grow)."""
    return D.SimArrays(*(getattr(st, name) for name in D.SimArrays._fields))


def run_simulated(run: Any, setup: Setup, timer: int, progress: Any, total: int) -> MarketData:
    """Drive run (backtest._Runner) in setup's market; returns the session as it happened."""
    from hftlab.engine.backtest import start_clocks

    e = run.e
    n_i = len(setup.instruments)
    st = S.new_state(setup, capacity=S.expected_orders(setup))
    opening: list = []
    S.seed_book(setup, st, opening)  # the opening book, handed to the loop first
    start, end = setup.params.start_ns, int(st.cur["t_end"][0])
    n_open = sum(len(p[0]) for p in opening)
    ses = _Session(max(COLUMNS, 2 * n_open))
    if n_open:  # seed_book flushed part of the opening book: those rows go first
        ses.table[:n_open] = S.to_events(concat_records([p[0] for p in opening],
                                                        MATCH_EVENT_DTYPE), n_i)
        ses.rec[:n_open] = np.concatenate([p[1] for p in opening])
    e.cur[0]["n_events"], e.cur[0]["last_chunk"], e.cur[0]["end"] = n_open, 0, end
    e.cur[0]["horizon"] = start - 1
    start_clocks(e.cur, start, timer)
    if run.desk is not None:  # the risk desk's first turn at the start, as in replay
        e.cur[0]["desk_at"] = start
    drv = np.zeros(1, D.DRIVER_DTYPE)
    drv["next"], drv["fill_at"] = D.NEXT_SETTLED, -1
    step = max((end - start) // TICKS, 1)
    drv["tick_at"] = start + step if progress is not None else D.INF
    msg = np.zeros(1, MESSAGE_DTYPE)[0]  # a scratch record (a view: kernels write into it)

    def driver() -> Callable[[], int]:  # again whenever the simulator or session grows
        return D.driver(drv, n_i, ses.table, ses.rec, ses.events, e.state, run.io, run.fn,
                        run.qfn, run.qparams, _sim_arrays(st), msg)

    drive = driver()
    while True:
        code = drive()
        if code == D.D_GROW_POOL:
            S.grow_pool(st)
            drive = driver()
        elif code == D.D_GROW_SCRATCH:
            S.grow_scratch(st)
            drive = driver()
        elif code == D.D_NEED_COLS:
            ses = ses.grown(int(e.cur[0]["n_events"]))
            drive = driver()
        elif code == D.D_TICK:  # settled up to drv.tick_at
            done = min(int(drv["tick_at"][0]) - start, end - start)
            progress(int(total * done / max(end - start, 1)), total)
            drv["tick_at"] += step
        else:  # the loop's RUN_FLUSH / RUN_WAKE / RUN_DESK / RUN_ERROR / RUN_DONE
            io = run.io
            run.answer(code)
            if code == RUN_DONE:
                break
            if run.io is not io:  # a Python strategy's commands grew their buffer
                drive = driver()
    if st.cur["n_out"][0] != 0:  # the driver hands every event to the loop before it ends
        raise RuntimeError(f"simulated session: {int(st.cur['n_out'][0])} events made by the "
                           "matching engine were not handed to the loop")
    n = int(e.cur[0]["n_events"])
    return MarketData(ses.table[:n], list(setup.instruments), list(setup.venues),
                      record=ses.rec[:n], source=f"hftlab.sim:{setup.name} seed={setup.params.seed} "
                      "with our orders", stats={"scenario": setup.name, "seed": setup.params.seed,
                                                "start_ns": start})
