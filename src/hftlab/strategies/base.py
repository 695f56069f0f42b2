"""QuotingStrategy: the Python face every built-in market maker shares.

A built-in market maker is one compiled quote rule (in its ``*_nb`` module) used by two
forms: this Python class, which calls the rule from its callbacks and places the quotes
through the Context, and ``compiled()``, a numba function the engine calls in its loop.
Both forms run the same kernels on the same params and state arrays, so they leave the
same record bit for bit.
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
    skeleton, makers_nb.maker_step, dispatches on), fill ``_params`` in ``__init__`` via
    ``_header`` and implement ``_quote(ctx, bb, ba, pos)`` by calling their compiled
    quote rule on ``self.state``.
    """

    rule: int
    n_params: int
    n_state: int

    def _header(self, qty: int, capacity: int, requote_ns: int, book: int, post_only: bool,
                sigma: float = 0.0, sigma_halflife_s: float = 0.0) -> np.ndarray:
        name = type(self).__name__
        capacity = integer(capacity, f"{name}.capacity", 1)
        qty = integer(qty, f"{name}.qty", 1, capacity)
        self.timer_ns = integer(requote_ns, f"{name}.requote_ns", 1)
        self.book = integer(book, f"{name}.book", 0)
        p = np.zeros(self.n_params)
        p[q.P_BOOK] = self.book
        p[q.P_TIF] = int(TimeInForce.POST_ONLY if post_only else TimeInForce.GTC)
        p[q.P_QTY], p[q.P_CAPACITY] = qty, capacity
        p[q.P_SIGMA] = number(sigma, f"{name}.sigma", 0.0)
        p[q.P_SIGMA_HALFLIFE] = number(sigma_halflife_s, f"{name}.sigma_halflife_s", 0.0, 86_400.0)
        p[q.P_RULE] = self.rule
        self.qty, self.capacity = qty, capacity
        self.name = name
        self._params = p
        self.state = self.initial_state()
        return p

    def params(self) -> np.ndarray:
        """The float64 params array both forms read (layout in the strategy's _nb module)."""
        return self._params.copy()

    def initial_state(self) -> np.ndarray:
        return np.zeros(self.n_state)

    def compiled(self) -> CompiledStrategy:
        """The same rule as a numba function: no Python in the backtest loop."""
        from hftlab.strategies.makers_nb import maker_step

        params, state = self.params(), self.initial_state()
        rec = np.zeros(1, [("n_params", "f8"), ("params", "f8", params.shape),
                           ("state", "f8", state.shape)])
        rec["n_params"], rec["params"][0], rec["state"][0] = len(params), params, state
        return CompiledStrategy.from_step(
            maker_step, rec, timer_ns=self.timer_ns, subscribe_trades=self.subscribe_trades,
            name=f"{self.name}[compiled]", describe=self.describe())

    def describe(self) -> dict:
        """Constructor arguments, for run records and reports."""
        return dict(getattr(self, "_args", {}))

    # -- the Python form -----------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        self.state = self.initial_state()
        q.start(self._params, self.state, ctx.now)

    def on_timer(self, ctx: Context) -> None:
        bb, ba = ctx.best_bid(self.book), ctx.best_ask(self.book)
        if bb <= 0 or ba <= 0:
            return
        pos = ctx.position(ctx.instrument_of(self.book))
        bid, ask, bq, aq = self._quote(ctx, bb, ba, pos)
        place(ctx, self.book, int(self._params[q.P_TIF]), int(bid), int(ask), int(bq), int(aq))

    @abstractmethod
    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        """(bid, ask, bid size, ask size) from the compiled rule of the strategy."""


def place(ctx: Context, book: int, tif: int, bid: int, ask: int, bq: int, aq: int) -> None:
    """Keep one order per side at the wanted price (keeping its queue place); cancel the rest.

    The Python twin of quoting_nb.place, through the Context's commands; size 0 withdraws.
    """
    for side, price, qty in ((1, bid, bq), (-1, ask, aq)):
        keep = False
        for o in ctx.open_orders(book):
            if o.side != side:
                continue
            if o.price == price and qty > 0 and not keep:
                keep = True
            elif o.pending == 0:
                ctx.cancel(o.order_id)
        if not keep and qty > 0 and price > 0:
            ctx.submit(side, price, qty, book, TimeInForce(tif))

