"""Momentum ignition on order-level (L3) data.

Momentum ignition: "a series of orders and trades ... to ignite a rapid price move
either up or down", then trading out at the better price (SEC Concept Release on
Equity Market Structure, 2010, 75 FR 3594, 3609; ESMA Guidelines on systems and
controls 2012/122). Test: at least `min_orders` aggressive orders on one side within
`window`, carrying at least `min_share` of the group's aggressive volume there, the
price pushed at least `min_move` ticks that way (to its peak within `horizon` of the
burst) and giving back at least `min_reversal` of the push within `horizon` of the
peak; with owners, the owner then trades at least `min_exit` of its burst volume on
the other side within `horizon` (the exit into the move).

Thresholds. The defaults were chosen on labelled "momentum-ignition" sessions of
hftlab.sim (seeds 1-5, 600 s each, best F1 over a grid) with owners; tests check them
on held-apart seeds. Without owners ignition needs stricter ones (IGNITION_NO_OWNERS,
chosen the same way): market-wide bursts of momentum traders look like ignition.

Alerts, owners and conventions: hftlab.surveillance.flow and .alerts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, nonneg_duration_ns, positive_int
from hftlab.book import to_currency
from hftlab.data.market import MarketData
from hftlab.schema import Kind
from hftlab.surveillance.alerts import alerts_frame
from hftlab.surveillance.flow import Flow, order_flow, owner_trades
from hftlab.surveillance.manipulation_nb import move_and_reversal, pick_bursts

IGNITION_NO_OWNERS = {"window": "2s", "min_orders": 16, "min_share": 0.8, "min_move": 15,
                      "horizon": "30s", "min_reversal": 0.25}


def _aggressive_orders(f: Flow) -> pd.DataFrame:
    """Aggressive orders: the executions at one ts on one aggressor side, with their
    lots, last price (ticks) and the aggressor's order id / owner (0 / -1 unknown)."""
    g = f.ex.groupby(["ts", "aggr_side"], sort=True)
    return g.agg(qty=("qty", "sum"), price=("price", "last"), oid=("aggr_oid", "max"),
                 owner=("aggr_owner", "max")).reset_index()


def _price_grid(f: Flow) -> int:
    """The book's price step in data ticks: the gcd of its displayed orders' prices
    (LOBSTER stores 1e-4 dollars, a cent is 100 of them; a future's tick may be 25;
    hidden midpoint prints at half steps are left out)."""
    px = f.ev["price"][np.isin(f.ev["kind"], (Kind.ADD, Kind.EXECUTE))]
    g = int(np.gcd.reduce(px[px > 0].astype(np.int64))) if (px > 0).any() else 1
    return max(g, 1)


