"""hftlab.backtest: build the engine's state, drive the compiled loop, collect the record."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numba as nb
import numpy as np

from hftlab._kernel_cache import announce_compiles
from hftlab.data.market import MarketData
from hftlab.core import book_nb
from hftlab.engine import api_nb, loop_nb
from hftlab.engine.interface_nb import STRATEGY_SIG, FunctionPointer
from hftlab.core.layout import (ACCOUNT_DTYPE, ARRIVAL_DTYPE, ARRIVAL_ENDS_DTYPE, BOOK_DTYPE,
                                COMMAND_DTYPE, CURSOR_DTYPE, ERR_DATA_RANGE, ERR_QUEUE_FULL,
                                ERR_SINK_FULL, INSTRUMENT_DTYPE, OWN_ORDER_DTYPE, PARAMS_DTYPE,
                                QUEUE_DTYPE, RANGE_DTYPE, RING_DTYPE, RUN_DESK, RUN_DONE,
                                RUN_ERROR, RUN_FLUSH, RUN_NEED_DATA, RUN_WAKE, VENUE_DTYPE,
                                W_DENIED)
from hftlab.engine.queue import QueueModel, queue_model
from hftlab.engine.queue_nb import QUEUE_SIG
from hftlab.engine.state import EngineState, Events, StrategyIO
from hftlab.engine.record import TABLES, RunRecord
from hftlab.instruments import ConfigError, Venue, check
from hftlab.risk.desk import RiskDesk
from hftlab.risk.layout import RiskParams, new_state, no_limits
from hftlab.schema import (FILL_RECORD_DTYPE, ORDER_RECORD_DTYPE, RISK_EVENT_DTYPE,
                           STATE_RECORD_DTYPE)
from hftlab.engine.compiled import CompiledStrategy
from hftlab.engine.dispatch import dispatch
from hftlab.engine.window import ROOM, EventWindow, read_ahead
from hftlab.engine.host import Context, Strategy

RECORD_ROWS = 1 << 15  # rows of each record buffer (at least), flushed to Python when full
STP_MODES = {"cancel-newest": 0, "cancel-oldest": 1, "cancel-both": 2}
FILL_MODELS = {"partial": 0, "full": 1}  # replay's passive fill models (engine/venue_nb.py)


@nb.njit(STRATEGY_SIG, cache=True)
def _no_strategy(reason, book, view, orders, state):
    return 0


class EngineError(RuntimeError):
    """The engine met a condition it cannot continue from; the message says which."""


def _ladder_window(bounds: np.ndarray, margin: int | None) -> tuple[np.ndarray, int]:
    """Per-book base price and a common width covering every price in the data plus margin."""
    have = bounds[:, 0] >= 0
    if not have.any():
        raise ConfigError("the market data has no priced events, so no book can be built")
    span = (bounds[:, 1] - bounds[:, 0])[have]
    m = int(margin) if margin is not None else int(max(1000, span.max() // 2))
    base = np.where(have, bounds[:, 0] - m, 0).astype(np.int64)
    base = np.maximum(base, 1)
    width = int((bounds[:, 1][have] - base[have]).max()) + m + 1
    cells = width * len(bounds) * 4
    if cells > 400_000_000:
        raise ConfigError(f"price_margin: the books would need {width} price levels each "
                          f"({cells * 8 / 1e9:.1f} GB); the data spans too many ticks. Use a "
                          "smaller price_margin or split the data by instrument")
    return base, width


@dataclass
class Engine:
    """The state of one run (what the compiled loop reads and writes) with what it was
    built from; its fields read as attributes: e.cur, e.orders, ..."""

    data: MarketData
    venues: list[Venue]
    instruments: list
    state: EngineState
    cmds: np.ndarray  # a Python strategy's command buffer (COMMAND_DTYPE)

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self.__dict__["state"], name)
        except (KeyError, AttributeError):
            raise AttributeError(name) from None


def _venue_table(venues: list[Venue], t0: int) -> np.ndarray:
    """Fees and latency legs per venue (VENUE_DTYPE; latencies in int64 ns), an entry
    latency spike placed on the clock of a session starting at t0 (ns)."""
    ven = np.zeros(len(venues), VENUE_DTYPE)
    for k, v in enumerate(venues):
        lat = v.latency
        sp = lat.entry_spike
        window = (t0 + sp.start, t0 + sp.start + sp.duration, sp.extra) if sp else (0, 0, 0)
        ven[k] = (v.fees.maker, v.fees.taker, v.fees.unit == "per_unit", lat.feed.base_ns,
                  lat.feed.jitter_ns, lat.entry.base_ns, lat.entry.jitter_ns,
                  lat.response.base_ns, lat.response.jitter_ns, lat.recorded_feed, *window)
    return ven


def _build(data: MarketData, venues: list[Venue], seed: int, prm: np.ndarray,
           rparams: RiskParams, margin: int | None, capacity: int, buffer_rows: int,
           window: tuple[np.ndarray, int] | None = None) -> Engine:
    """The run's state; window: (base per book, width) of the ladders, by default from
    the data's price range (a simulated market brings its matching engine's)."""
    nv, ni = len(venues), len(data.instruments)
    nb_ = nv * ni
    t0 = int(data.events["ts"][0]) if data.events is not None else int(data.stats["ts_first"])
    bounds = data.price_bounds()
    base, width = window if window is not None else _ladder_window(bounds, margin)
    qty, top = book_nb.new_books(nb_, width)
    lqty, ltop = book_nb.new_books(nb_, width)
    market = np.zeros(nb_, BOOK_DTYPE)
    market["instrument"] = np.arange(nb_) % ni
    market["venue"] = np.arange(nb_) // ni
    market["status"] = 1
    inst = np.zeros(ni, INSTRUMENT_DTYPE)
    for i, spec in enumerate(data.instruments):
        books = [v * ni + i for v in range(nv) if bounds[v * ni + i, 0] >= 0]
        inst[i] = (spec.tick_value, spec.lot_size, books[0] if books else i)
    acct = np.zeros(ni, ACCOUNT_DTYPE)
    acct["mid"] = np.nan
    cur = np.zeros(1, CURSOR_DTYPE)
    c = cur[0]
    c["next_id"] = 1
    c["n_free"] = capacity
    c["rng"] = (int(seed) * 0x9E3779B97F4A7C15) % (1 << 63)  # spread seeds apart
    c["feed_seed"] = (int(seed) * 0xBF58476D1CE4E5B9 + 1) % (1 << 63)
    c["local_next_ts"] = -1
    c["own_dirty"] = 1
    c["horizon"] = np.iinfo(np.int64).max  # replay: the data sets the pace
    c["desk_at"] = np.iinfo(np.int64).max  # no risk desk unless backtest was given one
    r = buffer_rows
    state = EngineState(
        cur=cur, prm=prm, qty=qty, top=top, local_qty=lqty, local_top=ltop,
        base=np.ascontiguousarray(base, np.int64), order_map=book_nb.new_order_map(),
        halted=np.zeros(nb_, np.int64), market=market, ranges=np.zeros(nb_, RANGE_DTYPE),
        orders=np.zeros(capacity, OWN_ORDER_DTYPE), active=np.zeros(capacity, np.int64),
        free=np.arange(capacity - 1, -1, -1, dtype=np.int64),
        entry=np.zeros(4 * capacity, QUEUE_DTYPE), entry_ends=np.zeros(1, RING_DTYPE),
        resp=np.zeros(4 * capacity, QUEUE_DTYPE), resp_ends=np.zeros(1, RING_DTYPE),
        acct=acct, local_acct=acct.copy(), venue_table=_venue_table(venues, t0),
        instrument_table=inst, rec_orders=np.zeros(r, ORDER_RECORD_DTYPE),
        rec_fills=np.zeros(r, FILL_RECORD_DTYPE), rec_states=np.zeros(r, STATE_RECORD_DTYPE),
        rec_risk=np.zeros(r, RISK_EVENT_DTYPE), rparams=rparams,
        rstate=new_state(ni), risk_cmds=np.zeros(capacity + ni, COMMAND_DTYPE),
        arrivals=np.zeros((nv, 0), ARRIVAL_DTYPE), arrival_ends=np.zeros(nv, ARRIVAL_ENDS_DTYPE))
    return Engine(data, venues, list(data.instruments), state,
                  np.zeros(loop_nb.MAX_CMDS, COMMAND_DTYPE))


class _Records:
    """Accumulates record rows flushed out of the engine's fixed buffers."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in TABLES}

    def flush(self, e: Engine) -> None:
        c = e.cur[0]
        for name, count, rec in (("orders", "n_orders", e.rec_orders),
                                 ("fills", "n_fills", e.rec_fills),
                                 ("states", "n_states", e.rec_states),
                                 ("risk_events", "n_risk", e.rec_risk)):
            n = int(c[count])
            if n:
                self.parts[name].append(rec[:n].copy())
                c[count] = 0


