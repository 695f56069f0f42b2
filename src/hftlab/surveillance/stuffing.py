"""Quote stuffing on order-level (L3) data.

Quote stuffing: bursts of order messages with almost all of them cancelled (Egginton,
Van Ness & Van Ness 2016, "Quote stuffing", Financial Management 45(3), who mark
minutes whose quote activity is extreme against the stock's day; Gai, Yao & Ye 2013).
Test: in buckets of `bucket`, a group sending at least `min_messages` messages (ADD,
CANCEL, DELETE) and at least `rate_multiple` times the book's median messages per
bucket, with cancels / adds >= `min_cancel_ratio`; consecutive buckets merge.

Alerts, owners and conventions: hftlab.surveillance.flow and .alerts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, positive_int
from hftlab.data.market import MarketData
from hftlab.schema import Kind
from hftlab.surveillance.alerts import alerts_frame
from hftlab.surveillance.flow import order_flow

def detect_quote_stuffing(data: MarketData, *, bucket: Any = "1s", min_messages: int = 200,
                          rate_multiple: float = 10.0, min_cancel_ratio: float = 0.9,
                          min_score: float = 0.0, owners: bool | None = None,
                          venue: int | str | None = None,
                          instrument: int | str | None = None) -> pd.DataFrame:
    """Quote-stuffing alerts in one book (module doc: definitions and owners).

    bucket: the clock of the message counts. A bucket of a group (an owner; the book's
    unattributed messages as one group) is flagged when it holds at least min_messages
    order messages (ADD, CANCEL, DELETE), at least rate_multiple times the book's median
    messages per bucket (every bucket from the first event to the last, empty ones too),
    and cancels / adds >= min_cancel_ratio; consecutive flagged buckets of a group make
    one alert. min_score: the smallest score kept. owners: as detect_spoofing.

    Returns one row per alert, by start: owner, start, end, side (0), score (the peak
    bucket's messages / the median), evidence, messages, peak_per_s, adds, cancels,
    cancel_ratio. ``attrs``: thresholds, median messages per bucket, book.
    """
    b_ns = duration_ns(bucket, "bucket")
    min_messages = positive_int(min_messages, "min_messages")
    if not float(rate_multiple) >= 1.0:
        raise ValueError(f"rate_multiple must be a number >= 1; got {rate_multiple!r}")
    if not 0.0 <= float(min_cancel_ratio):
        raise ValueError(f"min_cancel_ratio must be >= 0; got {min_cancel_ratio!r}")
    f = order_flow(data, venue, instrument, owners)
    ev = f.ev
    m = np.isin(ev["kind"], (Kind.ADD, Kind.CANCEL, Kind.DELETE)) & ~f.snapshot
    t0 = int(ev["ts"].min()) if len(ev) else 0
    n_b = int((int(ev["ts"].max()) - t0) // b_ns + 1) if len(ev) else 0
    df = pd.DataFrame({"b": (ev["ts"][m] - t0) // b_ns, "owner": f.owner[m],
                       "add": ev["kind"][m] == Kind.ADD})
    per_bucket = np.bincount(df["b"].to_numpy(np.int64), minlength=n_b)
    med = float(np.median(per_bucket)) if n_b else 0.0
    c = df.groupby(["owner", "b"]).agg(messages=("add", "size"), adds=("add", "sum"))
    c["cancels"] = c["messages"] - c["adds"]
    c = c.reset_index()
    flag = c[(c["messages"] >= min_messages) & (c["messages"] >= rate_multiple * max(med, 1.0))
             & (c["cancels"] >= min_cancel_ratio * c["adds"])].copy()
    new = (flag["owner"].diff() != 0) | (flag["b"].diff() != 1)
    flag["alert"] = np.cumsum(new.to_numpy())
    g = flag.groupby("alert", sort=False)
    al = pd.DataFrame({"owner": g["owner"].first(), "start": t0 + g["b"].min() * b_ns,
                       "end": t0 + (g["b"].max() + 1) * b_ns, "side": 0,
                       "messages": g["messages"].sum(),
                       "peak_per_s": g["messages"].max() * 1e9 / b_ns,
                       "adds": g["adds"].sum(), "cancels": g["cancels"].sum()})
    al["cancel_ratio"] = al["cancels"] / al["adds"].clip(lower=1)
    al["score"] = g["messages"].max() / max(med, 1.0)
    al = al[al["score"] >= min_score]
    al["evidence"] = [
        f"{n} messages in {(e - s) / 1e9:g} s (peak {p:.0f}/s, {sc:.0f}x the book's median "
        f"bucket), {cr:.0%} of its orders cancelled" + ("" if o > 0 else " (book-wide)")
        for n, s, e, p, sc, cr, o in zip(al["messages"], al["start"], al["end"],
                                         al["peak_per_s"], al["score"], al["cancel_ratio"],
                                         al["owner"])]
    out = alerts_frame(al, f.inst, ["messages", "peak_per_s", "adds", "cancels", "cancel_ratio"])
    out.attrs.update({
        "thresholds": {"bucket_ns": b_ns, "min_messages": min_messages,
                       "rate_multiple": float(rate_multiple),
                       "min_cancel_ratio": float(min_cancel_ratio), "min_score": float(min_score)},
        "median_messages_per_bucket": med, "owners": f.has_owners, "book": f.book})
    return out
