"""Stylized facts of a market, measured the same way on real and simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hftlab.book import snapshots
from hftlab.data.market import MarketData, print_mask
from hftlab.schema import Kind

NS = 1_000_000_000


def top_of_book(data: MarketData, venue: int = 0, instrument: int = 0,
                tick_size: float | None = None, by: str = "record"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ts, bid, ask, bid_size, ask_size) of one book after each record (or event):
    prices in ticks of tick_size (default the instrument's; rounded), 0 where a side is
    empty; sizes in units."""
    tick = tick_size or data.instruments[instrument].tick_size
    s = snapshots(data, 1, by=by, venue=venue, instrument=instrument)
    ts = s.index.get_level_values(0).asi8
    bid = np.nan_to_num(np.round(s["bid_price_1"].to_numpy() / tick)).astype(np.int64)
    ask = np.nan_to_num(np.round(s["ask_price_1"].to_numpy() / tick)).astype(np.int64)
    return ts, bid, ask, s["bid_size_1"].to_numpy(), s["ask_size_1"].to_numpy()


def executions(data: MarketData, venue: int = 0, instrument: int = 0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ts, sign, qty lots, visible, price ticks) of every execution of a book, one per
    resting order
    hit as LOBSTER reports them: EXECUTE events (sign = minus the resting side) and TRADE
    prints, each execution once (hftlab.data.market.print_mask). Prints without an
    aggressor side are left out."""
    data = data.load()
    in_book = (data.events["venue"] == venue) & (data.events["instrument"] == instrument)
    ev = data.events[in_book]
    is_ex = ev["kind"] == Kind.EXECUTE
    keep = print_mask(ev, data.record[in_book]) & (ev["side"] != 0)
    sign = np.where(is_ex, -ev["side"].astype(np.int64), ev["side"].astype(np.int64))[keep]
    return ev["ts"][keep], sign, ev["qty"][keep], is_ex[keep], ev["price"][keep]


def acf(x: np.ndarray, lag: int) -> float:
    """Sample autocorrelation of x at a lag (NaN when too short)."""
    x = np.asarray(x, float)
    if len(x) <= lag + 1:
        return float("nan")
    d = x - x.mean()
    v = (d * d).mean()
    return float((d[:-lag] * d[lag:]).mean() / v) if v > 0 else float("nan")


def sampled_mid(ts: np.ndarray, mid: np.ndarray, seconds: float, t0: int | None = None,
                t1: int | None = None) -> np.ndarray:
    """The last mid at or before each point of a grid of `seconds` from t0 (default the
    first timestamp) to t1 (default the last)."""
    t0 = int(ts[0]) if t0 is None else int(t0)
    t1 = int(ts[-1]) if t1 is None else int(t1)
    grid = np.arange(t0, t1 + 1, int(seconds * NS))
    i = np.searchsorted(ts, grid, side="right") - 1
    return mid[np.maximum(i, 0)]


def stylized_facts(data: MarketData, venue: int = 0, instrument: int = 0,
                   tick_size: float | None = None, skip_s: float = 0.0) -> dict:
    """Stylized facts of one book, each a plain number:

    spread_median / spread_p10 / spread_p90 (ticks of tick_size, over records with both
    sides), spread_min, crossed (share of records with bid >= ask), sign_acf_1 / _5 /
    _20 (autocorrelation of execution signs, one per resting order hit), kurtosis_10s /
    kurtosis_60s (excess kurtosis of mid changes on 10 s and 60 s grids from the first
    record), median_execution_size (units, visible executions), executions_per_minute,
    depth_best (mean size at the best bid and ask, units), returns_sd_60s (standard
    deviation of 60 s log mid returns). skip_s drops the first seconds (a warm-up).
    """
    lot = data.instruments[instrument].lot_size
    ts, bid, ask, bq, aq = top_of_book(data, venue, instrument, tick_size)
    t_start = int(ts[0]) + int(skip_s * NS)
    keep = ts >= t_start
    ts, bid, ask, bq, aq = ts[keep], bid[keep], ask[keep], bq[keep], aq[keep]
    both = (bid > 0) & (ask > 0)
    spread = (ask - bid)[both]
    mid = 0.5 * (bid + ask).astype(float)
    ok = np.flatnonzero(both)
    mts, mid = ts[ok], mid[ok]
    xt, sign, xq, visible, _ = executions(data, venue, instrument)
    sel = xt >= t_start
    xt, sign, xq, visible = xt[sel], sign[sel], xq[sel], visible[sel]
    minutes = (ts[-1] - ts[0]) / (60 * NS)
    out = {
        "spread_median": float(np.median(spread)),
        "spread_p10": float(np.percentile(spread, 10)),
        "spread_p90": float(np.percentile(spread, 90)),
        "spread_min": int(spread.min()),
        "crossed": float(np.mean(spread <= 0)),
        "sign_acf_1": acf(sign, 1), "sign_acf_5": acf(sign, 5), "sign_acf_20": acf(sign, 20),
        "median_execution_size": float(np.median(xq[visible]) * lot) if visible.any()
        else float("nan"),
        "executions_per_minute": float(len(xt) / minutes) if minutes > 0 else float("nan"),
        "depth_best": float(np.mean(0.5 * (bq + aq)[both])),
    }
    for sec in (10, 60):
        m = sampled_mid(mts, mid, sec)
        r = np.diff(m)
        out[f"kurtosis_{sec}s"] = float(stats.kurtosis(r)) if len(r) > 3 and r.std() > 0 \
            else float("nan")
    lr = np.diff(np.log(sampled_mid(mts, mid, 60)))
    out["returns_sd_60s"] = float(lr.std()) if len(lr) > 1 else float("nan")
    return out



def trades(data: MarketData, venue: int = 0, instrument: int = 0) -> pd.DataFrame:
    """Executions of one book as a trades table for hftlab.analytics: ts, price (ticks),
    qty (lots), side (aggressor sign), one row per resting order hit."""
    ts, sign, qty, _, px = executions(data, venue, instrument)
    return pd.DataFrame({"ts": ts, "price": px.astype(float), "qty": qty.astype(float),
                         "side": sign})
