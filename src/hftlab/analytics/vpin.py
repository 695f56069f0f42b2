"""VPIN: volume-synchronized probability of informed trading, and its CDF for alerting.

Easley, López de Prado & O'Hara (2012), "Flow Toxicity and Liquidity in a
High-Frequency World", Review of Financial Studies 25(5): trades are poured into
equal-volume buckets of size V (default: average daily volume / 50), a bar that crosses a
bucket boundary is split exactly, volume is classified buy/sell by BVC on time bars
(or by the tick rule, or by a given aggressor side), and
VPIN = sum over the last n completed buckets of |V_buy - V_sell| / (n V), in [0, 1].
Sign convention: +1 buyer-initiated. VPIN is a fraction (not bps).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from hftlab.analytics import bars_nb, classification_nb, vpin_nb
from hftlab.analytics.classification import _bars, _sigma, bvc_buy_fraction
from hftlab.analytics.inputs import positive_float, positive_int, trade_arrays, ts_index

NS_PER_DAY = 86_400 * 1_000_000_000


def default_bucket_volume(ts: np.ndarray, volume: np.ndarray, buckets_per_day: int = 50) -> float:
    """Average daily volume / buckets_per_day; days are the UTC calendar days with trades.

    ts must be sorted. NaN volumes are ignored. Raises when there is no positive volume.
    """
    buckets_per_day = positive_int(buckets_per_day, "buckets_per_day")
    total, days = vpin_nb.volume_and_days_nb(ts, volume, NS_PER_DAY)
    if not total > 0:
        raise ValueError("trades have no positive volume; cannot size VPIN buckets")
    return total / days / buckets_per_day


def vpin(trades: Any, bucket_volume: float | None = None, window: int = 50,
         buckets_per_day: int = 50, bar: Any = "1min",
         classify: Literal["bvc", "tick", "side"] = "bvc",
         distribution: Literal["normal", "t"] = "normal", df: float = 0.25,
         sigma: float | None = None) -> pd.DataFrame:
    """VPIN of Easley, López de Prado & O'Hara (2012), one row per completed volume bucket.

    trades: DataFrame (ts int ns or datetime64, price, qty|volume|size, optional side),
    in time order. bucket_volume: V in volume units (default: average daily volume /
    buckets_per_day). window: n, the number of completed buckets VPIN averages over.
    classify: 'bvc' (bulk volume classification on time bars of length `bar`; bar=None
    treats each row as a bar), 'tick' (tick rule per trade; trades it cannot sign count
    half buy, half sell) or 'side' (the trades' own side column: +1 buy, -1 sell, 0 half
    each). Trades with NaN price or volume are skipped. BVC's sigma is the standard
    deviation of bar price changes over the whole input, as in the paper (pass `sigma`
    estimated on past data for a strictly causal, live VPIN).

    Returns a DataFrame indexed by bucket number: ts (UTC time of the bar or trade that
    completed the bucket), buy_volume, sell_volume, order_imbalance (|B - S| / V) and
    vpin (NaN until `window` buckets are complete, then always within [0, 1]).
    The bucket volume is in ``result.attrs['bucket_volume']``.
    """
    window = positive_int(window, "window")
    if classify not in ("bvc", "tick", "side"):
        raise ValueError(f"classify must be 'bvc', 'tick' or 'side'; got {classify!r}")
    t = trade_arrays(trades, need_side=classify == "side")
    V = (default_bucket_volume(t["ts"], t["volume"], buckets_per_day) if bucket_volume is None
         else positive_float(bucket_volume, "bucket_volume"))
    if classify == "bvc":
        end, first, last, vol, _ = _bars(t["ts"], t["price"], t["volume"], bar)
        dp = bars_nb.bar_price_changes_nb(first, last)
        s = _sigma(dp) if sigma is None else positive_float(sigma, "sigma")
        frac = bvc_buy_fraction(dp, s, distribution, df)
    else:
        ok = ~(np.isnan(t["price"]) | np.isnan(t["volume"]))
        end, vol = t["ts"][ok], t["volume"][ok]
        sign = (classification_nb.tick_rule_nb(t["price"][ok]) if classify == "tick"
                else t["side"][ok])
        frac = 0.5 * (1.0 + sign.astype(np.float64))
    return _vpin_frame(end, vol, frac, V, window)


MAX_BUCKETS = 500_000_000


def _vpin_frame(bar_ts: np.ndarray, vol: np.ndarray, frac: np.ndarray, V: float,
                window: int) -> pd.DataFrame:
    total, _ = vpin_nb.volume_and_days_nb(bar_ts, vol, NS_PER_DAY)
    if total / V > MAX_BUCKETS:
        raise ValueError(f"bucket_volume {V!r} is too small: it would make about "
                         f"{total / V:.3g} buckets (limit {MAX_BUCKETS:.0e})")
    buy, sell, end_ts, _ = vpin_nb.fill_buckets_nb(bar_ts, vol, frac, V)
    out = pd.DataFrame({"ts": ts_index(end_ts), "buy_volume": buy, "sell_volume": sell,
                        "order_imbalance": np.abs(buy - sell) / V,
                        "vpin": vpin_nb.rolling_vpin_nb(buy, sell, window)},
                       index=pd.RangeIndex(len(buy), name="bucket"))
    out.attrs["bucket_volume"] = V
    out.attrs["window"] = window
    return out


def vpin_tick_rule(trades: Any, bucket_volume: float | None = None, window: int = 50,
                   buckets_per_day: int = 50) -> pd.DataFrame:
    """VPIN with trade-by-trade tick-rule classification instead of BVC (see `vpin`).

    Each trade's volume goes to the buy side on an uptick (+1), to the sell side on a
    downtick (-1), half-half before the first price change. Same output as `vpin`.
    """
    return vpin(trades, bucket_volume=bucket_volume, window=window,
                buckets_per_day=buckets_per_day, classify="tick")


def vpin_cdf(vpin_values: Any, method: Literal["expanding", "empirical", "lognormal"] =
             "expanding") -> pd.Series:
    """CDF of VPIN for alerting (Easley, López de Prado & O'Hara 2012: alert when CDF > 0.9).

    vpin_values: a VPIN Series or array (e.g. ``vpin(...)['vpin']``); NaN stays NaN.
    method: 'expanding' (share of past and current values <= the current one: no
    look-ahead, usable live), 'empirical' (full-sample ranks) or 'lognormal' (CDF of a
    log-normal fitted to the positive values, as in the paper). Returns values in [0, 1]
    on the input's index.
    """
    s = vpin_values if isinstance(vpin_values, pd.Series) else pd.Series(
        np.asarray(vpin_values, dtype=np.float64))
    x = s.to_numpy(dtype=np.float64)
    if method == "expanding":
        out = vpin_nb.expanding_ecdf_nb(x)
    elif method == "empirical":
        out = s.rank(method="max", pct=True).to_numpy(dtype=np.float64)
    elif method == "lognormal":
        pos = x[np.isfinite(x) & (x > 0)]
        if pos.size < 2:
            raise ValueError("vpin_values needs at least two positive values for a "
                             "log-normal fit")
        mu, sd = np.log(pos).mean(), np.log(pos).std(ddof=1)
        with np.errstate(divide="ignore"):
            out = np.where(np.isnan(x), np.nan,
                           stats.norm.cdf((np.log(np.maximum(x, 0.0)) - mu) / sd))
    else:
        raise ValueError(f"method must be 'expanding', 'empirical' or 'lognormal'; got {method!r}")
    return pd.Series(out, index=s.index, name="vpin_cdf")
