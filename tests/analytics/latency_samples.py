"""Two-venue quote fixtures for the lead-lag, stale-quote and latency-arbitrage tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

import hftlab
from hftlab.data.frame import from_frame

MS = 1_000_000
T0 = 1_700_000_000_000_000_000


def quote_frame(rows: list[tuple], trades: list[tuple] = ()) -> pd.DataFrame:
    """L2 events setting each venue's top of book: rows (ts ns, venue, bid, bid size, ask,
    ask size) in currency; the previous level of a side is removed when its price moves.
    trades: (ts ns, venue, price, size, aggressor side) prints. Sorted by ts (stable)."""
    out, last = [], {}
    for ts, v, bid, bq, ask, aq in rows:
        for side, px, q in ((1, bid, bq), (-1, ask, aq)):
            old = last.get((v, side))
            if old is not None and old != px:
                out.append((ts, v, "LEVEL", side, old, 0.0))
            out.append((ts, v, "LEVEL", side, px, q))
            last[(v, side)] = px
    out += [(ts, v, "TRADE", s, px, q) for ts, v, px, q, s in trades]
    df = pd.DataFrame(out, columns=["ts", "venue", "kind", "side", "price", "size"])
    return df.sort_values("ts", kind="stable").reset_index(drop=True)


def two_venues(rows: list[tuple], trades: list[tuple] = (), names=("FAST", "SLOW"),
               tick: float = 0.01, lot: float = 1.0, fees=None) -> hftlab.data.MarketData:
    """MarketData of one instrument quoted on two venues (see quote_frame)."""
    fees = fees or (hftlab.FeeSchedule(), hftlab.FeeSchedule())
    venues = [hftlab.Venue(n, f) for n, f in zip(names, fees)]
    return from_frame(quote_frame(rows, trades), hftlab.Instrument("X", tick, lot), venues)


def lagged_pair(lag_ns: int, n_moves: int = 400, seed: int = 0, noise: float = 0.0,
                step_ns: int = MS) -> dict[str, pd.DataFrame]:
    """Quote frames of a random walk on book 'a' (a one-tick move every ~20 ms at random
    times) and the same walk on book 'b' lag_ns later, each b move dropped with
    probability `noise` (so b is a noisy follower)."""
    rng = np.random.default_rng(seed)
    t = T0 + np.cumsum(rng.integers(5 * step_ns, 35 * step_ns, n_moves))
    mid = 10_000 + np.cumsum(rng.choice([-1, 1], n_moves))
    keep = rng.random(n_moves) >= noise
    a = pd.DataFrame({"ts": t, "bid": mid - 1, "ask": mid + 1})
    b = pd.DataFrame({"ts": t[keep] + lag_ns, "bid": mid[keep] - 1, "ask": mid[keep] + 1})
    return {"a": a, "b": b}
