"""One book's order flow for the manipulation detectors: events with owners, the
executions with their aggressors, and each owner's trades.

Owners. A simulated market carries the owner of every order id
(``data.stats["order_owner"]``: agent row + 1, 0 = the anonymous crowd). Real L3 feeds
(LOBSTER, ITCH, DBN MBO) carry none, and neither does the crowd: then each order id
stands alone (spoofing: one alert per order, the other side's evidence being any
resting order there executed during its life), aggressive orders pool into one group
for the book (ignition: market-wide bursts, the exit not checkable), and messages pool
per book (stuffing). ``owner`` is -1 in such alerts. An aggressive order is known from
its executions: the resting orders executed at one timestamp on one side (EXECUTE,
aggressor = the other side) plus hidden prints (TRADE, side = the aggressor); its
owner is the owner of an order ADDed on the aggressor's side at that same timestamp
(its remainder resting), else unknown. ADDs at the time of a CLEAR are a snapshot of
the book (Databento MBO's), not messages: such orders have no ADD time and are left
out. Databento MBO reports a fill as a TRADE and a
cancel of the resting order at the same time and price: such cancels are read as
EXECUTEs and their TRADE dropped (counted in ``attrs["fills_from_cancels"]``).

Conventions: side +1 bid / buy, -1 ask / sell (spoofing: the side of the cancelled
orders; ignition: the direction pushed; stuffing: 0). Prices in currency, sizes in
units (lots x lot size), ticks where the name says so, times UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hftlab.data.market import MarketData
from hftlab.instruments import Instrument
from hftlab.schema import Kind
from hftlab.surveillance.icebergs import _book

NEED = "manipulation detection"


@dataclass
class Flow:
    """One book's events with owners, its executions and its orders' lifecycles."""

    ev: np.ndarray  # the book's events (EVENT_DTYPE), cancels that were fills re-kinded
    snapshot: np.ndarray  # per event: an ADD of a snapshot (same ts as a CLEAR)
    owner: np.ndarray  # per event: owner of its order id, -1 unknown
    ex: pd.DataFrame  # executions: ts, price, qty, rest_side, rest_owner, aggr_oid,
    # aggr_owner (ticks, lots; owners -1 when unknown)
    inst: Instrument
    has_owners: bool
    book: tuple[int, int]
    fills_from_cancels: int


def order_flow(data: MarketData, venue: int | str | None, instrument: int | str | None,
          owners: bool | None) -> Flow:
    data = data.load()
    vi, ii = _book(data, venue, instrument, NEED)
    ev = data.events[(data.events["venue"] == vi) & (data.events["instrument"] == ii)].copy()
    table = data.stats.get("order_owner")
    if owners and table is None:
        raise ValueError(f"{data.source or 'the data'} carries no order owners "
                         "(stats['order_owner'], set by hftlab.sim.market); use owners=None "
                         "or False")
    use = table is not None and owners is not False
    n_fix = fills_from_cancels(ev)
    oid = ev["order_id"].astype(np.int64)
    owner = np.full(len(ev), -1, np.int64)
    if use:
        table = np.asarray(table, np.int64)
        ok = (oid > 0) & (oid < len(table))
        owner[ok] = table[oid[ok]]
        owner[owner <= 0] = -1  # the anonymous crowd: unknown, as in real data
    snap = (ev["kind"] == Kind.ADD) & np.isin(ev["ts"], ev["ts"][ev["kind"] == Kind.CLEAR])
    return Flow(ev, snap, owner, executions(ev, owner), data.instruments[ii], use, (vi, ii),
                 n_fix)


def fills_from_cancels(ev: np.ndarray) -> int:
    """Re-kind CANCEL / DELETE events that are fills (a TRADE at the same ts and price
    with the aggressor on the other side: Databento MBO's T + C) to EXECUTE and drop
    those TRADEs (kind set to 0, ignored). Returns how many cancels were re-kinded."""
    kind = ev["kind"]
    trade = np.flatnonzero(kind == Kind.TRADE)
    canc = np.flatnonzero(np.isin(kind, (Kind.CANCEL, Kind.DELETE)))
    if not len(trade) or not len(canc):
        return 0
    t = pd.DataFrame({"ts": ev["ts"][trade], "price": ev["price"][trade],
                      "rest": -ev["side"][trade].astype(np.int64), "t": trade})
    c = pd.DataFrame({"ts": ev["ts"][canc], "price": ev["price"][canc],
                      "rest": ev["side"][canc].astype(np.int64), "c": canc})
    m = t.merge(c, on=["ts", "price", "rest"])
    if m.empty:
        return 0
    ev["kind"][m["c"].unique()] = Kind.EXECUTE
    ev["kind"][m["t"].unique()] = 0
    return int(m["c"].nunique())


def executions(ev: np.ndarray, owner: np.ndarray) -> pd.DataFrame:
    """Executions (EXECUTE and TRADE) with the resting side, the resting order's owner
    and the aggressor's order id and owner where an ADD at the same ts names it."""
    kind = ev["kind"]
    is_x = kind == Kind.EXECUTE
    is_t = (kind == Kind.TRADE) & (ev["side"] != 0)
    keep = is_x | is_t
    rest_side = np.where(is_x, ev["side"], -ev["side"]).astype(np.int64)[keep]
    ex = pd.DataFrame({"ts": ev["ts"][keep], "price": ev["price"][keep],
                       "qty": ev["qty"][keep].astype(np.int64), "rest_side": rest_side,
                       "rest_owner": np.where(is_x[keep], owner[keep], -1),
                       "aggr_side": -rest_side})
    add = kind == Kind.ADD
    adds = pd.DataFrame({"ts": ev["ts"][add], "aggr_side": ev["side"][add].astype(np.int64),
                         "aggr_oid": ev["order_id"][add].astype(np.int64),
                         "aggr_owner": owner[add]}).drop_duplicates(["ts", "aggr_side"],
                                                                    keep="last")
    ex = ex.merge(adds, on=["ts", "aggr_side"], how="left")
    ex["aggr_oid"] = ex["aggr_oid"].fillna(0).astype(np.int64)
    ex["aggr_owner"] = ex["aggr_owner"].fillna(-1).astype(np.int64)
    return ex


def owner_trades(f: Flow) -> pd.DataFrame:
    """Every known owner's trades: ts, owner, side (the owner's: +1 bought), qty; passive
    (its resting order executed) and aggressive (attributed) alike, by ts."""
    ex = f.ex
    parts = [pd.DataFrame({"ts": ex["ts"], "owner": ex["rest_owner"], "side": ex["rest_side"],
                           "qty": ex["qty"]}),
             pd.DataFrame({"ts": ex["ts"], "owner": ex["aggr_owner"], "side": ex["aggr_side"],
                           "qty": ex["qty"]})]
    out = pd.concat(parts, ignore_index=True)
    return out[out["owner"] > 0].sort_values("ts", kind="stable").reset_index(drop=True)
