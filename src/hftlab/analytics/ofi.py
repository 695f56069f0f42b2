"""Order flow imbalance: Cont, Kukanov & Stoikov (2014), "The Price Impact of Order Book
Events", Journal of Financial Econometrics 12(1).

For consecutive best quotes n-1 -> n (bid P^B, size q^B; ask P^A, size q^A):

    e_n = 1{P^B_n >= P^B_{n-1}} q^B_n - 1{P^B_n <= P^B_{n-1}} q^B_{n-1}
        - 1{P^A_n <= P^A_{n-1}} q^A_n + 1{P^A_n >= P^A_{n-1}} q^A_{n-1}

Positive = net buying pressure (bids added or asks removed), in size units (lots or
shares). OFI over an interval is the sum of e_n for the quote updates inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, quote_arrays, ts_index


def ofi_events(bid: np.ndarray, bid_qty: np.ndarray, ask: np.ndarray,
               ask_qty: np.ndarray) -> np.ndarray:
    """The CKS e_n per quote update (e_0 = 0); NaN where this or the previous quote has NaN."""
    e = np.zeros(bid.size)
    if bid.size > 1:
        b0, b1, qb0, qb1 = bid[:-1], bid[1:], bid_qty[:-1], bid_qty[1:]
        a0, a1, qa0, qa1 = ask[:-1], ask[1:], ask_qty[:-1], ask_qty[1:]
        e[1:] = ((b1 >= b0) * qb1 - (b1 <= b0) * qb0 - (a1 <= a0) * qa1 + (a1 >= a0) * qa0)
        nan = ~(np.isfinite(b0) & np.isfinite(b1) & np.isfinite(a0) & np.isfinite(a1)
                & np.isfinite(qb0) & np.isfinite(qb1) & np.isfinite(qa0) & np.isfinite(qa1))
        e[1:][nan] = np.nan
    if bid.size and not (np.isfinite(bid[0]) and np.isfinite(ask[0])):
        e[0] = np.nan
    return e


def order_flow_imbalance(quotes: Any, interval: Any = None) -> pd.Series:
    """Order flow imbalance of Cont, Kukanov & Stoikov (2014) from best bid/ask and sizes.

    quotes: DataFrame (ts, bid, ask, bid_qty|bid_size, ask_qty|ask_size) in time order.
    interval: None for one e_n per quote update (indexed by the quote time), or a
    duration ('1s', int ns) to sum the updates in each interval [k*dt, (k+1)*dt),
    indexed by interval end; intervals with no updates are absent. NaN e_n (missing
    quotes) are skipped in sums; an interval of only NaN gives NaN. Units: size units;
    positive = buying pressure (+1 buyer-initiated convention).
    """
    q = quote_arrays(quotes, need_sizes=True)
    e = ofi_events(q["bid"], q["bid_qty"], q["ask"], q["ask_qty"])
    if interval is None:
        return pd.Series(e, index=ts_index(q["ts"]), name="ofi")
    step = duration_ns(interval, "interval")
    key = q["ts"] // step
    s = pd.Series(e).groupby(key).sum(min_count=1)
    return pd.Series(s.to_numpy(), index=ts_index((s.index.to_numpy() + 1) * step), name="ofi")
