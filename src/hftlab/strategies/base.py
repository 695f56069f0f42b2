"""QuotingStrategy: the Python face every built-in market maker shares.

A built-in market maker is one compiled quote rule (in its ``*_nb`` module) used by two
forms: this Python class, which calls the rule from its callbacks and places the quotes
through the Context, and ``compiled()``, a numba function the engine calls in its loop.
Both forms run the same kernels on the same params and state records (quoting_nb's
PARAMS_DTYPE and STATE_DTYPE, fields by name), so they leave the same record bit for bit.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from hftlab.instruments import MS, check
from hftlab.schema import TimeInForce
from hftlab.strategies import quoting_nb as q
from hftlab.strategy import CompiledStrategy, Context, Strategy

DEFAULT_REQUOTE_NS = 100 * MS  # requote every 100 ms of host time unless told otherwise


def number(value: Any, name: str, low: float = -math.inf, high: float = math.inf,
           low_open: bool = False) -> float:
    """A finite number in [low, high] (or (low, high] with low_open), else ConfigError."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
    lo = "(" if low_open else "["
    rng = f"a finite number in {lo}{low}, {high}]" if math.isfinite(high) else \
        (f"a finite number > {low}" if low_open else f"a finite number >= {low}")
    check(ok, name, rng, value)
    return float(value)


def integer(value: Any, name: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low \
        and (high is None or value <= high)
    rng = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
    check(ok, name, rng, value)
    return int(value)


class QuotingStrategy(Strategy, ABC):
    """A two-sided quoter requoted on a timer; subclasses supply the rule's kernels.

    Subclasses set ``rule`` (their quote rule's id in quoting_nb, which the one compiled
    skeleton, makers_nb.maker_step, dispatches on), fill their params record in
    ``__init__`` via ``_header`` and implement ``_quote(ctx, bb, ba, pos)`` by calling
    their compiled quote rule on ``self.p``, ``self.s`` (the records of ``self._params``
    and ``self.state``) and ``self.ring``.
    """

    rule: int
    n_ring = 0  # length of the rule's float64 ring (ToxicityAware: its window)

    def _header(self, qty: int, capacity: int, requote_ns: int, book: int, post_only: bool,
                sigma: float = 0.0, sigma_halflife_s: float = 0.0) -> np.void:
        """Validate and set the params every maker has; returns the params record for
        the subclass to fill with its own."""
        name = type(self).__name__
        capacity = integer(capacity, f"{name}.capacity", 1)
        qty = integer(qty, f"{name}.qty", 1, capacity)
        self.timer_ns = integer(requote_ns, f"{name}.requote_ns", 1)
        self.book = integer(book, f"{name}.book", 0)
        self._params = np.zeros(1, q.PARAMS_DTYPE)
        p = self._params[0]
        p["rule"], p["book"] = self.rule, self.book
        p["tif"] = int(TimeInForce.POST_ONLY if post_only else TimeInForce.GTC)
        p["qty"], p["capacity"] = qty, capacity
        p["sigma"] = number(sigma, f"{name}.sigma", 0.0)
        p["sigma_halflife_s"] = number(sigma_halflife_s, f"{name}.sigma_halflife_s", 0.0,
                                       86_400.0)
        self.qty, self.capacity = qty, capacity
        self.name = name
        self._reset()
        return p

    def params(self) -> np.ndarray:
        """A copy of the one-row params record both forms read (quoting_nb.PARAMS_DTYPE)."""
        return self._params.copy()

    def initial_state(self) -> np.ndarray:
        """A fresh one-row state record (quoting_nb.STATE_DTYPE; the rule's start sets it)."""
        return np.zeros(1, q.STATE_DTYPE)

    def record(self) -> np.ndarray:
        """The compiled form's initial state: params, a fresh state and ring, one record
        (quoting_nb.maker_record); ``rec.strategy_state`` is this record after the run."""
        return q.maker_record(self._params, self.initial_state(), np.zeros(self.n_ring))

    def compiled(self) -> CompiledStrategy:
        """The same rule as a numba function: no Python in the backtest loop."""
        from hftlab.strategies.makers_nb import maker_step

        return CompiledStrategy.from_step(
            maker_step, self.record(), timer_ns=self.timer_ns,
            subscribe_book=self.subscribe_book, subscribe_trades=self.subscribe_trades,
            name=f"{self.name}[compiled]", describe=self.describe())

    def describe(self) -> dict:
        """Constructor arguments, for run records and reports."""
        return dict(getattr(self, "_args", {}))

    # -- the Python form -----------------------------------------------------------------
    def _reset(self) -> None:
        """A fresh state and ring for the Python form; self.p, self.s: the records its
        kernels take."""
        self.state, self.ring = self.initial_state(), np.zeros(self.n_ring)
        self.p, self.s = self._params[0], self.state[0]

    def on_start(self, ctx: Context) -> None:
        from hftlab.strategies.makers_nb import start_rule

        self._reset()
        start_rule(self.p, self.s, self.ring, ctx.now)

    def on_timer(self, ctx: Context) -> None:
        bb, ba = ctx.best_bid(self.book), ctx.best_ask(self.book)
        if bb <= 0 or ba <= 0:
            return
        pos = ctx.position(ctx.instrument_of(self.book))
        bid, ask, bq, aq = self._quote(ctx, bb, ba, pos)
        place(ctx, self.book, int(self.p["tif"]), int(bid), int(ask), int(bq), int(aq))

    @abstractmethod
    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        """(bid, ask, bid size, ask size) from the compiled rule of the strategy."""


def place(ctx: Context, book: int, tif: int, bid: int, ask: int, bq: int, aq: int) -> None:
    """Keep one order per side at the wanted price (keeping its queue place); cancel the rest,
    both sides' cancels before any new order. Size 0 withdraws.

    The Python twin of api_nb.requote_both, through the Context's commands.
    """
    sides = ((1, bid, bq), (-1, ask, aq))
    keep = {side: False for side, _, _ in sides}
    for side, price, qty in sides:
        for o in ctx.open_orders(book):
            if o.side != side:
                continue
            if o.price == price and qty > 0 and not keep[side]:
                keep[side] = True
            elif o.pending == 0:
                ctx.cancel(o.order_id)
    for side, price, qty in sides:
        if not keep[side] and qty > 0 and price > 0:
            ctx.submit(side, price, qty, book, TimeInForce(tif))

