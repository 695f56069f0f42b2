"""InventorySkew: quote mid +/- a half-spread, shifted against inventory, requoted on a timer."""

from __future__ import annotations

import numpy as np

from hftlab.instruments import MS, check
from hftlab.schema import TimeInForce
from hftlab.strategies import inventory_skew_nb as k
from hftlab.strategy import CompiledStrategy, Context, Strategy


class InventorySkew(Strategy):
    """A market maker with linear inventory skew (the textbook rule).

    Every `requote_ns` of host time it quotes bid = floor(r - half_spread) and
    ask = ceil(r + half_spread) around the reservation price
    r = mid - skew * position / capacity (ticks), so a long position lowers both quotes
    and inventory mean-reverts. Sizes are `qty` lots, cut so that no fill can take
    |position| beyond `capacity`. An order already at the wanted price keeps its queue
    place; others on that side are cancelled. Units: ticks and lots.
    """

    def __init__(self, half_spread: float = 1.0, skew: float = 2.0, capacity: int = 10,
                 qty: int = 1, requote_ns: int = 100 * MS, book: int = 0,
                 post_only: bool = True) -> None:
        check(half_spread >= 0, "InventorySkew.half_spread", "a number of ticks >= 0", half_spread)
        check(skew >= 0, "InventorySkew.skew", "a number of ticks >= 0", skew)
        check(isinstance(capacity, int) and capacity > 0, "InventorySkew.capacity",
              "an integer number of lots > 0", capacity)
        check(isinstance(qty, int) and 0 < qty <= capacity, "InventorySkew.qty",
              f"an integer number of lots in [1, capacity={capacity}]", qty)
        check(isinstance(requote_ns, int) and requote_ns > 0, "InventorySkew.requote_ns",
              "an integer number of ns > 0", requote_ns)
        check(isinstance(book, int) and book >= 0, "InventorySkew.book", "a book index >= 0", book)
        self.half_spread, self.skew, self.capacity, self.qty = half_spread, skew, capacity, qty
        self.book, self.timer_ns = book, requote_ns
        self.tif = TimeInForce.POST_ONLY if post_only else TimeInForce.GTC
        self.name = "InventorySkew"

    def params(self) -> np.ndarray:
        p = np.zeros(k.N_PARAMS)
        p[k.P_BOOK], p[k.P_HALF_SPREAD], p[k.P_SKEW] = self.book, self.half_spread, self.skew
        p[k.P_CAPACITY], p[k.P_QTY], p[k.P_TIF] = self.capacity, self.qty, int(self.tif)
        return p

    def compiled(self) -> CompiledStrategy:
        """The same rule as a numba function: no Python in the backtest loop."""
        return CompiledStrategy(k.inventory_skew_step, self.params(), np.zeros(1),
                                timer_ns=self.timer_ns, name="InventorySkew[compiled]")

    def on_timer(self, ctx: Context) -> None:
        bb, ba = ctx.best_bid(self.book), ctx.best_ask(self.book)
        if bb <= 0 or ba <= 0:
            return
        inst = ctx.instrument_of(self.book)
        bid, ask, bq, aq = k.skew_quotes(bb, ba, ctx.position(inst), self.half_spread,
                                         self.skew, self.capacity, self.qty)
        for side, price, q in ((1, bid, bq), (-1, ask, aq)):
            keep = False
            for o in ctx.open_orders(self.book):
                if o.side != side:
                    continue
                if o.price == price and q > 0 and not keep:
                    keep = True
                elif o.pending == 0:
                    ctx.cancel(o.order_id)
            if not keep and q > 0 and price > 0:
                ctx.submit(side, int(price), int(q), self.book, self.tif)
