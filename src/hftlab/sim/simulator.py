"""Run a simulated session: the arrays of simulator_nb, the resumable compiled loop, and
the canonical events it leaves as MarketData."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hftlab.data.market import MarketData
from hftlab.core import book_nb
from hftlab.core import matching_nb as mk
from hftlab.core.layout import (ACT_SUBMIT, MATCH_EVENT_DTYPE, MATCH_FILL_DTYPE, MATCH_ORDER_DTYPE,
                                MESSAGE_DTYPE, concat_records, copy_records, grow_records)
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, OrderType, TimeInForce
from hftlab.sim import layout as L
from hftlab.sim import simulator_nb
from hftlab.sim.params import MarketParams
from hftlab.sim.table import AgentTable

OUT_ROWS = 1 << 16  # rows of the loop's event buffer: small enough to stay in cache


@dataclass
class Setup:
    """Everything a session needs: agents, world, books (venue-major numbering)."""

    name: str
    params: MarketParams
    table: AgentTable
    sched: np.ndarray
    truth: dict
    instruments: list[Instrument]
    venues: list[Venue]
    base: np.ndarray  # per book, lowest price of the ladder (ticks)
    width: int
    seed_orders: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    # (agent row, book, side, price ticks, lots): resting orders placed at the start


@dataclass
class State:
    """The loop's arrays (see simulator_nb's module docstring)."""

    arrays: dict

    def __getattr__(self, name: str):
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None


def new_state(s: Setup, capacity: int = 1 << 16) -> State:
    """Fresh engine and agent arrays for a Setup, with the session's clock at its start."""
    p = s.params
    ap, ast, asf, own, subs, nsubs = s.table.arrays(p.seed)
    n_books, n_agents = len(s.base), ap.shape[0]
    qty, top = book_nb.new_books(n_books, s.width)
    cur = np.zeros(1, L.SIM_CURSOR_DTYPE)
    cur["t_start"][0] = p.start_ns
    cur["t_end"][0] = p.start_ns + round(p.seconds * 1e9)
    cur["sched_dt"][0] = max(round(p.sched_dt_ms * 1e6), 1)
    cur["now"][0] = p.start_ns
    cur["stop"][0] = L.NEVER
    orders = np.empty(capacity, MATCH_ORDER_DTYPE)  # a row is written when its id is given
    orders[0] = 0  # row 0 is never an order's (core/pool_nb.py)
    arrays = {
        "ap": ap, "ast": ast, "asf": asf, "own": own,
        "wake": np.full(n_agents, p.start_ns, np.int64),
        "pend": np.zeros((n_agents, L.PCAP), MESSAGE_DTYPE),
        "phead": np.zeros(n_agents, np.int64), "pcount": np.zeros(n_agents, np.int64), "subs": subs,
        "nsubs": nsubs, "sched": np.ascontiguousarray(s.sched), "cur": cur,
        "orders": orders,
        "head": np.full((n_books, 2, s.width), mk.NIL, np.int64),
        "tail": np.full((n_books, 2, s.width), mk.NIL, np.int64), "qty": qty, "top": top,
        "base": np.asarray(s.base, np.int64), "n_resting": np.zeros((n_books, 2), np.int64),
        "ctr": np.ones(1, np.int64), "fills": np.zeros(4096, MATCH_FILL_DTYPE),
        "events": np.zeros(8192, MATCH_EVENT_DTYPE),
        "mkt": np.zeros(n_books, L.MARKET_STATS_DTYPE), "halt": p.halt_rows(n_books),
        "cmds": np.zeros(L.MAX_CMDS, MESSAGE_DTYPE),
        "out": np.zeros(OUT_ROWS, MATCH_EVENT_DTYPE), "out_rec": np.zeros(OUT_ROWS, np.int64)}
    return State(arrays)


def grow_pool(st: State) -> None:
    """Double the order pool (the engine asked: RETRY_CAPACITY / NEED_POOL)."""
    st.arrays["orders"] = grow_records(st.orders, 2 * st.orders.shape[0])


