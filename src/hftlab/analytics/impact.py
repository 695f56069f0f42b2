"""Price impact: markouts, permanent vs temporary impact, Hasbrouck's VAR, Kyle's lambda, Amihud.

Sign convention: +1 buyer-initiated, -1 seller-initiated. Returns and impacts are
fractions of the midpoint (or of the price, for trade-price measures); ``units.to_bps``
converts to bps. NaN handling is stated per function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics import classification_nb
from hftlab.analytics.classification import lee_ready
from hftlab.analytics.inputs import (
    as_frame, duration_ns, nonneg_duration_ns, positive_int, quote_arrays, trade_arrays,
    ts_index,
)
from hftlab.analytics.spreads import (
    DEFAULT_HORIZONS, data_end, horizon_label, mid_at, spread_decomposition,
)


def _signs(df: pd.DataFrame, t: dict, quotes: Any) -> np.ndarray:
    """The trades' own side if present, else Lee-Ready against quotes, else the tick rule."""
    if "side" in t:
        return t["side"]
    if quotes is not None:
        return lee_ready(df, quotes).to_numpy()
    return classification_nb.tick_rule_nb(t["price"])


def markouts(trades: Any, quotes: Any, horizons: Sequence[Any] = DEFAULT_HORIZONS,
             quote_lag: Any = 0) -> pd.DataFrame:
    """Markouts q (m_{t+h} - p) / m_t per trade and horizon, fractions of the midpoint.

    Seen from the side that traded with sign q (the trades' side column, +1 bought,
    -1 sold; Lee-Ready when absent): positive = the mid moved in that side's favour
    after h. For market trades q is the aggressor, so a positive markout is a loss to
    the liquidity provider. The mid at the trade is the last quote strictly before
    ts - quote_lag; the later mid the last quote at or before ts + h, NaN when ts + h
    is past the end of the data (the last trade or quote). Columns: one per horizon
    label ('1s', ...), on the trades' index.
    """
    df = as_frame(trades, "trades")
    t = trade_arrays(df)
    q = quote_arrays(quotes)
    qmid = 0.5 * (q["bid"] + q["ask"])
    sign = _signs(df, t, quotes).astype(np.float64)
    m = mid_at(t["ts"] - nonneg_duration_ns(quote_lag, "quote_lag") - 1, q["ts"], qmid)
    out = {}
    end = data_end(t["ts"], q["ts"])
    with np.errstate(invalid="ignore", divide="ignore"):
        for h in horizons:
            mh = mid_at(t["ts"] + duration_ns(h, "horizon"), q["ts"], qmid, end)
            out[horizon_label(h)] = np.where(m > 0, sign * (mh - t["price"]) / m, np.nan)
    return pd.DataFrame(out, index=df.index)


def permanent_temporary_impact(trades: Any, quotes: Any, horizon: Any = "60s",
                               quote_lag: Any = 0) -> pd.DataFrame:
    """Split each trade's cost q (p - m)/m into permanent q (m_h - m)/m and temporary q (p - m_h)/m.

    The permanent part is the mid's move that is still there after `horizon` (price
    impact); the temporary part is what reverts (realized half-spread). Fractions of
    the midpoint, per unit traded (half the effective/realized/impact spreads of
    `spread_decomposition`), cost == permanent + temporary exactly; NaN past the end of
    the data. Columns: side, volume, cost, permanent, temporary.
    """
    d = spread_decomposition(trades, quotes, horizons=[horizon], quote_lag=quote_lag)
    h = horizon_label(horizon)
    return pd.DataFrame({"side": d["side"], "volume": d["volume"],
                         "cost": 0.5 * d["effective"], "permanent": 0.5 * d[f"impact_{h}"],
                         "temporary": 0.5 * d[f"realized_{h}"]}, index=d.index)


@dataclass(frozen=True)
class HasbrouckVAR:
    """Result of `hasbrouck_var` (Hasbrouck 1991), fractions of the midpoint.

    irf: cumulative mid response (rows: steps in trades) to a unit trade innovation
    (column 'trade') and to a unit quote-return innovation (column 'quote').
    permanent_impact: long-run mid response to a unit trade innovation.
    trade_share: share of the efficient-price variance due to trade innovations, [0, 1].
    return_coef, trade_coef: OLS coefficients of the two equations.
    """

    irf: pd.DataFrame
    permanent_impact: float
    trade_share: float
    return_coef: pd.Series
    trade_coef: pd.Series
    residual_var: tuple[float, float]
    n_obs: int


