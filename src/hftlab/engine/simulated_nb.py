"""The turn-taking of a simulated-market backtest, compiled (see engine/simulated.py).

``drive`` alternates the agents (simulator_nb.run up to a horizon), the backtest loop
(loop_nb.step) and our commands at the venue (sim_venue_nb) without coming back to Python,
which a Python round trip per horizon would make about 20 times slower. It returns only
for what Python must do: the loop's RUN_FLUSH / RUN_WAKE / RUN_DESK / RUN_ERROR /
RUN_DONE, and D_GROW_POOL / D_GROW_SCRATCH (the matching engine's buffers), D_NEED_COLS
(the session's table is full) and, when progress is reported, D_TICK (everything up to
drv.tick_at is settled; the agents stop there too). Its own state is ``drv``
(DRIVER_DTYPE), so it resumes where it returned.

The turns run in ``_turns``, compiled without the reference-counting runtime and without a
Python wrapper, as are the kernels it calls at every turn (sim_venue_nb, loop_nb.step,
simulator_nb.run, host_nb.catch_up): a kernel with the runtime counts a reference to
every array of every named tuple it is handed or unpacks (some 70 here) on entry and
again on exit, atomic operations that took two thirds of a run (perf, 2026-12-07). A call
still copies every array it is handed, some 7 words each: the agents are not called when
nothing of theirs is due by the horizon (simulator_nb.idle), 45 % of the turns of the
demo's market maker (2026-12-08).
``driver`` makes the entry from Python. The turns and the loop are each called through
their address (core/calls.py), so that each is compiled once, by itself, not again
inside its caller.

The session: its event table (EVENT_DTYPE, engine/simulated.py) and each event's source
record number (``rec``: the number of the command that caused it); cur[0].n_events rows
are in use. The simulator's new events (out[:cur.n_out]) are appended and out is emptied
(``hand_over``) before every call of the loop and whenever the agents fill it, so nothing
is dropped and the driver never returns to Python to empty it: when the run ends the
table is the session as it happened.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Callable

import numba as nb
import numpy as np
from numba.core import types

from hftlab.core import matching_nb as mk
from hftlab.core.calls import Entry, address_of, call_at, key_of, type_key
from hftlab.core.layout import RUN_ARRIVE, RUN_NEED_DATA
from hftlab.engine.loop_nb import STEP_AT, call_step
from hftlab.engine.sim_venue_nb import arrive, horizon, passive_fills
from hftlab.sim.layout import NEED_OUT, NEED_POOL, NEED_SCRATCH, OWN_FILL, PAUSED
from hftlab.sim.simulator_nb import idle
from hftlab.sim.simulator_nb import run as agents

INF = np.iinfo(np.int64).max
# The simulator's arrays (hftlab.sim.simulator.State), in the argument order of its
# simulator_nb.run
SimArrays = namedtuple("SimArrays", "ap ast asf own wake pend phead pcount subs nsubs sched "
                       "cur orders head tail qty top base n_resting ctr fills events mkt halt cmds "
                       "out out_rec")

# drv: the driver's state, one record (1,) of DRIVER_DTYPE
DRIVER_DTYPE = np.dtype([
    ("next", np.int64),  # what to do next: NEXT_*
    ("fill_at", np.int64),  # time of the agents' fill of ours that stopped them, -1 = none
    ("done", np.int64),  # 1 when the agents' session is over
    ("tick_at", np.int64),  # exchange time of the next progress report (INF: none wanted)
], align=True)
# what to do next (drv.next)
NEXT_LOOP, NEXT_SETTLED, NEXT_ARRIVE = 0, 1, 2
# return codes beyond the loop's RUN_*
D_GROW_POOL, D_GROW_SCRATCH, D_NEED_COLS, D_TICK = 10, 11, 12, 13


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def hand_over(out, out_rec, scur, cur, n_instr, table, rec):
    """Move the simulator's new events out[:scur.n_out] (and their record numbers) to the
    end of the session's table, emptying out; False when the table has no room."""
    n = cur[0].n_events
    m = scur[0].n_out
    if n + m > table.shape[0]:
        return False
    for r in range(m):
        b = out[r].book
        v = b // n_instr if n_instr > 1 else b  # venue-major books; no division for one instrument
        e = table[n + r]
        e.ts = out[r].ts
        e.ts_local = 0
        e.venue = np.uint16(v)
        e.instrument = np.uint32(b - v * n_instr)
        e.kind = np.uint8(out[r].kind)
        e.side = np.int8(out[r].side)
        e.price = out[r].price
        e.qty = out[r].qty
        e.order_id = np.uint64(out[r].order_id)
        rec[n + r] = out_rec[r]
    scur[0].n_out = 0
    cur[0].n_events = n + m
    return True


