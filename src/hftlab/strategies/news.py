"""News strategies: NewsTrader (trade the headline) and pull_on_news (a maker that stays out
around headlines), on a session's news feed.

The news feed is a table kept with the session, not market events: ``data.stats["news"]``
of a "news-shock" market (columns ts_ns, scheduled, sentiment; sim/scenarios.py), or any
table with those columns. A headline reaches us ``latency_ns`` after its time (our news
latency: the vendor's feed, parsing, the sentiment model), and the strategies act on it
at their first timer wake-up at or after that (so the timer interval is the resolution;
strategies/news_nb.py). A scheduled release's time is known in advance (earnings
calendars), so a maker may leave before it; an unscheduled headline is known only
once it arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.instruments import MS, check
from hftlab.strategies import news_nb as kern
from hftlab.strategies.base import QuotingStrategy, integer, number
from hftlab.strategy import CompiledStrategy

SEC = 1_000_000_000
KINDS = ("all", "scheduled", "unscheduled")


def _feed(news: pd.DataFrame, name: str) -> pd.DataFrame:
    """The news table checked: ts_ns (ns since the epoch, non-decreasing), scheduled
    (bool), sentiment (finite, in [-1, 1])."""
    check(isinstance(news, pd.DataFrame), name, "a DataFrame with ts_ns, scheduled, sentiment",
          type(news).__name__)
    missing = [c for c in ("ts_ns", "scheduled", "sentiment") if c not in news.columns]
    check(not missing, name, "columns ts_ns, scheduled, sentiment", f"missing {missing}")
    ts = news["ts_ns"].to_numpy(np.int64)
    check(bool(np.all(np.diff(ts) >= 0)), f"{name}.ts_ns", "non-decreasing times", ts)
    s = news["sentiment"].to_numpy(np.float64)
    check(bool(np.all(np.isfinite(s) & (np.abs(s) <= 1.0))), f"{name}.sentiment",
          "finite scores in [-1, 1]", s)
    return news


def _record(words: np.ndarray) -> np.ndarray:
    """int64 words as the one-row state record a compiled step receives as bytes."""
    words = np.asarray(words, np.int64)
    rec = np.zeros(1, [("words", np.int64, (len(words),))])
    rec["words"][0] = words
    return rec


class NewsTrader:
    """Trade each headline in the direction of its sentiment, with our own news latency:
    the seed's news / earnings arbitrage (Tetlock 2007 and the event-study literature:
    prices move on news within seconds; what is left to earn depends on being first).

    A headline of the chosen kind ("all", "scheduled", "unscheduled") with |sentiment| >=
    threshold reaches us at ts + latency_ns; at the first timer wake-up after that (every
    poll_ns of host time) we buy (sentiment > 0) or sell `qty` lots at market if we are
    flat with nothing in flight (otherwise the headline is skipped and counted), and
    close the position at market hold_s later. Compiled only. State after the run
    (``rec.strategy_state``): entries and skipped (counts), next (headlines consumed).
    """

    def __init__(self, news: pd.DataFrame, latency_ns: int = MS, qty: int = 100,
                 threshold: float = 0.5, hold_s: float = 20.0, kind: str = "all",
                 poll_ns: int = MS, book: int = 0) -> None:
        n = "NewsTrader"
        self.news = _feed(news, f"{n}.news")
        self.latency_ns = integer(latency_ns, f"{n}.latency_ns", 0)
        self.qty = integer(qty, f"{n}.qty", 1)
        self.threshold = number(threshold, f"{n}.threshold", 0.0, 1.0)
        self.hold_s = number(hold_s, f"{n}.hold_s", 0.0, 86_400.0, low_open=True)
        check(kind in KINDS, f"{n}.kind", f"one of {KINDS}", kind)
        self.kind = kind
        self.poll_ns = integer(poll_ns, f"{n}.poll_ns", 1)
        self.book = integer(book, f"{n}.book", 0)

    def sides(self) -> np.ndarray:
        """+1 / -1 for each headline we trade, 0 for the others."""
        s = self.news["sentiment"].to_numpy(np.float64)
        sch = self.news["scheduled"].to_numpy(bool)
        ours = {"all": np.ones(len(s), bool), "scheduled": sch, "unscheduled": ~sch}[self.kind]
        return np.where(ours & (np.abs(s) >= self.threshold) & (s != 0), np.sign(s), 0
                        ).astype(np.int64)

    def compiled(self) -> CompiledStrategy:
        due = self.news["ts_ns"].to_numpy(np.int64) + self.latency_ns
        head = np.zeros(kern.T_HEAD, np.int64)
        head[kern.T_BOOK], head[kern.T_QTY] = self.book, self.qty
        head[kern.T_HOLD], head[kern.T_N] = round(self.hold_s * SEC), len(due)
        raw = _record(np.concatenate([head, due, self.sides()]))
        return CompiledStrategy.from_step(
            kern.news_trader_step, raw, timer_ns=self.poll_ns, name="NewsTrader[compiled]",
            describe=dict(latency_ns=self.latency_ns, qty=self.qty, threshold=self.threshold,
                          hold_s=self.hold_s, kind=self.kind, poll_ns=self.poll_ns,
                          book=self.book))


def counts(raw: Any) -> dict[str, int]:
    """A NewsTrader's counts from its final state bytes (rec.strategy_state)."""
    w = np.frombuffer(np.asarray(raw).tobytes(), np.int64)
    return {"entries": int(w[kern.T_ENTRIES]), "skipped": int(w[kern.T_SKIPPED]),
            "headlines_seen": int(w[kern.T_NEXT])}