def hasbrouck_var(trades: Any, quotes: Any, lags: int = 5, steps: int = 20,
                  signed_volume: bool = False) -> HasbrouckVAR:
    """Hasbrouck (1991), "Measuring the Information Content of Stock Trades", JF 46(1).

    In trade time t: r_t = (m_{t+1} - m_t) / m_t, m_t the mid just before trade t (last
    quote strictly before it), and x_t the trade sign (+1 buyer-initiated; the trades'
    side column, else Lee-Ready) or, with signed_volume, sign * volume. OLS of
      r_t = a0 + sum_{i=1..p} a_i r_{t-i} + sum_{i=0..p} b_i x_{t-i} + e1_t
      x_t = c0 + sum_{i=1..p} c_i r_{t-i} + sum_{i=1..p} d_i x_{t-i} + e2_t
    then the cumulative impulse responses over `steps` trades. Trades with an unknown
    mid (NaN) break the sample: rows whose lags touch one are dropped.
    """
    p = positive_int(lags, "lags")
    steps = positive_int(steps, "steps")
    df = as_frame(trades, "trades")
    t = trade_arrays(df)
    q = quote_arrays(quotes)
    qmid = 0.5 * (q["bid"] + q["ask"])
    m = mid_at(t["ts"] - 1, q["ts"], qmid)
    x = _signs(df, t, quotes).astype(np.float64)
    if signed_volume:
        x = x * t["volume"]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (m[1:] - m[:-1]) / m[:-1]
    x = x[:-1]
    n = r.size
    if n <= 2 * p + 3:
        raise ValueError(f"trades too short for a VAR with lags={p}: need more than "
                         f"{2 * p + 4} trades with quotes, got {n + 1}")
    rows = np.arange(p, n)
    R = np.column_stack([r[rows - i] for i in range(1, p + 1)])
    X0 = np.column_stack([x[rows - i] for i in range(0, p + 1)])
    ones = np.ones((rows.size, 1))
    Ar = np.hstack([ones, R, X0])
    Ax = np.hstack([ones, R, X0[:, 1:]])
    yr, yx = r[rows], x[rows]
    ok = np.isfinite(Ar).all(axis=1) & np.isfinite(yr) & np.isfinite(yx)
    if ok.sum() <= Ar.shape[1] + 1:
        raise ValueError("too few trades with a known mid for the VAR")
    br, *_ = np.linalg.lstsq(Ar[ok], yr[ok], rcond=None)
    bx, *_ = np.linalg.lstsq(Ax[ok], yx[ok], rcond=None)
    e1 = yr[ok] - Ar[ok] @ br
    e2 = yx[ok] - Ax[ok] @ bx
    a, b = br[1:p + 1], br[p + 1:]
    c, d = bx[1:p + 1], bx[p + 1:]
    irf_trade = _irf(a, b, c, d, steps, shock_trade=True)
    irf_quote = _irf(a, b, c, d, steps, shock_trade=False)
    v1, v2 = float(e1.var()), float(e2.var())
    ax, ar = irf_trade[-1], irf_quote[-1]
    total = ar * ar * v1 + ax * ax * v2
    share = float(ax * ax * v2 / total) if total > 0 else float("nan")
    names_r = ["const"] + [f"r_lag{i}" for i in range(1, p + 1)] + [f"x_lag{i}"
                                                                   for i in range(0, p + 1)]
    names_x = ["const"] + [f"r_lag{i}" for i in range(1, p + 1)] + [f"x_lag{i}"
                                                                   for i in range(1, p + 1)]
    return HasbrouckVAR(
        irf=pd.DataFrame({"trade": irf_trade, "quote": irf_quote},
                         index=pd.RangeIndex(steps, name="step")),
        permanent_impact=float(ax), trade_share=share,
        return_coef=pd.Series(br, index=names_r), trade_coef=pd.Series(bx, index=names_x),
        residual_var=(v1, v2), n_obs=int(ok.sum()))


