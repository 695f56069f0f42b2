"""Lead-lag between two books (venues or instruments) of the same asset.

``lead_lag(data, a, b, lags)`` measures which book moves first, by how much time, how
strongly, and with what confidence:

- Method: a **fine fixed clock** (not Hayashi-Yoshida). Each book's mid is sampled on one
  grid of ``step_ns`` by the previous tick (the last quote at or before each grid time),
  log mid returns (or their signs, ``returns="sign"``) are taken per step, and the
  cross-correlation at lag L is
  ``corr(r_a(t), r_b(t + L))``. Sign convention: a peak at **L > 0 means a leads b** by
  L ns (b's moves follow a's), L < 0 means b leads a. The estimate is the lag of the
  largest correlation (returns are not de-meaned: at millisecond steps the mean return
  is zero to many digits).
- Confidence: a **non-overlapping block bootstrap** (Carlstein 1986) of the grid: blocks
  of ``block_ns`` (longer than the largest lag, so the lead-lag structure survives inside
  a block) drawn with replacement; percentile intervals (``level``) of the correlation at
  each lag and of the peak's lag.
- Lead-lag ratio (Huth & Abergel 2014): sum of squared correlations at positive lags
  over the sum at negative lags; > 1 means a leads b, with its bootstrap interval. It
  uses the whole curve, so it is steadier than the peak when the peak is flat.
- Follow rate: for each grid step where the leader's mid moves, whether the follower's
  next move within ``window_ns`` goes the same way (share of those with a follower move),
  in both directions.

Clocks: ``clock="ts"`` the exchange timestamps, ``"ts_local"`` the host's receive times
(recorded captures); both books are read on the same clock. Timestamps are int64 ns.
``book_quotes`` gives one book's top of book on a clock, which ``stale_quotes`` reads too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import pandas as pd

from hftlab.analytics import lead_lag_nb as k
from hftlab.book import snapshots
from hftlab.data.market import MarketData

BookRef = Union[int, str, tuple]  # venue index or name, or (venue, instrument)
CLOCKS = ("ts", "ts_local")
RETURNS = ("log", "sign")
MS = 1_000_000


def resolve_book(data: MarketData, ref: BookRef) -> tuple[int, int]:
    """(venue, instrument) of a book reference: a venue index or name (instrument 0), or a
    (venue, instrument) pair such as hftlab.BookId."""
    names = [v.name for v in data.venues]
    if isinstance(ref, tuple):
        if len(ref) != 2:
            raise ValueError(f"book {ref!r}: a (venue, instrument) pair is two numbers")
        v, i = int(ref[0]), int(ref[1])
    elif isinstance(ref, str):
        if ref not in names:
            raise ValueError(f"no venue named {ref!r}; the data have {names}")
        v, i = names.index(ref), 0
    else:
        v, i = int(ref), 0
    if not (0 <= v < len(data.venues) and 0 <= i < len(data.instruments)):
        raise ValueError(f"book {ref!r}: the data have {len(data.venues)} venue(s) {names} and "
                         f"{len(data.instruments)} instrument(s)")
    return v, i


def book_quotes(data: MarketData, book: BookRef, clock: str = "ts") -> pd.DataFrame:
    """One book's top of book after each source record, on a clock: columns ts (int64 ns
    of `clock`), bid, ask (integer ticks, 0 when the side is empty), bid_qty, ask_qty
    (integer lots). Rows at the same time keep only the last (the book as it stands once
    every message of that instant is applied) and rows that change nothing are dropped.

    book: venue index or name (instrument 0) or (venue, instrument). clock: "ts"
    (exchange) or "ts_local" (host receive time; an error when the data recorded none).
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {CLOCKS}, got {clock!r}")
    data = data.load()
    v, i = resolve_book(data, book)
    ev, rec = data.events, data.record
    sel = np.flatnonzero((ev["venue"] == v) & (ev["instrument"] == i))
    if not len(sel):
        raise ValueError(f"book (venue {v} {data.venues[v].name!r}, instrument {i}) has no events")
    emit = np.ones(len(sel), bool)
    emit[:-1] = rec[sel][1:] != rec[sel][:-1]
    t = ev[clock][sel][emit]
    if clock == "ts_local" and (t == 0).any():
        raise ValueError(f"book ({v}, {i}): {int((t == 0).sum())} events have no recorded "
                         "ts_local; use clock='ts'")
    snap = snapshots(data, levels=1, by="record", venue=v, instrument=i)
    if len(snap) != len(t):
        raise ValueError(f"book ({v}, {i}): {len(snap)} snapshots for {len(t)} records")
    inst = data.instruments[i]
    cols = {}
    for side in ("bid", "ask"):
        px = snap[f"{side}_price_1"].to_numpy()
        cols[side] = np.where(np.isnan(px), 0, np.round(np.nan_to_num(px) / inst.tick_size)
                              ).astype(np.int64)
        cols[f"{side}_qty"] = np.round(snap[f"{side}_size_1"].to_numpy() / inst.lot_size
                                       ).astype(np.int64)
    q = pd.DataFrame({"ts": t.astype(np.int64), **cols})
    if (np.diff(q["ts"].to_numpy()) < 0).any():
        q = q.iloc[np.argsort(q["ts"].to_numpy(), kind="stable")]
    last = np.ones(len(q), bool)
    last[:-1] = q["ts"].to_numpy()[1:] != q["ts"].to_numpy()[:-1]
    q = q[last]
    vals = q[["bid", "ask", "bid_qty", "ask_qty"]].to_numpy()
    change = np.ones(len(q), bool)
    change[1:] = (vals[1:] != vals[:-1]).any(axis=1)
    return q[change].reset_index(drop=True)