def driver(drv, n_instr, table, rec, ev, st, io, strat, qfn, qparams, sim,
           msg) -> Callable[[], int]:
    """A call that runs the simulated-market backtest until Python must act (module
    docstring) and returns the code; make a new one when an argument is replaced (grown).

    table / rec: the session (module docstring), ev: the loop's Events over it
    (engine/simulated.py); st, io,
    strat, qfn, qparams: loop_nb.runner's; sim: the simulator's SimArrays; msg: a scratch
    message (a MESSAGE_DTYPE record, core/layout.py)."""
    args = (STEP_AT, drv, n_instr, table, rec, ev, st, io, strat, qfn, qparams, sim, msg)
    enter = _entry.resolve(*_TURNS, args)

    def drive() -> int:
        code = enter(*_TURNS, args)
        if code == _RESOLVE:  # the first call with these argument types: compile _turns
            _resolve(args)
            code = enter(*_TURNS, args)
            if code == _RESOLVE:
                raise RuntimeError("simulated_nb.drive: _turns' argument types not resolved")
        return code

    return drive


_RESOLVE = -1  # _enter's code for "no _turns compiled for these argument types yet"
# _turns compiled for each set of argument types met: their type_key and address
_TURNS = [np.zeros(0, np.int64), np.zeros(0, np.int64)]


def _resolve(args: tuple) -> None:
    """Compile (or load) _turns for the types of args and list its address."""
    sig = types.int64(*(nb.typeof(a) for a in args))
    _TURNS[:] = (np.append(_TURNS[0], type_key(sig.args)),
                 np.append(_TURNS[1], address_of(_turns, sig)))


@nb.njit(cache=True, no_cfunc_wrapper=True)
def _enter(keys, addresses, args):
    """drive, compiled: unboxing the arguments needs numba's runtime (the L3 order map is
    a typed dict), which _turns runs without. It calls _turns through its address (the
    one listed for its argument types, else it returns _RESOLVE), so that it does not
    link and compile the turns and the agents again (core/calls.py)."""
    key = key_of(args)
    for i in range(keys.shape[0]):
        if keys[i] == key:
            return call_at(addresses[i], args)
    return _RESOLVE


_entry = Entry(_enter)  # _enter from Python, typed once per driver


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def _turns(loop_at, drv, n_instr, table, rec, ev, st, io, strat, qfn, qparams, sim, msg):
    """drive's turns (its arguments; loop_at: loop_nb.step's address, called through it
    so that the loop is not compiled again here, core/calls.py), without reference
    counting (module docstring)."""
    cur, scur = st.cur, sim.cur
    while True:
        nxt = drv[0].next
        if nxt == NEXT_ARRIVE:  # one of our commands reaches the venue
            c = arrive(st, sim, msg)
            if c == mk.RETRY_CAPACITY:
                return D_GROW_POOL
            if c == mk.RETRY_BUFFER:
                return D_GROW_SCRATCH
        elif nxt == NEXT_SETTLED:  # the loop settled everything up to its horizon
            if drv[0].fill_at >= 0:  # book the agents' fill of ours that stopped them
                passive_fills(scur[0].n_fills, drv[0].fill_at, sim.fills, st)
                drv[0].fill_at = -1
            if cur[0].horizon >= drv[0].tick_at and drv[0].tick_at <= cur[0].end:
                return D_TICK
            if drv[0].done == 0:  # the agents act up to the next horizon
                h = horizon(ev, st, sim)
                if cur[0].horizon < drv[0].tick_at < h:  # and at the next progress report
                    h = drv[0].tick_at
                scur[0].stop = h
                if idle(sim.wake, sim.pend, sim.phead, sim.pcount, sim.halt, scur):
                    c = PAUSED
                else:
                    c = agents(*sim)
                if c == NEED_OUT or c == NEED_POOL or c == NEED_SCRATCH:
                    if not hand_over(sim.out, sim.out_rec, scur, cur, n_instr, table, rec):
                        return D_NEED_COLS
                    if c == NEED_OUT:  # out is empty again: a new horizon, as on any return
                        continue
                    return D_GROW_POOL if c == NEED_POOL else D_GROW_SCRATCH
                if c == OWN_FILL:
                    drv[0].fill_at = scur[0].now
                    cur[0].horizon = scur[0].now - 1
                elif c == PAUSED:
                    cur[0].horizon = h
                else:
                    drv[0].done = 1
                    cur[0].horizon = INF
                    cur[0].last_chunk = 1
        drv[0].next = NEXT_LOOP
        # out, emptied, holds two commands' worst case (simulator.grow_scratch): room for ours
        if not hand_over(sim.out, sim.out_rec, scur, cur, n_instr, table, rec):
            return D_NEED_COLS
        code = call_step(loop_at, (ev, st, io, strat, qfn, qparams))
        if code == RUN_NEED_DATA:
            drv[0].next = NEXT_SETTLED
        elif code == RUN_ARRIVE:
            drv[0].next = NEXT_ARRIVE
        else:
            return code