def _irf(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, steps: int,
         shock_trade: bool) -> np.ndarray:
    """Cumulative r response to a unit innovation in x (shock_trade) or in r at step 0."""
    p = a.size
    r = np.zeros(steps + p)
    x = np.zeros(steps + p)
    for s in range(steps):
        k = s + p
        x[k] = (c @ r[k - p:k][::-1]) + (d @ x[k - p:k][::-1]) + (1.0 if shock_trade and s == 0
                                                                  else 0.0)
        r[k] = (a @ r[k - p:k][::-1]) + b[0] * x[k] + (b[1:] @ x[k - p:k][::-1]) + (
            1.0 if not shock_trade and s == 0 else 0.0)
    return np.cumsum(r[p:])


def _interval_table(trades: Any, interval: Any, quotes: Any = None) -> pd.DataFrame:
    """Per non-empty interval: end time, return of the last price, signed volume, dollar volume."""
    df = as_frame(trades, "trades")
    t = trade_arrays(df)
    sign = _signs(df, t, quotes).astype(np.float64)
    ok = np.isfinite(t["price"]) & np.isfinite(t["volume"])
    ts, p, v, sign = t["ts"][ok], t["price"][ok], t["volume"][ok], sign[ok]
    if ts.size == 0:
        raise ValueError("trades hold no rows with a finite price and volume")
    step = duration_ns(interval, "interval")
    key = ts // step
    starts = np.concatenate([[0], np.flatnonzero(np.diff(key)) + 1])
    ends = np.concatenate([starts[1:], [ts.size]]) - 1
    last = p[ends]
    prev = np.concatenate([[p[0]], last[:-1]])
    return pd.DataFrame({"ret": (last - prev) / prev,
                         "signed_volume": np.add.reduceat(sign * v, starts),
                         "dollar_volume": np.add.reduceat(p * v, starts),
                         "volume": np.add.reduceat(v, starts)},
                        index=ts_index((key[starts] + 1) * step))


def kyle_lambda(trades: Any, interval: Any = "5min", quotes: Any = None) -> pd.Series:
    """Kyle's (1985) lambda: OLS slope of interval returns on signed order flow.

    r_k = alpha + lambda * S_k + e_k, r_k the return of the last trade price over
    interval k (fraction of price; the first interval from its first trade) and
    S_k = sum of side * volume (+1 buyer-initiated; the trades' side column, else
    Lee-Ready with quotes, else the tick rule). Empty intervals are skipped; NaN rows
    dropped. Returns lambda (fraction of price per unit volume), alpha, t_stat, r2, n.
    """
    tab = _interval_table(trades, interval, quotes)
    y, s = tab["ret"].to_numpy(), tab["signed_volume"].to_numpy()
    if y.size < 3:
        raise ValueError(f"kyle_lambda needs at least 3 non-empty intervals of {interval!r}; "
                         f"got {y.size}")
    A = np.column_stack([np.ones_like(s), s])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    dof = y.size - 2
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.pinv(A.T @ A)
    se = float(np.sqrt(cov[1, 1]))
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    return pd.Series({"lambda": float(coef[1]), "alpha": float(coef[0]),
                      "t_stat": float(coef[1]) / se if se > 0 else float("nan"),
                      "r2": r2, "n": float(y.size)}, name="kyle_lambda")


def amihud(trades: Any, interval: Any = "1D") -> pd.Series:
    """Amihud (2002) illiquidity |r_k| / dollar volume_k per non-empty interval.

    r_k: return of the last trade price over interval k (fraction; the first interval
    from its first trade); dollar volume: sum of price * volume (currency if prices are).
    Units: fraction of price per unit of currency traded. NaN where the dollar volume
    is 0; trades with NaN price or volume are skipped. Indexed by interval end (UTC).
    """
    tab = _interval_table(trades, interval)
    dv = tab["dollar_volume"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(dv > 0, np.abs(tab["ret"].to_numpy()) / dv, np.nan)
    return pd.Series(out, index=tab.index, name="amihud")

