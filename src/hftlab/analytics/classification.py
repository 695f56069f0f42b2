"""Trade classification: who initiated each trade.

Sign convention everywhere: +1 buyer-initiated, -1 seller-initiated, 0 unknown.
Prices and quotes may be in any one unit (ticks or currency).

- Tick rule and quote rule: Lee & Ready (1991), "Inferring Trade Direction from
  Intraday Data", Journal of Finance 46(2).
- Lee-Ready: quote rule, tick rule at the midpoint; optional quote lag (Lee & Ready
  suggested 5 s for 1980s NYSE data; modern feeds usually need none).
- Bulk volume classification (BVC): Easley, López de Prado & O'Hara (2012),
  "Flow Toxicity and Liquidity in a High-Frequency World", RFS 25(5); the Student-t
  variant follows Easley, López de Prado & O'Hara (2016), "Discerning information from
  trade data", JFE 120(2).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from hftlab.analytics import bars_nb, classification_nb
from hftlab.analytics.inputs import (
    as_float_array, as_frame, as_ns_array, check_sorted, column, duration_ns,
    nonneg_duration_ns, positive_float, quote_arrays, same_length, trade_arrays, ts_index,
)


def _index_of(x: Any, n: int) -> pd.Index:
    return x.index if isinstance(x, pd.Series) else pd.RangeIndex(n)


def tick_rule(price: Any) -> pd.Series:
    """Tick-rule signs (Lee & Ready 1991): +1 uptick, -1 downtick, zero tick keeps the last sign.

    price: trade prices in time order (array or Series, any unit). Returns an int8 Series
    (+1 buyer-initiated, -1 seller-initiated); 0 before the first price change and for
    NaN prices, which are skipped as references.
    """
    p = as_float_array(price, "price")
    return pd.Series(classification_nb.tick_rule_nb(p), index=_index_of(price, len(p)),
                     name="side")


def quote_rule(price: Any, bid: Any, ask: Any) -> pd.Series:
    """Quote-rule signs (Lee & Ready 1991): +1 above the prevailing midpoint, -1 below.

    price, bid, ask: aligned arrays (the quote prevailing at each trade), one unit.
    Returns an int8 Series; 0 at the midpoint and where any input is NaN.
    """
    p, b, a = (as_float_array(price, "price"), as_float_array(bid, "bid"),
               as_float_array(ask, "ask"))
    n = same_length([("price", p), ("bid", b), ("ask", a)])
    return pd.Series(classification_nb.quote_rule_nb(p, b, a), index=_index_of(price, n),
                     name="side")


def prevailing_quotes(trade_ts: Any, quotes: Any, quote_lag: Any = 0) -> pd.DataFrame:
    """The quote in force at each trade: the last quote strictly before trade ts - quote_lag.

    A quote stamped at the trade's own time is taken to be its consequence, not its
    context (e.g. LOBSTER's book row after an execution).

    trade_ts: int ns or datetime64, sorted. quotes: DataFrame (ts, bid, ask, optional
    bid_qty/ask_qty), sorted. Returns bid, ask, mid (and sizes) aligned to the trades;
    NaN before the first quote.
    """
    ts = as_ns_array(trade_ts, "trade_ts")
    check_sorted(ts, "trade_ts")
    q = quote_arrays(quotes)
    lag = nonneg_duration_ns(quote_lag, "quote_lag")
    idx = classification_nb.asof_index_nb(ts, q["ts"], lag + 1)
    out = {k: classification_nb.take_or_nan_nb(v, idx) for k, v in q.items() if k != "ts"}
    out["mid"] = 0.5 * (out["bid"] + out["ask"])
    return pd.DataFrame(out, index=pd.RangeIndex(len(ts)))


def lee_ready(trades: Any, quotes: Any = None, quote_lag: Any = 0) -> pd.Series:
    """Lee-Ready (1991) signs: quote rule, tick rule for trades at the midpoint.

    trades: DataFrame (ts, price; plus bid and ask when quotes is None, i.e. already
    aligned). quotes: DataFrame (ts, bid, ask) in time order; each trade is matched to
    the last quote strictly before trade ts - quote_lag (int ns or '50ms'; a positive
    lag corrects a quote feed that runs ahead of the trade feed). Trades with no
    quote yet (or NaN quotes) fall back to the tick rule; NaN prices get 0.
    Returns an int8 Series on the trades' index: +1 buyer-, -1 seller-initiated.
    """
    df = as_frame(trades, "trades")
    price = as_float_array(df[column(df, ("price",), "trades")], "trades['price']")
    if quotes is None:
        bid = as_float_array(df[column(df, ("bid",), "trades")], "trades['bid']")
        ask = as_float_array(df[column(df, ("ask",), "trades")], "trades['ask']")
    else:
        ts = as_ns_array(df[column(df, ("ts",), "trades")], "trades['ts']")
        check_sorted(ts, "trades['ts']")
        q = quote_arrays(quotes)
        lag = nonneg_duration_ns(quote_lag, "quote_lag") + 1
        signs = classification_nb.lee_ready_asof_nb(ts, price, q["ts"], q["bid"], q["ask"], lag)
        return pd.Series(signs, index=df.index, name="side")
    return pd.Series(classification_nb.lee_ready_nb(price, bid, ask), index=df.index,
                     name="side")


def bvc_buy_fraction(dp: np.ndarray, sigma: float,
                     distribution: Literal["normal", "t"] = "normal",
                     df: float = 0.25) -> np.ndarray:
    """BVC buy share of a bar's volume: F(dp / sigma), F the normal or Student-t(df) CDF.

    dp: bar-to-bar price changes; sigma: their standard deviation (same unit). A NaN dp
    gives NaN; sigma 0 or NaN gives 0.5 (no information) for every bar.
    """
    if distribution not in ("normal", "t"):
        raise ValueError(f"distribution must be 'normal' or 't'; got {distribution!r}")
    nu = positive_float(df, "df") if distribution == "t" else 0.0
    if not (np.isfinite(sigma) and sigma > 0):
        return np.where(np.isnan(dp), np.nan, 0.5)
    if distribution == "normal":
        return bars_nb.normal_buy_fraction_nb(np.ascontiguousarray(dp, dtype=np.float64),
                                              float(sigma))
    return special.stdtr(nu, dp / sigma)


def bulk_volume_classification(trades: Any, bar: Any = "1min",
                               distribution: Literal["normal", "t"] = "normal",
                               df: float = 0.25, sigma: float | None = None) -> pd.DataFrame:
    """Bulk volume classification (Easley, López de Prado & O'Hara 2012) on time bars.

    trades: DataFrame (ts int ns or datetime64, price, qty|volume|size), in time order.
    bar: bar length (int ns, '1min', Timedelta) or None to treat each row as one bar
    (input that is already bars). Each bar's volume V is split into buy V*F(dP/sigma) and
    sell V*(1 - F), dP the change of the last price from the previous bar (the first bar
    uses its own first price), sigma the standard deviation of dP over the sample (or
    given), F the standard normal CDF or the Student-t CDF with `df` degrees of freedom
    (> 0; the default 0.25 gives very heavy tails, calibrate it to your data, e.g.
    against a true aggressor flag). Trades with NaN price or volume
    are skipped. Returns one row per non-empty bar, indexed by bar end time (UTC):
    price, dp, volume, trades, buy_fraction, buy_volume, sell_volume.
    """
    t = trade_arrays(trades)
    end, first, last, vol, count = _bars(t["ts"], t["price"], t["volume"], bar)
    dp = bars_nb.bar_price_changes_nb(first, last)
    s = _sigma(dp) if sigma is None else positive_float(sigma, "sigma")
    frac = bvc_buy_fraction(dp, s, distribution, df)
    return pd.DataFrame({"price": last, "dp": dp, "volume": vol, "trades": count,
                         "buy_fraction": frac, "buy_volume": vol * frac,
                         "sell_volume": vol * (1.0 - frac)}, index=ts_index(end))


def _bars(ts: np.ndarray, price: np.ndarray, volume: np.ndarray, bar: Any):
    """Time bars of the trades, or each valid row as its own bar when bar is None."""
    if bar is None:
        ok = ~(np.isnan(price) | np.isnan(volume))
        if not ok.all():
            ts, price, volume = ts[ok], price[ok], volume[ok]
        return ts, price, price, volume, np.ones(len(ts), dtype=np.int64)
    return bars_nb.time_bars_nb(ts, price, volume, duration_ns(bar, "bar"))


def _sigma(dp: np.ndarray) -> float:
    """Sample standard deviation (ddof=1) of the finite price changes; NaN if < 2."""
    return float(bars_nb.finite_std_nb(dp))