class _Runner:
    """Calls the compiled loop and answers what it returns for Python: record buffers to
    flush, a Python strategy to wake, an engine error."""

    def __init__(self, e: Engine, strategy: Strategy | CompiledStrategy, qm: QueueModel,
                 desk: RiskDesk | None = None) -> None:
        self.e, self.strategy, self.desk = e, strategy, desk
        compiled = isinstance(strategy, CompiledStrategy)
        if compiled:
            fn, self.ss = strategy.step(), strategy.raw_state()
            cmds = np.zeros(strategy.max_commands, COMMAND_DTYPE)
        else:
            fn, self.ss, cmds = _no_strategy, np.zeros(8, np.uint8), e.cmds
        self.fn = FunctionPointer(fn, STRATEGY_SIG)
        self.qfn = FunctionPointer(qm.compiled, QUEUE_SIG)
        self.qparams = qm.param_array()
        self.ctx = None if compiled else Context(e)
        self.recs = _Records()
        clock = np.zeros(1, api_nb.CLOCK_DTYPE)
        view = api_nb.make_view(e.market, e.orders, e.active, e.local_acct, clock, e.local_qty,
                                e.local_top, e.base)
        sink = api_nb.make_sink(cmds, np.zeros(1, api_nb.SINK_DTYPE))
        self.io = StrategyIO(cmds, view, sink, clock, self.ss)

    def loop(self, ev: Events) -> int:
        """Run the loop (replay) until it needs the next chunk or the run is done; returns
        that code."""
        run = io = None
        while True:
            if io is not self.io:  # at first, and when answer() grew the command buffer
                io = self.io
                run = loop_nb.runner(ev, self.e.state, io, self.fn, self.qfn, self.qparams)
            code = run()
            if code not in (RUN_FLUSH, RUN_WAKE, RUN_ERROR, RUN_DESK):
                if code == RUN_DONE:
                    self.answer(code)
                return code
            self.answer(code)

    def answer(self, code: int) -> None:
        """Do what the loop returned for: flush records, wake a Python strategy (its
        commands go back into the loop), raise its error, or end the strategy."""
        e = self.e
        if code == RUN_FLUSH:
            self.recs.flush(e)
        elif code == RUN_WAKE:
            c = e.cur[0]
            denied = int(c["wake"]) == W_DENIED
            dispatch(self.strategy, self.ctx, e)
            # commands sent from on_order_denied join those of the batch still unsent
            keep = int(c["n_cmds"]) if denied else 0
            cmds, n = self.ctx._drain(self.io.cmds, keep)
            c["n_cmds"] = keep + n
            if cmds is not self.io.cmds:  # grown
                self.io = self.io._replace(cmds=cmds)
        elif code == RUN_DESK:
            self.desk_turn()
        elif code == RUN_ERROR:
            raise EngineError(_error_text(int(e.cur[0]["error"]), e, self.strategy))
        elif code == RUN_DONE and self.ctx is not None:
            self.strategy.on_end(self.ctx)


    def desk_turn(self) -> None:
        """The risk desk's turn: it decides on a snapshot, its requests go into the risk
        state the gate reads first thing when the loop resumes."""
        e, desk = self.e, self.desk
        now = int(e.cur[0]["now_local"])
        desk.apply(desk.decide(desk.snapshot(now, e.local_acct, e.rstate)), e.rstate)
        e.cur[0]["desk_at"] = desk.next_time(now, int(e.prm[0]["sample"]))


