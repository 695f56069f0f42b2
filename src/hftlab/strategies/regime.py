"""RegimeSwitched: a market maker whose half-spread and size follow the toxicity regime it
infers online, by Hamilton (1989) forward filtering of a fitted Gaussian HMM.

Hamilton, J. D. (1989), "A new approach to the economic analysis of nonstationary time
series and the business cycle", Econometrica 57(2): with a Markov chain of hidden states,
transition matrix A and emission densities f_k, the filtered probabilities

    p_t(k) = P(s_t = k | x_1..x_t) ∝ f_k(x_t) * sum_j p_{t-1}(j) A[j, k],   p_0 = pi,

use only the observations up to t. The observations are the per-bar features of
``hftlab.analytics.toxicity_features`` (VPIN of Easley, López de Prado & O'Hara 2012,
volatility, quoted spread, order-flow imbalance), which ``ToxicityBars`` computes online
from the host's own view of the book and the prints, bar by bar, with the same
definitions. Units: prices ticks, sizes lots, time ns of the host clock; features are
fractions as in ``toxicity_features``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from hftlab.schema import TimeInForce
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, integer, number, place
from hftlab.strategies.inventory_skew_nb import skew_quotes
from hftlab.strategy import Context, Strategy

FEATURE_COLUMNS = ("vpin", "volatility", "spread", "ofi")


@dataclass(frozen=True)
class RegimeModel:
    """A fitted Gaussian HMM with diagonal covariances on z-scored features.

    columns: feature names in the order of the arrays; mu, sd: the training features'
    mean and standard deviation (z = (x - mu) / sd); startprob (k,), transmat (k, k, rows
    sum to 1), means (k, d) and variances (k, d) in z units. States are ordered so that
    0 is the calmest (lowest mean VPIN) and k-1 the most toxic.
    """

    columns: tuple[str, ...]
    mu: np.ndarray
    sd: np.ndarray
    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    @property
    def n_regimes(self) -> int:
        return int(self.startprob.shape[0])

    def log_emission(self, x: np.ndarray) -> np.ndarray:
        """log f_k(x) for each state k: diagonal Gaussian log-densities of z = (x - mu) / sd."""
        z = (np.asarray(x, np.float64) - self.mu) / self.sd
        d = z - self.means
        return -0.5 * (np.sum(d * d / self.variances + np.log(2.0 * math.pi * self.variances),
                              axis=1))

    def filter_step(self, prev: np.ndarray | None, x: np.ndarray) -> np.ndarray:
        """One step of the Hamilton filter: p_t from p_{t-1} (None: the first bar, prior
        = startprob) and the bar's features x. Computed in logs for stability."""
        prior = self.startprob if prev is None else prev @ self.transmat
        with np.errstate(divide="ignore"):
            la = np.log(prior) + self.log_emission(x)
        return np.exp(la - logsumexp(la))


