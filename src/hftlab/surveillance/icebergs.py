"""Iceberg (reserve) order detection on L3 data: refills, executions beyond the display,
hidden executions.

An iceberg shows a clip of its size and, when the clip is executed away, shows the next
one at the same price, until its hidden reserve is gone (NASDAQ's reserve orders,
CME's iceberg orders). From the outside it leaves three traces, each a test in the
liquidity-detection literature (Hautsch & Huang 2012, "On the dark side of the market:
identifying and analyzing hidden order placements", Frey & Sandås 2017, "The impact of
iceberg orders in limit order books", Quarterly Journal of Finance 7(3)):

- refills: an order at (side, price) is fully executed and, within `refill_window`, a
  new order of at most the same size (x (1 + size_tolerance)) is added at the same side
  and price; `min_clips` clips in a row make a detection (NASDAQ shows each clip under
  a new order id, as LOBSTER's type 1 after type 4 messages);
- executions beyond the displayed size: an EXECUTE larger than what the order had left
  (venues that report the reserve's fills on the displayed order's id);
- hidden executions: TRADE prints in L3 data are executions against non-displayed
  liquidity (LOBSTER type 5, read by `hftlab.data.read_lobster` as TRADE with side = the
  aggressor's and no order id), so the hidden order rests on the other side at the print
  price. Prints at one (side, price) no more than `hidden_gap` apart form a cluster; a
  cluster that begins while a refill chain is live there (a clip resting or awaited)
  belongs to that chain's detection, otherwise `min_hidden_prints` prints make one.

Conventions: side is the iceberg's (resting) side, +1 bid = a hidden buyer, -1 ask = a
hidden seller. Prices in currency (ticks x tick size), sizes in units (lots x lot size),
times UTC. The hidden size estimate is what was seen to trade or be withdrawn beyond
the displayed peak: est_total = executed (visible + hidden + beyond the display) + the
last clip's withdrawn or still-resting rest, est_hidden = est_total - displayed peak;
a reserve that never traded is invisible, so an iceberg withdrawn early is under-sized.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import nonneg_duration_ns, positive_int
from hftlab.analytics.sources import resolve_index
from hftlab.book import to_currency
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument
from hftlab.schema import Kind
from hftlab.surveillance.icebergs_nb import Chains, Clusters, detect_nb, new_tables

ORDER_KINDS = (Kind.ADD, Kind.CANCEL, Kind.DELETE, Kind.EXECUTE)
COLUMNS = ["start", "end", "side", "price", "evidence", "clips", "display",
           "executed_visible", "executed_hidden", "executed_beyond", "rest", "est_total",
           "est_hidden", "hidden_prints"]


def _book(data: MarketData, venue: int | str | None, instrument: int | str | None,
          need: str = "iceberg detection") -> tuple[int, int]:
    """The (venue, instrument) asked for, or the first (venue-major) with L3 events; the
    error says that `need` needs L3 data."""
    ev = data.events
    vi = resolve_index(venue, [v.name for v in data.venues], "venue")
    ii = resolve_index(instrument, [i.symbol for i in data.instruments], "instrument")
    l3 = (ev["kind"] == Kind.ADD) & (ev["order_id"] > 0)
    for v in range(len(data.venues)) if vi is None else [vi]:
        for i in range(len(data.instruments)) if ii is None else [ii]:
            if (l3 & (ev["venue"] == v) & (ev["instrument"] == i)).any():
                return v, i
    raise ValueError(f"{data.source or 'the data'}: no order-level (L3) ADD events with order "
                     f"ids for venue={venue}, instrument={instrument}; {need} "
                     "needs L3 data (LOBSTER, ITCH, DBN MBO), where a TRADE is a hidden "
                     "execution")


def detect_icebergs(data: MarketData, *, refill_window: Any = "1ms",
                    size_tolerance: float = 0.0, min_clips: int = 3,
                    hidden_gap: Any = "1s", min_hidden_prints: int = 2,
                    venue: int | str | None = None,
                    instrument: int | str | None = None) -> pd.DataFrame:
    """Icebergs and hidden liquidity in one book of L3 data (module doc for the rules).

    refill_window: the longest time from a clip's last execution to the next clip's ADD
    (default 1 ms: NASDAQ refills in AMZN 2012 come 0.2-0.3 ms after the execution).
    size_tolerance: a refill may be up to clip x (1 + tolerance); smaller refills (the
    reserve's last clip) always qualify. min_clips: clips shown for a refill detection
    (3 = two refills). hidden_gap, min_hidden_prints: hidden-print clusters.

    Returns one row per detection, by start: start, end, side, price, evidence ('refill',
    'hidden', 'beyond_display', joined with '+'), clips, display (the displayed
    peak: the first clip, or for hidden clusters the size shown at the level during the
    prints, 0 inside the spread), executed_visible, executed_hidden, executed_beyond,
    rest, est_total, est_hidden, hidden_prints. ``attrs`` holds the thresholds, the
    refill chains seen of each length and the events naming an unknown order.
    """
    refill_ns = nonneg_duration_ns(refill_window, "refill_window")
    gap_ns = nonneg_duration_ns(hidden_gap, "hidden_gap")
    min_clips = positive_int(min_clips, "min_clips", 2)
    min_prints = positive_int(min_hidden_prints, "min_hidden_prints")
    tol = float(size_tolerance)
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"size_tolerance must be a fraction >= 0; got {size_tolerance!r}")
    data = data.load()
    vi, ii = _book(data, venue, instrument)
    ev = data.events[(data.events["venue"] == vi) & (data.events["instrument"] == ii)]
    kind = ev["kind"].astype(np.int64)
    has_id = np.isin(kind, ORDER_KINDS) & (ev["order_id"] > 0)
    ids, inv = np.unique(ev["order_id"][has_id], return_inverse=True)
    oid = np.full(len(ev), -1, np.int64)
    oid[has_id] = inv
    rest_side = np.where(kind == Kind.TRADE, -ev["side"], ev["side"]).astype(np.int64)
    priced = (rest_side != 0) & ((kind == Kind.ADD) | (kind == Kind.TRADE) | (kind == Kind.LEVEL))
    keys = ev["price"][priced] * 2 + (rest_side[priced] > 0)
    lkeys, linv = np.unique(keys, return_inverse=True)
    lvl = np.full(len(ev), -1, np.int64)
    lvl[priced] = linv
    ch_all, cl_all = new_tables(len(ids), len(ev))
    nc, nk, unknown, _ = detect_nb(ev["ts"], kind, oid, lvl, ev["qty"].astype(np.int64),
                                   len(ids), len(lkeys), refill_ns, tol, gap_ns, ch_all, cl_all)
    chains = Chains(*(a[:nc] for a in ch_all))
    clusters = Clusters(*(a[:nk] for a in cl_all))
    keep = (chains.clips >= min_clips) | (chains.beyond > 0)
    folded = np.isin(clusters.chain, np.flatnonzero(keep))
    hidden = [np.bincount(clusters.chain[folded], weights=w[folded], minlength=nc)[keep]
              .astype(np.int64) for w in (clusters.volume, clusters.prints)]
    alone = (clusters.prints >= min_prints) & ~folded
    out = _table(Chains(*(a[keep] for a in chains)), *hidden,
                 Clusters(*(a[alone] for a in clusters)), lkeys, data.instruments[ii],
                 min_clips)
    out = out.sort_values(["start", "price"], kind="stable").reset_index(drop=True)
    out.attrs.update({
        "thresholds": {"refill_window_ns": refill_ns, "size_tolerance": tol,
                       "min_clips": min_clips, "hidden_gap_ns": gap_ns,
                       "min_hidden_prints": min_prints},
        "chains_by_clips": {int(k): int(n) for k, n in
                            zip(*np.unique(chains.clips, return_counts=True))},
        "unknown_order_events": int(unknown),
        "book": (vi, ii)})
    return out



def _table(ch: Chains, ch_hidden: np.ndarray, ch_prints: np.ndarray, cl: Clusters,
           lkeys: np.ndarray, inst: Instrument, min_clips: int) -> pd.DataFrame:
    """The detections frame (see detect_icebergs) from the kept chains (with the hidden
    volume and prints of the clusters that began while each was live) and clusters."""
    none = np.zeros(len(cl.level), np.int64)
    total = ch.visible + ch_hidden + ch.beyond + ch.rest
    key = lkeys[np.concatenate([ch.level, cl.level])]
    evidence = ["+".join(name for name, on in (("refill", n >= min_clips), ("hidden", h > 0),
                                               ("beyond_display", b > 0)) if on)
                for n, h, b in zip(ch.clips, ch_hidden, ch.beyond)] + ["hidden"] * len(none)
    lots = {"display": (ch.clip, cl.displayed), "executed_visible": (ch.visible, none),
            "executed_hidden": (ch_hidden, cl.volume), "executed_beyond": (ch.beyond, none),
            "rest": (ch.rest, none), "est_total": (total, cl.volume),
            "est_hidden": (total - ch.clip, cl.volume)}
    return pd.DataFrame({
        "start": pd.to_datetime(np.concatenate([ch.start, cl.start]), unit="ns", utc=True),
        "end": pd.to_datetime(np.concatenate([ch.end, cl.end]), unit="ns", utc=True),
        "side": np.where(key % 2 == 1, 1, -1).astype(np.int8),
        "price": to_currency(key // 2, inst.tick_size),
        "evidence": evidence,
        "clips": np.concatenate([ch.clips, none]),
        **{k: to_currency(np.concatenate(v), inst.lot_size) for k, v in lots.items()},
        "hidden_prints": np.concatenate([ch_prints, cl.prints]),
    }, columns=COLUMNS)
