"""Order-flow signals for short-horizon mid-price prediction, and the OFI regression of
Cont, Kukanov & Stoikov (2014), "The Price Impact of Order Book Events", Journal of
Financial Econometrics 12(1).

`flow_signals` gives, at each book change (or on a clock grid), signals that use only
events at or before that time (no look-ahead):

- ``ofi_<n>ev`` / ``ofi_<dt>``: the CKS order-flow imbalance (`hftlab.analytics.ofi`)
  summed over the last n level-1 quote updates / over the clock window (t - dt, t].
  Size units (shares, coins); positive = buying pressure.
- ``imbalance_1``: queue imbalance (q^b_1 - q^a_1) / (q^b_1 + q^a_1) of Gould & Bonart
  (2016), "Queue imbalance as a one-tick-ahead price predictor in a limit order book",
  Market Microstructure and Liquidity 2(2). In [-1, 1]; positive = more bid than ask.
- ``imbalance_<L>``: depth imbalance over the top L levels, (sum q^b - sum q^a) /
  (sum q^b + sum q^a), as in Cao, Hansch & Wang (2009), "The information content of an
  open limit-order book", Journal of Futures Markets 29(1). In [-1, 1].
- ``trade_imbalance_<dt>``: signed volume over volume in (t - dt, t], sum(side v) /
  sum(v) (Chordia & Subrahmanyam 2004, "Order imbalance and individual stock returns",
  JFE 72(3)); side +1 buyer-initiated, -1 seller-initiated, 0 unknown (counts in the
  denominator only). In [-1, 1]; 0 with no volume in the window.
- ``vpin``: VPIN (`hftlab.analytics.vpin`, classified by the trades' own aggressor side)
  of the last bucket completed at or before t; a fraction in [0, 1].

`mid` (currency) and `spread` (currency) come along as the book's state. Values "at t"
are the book after the last event with timestamp <= t (events sharing a timestamp count
as known together).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import (
    as_frame, as_ns_array, check_sorted, duration_ns, positive_float, positive_int,
    trade_arrays, ts_index,
)
from hftlab.analytics.ofi import ofi_events
from hftlab.analytics.sources import dedupe_quotes, events_tables
from hftlab.analytics.vpin import vpin
from hftlab.book import depth_columns, snapshots
from hftlab.data.market import MarketData

VPIN_SAMPLE_BUCKETS = 200  # default VPIN bucket: the sample's volume / 200


def duration_label(value: Any) -> str:
    """A column-name label for a duration: the string as given ('1s'), or ns -> '250ms'."""
    if isinstance(value, str):
        return value
    ns = duration_ns(value, "duration")
    for unit, size in (("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def book_depth(data: MarketData, levels: int, venue: int | str | None = None,
               instrument: int | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Depth table (ts + LOBSTER columns, one row per change of the top `levels`, the book
    after the last event of each timestamp), trades (ts, price, qty, side) and the tick
    size of one book of data (by default the first book with trades)."""
    tables = events_tables(data, venue, instrument)
    snap = snapshots(data, levels=levels, venue=tables.venue, instrument=tables.instrument)
    ts = snap.index.get_level_values("ts").as_unit("ns").asi8
    last = np.ones(len(ts), dtype=bool)
    last[:-1] = ts[1:] != ts[:-1]
    depth = pd.DataFrame(snap.to_numpy()[last], columns=snap.columns)
    depth.insert(0, "ts", ts[last])
    return dedupe_quotes(depth), tables.trades, tables.tick_size


def depth_arrays(depth: Any, levels: int) -> dict[str, np.ndarray]:
    """ts and (n, levels) bid/ask price and size arrays of a depth table (LOBSTER layout:
    ask_price_k, ask_size_k, bid_price_k, bid_size_k); an empty level is NaN price, size 0."""
    df = as_frame(depth, "depth")
    need = ["ts", *depth_columns(levels)]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"depth needs columns {missing} for levels={levels} (LOBSTER's "
                         f"layout, as hftlab.book.snapshots gives); it has {list(df.columns)}")
    out = {"ts": as_ns_array(df["ts"], "depth['ts']")}
    check_sorted(out["ts"], "depth['ts']")
    for name in ("bid_price", "bid_size", "ask_price", "ask_size"):
        out[name] = np.column_stack([df[f"{name}_{k}"].to_numpy(dtype=np.float64)
                                     for k in range(1, levels + 1)])
        if name.endswith("size"):
            bad = np.argwhere(~(out[name] >= 0))
            if bad.size:
                r, k = (int(x) for x in bad[0])
                raise ValueError(f"depth {name}_{k + 1} must be >= 0 (0 for an empty "
                                 f"level); row {r} has {out[name][r, k]}")
    return out