def grow_scratch(st: State) -> None:
    """Make the per-command fills / events buffers hold the worst case of the book, and the
    event buffer ``out`` hold two such commands (it keeps its rows)."""
    worst = int(st.n_resting.max(initial=0))
    st.arrays["fills"] = np.zeros(max(2 * st.fills.shape[0], worst + 1), MATCH_FILL_DTYPE)
    st.arrays["events"] = np.zeros(max(2 * st.events.shape[0], 2 * worst + 4),
                                   MATCH_EVENT_DTYPE)
    rows = 4 * st.events.shape[0]  # out keeps room for two commands' worst case
    if st.out.shape[0] < rows:
        st.arrays["out"] = grow_records(st.out, rows)
        st.arrays["out_rec"] = grow_records(st.out_rec, rows)


def seed_book(s: Setup, st: State, parts: list) -> None:
    """Place the setup's initial resting orders at the session start (message numbers
    1.. in order), so the book starts near its stationary depth instead of empty."""
    so = np.array(s.seed_orders, np.int64).reshape(-1, 5)  # agent, book, side, price, lots
    rows = np.zeros(len(so), MESSAGE_DTYPE)
    for name, value in (("action", ACT_SUBMIT), ("ts", s.params.start_ns), ("book", so[:, 1]),
                        ("owner", st.ap["owner"][so[:, 0]]), ("side", so[:, 2]),
                        ("price", so[:, 3]), ("qty", so[:, 4]),
                        ("order_type", OrderType.LIMIT), ("tif", TimeInForce.GTC)):
        rows[name] = value
    agents = np.ascontiguousarray(so[:, 0])
    k = 0
    while True:
        k, code = simulator_nb.seed(
            rows, agents, k, st.ap, st.ast, st.asf, st.own, st.wake, st.subs, st.nsubs, st.cur,
            st.orders, st.head, st.tail, st.qty, st.top, st.base, st.n_resting, st.ctr,
            st.fills, st.events, st.mkt, st.halt, st.out, st.out_rec)
        if code == L.DONE:
            return
        _serve(st, parts, code)


def _serve(st: State, parts, code: int) -> None:
    """Do what a kernel returning code (NEED_OUT / NEED_POOL / NEED_SCRATCH) asks."""
    if code == L.NEED_OUT:
        flush(st, parts)
    elif code == L.NEED_POOL:
        grow_pool(st)
    elif code == L.NEED_SCRATCH:
        grow_scratch(st)
    else:
        raise ValueError(f"unexpected simulator code {code}")


def flush(st: State, parts) -> None:
    """Hand the events in out[:cur.n_out] to parts (a list or a sink) and empty out."""
    n = int(st.cur["n_out"][0])
    if n and hasattr(parts, "write"):
        parts.write(st.out[:n], st.out_rec[:n])  # views, valid during the call only
    elif n:
        parts.append((copy_records(st.out[:n]), st.out_rec[:n].copy()))
    st.cur["n_out"][0] = 0


def advance(st: State, parts) -> int:
    """Drive simulator_nb.run, growing and flushing as it asks, until the session's end
    (DONE), its stop (PAUSED) or a fill of ours (OWN_FILL); returns which.

    parts: a list that receives copies of the event chunks as (rows, record numbers), or
    a sink with ``write(rows, record)`` that gets views of the loop's buffer (valid
    only during the call: a Parquet writer, a counter) so nothing piles up in memory."""
    while True:
        code = simulator_nb.run(
            st.ap, st.ast, st.asf, st.own, st.wake, st.pend, st.phead, st.pcount, st.subs,
            st.nsubs, st.sched, st.cur, st.orders, st.head, st.tail, st.qty, st.top, st.base,
            st.n_resting, st.ctr, st.fills, st.events, st.mkt, st.halt, st.cmds, st.out,
            st.out_rec)
        if code not in (L.NEED_OUT, L.NEED_POOL, L.NEED_SCRATCH):
            return code
        _serve(st, parts, code)


def run_state(st: State, parts) -> None:
    """Drive the session to its end; its events go to parts (see advance)."""
    advance(st, parts)
    flush(st, parts)


def to_events(rows: np.ndarray, n_instruments: int) -> np.ndarray:
    """MATCH_EVENT_DTYPE rows -> EVENT_DTYPE (venue-major books; ts_local 0 = not set)."""
    out = np.zeros(len(rows), EVENT_DTYPE)
    for name in ("ts", "kind", "side", "price", "qty", "order_id"):
        out[name] = rows[name]
    out["venue"] = rows["book"] // n_instruments
    out["instrument"] = rows["book"] % n_instruments
    return out