@announce_compiles()  # a first run compiles for minutes: say so
def backtest(data: MarketData, strategy: Strategy | CompiledStrategy, *,
             venues: Sequence[Venue] | None = None, queue: QueueModel | str | None = None,
             seed: int = 0, sample_ns: int = 100_000_000, stp: str = "cancel-newest",
             risk: Any = None, price_margin: int | None = None, chunk_size: int = 1 << 17,
             order_capacity: int = 1 << 12, progress: Any = None,
             mode: str = "auto", strict: bool = False, desk: RiskDesk | None = None,
             fill_model: str = "partial") -> RunRecord:
    """Run strategy against data in the engine; returns the run's RunRecord.

    mode: 'replay' -- the data's events are the market and our orders do not move it
        (passive fills from queue positions); 'simulate' -- data must come from
        hftlab.sim.market: its agents are run again, live, with the same seed, and our
        orders go into their matching engine, so we have impact, queue among the agents
        and can be picked off (``record.market`` holds the session as it happened, our
        orders included); 'auto' (default) simulates what hftlab.sim made and replays
        everything else.
    venues: fee schedules and latency per venue (default: those of data).
    queue: the L2 queue model of replay ('conservative', 'power[:n]' or a QueueModel);
        L3 data (events with order ids) always use exact FIFO positions.
    fill_model: how a resting order fills in replay (engine/venue_nb.py): 'partial'
        (default) -- no more than the data shows traded with it: a print at its price
        after the queue ahead, a print through its price up to the print's size, the
        opposite side reaching its price up to the size added there, each print shared
        among our orders in price-time priority; 'full' -- the all-or-nothing rule of
        hftbacktest's PartialFillExchange: a print through its price or the opposite best
        reaching it fills the whole remaining size. A simulated market's matching engine
        decides its fills itself.
    seed: seeds every random draw of the engine (latency jitter); same inputs and seed,
        same record.
    sample_ns: interval of the state samples (exchange clock).
    stp: self-trade prevention: 'cancel-newest', 'cancel-oldest' or 'cancel-both'.
    risk: a hftlab.risk.RiskLimits (default: no limits beyond the gate's validation).
    price_margin: ticks of room around the data's prices for our orders in replay
        (default: half the data's span, at least 1000).
    order_capacity: how many of our orders may be open or in flight at once; a submit
        beyond it is denied with reason TOO_MANY_ORDERS.
    progress: a callable(events_done, events_total) for progress bars.
    desk: a hftlab.risk.RiskDesk that kills, pauses, resumes or resets during the run
        (replay or simulated market), outside the strategy; its actions are risk events
        of source DESK.
    strict: raise EngineError when market events could not be applied as they are (an
        L3 cancel or execution larger than its order, a removal larger than its level);
        by default they are counted in ``meta["apply_errors"]`` (with the first event's
        number and source record), in ``rec.summary()`` and in a warning.
    """
    venues = list(venues) if venues is not None else list(data.venues)
    check(len(venues) == len(data.venues), "venues",
          f"a list of {len(data.venues)} Venue (one per venue of the data)", len(venues))
    check(sample_ns > 0, "sample_ns", "an integer number of ns > 0", sample_ns)
    check(stp in STP_MODES, "stp", f"one of {sorted(STP_MODES)}", stp)
    check(isinstance(fill_model, str) and fill_model in FILL_MODELS, "fill_model", f"one of {sorted(FILL_MODELS)}", fill_model)
    check(len(data) > 0, "data", "market data with at least one event", len(data))
    check(isinstance(order_capacity, int) and 1 <= order_capacity <= 1 << 22, "order_capacity",
          "an integer in [1, 4194304]", order_capacity)
    check(mode in ("auto", "replay", "simulate"), "mode", "'auto', 'replay' or 'simulate'", mode)
    setup = getattr(data, "simulation", None)
    check(mode != "simulate" or setup is not None, "mode",
          "'simulate' only for a market made by hftlab.sim.market (this data has no agents)",
          mode)
    simulated = setup is not None and mode != "replay"
    qm = queue_model(queue)
    check(desk is None or isinstance(desk, RiskDesk), "desk", "None or a hftlab.risk.RiskDesk",
          type(desk).__name__)
    compiled = isinstance(strategy, CompiledStrategy)
    check(compiled or isinstance(strategy, Strategy), "strategy",
          "a hftlab.Strategy or a CompiledStrategy", type(strategy).__name__)
    timer = strategy.timer_ns or 0
    check(timer >= 0, "strategy.timer_ns", "None or an integer number of ns > 0", timer)
    prm = np.zeros(1, PARAMS_DTYPE)
    prm[0] = (timer, sample_ns, strategy.subscribe_book, strategy.subscribe_trades,
              0 if compiled else 1, STP_MODES[stp], simulated, FILL_MODELS[fill_model])
    rparams = _risk_params(risk, [i.symbol for i in data.instruments])
    rows = max(RECORD_ROWS, 4 * (order_capacity + len(data.instruments) + 4 * loop_nb.MAX_CMDS))
    window = (np.asarray(setup.base, np.int64), setup.width) if simulated else None
    e = _build(data, venues, seed, prm, rparams, price_margin, order_capacity, rows, window)
    run = _Runner(e, strategy, qm, desk)
    t0 = time.perf_counter()
    meta = {}
    if simulated:
        from hftlab.engine.simulated import run_simulated  # imports the simulator lazily

        market = run_simulated(run, setup, timer, progress, len(data))
        meta["mode"] = "simulate"
    else:
        _replay(run, data, timer, chunk_size, progress)
        market = None
        meta["mode"] = "replay"
    run.recs.flush(e)
    seconds = time.perf_counter() - t0
    meta.update({"strategy": getattr(strategy, "name", type(strategy).__name__),
                 "queue_model": "matching engine" if simulated else qm.name,
                 "fill_model": "matching engine" if simulated else fill_model, "seed": seed,
                 "stp": stp, "sample_ns": sample_ns, "events": int(e.cur[0]["events"]),
                 "seconds": seconds,
                 "events_per_second": int(e.cur[0]["events"]) / seconds if seconds > 0 else 0.0,
                 "warnings": int(e.cur[0]["level_overruns"] + e.cur[0]["l3_over"]),
                 "source": data.source})
    meta["apply_errors"] = _apply_errors(e, data, strict)
    meta["fills"] = int(sum(len(f) for f in run.recs.parts["fills"]))
    meta["final_position"] = {i: int(e.acct[i]["position"]) for i in range(len(data.instruments))}
    if progress is not None:
        progress(len(data), len(data))
    rec = RunRecord(instruments=list(data.instruments), venues=venues, meta=meta,
                    blocks=run.recs.parts)
    rec.market = market
    rec.strategy_state = run.ss.view(strategy.state.dtype).copy() if compiled else None
    return rec


