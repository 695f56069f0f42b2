"""Spoofing / layering on order-level (L3) data.

Spoofing / layering: "bidding or offering with the intent to cancel the bid or offer
before execution" (Dodd-Frank Act s. 747, CEA s. 4c(a)(5)(C)); FINRA Rule 5210 and
Regulatory Notice 15-09 describe layering as non-bona fide orders on one side, often
at several price levels, cancelled once the trader has executed on the other side;
ESMA's MAR (Reg. 596/2014) Annex I.A and Delegated Reg. 2016/522 Annex II list the
same indicators: orders large relative to the book, cancelled within a short time,
while the same person trades on the opposite side. Test here: an order at least
`size_multiple` times the book's size-weighted median order size, cancelled (DELETE) within
`max_life` having traded at most `max_fill` of its size, while its owner trades on the
other side within `window` of its life; an owner's such orders on one side, no more
than `merge_gap` apart, make one alert.

Alerts, owners and conventions: hftlab.surveillance.flow and .alerts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, nonneg_duration_ns, positive_int
from hftlab.analytics.stats import weighted_median
from hftlab.book import to_currency
from hftlab.data.market import MarketData
from hftlab.schema import Kind
from hftlab.surveillance.alerts import alerts_frame
from hftlab.surveillance.flow import Flow, order_flow, owner_trades

def _lots_between(ts: np.ndarray, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
                  ) -> np.ndarray:
    """Lots traded in [lo, hi] from sorted ts and the cumulative lots (cum[0] = 0)."""
    return cum[np.searchsorted(ts, hi, "right")] - cum[np.searchsorted(ts, lo, "left")]


def _lifecycles(f: Flow) -> pd.DataFrame:
    """One row per order id ADDed in the data (not first seen in a snapshot): add ts,
    side, price, size (lots, the largest shown), owner, end ts, executed lots and
    whether it ended by a DELETE."""
    ev = f.ev
    m = np.isin(ev["kind"], (Kind.ADD, Kind.CANCEL, Kind.DELETE, Kind.EXECUTE)) & \
        (ev["order_id"] > 0)
    seen = np.unique(ev["order_id"][f.snapshot])  # in the book before the data: no ADD time
    m &= ~np.isin(ev["order_id"], seen)
    df = pd.DataFrame({"oid": ev["order_id"][m].astype(np.int64), "ts": ev["ts"][m],
                       "kind": ev["kind"][m], "side": ev["side"][m].astype(np.int64),
                       "price": ev["price"][m], "qty": ev["qty"][m].astype(np.int64),
                       "owner": f.owner[m]})
    add = df[df["kind"] == Kind.ADD]
    first = add.groupby("oid", sort=False).agg(add_ts=("ts", "first"), side=("side", "first"),
                                                price=("price", "first"), size=("qty", "max"),
                                                owner=("owner", "first"))
    g = df[df["oid"].isin(first.index)].groupby("oid", sort=False)
    last = g.agg(end_ts=("ts", "last"), last_kind=("kind", "last"))
    x = df[df["kind"] == Kind.EXECUTE].groupby("oid")["qty"].sum()
    out = first.join(last)
    out["executed"] = x.reindex(out.index, fill_value=0).to_numpy()
    out["deleted"] = out["last_kind"].to_numpy() == Kind.DELETE
    return out.reset_index()


def detect_spoofing(data: MarketData, *, size_multiple: float = 5.0, max_life: Any = "1s",
                    max_fill: float = 0.0, window: Any = "1s", min_orders: int = 2,
                    merge_gap: Any = "5s", min_score: float = 0.0,
                    owners: bool | None = None, venue: int | str | None = None,
                    instrument: int | str | None = None) -> pd.DataFrame:
    """Spoofing / layering alerts in one book (module doc: definitions and owners).

    size_multiple: an order this many times the book's median order size (size-weighted:
    half the volume added is in orders no larger) is large.
    max_life: longest time from its ADD to its DELETE. max_fill: the largest share of
    it that may have traded (0 = none). window: slack around its life for the owner's
    trades on the other side. min_orders, merge_gap: with owners, an alert needs this
    many such orders of one owner on one side, consecutive ones no more than merge_gap
    apart (one order per alert without owners). min_score: the smallest score kept.
    owners: None = use the owners the data carries, True = require them, False = ignore.

    Returns one row per alert, by start: owner, start, end, side (of the cancelled
    orders), score (sum over its orders of ln(size / median size)), evidence (a
    sentence), orders, order_ids, size (their units), size_ratio (median size /
    median order size), median_life_ms, opposite (units its owner traded on the other
    side; without owners, units of resting orders on the other side executed during
    the orders' lives). ``attrs``: thresholds, median order size, candidates, book.
    """
    life_ns = duration_ns(max_life, "max_life")
    win_ns = nonneg_duration_ns(window, "window")
    gap_ns = nonneg_duration_ns(merge_gap, "merge_gap")
    min_orders = positive_int(min_orders, "min_orders")
    for name, v, lo, hi in (("size_multiple", size_multiple, 1.0, 1e9),
                            ("max_fill", max_fill, 0.0, 1.0)):
        if not lo <= float(v) <= hi:
            raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}]; got {v!r}")
    f = order_flow(data, venue, instrument, owners)
    lc = _lifecycles(f)
    size = lc["size"].to_numpy(float)
    # the size-weighted median: robust to a flood of tiny orders, which a count median is not
    med = weighted_median(size, size) if len(size) else 0.0
    life = lc["end_ts"] - lc["add_ts"]
    cand = lc[lc["deleted"] & (lc["size"] >= size_multiple * med) & (life <= life_ns)
              & (lc["executed"] <= max_fill * lc["size"])].copy()
    cand["life"] = life[cand.index]
    cand["known"] = cand["owner"] > 0
    cand["opposite"] = 0
    tr = owner_trades(f)
    for (o, s), idx in cand[cand["known"]].groupby(["owner", "side"]).groups.items():
        t = tr[(tr["owner"] == o) & (tr["side"] == -s)]
        cum = np.concatenate([[0], np.cumsum(t["qty"].to_numpy())])
        c = cand.loc[idx]
        cand.loc[idx, "opposite"] = _lots_between(t["ts"].to_numpy(), cum,
                                                  c["add_ts"].to_numpy() - win_ns,
                                                  c["end_ts"].to_numpy() + win_ns)
    ex = f.ex
    for s in (1, -1):  # unknown owners: the other side's resting orders executed meanwhile
        idx = cand.index[~cand["known"] & (cand["side"] == s)]
        t = ex[ex["rest_side"] == -s]
        cum = np.concatenate([[0], np.cumsum(t["qty"].to_numpy())])
        c = cand.loc[idx]
        cand.loc[idx, "opposite"] = _lots_between(t["ts"].to_numpy(), cum,
                                                  c["add_ts"].to_numpy(), c["end_ts"].to_numpy())
    cand = cand[cand["opposite"] > 0].sort_values(["owner", "side", "add_ts"], kind="stable")
    cand["ratio"] = np.log(cand["size"] / med) if med > 0 else 0.0
    prev_end = cand.groupby(["owner", "side"])["end_ts"].shift()
    new = (~cand["known"]) | prev_end.isna() | (cand["add_ts"] - prev_end > gap_ns)
    cand["alert"] = np.cumsum(new.to_numpy())
    g = cand.groupby("alert", sort=False)
    al = pd.DataFrame({
        "owner": g["owner"].first().where(g["known"].first(), -1),
        "start": g["add_ts"].min(), "end": g["end_ts"].max(), "side": g["side"].first(),
        "score": g["ratio"].sum(), "orders": g.size(),
        "order_ids": g["oid"].agg(list), "size": g["size"].sum(),
        "size_ratio": g["size"].median() / med if med > 0 else np.nan,
        "median_life_ms": g["life"].median() / 1e6, "opposite": g["opposite"].sum()})
    al = al[((al["orders"] >= min_orders) | (al["owner"] < 0)) & (al["score"] >= min_score)]
    inst = f.inst
    al["evidence"] = [
        f"{n} order(s) of {q:g} units ({r:.0f}x the median order) on the "
        f"{'bid' if s > 0 else 'ask'} cancelled after a median {lm:.0f} ms unfilled, "
        f"{o:g} units traded on the other side" + (" by the same owner" if w > 0 else "")
        for n, q, r, s, lm, o, w in zip(al["orders"], to_currency(al["size"].to_numpy(),
                                                                   inst.lot_size),
                                        al["size_ratio"], al["side"], al["median_life_ms"],
                                        to_currency(al["opposite"].to_numpy(), inst.lot_size),
                                        al["owner"])]
    out = alerts_frame(al, inst, ["orders", "order_ids", "size", "size_ratio", "median_life_ms",
                            "opposite"], lots=("size", "opposite"))
    out.attrs.update({
        "thresholds": {"size_multiple": float(size_multiple), "max_life_ns": life_ns,
                       "max_fill": float(max_fill), "window_ns": win_ns,
                       "min_orders": min_orders, "merge_gap_ns": gap_ns,
                       "min_score": float(min_score)},
        "median_order_size": to_currency(np.array([med]), inst.lot_size)[0],
        "candidates": int(len(cand)), "owners": f.has_owners, "book": f.book,
        "fills_from_cancels": f.fills_from_cancels})
    return out