class ToxicityBars:
    """Online per-bar toxicity features, the causal twin of ``toxicity_features``.

    Feed top-of-book changes with ``quote`` and trade prints with ``trade`` in time order
    (ns); each call returns the bars it closed, as tuples (bar end ns, vpin, volatility,
    spread, ofi). A bar [k step, (k+1) step) with quote changes closes at the first
    event (or ``close(now)``) after its end: volatility = sqrt of the sum of squared mid
    log-returns of its quote changes, spread = their mean (ask - bid) / mid, ofi = |sum of
    Cont-Kukanov-Stoikov e_n| / mean of (bid_qty + ask_qty) / 2, vpin = VPIN of the last
    bucket completed at or before the bar's end (prints poured into buckets of
    bucket_volume lots by aggressor side, split across bucket ends; mean |B - S| / V of
    the last `window` buckets; NaN until `window` buckets exist). An empty side is NaN.
    """

    def __init__(self, bar_ns: int, bucket_volume: float, window: int) -> None:
        self.step = int(bar_ns)
        self.V = float(bucket_volume)
        self.window = int(window)
        self.key: int | None = None
        self.acc = np.zeros(8)  # lr2 sum, lr2 n, spread sum, spread n, e sum, e n, depth sum, n
        self.pending: tuple[int, np.ndarray] | None = None
        self.last: tuple[float, float, float, float] | None = None
        self.buy = self.sell = self.filled = 0.0
        self.ring: deque[float] = deque(maxlen=self.window)
        self.vpin = math.nan

    def _flush(self, t: int, out: list) -> None:
        if self.pending is not None and t > self.pending[0]:
            end, a = self.pending
            vol = math.sqrt(a[0]) if a[1] else math.nan
            spread = a[2] / a[3] if a[3] else math.nan
            ofi = abs(a[4]) / (a[6] / a[7]) if a[5] and a[7] and a[6] else math.nan
            out.append((end, self.vpin, vol, spread, ofi))
            self.pending = None

    def _roll(self, t: int, out: list) -> None:
        if self.key is not None and t // self.step > self.key:
            self.pending = ((self.key + 1) * self.step, self.acc)
            self.acc = np.zeros(8)
            self.key = None
        self._flush(t, out)

    def close(self, now: int) -> list:
        """Close every bar that ended before `now` (a wake-up with no new event)."""
        out: list = []
        self._roll(now, out)
        return out

    def quote(self, ts: int, bid: float, ask: float, bid_qty: float, ask_qty: float) -> list:
        """A new top of book (empty side: NaN price, 0 size); unchanged tops are ignored."""
        new = (bid, ask, float(bid_qty), float(ask_qty))
        if self.last is not None and _same(new, self.last):
            return []
        out: list = []
        self._roll(ts, out)
        if self.key is None:
            self.key = ts // self.step
        a = self.acc
        mid = 0.5 * (bid + ask)
        if mid > 0:
            a[2] += (ask - bid) / mid
            a[3] += 1
        if self.last is None:
            e = 0.0 if not (math.isnan(bid) or math.isnan(ask)) else math.nan
        else:
            b0, a0, qb0, qa0 = self.last
            e = ((bid >= b0) * bid_qty - (bid <= b0) * qb0 - (ask <= a0) * ask_qty
                 + (ask >= a0) * qa0)
            m0 = 0.5 * (b0 + a0)
            lr = math.log(mid) - math.log(m0) if mid > 0 and m0 > 0 else math.nan
            if not math.isnan(lr):
                a[0] += lr * lr
                a[1] += 1
            if any(math.isnan(v) for v in (bid, ask, b0, a0)):
                e = math.nan
        if not math.isnan(e):
            a[4] += e
            a[5] += 1
        a[6] += 0.5 * (bid_qty + ask_qty)
        a[7] += 1
        self.last = new
        return out

    def trade(self, ts: int, qty: float, side: int) -> list:
        """A print of qty lots with aggressor side (+1 buy, -1 sell, 0 half each)."""
        out: list = []
        self._roll(ts, out)
        left = float(qty)
        frac = 0.5 * (1.0 + side)
        while left > 0.0:
            room = self.V - self.filled
            take = min(left, room)
            self.buy += frac * take
            self.sell += (1.0 - frac) * take
            left -= take
            self.filled += take
            if take == room:
                self.ring.append(abs(self.buy - self.sell) / self.V)
                self.buy = self.sell = self.filled = 0.0
                if len(self.ring) == self.window:
                    self.vpin = sum(self.ring) / self.window
        return out


def _same(x: tuple, y: tuple) -> bool:
    """Equal element by element, NaN equal to NaN (as ``sources.dedupe_quotes``)."""
    return all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(x, y))


def _per_regime(values: Sequence[float] | None, k: int, default: float, name: str,
                low: float, integral: bool) -> tuple:
    if values is None:
        return (default,) * k
    vals = tuple(values)
    if len(vals) != k:
        raise ValueError(f"RegimeSwitched.{name} needs {k} values (one per regime); "
                         f"got {len(vals)}")
    if integral:
        return tuple(integer(v, f"RegimeSwitched.{name}[{i}]", int(low)) for i, v in enumerate(vals))
    return tuple(number(v, f"RegimeSwitched.{name}[{i}]", low, 1e6) for i, v in enumerate(vals))


