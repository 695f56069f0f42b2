"""InventorySkew: quote around a reservation price shifted against inventory."""

from __future__ import annotations

from hftlab.strategies import inventory_skew_nb as k
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, number
from hftlab.strategy import Context


class InventorySkew(QuotingStrategy):
    """A market maker with linear inventory skew (the teaching example's rule, sign fixed).

    The teaching example writes ask = mid + base_spread/2 + penalty * inventory/capacity
    (and bid = mid - base_spread/2 + penalty * inventory/capacity). Taken literally, the
    "+" raises both quotes when we are long: our bid becomes more aggressive and our ask
    less, so we buy more and sell less and inventory runs away. This class uses the sign
    that makes inventory mean-revert: with half_spread = base_spread/2 and skew = penalty,

        r = mid - skew * inventory / capacity,  bid = r - half_spread,  ask = r + half_spread,

    so when long both quotes move down by skew * inventory / capacity ticks (the ask
    becomes easier to hit, the bid harder). Quotes are rounded away from r to whole
    ticks and never cross the opposite best. Sizes are `qty` lots; near capacity the
    side that grows |inventory| shrinks to ceil(qty (1 - |inventory|/capacity)) lots, and
    no fill can take |inventory| beyond `capacity`. Requoted every `requote_ns` of host
    time; an order already at the wanted price keeps its queue place.
    Units: ticks (half_spread, skew), lots (qty, capacity, inventory), ns.
    """

    rule = quoting_nb.INVENTORY_SKEW

    def __init__(self, half_spread: float = 1.0, skew: float = 2.0, capacity: int = 10,
                 qty: int = 1, requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        self._args = dict(half_spread=half_spread, skew=skew, capacity=capacity, qty=qty,
                          requote_ns=requote_ns, book=book, post_only=post_only)
        p = self._header(qty, capacity, requote_ns, book, post_only)
        p["half_spread"] = number(half_spread, "InventorySkew.half_spread", 0.0, 1e6)
        p["skew"] = number(skew, "InventorySkew.skew", 0.0, 1e6)
        self.half_spread, self.skew = half_spread, skew

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        return k.inventory_skew_quotes(self.p, self.s, ctx.now, bb, ba, pos)