def expected_orders(s: Setup) -> int:
    """A generous estimate of the order ids a session will use (its agents' submit rates
    x its length), to size the order pool up front: np.zeros pages that are never
    touched cost no memory, while growing the pool copies it."""
    ap = s.table.arrays(0)[0]
    rate = 0.0
    for r in ap:
        kind = int(r["type"])
        if kind == L.ZI:
            rate += 2.0 * (r["zi"]["lam_total"] * s.params.zi_liquidity + r["zi"]["market_rate"])
        elif kind == L.NOISE:
            rate += r["noise"]["buy_rate"] + r["noise"]["sell_rate"]
        elif kind == L.INFORMED:
            rate += r["informed"]["rate"]
        elif kind == L.MOMENTUM:
            rate += r["momentum"]["rate"]
        elif kind == L.SELLER:
            rate += 1.0 / max(r["seller"]["interval_s"], 1e-3)
        else:  # makers and arbitrageurs: a few orders per requote or per book change
            rate += 50.0
    need = 1.5 * rate * float(np.mean(s.sched[:, L.W_ACT])) * s.params.seconds
    return int(min(max(need, 1 << 16), 1 << 25))


def agent_accounts(s: Setup, st: State) -> pd.DataFrame:
    """Each tracked agent's account at the session's end, from the fills the loop credited
    by owner (both the resting and the aggressive side of every fill): kind, book, owner,
    position (lots), cash and notional traded (ticks x lots), the book's final mid (ticks;
    the last trade price when a side is empty) and pnl in currency, (cash + position x
    mid) x Instrument.tick_value, the mark-to-market P&L since the start."""
    rows = []
    width = st.qty.shape[2]
    for a, info in enumerate(s.table.info):
        if not info.owner:
            continue
        b = info.book
        tb, ta = int(st.top[b, 0]), int(st.top[b, 1])
        if 0 <= tb and ta < width:
            mid = float(st.base[b]) + 0.5 * (tb + ta)
        else:
            mid = float(st.mkt["last_price"][b])
        inst = s.instruments[b % len(s.instruments)]
        pos, cash = int(st.ast["pos"][a]), float(st.asf["cash"][a])
        rows.append({"agent": a, "kind": info.kind, "book": b, "owner": info.owner,
                     "position": pos, "cash": cash, "notional": float(st.asf["gross"][a]),
                     "mid": mid,
                     "pnl": (cash + pos * mid) * inst.tick_value})
    return pd.DataFrame(rows, columns=["agent", "kind", "book", "owner", "position", "cash",
                                       "notional", "mid", "pnl"]).set_index("agent")


def simulate(s: Setup) -> MarketData:
    """Run the session of a Setup; returns its canonical events with the ground truth in
    ``stats`` (scenario, params, agents, messages, messages_per_second, truth,
    agent_accounts (see agent_accounts) and order_owner: the owner of each order id,
    agent row + 1, 0 = the anonymous crowd)."""
    st = new_state(s, capacity=expected_orders(s))
    parts: list = []
    t0 = time.perf_counter()
    seed_book(s, st, parts)
    run_state(st, parts)
    secs = time.perf_counter() - t0
    rows = concat_records([p[0] for p in parts], MATCH_EVENT_DTYPE)
    rec = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    msgs = int(st.cur["msgs"][0])
    agents = [(i.kind, i.book, i.owner) for i in s.table.info]
    positions = {a: int(st.ast["pos"][a]) for a in range(len(agents)) if agents[a][2]}
    stats = {"scenario": s.name, "params": s.params, "seed": s.params.seed, "agents": agents,
             "agent_positions": positions, "messages": msgs, "wall_seconds": secs,
             "messages_per_second": msgs / secs if secs > 0 else 0.0,
             "start_ns": s.params.start_ns, **s.truth,
             "agent_accounts": agent_accounts(s, st),
             "order_owner": st.orders["owner"][:int(st.ctr[0])].copy()}  # by order id
    data = MarketData(to_events(rows, len(s.instruments)), list(s.instruments), list(s.venues),
                      record=rec, source=f"hftlab.sim:{s.name} seed={s.params.seed}",
                      stats=stats)
    data.simulation = s
    return data