def start_clocks(cur: np.ndarray, first: int, timer: int) -> None:
    """Both clocks at the first event's time; the first timer one interval later, the
    first state sample at once."""
    c = cur[0]
    c["now_ex"] = c["now_local"] = first
    c["next_timer"] = first + timer
    c["next_sample"] = first


def _replay(run: _Runner, data: MarketData, timer: int, chunk_size: int, progress: Any) -> None:
    """Feed the data chunk by chunk until the loop is done."""
    e = run.e
    stats = data.stats
    ts_last = int(stats["ts_last"]) if data.events is None else int(data.events["ts"][-1])
    lat = [v.latency for v in e.venues]
    # events are carried from chunk to chunk on a feed with latency, or to a strategy
    # that wakes on market events (engine/window.py)
    carry = any(x.recorded_feed or x.feed.base_ns or x.feed.jitter_ns for x in lat) or \
        int(e.prm[0]["sub_book"]) > 0 or int(e.prm[0]["sub_trade"]) > 0
    room = ROOM if carry else 0
    chunks = read_ahead(data, chunk_size, room)
    ev = EventWindow(next(chunks), e, any(x.recorded_feed for x in lat), room)
    c = e.cur[0]
    c["n_events"], c["last_chunk"], c["end"] = len(ev.cols[0]), 0, ts_last
    start_clocks(e.cur, int(ev.cols[0][0]), timer)
    if run.desk is not None:  # its first turn at the start, then at its own times
        c["desk_at"] = int(ev.cols[0][0])
    while run.loop(ev.events) == RUN_NEED_DATA:
        new = next(chunks, None)
        if new is None:  # the data ended: the loop finishes what is in flight
            c["last_chunk"] = 1
            continue
        ev.extend(e.cur, new)
        if progress is not None:
            progress(int(c["events"]), len(data))