def detect_momentum_ignition(data: MarketData, *, window: Any = "3s", min_orders: int = 5,
                             min_share: float = 0.8, min_move: int = 2,
                             horizon: Any = "15s", min_reversal: float = 0.25,
                             min_exit: float = 0.25, min_score: float = 0.0,
                             owners: bool | None = None, venue: int | str | None = None,
                             instrument: int | str | None = None) -> pd.DataFrame:
    """Momentum-ignition alerts in one book (module doc: definitions and owners).

    window, min_orders, min_share: a burst is min_orders aggressive orders on one side
    within window carrying at least min_share of its group's aggressive volume there
    (its owner's with owners; the book's without). min_move: ticks the price must go the
    burst's way, from the last trade before it to the peak within horizon after it;
    min_reversal: the share of that move given back within horizon after the peak;
    min_exit: with owners, the owner's trades on the other side within horizon of the
    burst, as a share of its burst volume (not checked without owners). min_score: the
    smallest score kept. owners: None = as the data carries them, False = ignore. Ticks
    are steps of the book's price grid (the gcd of its prices, ``attrs["price_step"]``
    in currency), so 3 ticks is 3 cents on LOBSTER's AMZN, stored in 1e-4 dollars.

    Returns one row per alert, by start: owner, start, end (of the burst), side (pushed),
    score (move ticks x min(reversal, 1) x share), evidence, orders, volume (units),
    share, move_ticks, reversal, exit (units the owner traded back; NaN without owners),
    peak_time, aggressor_ids (order ids seen resting a remainder, 0 = none). ``attrs``:
    thresholds, aggressive orders seen, bursts before the move tests, book.
    """
    win_ns = duration_ns(window, "window")
    hor_ns = nonneg_duration_ns(horizon, "horizon")
    min_orders = positive_int(min_orders, "min_orders", 2)
    min_move = positive_int(min_move, "min_move")
    for name, v in (("min_share", min_share), ("min_reversal", min_reversal),
                    ("min_exit", min_exit)):
        if not 0.0 <= float(v) <= 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1]; got {v!r}")
    f = order_flow(data, venue, instrument, owners)
    ag = _aggressive_orders(f)
    ag["group"] = ag["owner"] if f.has_owners else -1
    ag = ag[ag["group"] > 0] if f.has_owners else ag
    ag = ag.sort_values(["group", "ts"], kind="stable").reset_index(drop=True)
    ts = ag["ts"].to_numpy(np.int64)
    grp = ag["group"].to_numpy(np.int64)
    side = ag["aggr_side"].to_numpy(np.int64)
    key = grp.astype(np.float64) * 4e18 + ts  # sorted: group-major, then time
    g_end = np.searchsorted(grp, grp, "right")
    end_idx = np.minimum(np.searchsorted(key, grp.astype(np.float64) * 4e18 + ts + win_ns,
                                         "right"), g_end)
    i0 = np.arange(len(ts))
    q = ag["qty"].to_numpy(np.int64)
    buys = np.concatenate([[0], np.cumsum(side > 0)])
    buy_q = np.concatenate([[0], np.cumsum(np.where(side > 0, q, 0))])
    all_q = np.concatenate([[0], np.cumsum(q)])
    n_buy = buys[end_idx] - buys[i0]
    n_same = np.where(side > 0, n_buy, end_idx - i0 - n_buy)
    v_buy = buy_q[end_idx] - buy_q[i0]
    v_all = np.maximum(all_q[end_idx] - all_q[i0], 1)
    share = np.where(side > 0, v_buy, v_all - v_buy) / v_all
    picks = pick_bursts(ts, n_same, share, end_idx, min_orders, float(min_share))
    ex = f.ex.sort_values("ts", kind="stable")
    grid = _price_grid(f)
    rows = []
    if len(picks):
        starts, ends = ts[picks], ts[end_idx[picks] - 1]
        d = side[picks]
        p0, peak, back, peak_ts = move_and_reversal(ex["ts"].to_numpy(np.int64),
                                                    ex["price"].to_numpy(np.int64),
                                                    starts, ends, hor_ns, d)
        tr = owner_trades(f)
        for k, i in enumerate(picks):
            seg = ag.iloc[i:end_idx[i]]
            mine = seg[seg["aggr_side"] == d[k]]
            raw = int(d[k] * (peak[k] - p0[k]))
            move = raw // grid
            rev = d[k] * (peak[k] - back[k]) / raw if raw > 0 else 0.0
            exit_lots = np.nan
            if f.has_owners:
                t = tr[(tr["owner"] == grp[i]) & (tr["side"] == -d[k])
                       & (tr["ts"] > starts[k]) & (tr["ts"] <= ends[k] + hor_ns)]
                exit_lots = float(t["qty"].sum())
            rows.append({"owner": int(grp[i]), "start": starts[k], "end": ends[k],
                         "side": int(d[k]), "orders": len(mine), "volume": int(mine["qty"].sum()),
                         "share": share[i], "move_ticks": move, "reversal": rev,
                         "exit": exit_lots, "peak_time": peak_ts[k],
                         "aggressor_ids": sorted(set(mine["oid"]) - {0})})
    cols = ["owner", "start", "end", "side", "orders", "volume", "share", "move_ticks",
            "reversal", "exit", "peak_time", "aggressor_ids"]
    al = pd.DataFrame(rows, columns=cols)
    n_bursts = len(al)
    ok = (al["move_ticks"] >= min_move) & (al["reversal"] >= min_reversal)
    if f.has_owners:
        ok &= al["exit"] >= min_exit * al["volume"]
    al = al[ok].copy()
    al["score"] = al["move_ticks"] * np.minimum(al["reversal"], 1.0) * al["share"]
    al = al[al["score"] >= min_score]
    inst = f.inst
    al["evidence"] = [
        f"{n} aggressive {'buys' if s > 0 else 'sells'} ({sh:.0%} of the "
        f"{'owner' if o > 0 else 'book'}'s aggressive volume) in {(e - b) / 1e9:.1f} s "
        f"pushed the price {m} ticks, {r:.0%} given back" + (f"; the owner traded {x:g} units back"
                                            if o > 0 else "")
        for n, s, sh, o, b, e, m, r, x in zip(al["orders"], al["side"], al["share"],
                                              al["owner"], al["start"], al["end"],
                                              al["move_ticks"], al["reversal"],
                                              to_currency(al["exit"].fillna(0).to_numpy(),
                                                          inst.lot_size))]
    out = alerts_frame(al, inst, ["orders", "volume", "share", "move_ticks", "reversal", "exit",
                            "peak_time", "aggressor_ids"], lots=("volume", "exit"))
    out["peak_time"] = pd.to_datetime(out["peak_time"].to_numpy(np.int64), unit="ns", utc=True)
    out.attrs.update({
        "thresholds": {"window_ns": win_ns, "min_orders": min_orders,
                       "min_share": float(min_share), "min_move_ticks": min_move,
                       "horizon_ns": hor_ns, "min_reversal": float(min_reversal),
                       "min_exit": float(min_exit), "min_score": float(min_score)},
        "aggressive_orders": int(len(ag)), "bursts": n_bursts, "owners": f.has_owners,
        "price_step": float(grid * inst.tick_size),
        "book": f.book, "fills_from_cancels": f.fills_from_cancels})
    return out
