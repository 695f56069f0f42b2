"""Static: quote mid -/+ a fixed half-spread, the baseline market maker."""

from __future__ import annotations

from hftlab.strategies import static_nb as k
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, number
from hftlab.strategy import Context


class Static(QuotingStrategy):
    """Symmetric quotes at mid -/+ half_spread with no inventory control (the baseline).

    The naive benchmark against which the market-making literature measures inventory
    control (Avellaneda & Stoikov 2008 compare with its "symmetric strategy"): every
    `requote_ns` of host time, bid = floor(mid - half_spread) and ask =
    ceil(mid + half_spread), in ticks, never crossing the opposite best. Sizes are `qty`
    lots on both sides whatever the inventory; only a fill that would take |position|
    beyond `capacity` lots is prevented (a hard limit, not a control).
    """

    rule = quoting_nb.STATIC

    def __init__(self, half_spread: float = 1.0, qty: int = 1, capacity: int = 100,
                 requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        self._args = dict(half_spread=half_spread, qty=qty, capacity=capacity,
                          requote_ns=requote_ns, book=book, post_only=post_only)
        p = self._header(qty, capacity, requote_ns, book, post_only)
        p["half_spread"] = number(half_spread, "Static.half_spread", 0.0, 1e6)
        self.half_spread = half_spread

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        return k.static_quotes(self.p, self.s, ctx.now, bb, ba, pos)