def pull_windows(news: pd.DataFrame, latency_ns: int, before_s: float, after_s: float,
                 kind: str = "all") -> np.ndarray:
    """(n, 2) host-time windows [start, end) in ns around the headlines of `kind`: a
    scheduled release from before_s before it (its time is known in advance) to after_s
    after we see it (ts + latency_ns); an unscheduled one from when we see it to after_s
    later. Sorted by start; overlaps are kept as they are."""
    news = _feed(news, "news")
    check(kind in KINDS, "kind", f"one of {KINDS}", kind)
    ts = news["ts_ns"].to_numpy(np.int64)
    sch = news["scheduled"].to_numpy(bool)
    take = {"all": np.ones(len(ts), bool), "scheduled": sch, "unscheduled": ~sch}[kind]
    seen = ts + latency_ns
    start = np.where(sch, ts - round(before_s * SEC), seen)
    w = np.stack([start, seen + round(after_s * SEC)], axis=1)[take]
    return w[np.argsort(w[:, 0], kind="stable")]


def pull_on_news(maker: QuotingStrategy, news: pd.DataFrame, latency_ns: int = 200 * MS,
                 before_s: float = 1.0, after_s: float = 5.0, kind: str = "all"
                 ) -> CompiledStrategy:
    """A built-in maker (any QuotingStrategy: InventorySkew, ToxicityAware, ...) with the
    pull-quotes-on-news option: inside a window of `pull_windows` (our news latency
    latency_ns) its timer cancels both quotes instead of requoting, so it stays out;
    outside, it quotes by its own rule. kind="scheduled" gives the regime-aware maker
    that knows only the earnings calendar."""
    check(isinstance(maker, QuotingStrategy), "maker", "a built-in maker (QuotingStrategy)",
          type(maker).__name__)
    latency_ns = integer(latency_ns, "latency_ns", 0)
    number(before_s, "before_s", 0.0, 86_400.0)
    number(after_s, "after_s", 0.0, 86_400.0)
    w = pull_windows(news, latency_ns, before_s, after_s, kind)
    inner = maker.compiled()
    head = np.array([len(w), maker.book], np.int64)
    raw = _record(np.concatenate([head, w.ravel(), inner.raw_state().view(np.int64)]))
    return CompiledStrategy.from_step(
        kern.pull_step, raw, timer_ns=inner.timer_ns, subscribe_trades=inner.subscribe_trades,
        name=f"{maker.name}+pull[compiled]",
        describe={**maker.describe(), "pull_latency_ns": latency_ns, "pull_before_s": before_s,
                  "pull_after_s": after_s, "pull_kind": kind})