def level_ofi(d: dict[str, np.ndarray], level: int) -> np.ndarray:
    """CKS e_n at one book level (1 = the best quotes; deeper levels as in Xu, Gould &
    Howison 2018, "Multi-level order-flow imbalance in a limit order book"), NaN -> 0."""
    k = level - 1
    e = ofi_events(d["bid_price"][:, k], d["bid_size"][:, k], d["ask_price"][:, k],
                   d["ask_size"][:, k])
    return np.nan_to_num(e, nan=0.0)


def window_sum(cum: np.ndarray, end: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Sums over rows (start, end] from cum = [0, cumsum(x)...]; row -1 means 'before all'."""
    return cum[end + 1] - cum[start + 1]


def asof(ts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the last row with ts <= at (-1 before the first row)."""
    return np.searchsorted(ts, at, side="right") - 1


def _imbalance(bid: np.ndarray, ask: np.ndarray) -> np.ndarray:
    tot = bid + ask
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (bid - ask) / tot, np.nan)


def flow_signals(data: MarketData | pd.DataFrame, trades: Any = None, *, levels: int = 5,
                 event_windows: Sequence[int] = (10, 100),
                 clock_windows: Sequence[Any] = ("1s", "10s"), every: Any = None,
                 vpin_bucket_volume: float | None = None, vpin_window: int = 20,
                 venue: int | str | None = None,
                 instrument: int | str | None = None) -> pd.DataFrame:
    """Order-flow and book signals of one book (see the module doc for each column).

    data: MarketData (one book: `venue` / `instrument`, by default the first with trades;
    its depth comes from `hftlab.book.snapshots`, its trades from EXECUTE and TRADE
    events) or a depth table (ts and LOBSTER columns for `levels` levels, in time order)
    with `trades` (ts, price, qty, side) optional. levels: depth of the multi-level
    imbalance. event_windows: counts of level-1 quote updates for ``ofi_<n>ev``.
    clock_windows: durations for ``ofi_<dt>`` and ``trade_imbalance_<dt>``. every: None
    for one row per book change, or a duration for a clock grid k * every (from the first
    multiple at or after the first book state). vpin_bucket_volume: VPIN bucket in size units
    (default: the sample's volume / 200, a scale that peeks at the sample's total; pass
    one fixed on past data for a strictly causal signal); vpin_window: buckets averaged.

    Returns a DataFrame indexed by ts (UTC): mid, spread, then the signal columns.
    Without trades the trade columns are left out (``attrs['notes']`` says so).
    """
    levels = positive_int(levels, "levels")
    event_windows = [positive_int(n, "event_windows item") for n in event_windows]
    clocks = [(duration_label(w), duration_ns(w, "clock_windows item")) for w in clock_windows]
    if isinstance(data, MarketData):
        if trades is not None:
            raise ValueError("trades are taken from the MarketData; pass trades= only with "
                             "a depth table")
        depth, trades, _ = book_depth(data, levels, venue, instrument)
    else:
        depth = data
    d = depth_arrays(depth, levels)
    ts = d["ts"]
    if ts.size == 0:
        raise ValueError("depth has no rows")
    if every is None:
        rows, at = np.arange(ts.size), ts
    else:
        step = duration_ns(every, "every")
        grid = np.arange(-(-ts[0] // step) * step, ts[-1] + 1, step, dtype=np.int64)
        rows, at = asof(ts, grid), grid
    bid1, ask1 = d["bid_price"][:, 0], d["ask_price"][:, 0]
    out: dict[str, np.ndarray] = {"mid": (0.5 * (bid1 + ask1))[rows],
                                  "spread": (ask1 - bid1)[rows]}
    e = level_ofi(d, 1)
    cum = np.concatenate([[0.0], np.cumsum(e)])
    top = np.column_stack([bid1, ask1, d["bid_size"][:, 0], d["ask_size"][:, 0]])
    same = (top[1:] == top[:-1]) | (np.isnan(top[1:]) & np.isnan(top[:-1]))
    l1 = np.concatenate([[True], ~same.all(axis=1)])  # an empty side staying empty is no update
    count = np.cumsum(l1)  # level-1 updates up to each row
    for n in event_windows:
        start = np.searchsorted(count, count[rows] - n, side="right") - 1
        out[f"ofi_{n}ev"] = window_sum(cum, rows, start)
    for label, ns in clocks:
        out[f"ofi_{label}"] = window_sum(cum, rows, asof(ts, at - ns))
    out["imbalance_1"] = _imbalance(d["bid_size"][rows, 0], d["ask_size"][rows, 0])
    if levels > 1:
        out[f"imbalance_{levels}"] = _imbalance(d["bid_size"][rows].sum(axis=1),
                                                d["ask_size"][rows].sum(axis=1))
    notes = []
    if trades is None or len(trades) == 0:
        notes.append("no trades: trade_imbalance and vpin left out")
    else:
        _trade_signals(out, trades, at, clocks, vpin_bucket_volume, vpin_window)
    frame = pd.DataFrame(out, index=ts_index(at))
    frame.attrs["notes"] = notes
    return frame


def _trade_signals(out: dict[str, np.ndarray], trades: Any, at: np.ndarray,
                   clocks: list[tuple[str, int]], bucket_volume: float | None,
                   window: int) -> None:
    """Add trade_imbalance_<dt> and vpin columns at times `at` (see the module doc)."""
    t = trade_arrays(trades, need_side=True)
    if bucket_volume is None:
        bucket_volume = positive_float(np.nansum(t["volume"]) / VPIN_SAMPLE_BUCKETS,
                                       f"the trades' total volume / {VPIN_SAMPLE_BUCKETS}")
    tv = vpin(trades, bucket_volume=bucket_volume,
              window=positive_int(window, "vpin_window"), classify="side")
    vol = np.nan_to_num(t["volume"], nan=0.0)
    cv = np.concatenate([[0.0], np.cumsum(vol)])
    cs = np.concatenate([[0.0], np.cumsum(t["side"] * vol)])
    end = asof(t["ts"], at)
    for label, ns in clocks:
        start = asof(t["ts"], at - ns)
        v = window_sum(cv, end, start)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"trade_imbalance_{label}"] = np.where(v > 0, window_sum(cs, end, start) / v,
                                                       0.0)
    b = asof(as_ns_array(tv["ts"], "vpin ts"), at)
    vals = np.concatenate([[np.nan], tv["vpin"].to_numpy(dtype=np.float64)])
    out["vpin"] = vals[b + 1]


@dataclass
class OFIRegression:
    """The CKS regression dP_k = alpha + beta OFI_k + e_k (dP in ticks, OFI in size units).

    periods: one row per subperiod (start, n, alpha, beta, t_beta, r2, depth = average
    level-1 depth (q^b + q^a) / 2). pooled: alpha, beta, r2, n over all intervals.
    depth_exponent: lambda in log beta_i = log c - lambda log depth_i (CKS: about 1,
    beta inversely proportional to depth), with depth_r2 its R^2 across subperiods.
    bins: mean dP by OFI decile (the linear shape). levels: per book level m (with
    levels > 1) the slope and R^2 of dP on OFI_m alone and the coefficient of OFI_m in
    the joint regression on all levels (multi-level OFI), whose R^2 is ``joint_r2``.
    """

    periods: pd.DataFrame
    pooled: dict
    depth_exponent: float
    depth_r2: float
    bins: pd.DataFrame
    levels: pd.DataFrame
    joint_r2: float


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Coefficients (intercept first), R^2 and standard errors of y on [1, x]."""
    X = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / sst if sst > 0 else np.nan
    dof = len(y) - X.shape[1]
    se = np.full(X.shape[1], np.nan)
    if dof > 0:
        try:
            se = np.sqrt(np.diag(np.linalg.inv(X.T @ X)) * float(resid @ resid) / dof)
        except np.linalg.LinAlgError:
            pass
    return coef, r2, se


def ofi_regression(data: MarketData | pd.DataFrame, interval: Any = "10s",
                   subperiod: Any = "30min", levels: int = 1, tick_size: float | None = None,
                   venue: int | str | None = None,
                   instrument: int | str | None = None) -> OFIRegression:
    """Reproduce Cont, Kukanov & Stoikov (2014) section 3 on one book.

    Over intervals (T_k - interval, T_k] on a clock grid: dP_k = the mid change in ticks,
    OFI_k = the sum of level-1 e_n. Fit dP = alpha + beta OFI per subperiod (CKS: 10 s
    intervals in half hours) and pooled, then log beta_i on log average depth across
    subperiods (CKS find beta ~ c / depth). data: MarketData (tick from its instrument)
    or a depth table (tick_size, default 1: dP in the table's currency). levels > 1 adds
    the multi-level OFI regressions (Xu, Gould & Howison 2018). Subperiods with fewer
    than 10 intervals or no price change are left out of the depth fit.
    """
    levels = positive_int(levels, "levels")
    if isinstance(data, MarketData):
        depth, _, tick = book_depth(data, levels, venue, instrument)
        tick = tick if tick_size is None else positive_float(tick_size, "tick_size")
    else:
        depth, tick = data, 1.0 if tick_size is None else positive_float(tick_size, "tick_size")
    d = depth_arrays(depth, levels)
    ts = d["ts"]
    step, sub = duration_ns(interval, "interval"), duration_ns(subperiod, "subperiod")
    grid = np.arange(-(-ts[0] // step) * step, ts[-1] + step, step, dtype=np.int64)
    rows = asof(ts, grid)
    mid = 0.5 * (d["bid_price"][:, 0] + d["ask_price"][:, 0]) / tick
    dp = mid[rows[1:]] - mid[rows[:-1]]
    ofi = np.column_stack([window_sum(np.concatenate([[0.0], np.cumsum(level_ofi(d, m))]),
                                      rows[1:], rows[:-1]) for m in range(1, levels + 1)])
    ok = np.isfinite(dp) & (rows[:-1] >= 0)
    dp, ofi, end = dp[ok], ofi[ok], grid[1:][ok]
    if dp.size < 3:
        raise ValueError(f"only {dp.size} intervals of {duration_label(interval)} with a "
                         "mid price: too few to regress")
    x = ofi[:, 0]
    half = 0.5 * (d["bid_size"][:, 0] + d["ask_size"][:, 0])
    key = (end - 1) // sub
    row_key = ts // sub
    recs = []
    for k in np.unique(key):
        m = key == k
        coef, r2, se = _ols(x[m], dp[m]) if m.sum() >= 3 else (np.full(2, np.nan), np.nan,
                                                                 np.full(2, np.nan))
        with np.errstate(invalid="ignore", divide="ignore"):
            recs.append({"start": pd.Timestamp(int(k * sub), tz="UTC"), "n": int(m.sum()),
                         "alpha": coef[0], "beta": coef[1], "t_beta": coef[1] / se[1],
                         "r2": r2, "depth": float(np.mean(half[row_key == k]))})
    periods = pd.DataFrame(recs)
    coef, r2, _ = _ols(x, dp)
    pooled = {"alpha": float(coef[0]), "beta": float(coef[1]), "r2": float(r2),
              "n": int(dp.size), "mean_period_r2": float(periods["r2"].mean())}
    fit = periods[(periods["n"] >= 10) & (periods["beta"] > 0) & (periods["depth"] > 0)]
    lam, lam_r2 = np.nan, np.nan
    if len(fit) >= 3:
        c, lam_r2, _ = _ols(np.log(fit["depth"].to_numpy()), np.log(fit["beta"].to_numpy()))
        lam = -float(c[1])
    dec = pd.qcut(pd.Series(x).rank(method="first"), 10, labels=False)
    bins = pd.DataFrame({"ofi": x, "dp": dp}).groupby(dec.to_numpy()).mean()
    bins.index.name = "decile"
    lv = []
    joint, joint_r2, _ = _ols(ofi, dp)
    for m in range(levels):
        c, r2m, _ = _ols(ofi[:, m], dp)
        lv.append({"level": m + 1, "slope": c[1], "r2": r2m, "joint_coef": joint[m + 1]})
    return OFIRegression(periods, pooled, lam, float(lam_r2), bins,
                         pd.DataFrame(lv).set_index("level"), float(joint_r2))