class RegimeSwitched(Strategy):
    """An inventory-skewed quoter whose half-spread and size follow the filtered regime.

    Every `requote_ns` the strategy closes the feature bars that have ended (ToxicityBars
    on its own view: top-of-book changes and the prints of its book), advances the
    Hamilton filter of `model` by one step per bar with finite features, takes the most
    probable regime r (before the first bar: the most probable under startprob) and
    quotes InventorySkew's compiled rule (``inventory_skew_nb.skew_quotes``) with
    half_spreads[r] ticks and sizes[r] lots: r = mid - skew position / capacity, quotes at
    r -/+ half. Prints: every execution and every TRADE print counts once (a TRADE
    repeating the EXECUTE just counted is the same trade, quoting_nb.fresh_print's rule).
    ``bars`` logs each closed bar: end ns,
    features, filtered probabilities and regime (-1 where a feature was NaN and the filter
    kept its last state).
    """

    subscribe_book = True
    subscribe_trades = True

    def __init__(self, model: RegimeModel, half_spreads: Sequence[float] | None = None,
                 sizes: Sequence[int] | None = None, skew: float = 2.0, capacity: int = 20,
                 bar_ns: int = 10_000_000_000, bucket_volume: float = 500.0, window: int = 10,
                 requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        if not isinstance(model, RegimeModel) or tuple(model.columns) != FEATURE_COLUMNS:
            raise ValueError(f"RegimeSwitched.model must be a RegimeModel on {FEATURE_COLUMNS}")
        k = model.n_regimes
        self.model = model
        self.capacity = integer(capacity, "RegimeSwitched.capacity", 1)
        self.half_spreads = _per_regime(half_spreads, k, 1.0, "half_spreads", 0.0, False)
        self.sizes = _per_regime(sizes, k, 1, "sizes", 0, True)
        if max(self.sizes) > self.capacity:
            raise ValueError(f"RegimeSwitched.sizes {self.sizes} exceed capacity {capacity}")
        self.skew = number(skew, "RegimeSwitched.skew", 0.0, 1e6)
        self.bar_ns = integer(bar_ns, "RegimeSwitched.bar_ns", 1)
        self.bucket_volume = number(bucket_volume, "RegimeSwitched.bucket_volume", 0.0, 1e12,
                                    low_open=True)
        self.window = integer(window, "RegimeSwitched.window", 1, 10_000)
        self.timer_ns = integer(requote_ns, "RegimeSwitched.requote_ns", 1)
        self.book = integer(book, "RegimeSwitched.book", 0)
        self.tif = int(TimeInForce.POST_ONLY if post_only else TimeInForce.GTC)
        self.name = "RegimeSwitched"
        self._args = {"half_spreads": self.half_spreads, "sizes": self.sizes, "skew": skew,
                      "capacity": capacity, "bar_ns": bar_ns, "bucket_volume": bucket_volume,
                      "window": window, "requote_ns": requote_ns,
                      "book": book, "post_only": post_only, "n_regimes": k}
        self._reset()

    def describe(self) -> dict:
        """Constructor arguments (the model as its number of regimes), for reports."""
        return dict(self._args)

    def _reset(self) -> None:
        self.features = ToxicityBars(self.bar_ns, self.bucket_volume, self.window)
        self.probs: np.ndarray | None = None
        self.regime = int(np.argmax(self.model.startprob))
        self.bars: list[dict] = []
        self._prints = np.zeros(1, quoting_nb.PRINT_DTYPE)  # the last print counted
        self._prints["ts"] = quoting_nb.NO_TIME

    def _apply(self, closed: list, now: int) -> None:
        for end, *x in closed:
            xv = np.asarray(x, np.float64)
            if np.isfinite(xv).all():
                self.probs = self.model.filter_step(self.probs, xv)
                self.regime = int(np.argmax(self.probs))
                label = self.regime
            else:
                label = -1
            self.bars.append({"end_ns": end, "seen_ns": now, **dict(zip(FEATURE_COLUMNS, x)),
                              "regime": label,
                              "probs": None if label < 0 else self.probs.copy()})

    def _observe_top(self, ctx: Context) -> bool:
        """Feed the current top of book; True when it changed."""
        bb, ba = ctx.best_bid(self.book), ctx.best_ask(self.book)
        bq, aq = ctx.best_sizes(self.book)
        last = self.features.last
        new = (float(bb) if bb > 0 else math.nan, float(ba) if ba > 0 else math.nan,
               float(bq if bb > 0 else 0), float(aq if ba > 0 else 0))
        self._apply(self.features.quote(ctx.now, *new), ctx.now)
        return last is None or not _same(new, last)

    def quoted_regime(self, now: int) -> int:
        """The regime whose half-spread and size the requote at `now` uses: the filtered
        one (subclasses may substitute another schedule, e.g. a placebo)."""
        return self.regime

    # -- callbacks ---------------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        self._reset()

    def on_book(self, ctx: Context, book: int) -> None:
        if book == self.book:
            self._observe_top(ctx)

    def on_trade(self, ctx: Context, book: int) -> None:
        if book != self.book:
            return
        self._observe_top(ctx)
        px, qty, side, ts = ctx.last_trade(book)
        if quoting_nb.fresh_print(self._prints[0], ts, px, qty, side,
                                  int(ctx.last_trade_kind(book))):
            self._apply(self.features.trade(ctx.now, qty, side), ctx.now)

    def on_timer(self, ctx: Context) -> None:
        self._apply(self.features.close(ctx.now), ctx.now)
        bb, ba = ctx.best_bid(self.book), ctx.best_ask(self.book)
        if bb <= 0 or ba <= 0:
            return
        pos = ctx.position(ctx.instrument_of(self.book))
        r = self.quoted_regime(ctx.now)
        bid, ask, bq, aq = skew_quotes(bb, ba, pos, self.half_spreads[r], self.skew,
                                       self.capacity, self.sizes[r])
        place(ctx, self.book, self.tif, int(bid), int(ask), int(bq), int(aq))
