"""Quoted, effective and realized spreads and price impact, in fractions of the midpoint.

Definitions (e.g. Huang & Stoll 1996; Bessembinder & Kaufman 1997; the SEC Rule 605
measures), for a trade at price p with sign q (+1 buyer-initiated, -1 seller-initiated),
mid m prevailing at the trade and mid m_h prevailing h later:

    quoted    = (ask - bid) / m
    effective = 2 q (p - m) / m
    impact    = 2 q (m_h - m) / m
    realized  = 2 q (p - m_h) / m = effective - impact

Effective and impact are rounded to multiples of 2**-44 (about 6e-14 of the mid, far
below any tick) so that effective = realized + impact holds bit for bit in floating
point, not just up to rounding. Multiply by 10 000 (``units.to_bps``) for bps.
NaN in any input gives NaN for that trade; mids <= 0 are rejected.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics import classification_nb
from hftlab.analytics.classification import lee_ready
from hftlab.analytics.inputs import (
    as_float_array, as_frame, check_side, duration_ns, nonneg_duration_ns, quote_arrays,
    same_length, trade_arrays,
)

GRID_BITS = 44
GRID_LIMIT = 2.0 ** 7  # |value| bound: 7 + 44 bits, so a difference of two fits 52 bits

DEFAULT_HORIZONS: tuple[str, ...] = ("1s", "5s", "60s")


def on_grid(x: np.ndarray, name: str) -> np.ndarray:
    """Round x to multiples of 2**-44 so sums and differences of such values are exact.

    Raises when |x| >= 128 (a price 64 mids away is bad input, not a spread).
    """
    big = np.flatnonzero(np.abs(x) >= GRID_LIMIT)
    if big.size:
        i = int(big[0])
        raise ValueError(f"{name} of {x[i]!r} at row {i} is not a plausible fraction of the "
                         "mid; check that price and mid are in the same unit")
    return np.ldexp(np.rint(np.ldexp(x, GRID_BITS)), -GRID_BITS)


def _mid_checked(mid: np.ndarray, name: str) -> np.ndarray:
    bad = np.flatnonzero(mid <= 0)
    if bad.size:
        raise ValueError(f"{name} must be > 0 (or NaN when unknown); row {int(bad[0])} "
                         f"has {mid[bad[0]]!r}")
    return mid


def _index(x: Any, n: int) -> pd.Index:
    return x.index if isinstance(x, pd.Series) else pd.RangeIndex(n)


def quoted_spread(bid: Any, ask: Any) -> pd.Series:
    """Quoted spread (ask - bid) / mid, a fraction of the midpoint (``to_bps`` for bps).

    NaN where bid or ask is NaN or the mid is <= 0; a crossed quote gives a negative
    value (it is reported, not hidden).
    """
    b, a = as_float_array(bid, "bid"), as_float_array(ask, "ask")
    n = same_length([("bid", b), ("ask", a)])
    mid = 0.5 * (a + b)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(mid > 0, (a - b) / mid, np.nan)
    return pd.Series(out, index=_index(bid, n), name="quoted_spread")


def _effective(p: np.ndarray, m: np.ndarray, q: np.ndarray) -> np.ndarray:
    return on_grid(2.0 * q * (p - m) / m, "effective spread")


def _impact(m: np.ndarray, mh: np.ndarray, q: np.ndarray) -> np.ndarray:
    return on_grid(2.0 * q * (mh - m) / m, "price impact")


def _arrays(price: Any, mid: Any, side: Any, extra: Sequence[tuple[str, Any]] = ()):
    p = as_float_array(price, "price")
    m = _mid_checked(as_float_array(mid, "mid"), "mid")
    q = check_side(side, "side").astype(np.float64)
    ex = [as_float_array(v, n) for n, v in extra]
    n = same_length([("price", p), ("mid", m), ("side", q)]
                    + [(n, v) for (n, _), v in zip(extra, ex)])
    return p, m, q, ex, n


def effective_spread(price: Any, mid: Any, side: Any) -> pd.Series:
    """Effective spread 2 q (p - m) / m per trade, a fraction of the midpoint.

    price: trade prices; mid: the midpoint prevailing at each trade (same unit);
    side: +1 buyer-initiated, -1 seller-initiated (0 gives 0). NaN in, NaN out.
    """
    p, m, q, _, n = _arrays(price, mid, side)
    return pd.Series(_effective(p, m, q), index=_index(price, n), name="effective_spread")


def price_impact(mid: Any, mid_later: Any, side: Any) -> pd.Series:
    """Price impact 2 q (m_h - m) / m per trade: the mid's move h later in the trade's direction.

    mid: mid at the trade; mid_later: mid prevailing h later (same unit); side: +1/-1.
    Fraction of the midpoint; NaN in, NaN out.
    """
    m = _mid_checked(as_float_array(mid, "mid"), "mid")
    mh = as_float_array(mid_later, "mid_later")
    q = check_side(side, "side").astype(np.float64)
    n = same_length([("mid", m), ("mid_later", mh), ("side", q)])
    return pd.Series(_impact(m, mh, q), index=_index(mid, n), name="price_impact")


def realized_spread(price: Any, mid: Any, mid_later: Any, side: Any) -> pd.Series:
    """Realized spread 2 q (p - m_h) / m = effective - impact, exactly (see module doc).

    What a liquidity provider keeps after the mid moves for h. Fraction of the
    midpoint; NaN in, NaN out.
    """
    p, m, q, (mh,), n = _arrays(price, mid, side, [("mid_later", mid_later)])
    return pd.Series(_effective(p, m, q) - _impact(m, mh, q), index=_index(price, n),
                     name="realized_spread")


def mid_at(ts: np.ndarray, quote_ts: np.ndarray, mid: np.ndarray,
           end: int | None = None) -> np.ndarray:
    """Mid prevailing at each ts (last quote with quote_ts <= ts); NaN before the first
    quote and, when `end` is given, after it (the data do not say what happened then)."""
    idx = classification_nb.asof_index_nb(ts, quote_ts, 0)
    out = classification_nb.take_or_nan_nb(mid, idx)
    if end is not None:
        out[ts > end] = np.nan
    return out


def data_end(*ts_arrays: np.ndarray) -> int | None:
    """The last timestamp of any of the arrays: where the recorded data stop."""
    ends = [int(a[-1]) for a in ts_arrays if a.size]
    return max(ends) if ends else None


def horizon_label(h: Any) -> str:
    """A column label for a horizon: '1s', '500ms', '1min' as given, or ns ints as '<n>ns'."""
    return h if isinstance(h, str) else f"{duration_ns(h, 'horizon')}ns"


def spread_decomposition(trades: Any, quotes: Any,
                         horizons: Sequence[Any] = DEFAULT_HORIZONS,
                         quote_lag: Any = 0) -> pd.DataFrame:
    """Per-trade effective spread split into realized spread and price impact per horizon.

    trades: DataFrame (ts, price, qty|volume|size, optional side +1/-1); without side the
    trades are signed by Lee-Ready against the quotes. quotes: DataFrame (ts, bid, ask)
    in time order. horizons: durations ('1s', int ns, Timedelta). The mid at the trade
    is that of the last quote strictly before ts - quote_lag; the later mid that of the
    last quote at or before ts + h, NaN when ts + h is past the end of the data (the
    last trade or quote). Returns, on the trades' index: side,
    volume, mid, effective, and realized_<h>, impact_<h> per horizon, fractions of the
    midpoint, with effective == realized_<h> + impact_<h> exactly wherever defined.
    """
    df = as_frame(trades, "trades")
    t = trade_arrays(df)
    q = quote_arrays(quotes)
    side = t["side"] if "side" in t else lee_ready(df, quotes, quote_lag).to_numpy()
    qmid = 0.5 * (q["bid"] + q["ask"])
    lag = nonneg_duration_ns(quote_lag, "quote_lag")
    m = _mid_checked(mid_at(t["ts"] - lag - 1, q["ts"], qmid), "quotes mid")
    sign = side.astype(np.float64)
    out = {"side": side, "volume": t["volume"], "mid": m,
           "effective": _effective(t["price"], m, sign)}
    end = data_end(t["ts"], q["ts"])
    for h in horizons:
        mh = mid_at(t["ts"] + duration_ns(h, "horizon"), q["ts"], qmid, end)
        imp = _impact(m, mh, sign)
        out[f"realized_{horizon_label(h)}"] = out["effective"] - imp
        out[f"impact_{horizon_label(h)}"] = imp
    return pd.DataFrame(out, index=df.index)


def decomposition_summary(decomposition: pd.DataFrame, weight: str | None = "volume",
                          bps: bool = True) -> pd.DataFrame:
    """Average effective, realized and impact per horizon from `spread_decomposition`.

    weight: a column to weight by ('volume') or None for equal weights. Trades with NaN
    in a horizon's columns are left out of that horizon's row. bps: report in basis
    points (else fractions of the midpoint). Rows: horizons; columns: effective,
    realized, impact, trades. The identity holds per trade exactly and for these means
    up to rounding of the averages.
    """
    hs = [c[len("impact_"):] for c in decomposition.columns if c.startswith("impact_")]
    rows = {}
    scale = 10_000.0 if bps else 1.0
    for h in hs:
        cols = ["effective", f"realized_{h}", f"impact_{h}"]
        sub = decomposition[cols].to_numpy(dtype=np.float64)
        w = (decomposition[weight].to_numpy(dtype=np.float64) if weight
             else np.ones(len(sub)))
        ok = np.isfinite(sub).all(axis=1) & np.isfinite(w) & (w > 0)
        if ok.any():
            means = (sub[ok] * w[ok, None]).sum(axis=0) / w[ok].sum() * scale
        else:
            means = np.full(3, np.nan)
        rows[h] = {"effective": means[0], "realized": means[1], "impact": means[2],
                   "trades": int(ok.sum())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("horizon")
