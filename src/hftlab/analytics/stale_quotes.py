"""Stale-quote windows between a fast and a slow venue of the same instrument.

``stale_quotes(data, fast, slow, fees=...)`` finds the intervals in which the slow
venue's quote crosses the fast venue's fresh price by more than the round trip's fees
and cost (the arbitrage windows of Budish, Cramton & Shim 2015: a stale quote that a
faster trader can pick off):

- sell slow (side -1): take the slow bid, hedge by buying on the fast venue;
  buy slow (side +1): take the slow ask, hedge by selling on the fast venue.
- hedge "cross": the hedge takes the fast venue's opposite touch (buy at its ask, taker
  fees on both legs); "join": it rests at the fast venue's own side (buy at its bid,
  maker fee on that leg; the seed's worked example); "none": take only.
- edge (ticks) = slow price minus the fast hedge price in slow-venue terms (fast price
  minus ``basis``, the fair fast-minus-slow difference: 0 for one instrument on two
  venues, a trailing EWMA of the mid difference with ``basis_halflife_ns`` for, e.g.,
  spot against a perpetual); net (currency) = edge x tick value x lots - both legs'
  fees - ``cost`` (a fixed currency cost per arbitrage). A window is a maximal interval
  with net > 0 at the size both books show (lots: the slow touch, and the fast touch
  when crossing).

Units: prices in integer ticks, sizes in integer lots, edge_bps = edge over the slow
mid at the window's start x 1e4 (bps), net in currency; times int64 ns on ``clock``
("ts" exchange, "ts_local" host receive time). Fees come from FeeSchedule (bps of
notional or currency per unit; positive paid, negative rebate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics import stale_quotes_nb as k
from hftlab.analytics.lead_lag import CLOCKS, book_quotes, resolve_book
from hftlab.data.market import MarketData
from hftlab.instruments import FeeSchedule, Instrument

HEDGES = {"none": k.HEDGE_NONE, "cross": k.HEDGE_CROSS, "join": k.HEDGE_JOIN}
WINDOW_COLUMNS = ("start", "end", "duration_ns", "side", "edge_ticks", "max_edge_ticks",
                  "edge_bps", "lots", "net", "open")


def fee_per_lot(fees: FeeSchedule, maker: bool, instrument: Instrument) -> np.ndarray:
    """(a, b): the fee of one lot at price p ticks is a + b * p currency (FeeSchedule
    sign: positive paid, negative rebate)."""
    rate = fees.maker if maker else fees.taker
    units = instrument.lot_size
    if fees.unit == "per_unit":
        return np.array([rate * units, 0.0])
    return np.array([0.0, rate * 1e-4 * instrument.tick_size * units * instrument.multiplier])


@dataclass
class StaleQuotes:
    """The windows (one row each, columns WINDOW_COLUMNS) and how they were found."""

    windows: pd.DataFrame
    fast: str
    slow: str
    hedge: str
    span_ns: int
    notes: list[str]

    def durations(self, quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
                  ) -> pd.Series:
        """Quantiles of the window lengths (ns), closed windows only."""
        d = self.windows.loc[~self.windows["open"], "duration_ns"]
        return d.quantile(list(quantiles)) if len(d) else pd.Series(np.nan, index=quantiles)

    def reachable(self, latencies_ns: Sequence[int]) -> pd.DataFrame:
        """Per latency X (ns, from seeing the window's start to our order's arrival): the
        windows still open at start + X, their share of all windows and of the total net
        value at start (what a trader with latency X could reach, before competition)."""
        w = self.windows
        total = float(w["net"].sum())
        rows = []
        for x in latencies_ns:
            ok = w["duration_ns"].to_numpy() > int(x)
            rows.append({"latency_ns": int(x), "windows": int(ok.sum()),
                         "share": ok.mean() if len(w) else float("nan"),
                         "net": float(w["net"][ok].sum()),
                         "net_share": float(w["net"][ok].sum()) / total if total > 0
                         else float("nan")})
        return pd.DataFrame(rows).set_index("latency_ns")

    def summary(self) -> dict:
        """Counts, time stale and the window-length median (ms)."""
        w = self.windows
        return {"windows": len(w), "sell_slow": int((w["side"] < 0).sum()),
                "buy_slow": int((w["side"] > 0).sum()),
                "stale_share": float(w["duration_ns"].sum()) / self.span_ns if self.span_ns
                else float("nan"),
                "median_ms": float(w["duration_ns"].median()) / 1e6 if len(w) else float("nan"),
                "net_at_start": float(w["net"].sum())}


def merged_timeline(fq: pd.DataFrame, sq: pd.DataFrame) -> dict[str, np.ndarray]:
    """Both books' quotes on the union of their change times (previous tick, rows from the
    time both have quoted): keys t, bs, as, bqs, aqs (slow) and bf, af, bqf, aqf (fast)."""
    t = np.union1d(fq["ts"].to_numpy(np.int64), sq["ts"].to_numpy(np.int64))
    t = t[t >= max(fq["ts"].iloc[0], sq["ts"].iloc[0])]
    out = {"t": t}
    for q, tag in ((sq, "s"), (fq, "f")):
        j = np.searchsorted(q["ts"].to_numpy(np.int64), t, side="right") - 1
        for col, name in (("bid", "b"), ("ask", "a"), ("bid_qty", "bq"), ("ask_qty", "aq")):
            out[name + tag] = q[col].to_numpy(np.int64)[j]
    return out


def stale_quotes(data: MarketData, fast: Any, slow: Any,
                 fees: tuple[FeeSchedule, FeeSchedule] | None = None, *, hedge: str = "cross",
                 cost: float = 0.0, basis: float = 0.0, basis_halflife_ns: int | None = None,
                 clock: str = "ts") -> StaleQuotes:
    """Arbitrage windows where the slow venue's quote is stale against the fast one's.

    fast, slow: books of data (venue index or name, or (venue, instrument)); both must
        have the same tick size (the same instrument on two venues, or a merged grid).
    fees: (fast venue's, slow venue's) FeeSchedule; default: the data's venues' own.
        The slow leg pays the taker fee; the hedge the taker ("cross") or maker ("join").
    hedge: "cross", "join" or "none" (module doc). cost: currency per arbitrage.
    basis: fair fast-minus-slow price difference in ticks, or with basis_halflife_ns a
        causal time-decayed EWMA of the mid difference (then basis is ignored).
    clock: "ts" or "ts_local".
    """
    if hedge not in HEDGES:
        raise ValueError(f"hedge must be one of {sorted(HEDGES)}, got {hedge!r}")
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {CLOCKS}, got {clock!r}")
    if not np.isfinite(cost) or cost < 0:
        raise ValueError(f"cost must be a finite currency amount >= 0, got {cost!r}")
    vf, i_f = resolve_book(data, fast)
    vs, i_s = resolve_book(data, slow)
    if (vf, i_f) == (vs, i_s):
        raise ValueError(f"fast and slow are the same book ({vf}, {i_f})")
    inst_f, inst_s = data.instruments[i_f], data.instruments[i_s]
    if inst_f.tick_size != inst_s.tick_size or inst_f.lot_size != inst_s.lot_size:
        raise ValueError(f"fast ({inst_f}) and slow ({inst_s}) books need one tick and lot "
                         "size; read them on a common grid")
    fee_f, fee_s = fees if fees is not None else (data.venues[vf].fees, data.venues[vs].fees)
    for name, f in (("fees[0] (fast)", fee_f), ("fees[1] (slow)", fee_s)):
        if not isinstance(f, FeeSchedule):
            raise ValueError(f"{name} must be a FeeSchedule, got {f!r}")
    h = HEDGES[hedge]
    tl = merged_timeline(book_quotes(data, (vf, i_f), clock), book_quotes(data, (vs, i_s), clock))
    if basis_halflife_ns is not None:
        if basis_halflife_ns <= 0:
            raise ValueError(f"basis_halflife_ns must be > 0, got {basis_halflife_ns}")
        b = k.ewma_basis(tl["t"], tl["bs"], tl["as"], tl["bf"], tl["af"], float(basis_halflife_ns))
    else:
        if not np.isfinite(basis):
            raise ValueError(f"basis must be a finite number of ticks, got {basis!r}")
        b = np.full(len(tl["t"]), float(basis))
    n, ints, flts = k.windows(tl["t"], tl["bs"], tl["as"], tl["bqs"], tl["aqs"], tl["bf"],
                              tl["af"], tl["bqf"], tl["aqf"], b, h, inst_s.tick_value,
                              fee_per_lot(fee_s, False, inst_s),
                              fee_per_lot(fee_f, hedge == "join", inst_f), float(cost))
    ints, flts = ints[:n], flts[:n]
    w = pd.DataFrame({"start": ints[:, 0], "end": ints[:, 1],
                      "duration_ns": ints[:, 1] - ints[:, 0],
                      "side": ints[:, 2].astype(np.int8), "edge_ticks": flts[:, 0],
                      "max_edge_ticks": flts[:, 1], "edge_bps": 0.0, "lots": ints[:, 3],
                      "net": flts[:, 2], "open": ints[:, 4].astype(bool)})
    if n:
        j = np.searchsorted(tl["t"], w["start"].to_numpy())
        mid_s = 0.5 * (tl["bs"][j] + tl["as"][j])
        w["edge_bps"] = w["edge_ticks"].to_numpy() / mid_s * 1e4
    w = w.sort_values(["start", "side"], kind="stable").reset_index(drop=True)
    span = int(tl["t"][-1] - tl["t"][0]) if len(tl["t"]) else 0
    names = [v.name for v in data.venues]
    notes = [f"fast {names[vf]!r}, slow {names[vs]!r} on {clock}; hedge {hedge}; fees fast "
             f"{fee_f}, slow {fee_s}; cost {cost} per arbitrage; basis "
             + (f"EWMA half-life {basis_halflife_ns / 1e6:g} ms" if basis_halflife_ns
                else f"{basis:g} ticks")]
    return StaleQuotes(w, names[vf], names[vs], hedge, span, notes)