def _apply_errors(e: Engine, data: MarketData, strict: bool) -> dict:
    """Market events the books could not take as they came, per kind: how many, the
    first one's event number and source record; a warning (or, strict, EngineError)."""
    out = {}
    c = e.cur[0]
    for kind, n, at in (("l3_removal_larger_than_order", c["l3_over"], c["l3_over_at"]),
                        ("removal_larger_than_level", c["level_overruns"], c["level_overrun_at"])):
        if n:
            first = int(at) - 1
            rec = int(data.record[first]) if data.events is not None and \
                data.record is not None and first < len(data.record) else None
            out[kind] = {"count": int(n), "first_event": first, "first_record": rec}
    if out:
        text = "; ".join(f"{k}: {v['count']} (first: event {v['first_event']}, source record "
                         f"{v['first_record']})" for k, v in out.items())
        if strict:
            raise EngineError(f"{data.source or 'the data'}: events the book could not apply: "
                              f"{text}")
        warnings.warn(f"{data.source or 'the data'}: events the book could not apply as "
                      f"they came: {text}", stacklevel=3)
    return out


def _error_text(code: int, e: Engine, strategy: Any = None) -> str:
    if code == ERR_DATA_RANGE:
        return ("an event's price lies outside the book's price window; the data's price "
                "statistics do not cover it (was the file's metadata written by another tool?)")
    if code == ERR_SINK_FULL:
        return (f"strategy {getattr(strategy, 'name', strategy)!r} wrote more than its "
                f"{strategy.max_commands} commands in one wake-up (its sink's capacity; raise "
                "CompiledStrategy(max_commands=...) or send fewer)")
    if code == ERR_QUEUE_FULL:
        return f"more than {len(e.entry)} commands or responses in flight at once"
    return f"engine error {code}"


def _risk_params(risk: Any, symbols: list[str]) -> RiskParams:
    """The run's limits: a RiskLimits' (by_symbol overrides resolved), or no limits."""
    if risk is None:
        return no_limits(len(symbols))
    return risk.to_params(len(symbols), symbols)