def _quotes(data: MarketData | Mapping[Any, pd.DataFrame], ref: Any, clock: str) -> pd.DataFrame:
    """book_quotes of a MarketData, or the quote frame data[ref] (ts, bid, ask)."""
    if isinstance(data, MarketData):
        return book_quotes(data, ref, clock)
    if ref not in data:
        raise ValueError(f"no quotes named {ref!r}; given {list(data)}")
    q = data[ref]
    missing = {"ts", "bid", "ask"} - set(q.columns)
    if missing:
        raise ValueError(f"quotes {ref!r} lack column(s) {sorted(missing)}")
    if (np.diff(q["ts"].to_numpy(np.int64)) < 0).any():
        raise ValueError(f"quotes {ref!r}: ts must not decrease")
    return q


def _log_mid(q: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    bid, ask = q["bid"].to_numpy(np.float64), q["ask"].to_numpy(np.float64)
    ok = (bid > 0) & (ask > 0)
    mid = np.full(len(q), np.nan)
    mid[ok] = np.log(0.5 * (bid[ok] + ask[ok]))
    return q["ts"].to_numpy(np.int64), mid


def _ratio(corr: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Huth & Abergel's lead-lag ratio per row of correlations: sum of squares at lags
    > 0 over lags < 0 (NaN when no negative lag has a finite correlation)."""
    sq = np.where(np.isfinite(corr), corr, 0.0) ** 2
    neg = sq[:, lags < 0].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(neg > 0, sq[:, lags > 0].sum(axis=1) / neg, np.nan)


@dataclass
class LeadLag:
    """What lead_lag measured. table: per lag (ns, index) the correlation and its
    bootstrap interval; lag_ns: the peak's lag (> 0: a leads b); lag_ci: the percentile
    interval of the peak's lag over the replicates; ratio: the lead-lag ratio (> 1: a
    leads) and its interval; follow: per direction the leader's
    moves and the share the follower's next move (within window_ns) went the same way."""

    a: str
    b: str
    table: pd.DataFrame
    lag_ns: int
    corr: float
    corr_ci: tuple[float, float]
    lag_ci: tuple[int, int]
    ratio: float
    ratio_ci: tuple[float, float]
    follow: pd.DataFrame
    step_ns: int
    window_ns: int
    n_steps: int
    n_boot: int
    level: float
    notes: list[str] = field(default_factory=list)

    @property
    def leader(self) -> str:
        """The book that moves first ('none' when the peak is at lag 0)."""
        return self.a if self.lag_ns > 0 else self.b if self.lag_ns < 0 else "none"

    def summary(self) -> dict:
        """The headline numbers as a flat dict (lags in ms)."""
        f = self.follow
        return {"leader": self.leader, "lead_ms": abs(self.lag_ns) / MS,
                "lag_ms": self.lag_ns / MS, "lag_ci_ms": (self.lag_ci[0] / MS, self.lag_ci[1] / MS),
                "corr": self.corr, "corr_ci": self.corr_ci,
                "corr_lag0": float(self.table["corr"].get(0, np.nan)),
                "lead_lag_ratio": self.ratio, "ratio_ci": self.ratio_ci,
                "follow_rate": float(f.loc[self.leader, "follow_rate"]) if self.leader in f.index
                else float("nan"),
                "step_ms": self.step_ns / MS, "window_ms": self.window_ns / MS,
                "n_steps": self.n_steps, "n_boot": self.n_boot}


def lead_lag(data: MarketData | Mapping[Any, pd.DataFrame], a: Any, b: Any,
             lags: Sequence[int] | np.ndarray, *, step_ns: int = MS, clock: str = "ts",
             window_ns: int | None = None, block_ns: int | None = None, n_boot: int = 500,
             level: float = 0.95, seed: int = 0, returns: str = "log") -> LeadLag:
    """Cross-correlation of two books' mid returns on a fixed clock (module doc).

    data: a MarketData (a, b: venue index or name, or (venue, instrument)) or a mapping
        of quote frames (ts int64 ns, bid, ask; a, b: keys).
    lags: lags in ns, each a multiple of step_ns (e.g. ``np.arange(-50, 51) * 1_000_000``).
    step_ns: the grid step (1 ms default). clock: "ts" or "ts_local" (MarketData only).
    window_ns: the follow-rate window (default: the largest |lag|).
    block_ns: bootstrap block length (default: max(10 x the largest |lag|, 1 s)).
    n_boot, level, seed: bootstrap replicates, interval level, seed (same seed, same CI).
    returns: "log" (log mid returns) or "sign" (their signs, -1 / 0 / +1: every move
        weighs the same, so a few large jumps cannot make the peak on their own).
    """
    if returns not in RETURNS:
        raise ValueError(f"returns must be one of {RETURNS}, got {returns!r}")
    lags = np.asarray(lags, dtype=np.int64)
    if step_ns <= 0:
        raise ValueError(f"step_ns must be > 0, got {step_ns}")
    if lags.ndim != 1 or not len(lags):
        raise ValueError("lags must be a non-empty 1-d sequence of ns")
    if (lags % step_ns).any():
        bad = int(lags[(lags % step_ns) != 0][0])
        raise ValueError(f"lag {bad} ns is not a multiple of step_ns={step_ns}")
    if not (0 < level < 1) or n_boot < 10:
        raise ValueError(f"level must be in (0, 1) and n_boot >= 10; got {level}, {n_boot}")
    steps = lags // step_ns
    max_lag = int(np.abs(lags).max())
    window_ns = int(window_ns if window_ns is not None else max(max_lag, step_ns))
    block_ns = int(block_ns if block_ns is not None else max(10 * max_lag, 1_000_000_000))
    ta, xa = _log_mid(_quotes(data, a, clock))
    tb, xb = _log_mid(_quotes(data, b, clock))
    t0 = max(ta[np.isfinite(xa)].min(initial=np.iinfo(np.int64).max),
             tb[np.isfinite(xb)].min(initial=np.iinfo(np.int64).max))
    t1 = min(ta.max(), tb.max())
    n = int((t1 - t0) // step_ns) + 1 if t1 > t0 else 0
    if n < 3 * (max_lag // step_ns + 1):
        raise ValueError(f"the books overlap for {max(t1 - t0, 0) / 1e9:.3f} s: too short for "
                         f"lags up to {max_lag / MS:g} ms at a {step_ns / MS:g} ms step")
    ra = np.diff(k.previous_tick(ta, xa, t0, step_ns, n))
    rb = np.diff(k.previous_tick(tb, xb, t0, step_ns, n))
    if returns == "sign":
        ra, rb = np.sign(ra), np.sign(rb)
    block = max(int(block_ns // step_ns), 1)
    sums = k.block_sums(ra, rb, steps, block)
    corr = k.correlations(sums)
    if not np.isfinite(corr).any():
        raise ValueError("one of the books' mids never moves on the common grid")
    boot = k.bootstrap(sums, int(n_boot), int(seed))
    fin = np.isfinite(boot).any(axis=1)
    ratio = _ratio(corr[None, :], lags)[0]
    ratios = _ratio(boot[fin], lags)
    lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    with warnings.catch_warnings():  # a lag no replicate can measure gets a NaN interval
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = np.nanpercentile(boot, [lo_q, hi_q], axis=0)
        ratio_ci = (float(np.nanpercentile(ratios, lo_q)), float(np.nanpercentile(ratios, hi_q)))
    best = int(np.nanargmax(corr))
    peak_lags = lags[np.nanargmax(np.where(np.isfinite(boot[fin]), boot[fin], -np.inf), axis=1)]
    peak_corr = boot[fin].max(axis=1, initial=-np.inf, where=np.isfinite(boot[fin]))
    table = pd.DataFrame({"corr": corr, "ci_lo": ci[0], "ci_hi": ci[1]},
                         index=pd.Index(lags, name="lag_ns"))
    w = max(window_ns // step_ns, 1)
    rows = {}
    for name, x, y in ((str(a), ra, rb), (str(b), rb, ra)):
        moves, same, other = k.follow_counts(x, y, w)
        rows[name] = {"leader_moves": moves, "followed": same + other, "same_way": same,
                      "follow_rate": same / (same + other) if same + other else float("nan")}
    follow = pd.DataFrame.from_dict(rows, orient="index")
    notes = [f"fixed clock: {step_ns / MS:g} ms steps on {clock}, previous-tick log mids, "
             f"{n - 1} {returns} returns; block bootstrap: {len(sums)} blocks of "
             f"{block * step_ns / 1e9:g} s, "
             f"{n_boot} replicates, seed {seed}"]
    return LeadLag(str(a), str(b), table, int(lags[best]), float(corr[best]),
                   (float(np.percentile(peak_corr, lo_q)), float(np.percentile(peak_corr, hi_q))),
                   (int(np.percentile(peak_lags, lo_q, method="lower")),
                    int(np.percentile(peak_lags, hi_q, method="higher"))),
                   float(ratio), ratio_ci,
                   follow, int(step_ns), window_ns, n - 1, int(n_boot), float(level), notes)
