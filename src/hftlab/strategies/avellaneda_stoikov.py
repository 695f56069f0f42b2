"""AvellanedaStoikov: the finite-horizon and rolling-horizon quotes of Avellaneda & Stoikov."""

from __future__ import annotations

from hftlab.strategies import avellaneda_stoikov_nb as kern
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, number
from hftlab.strategy import Context


class AvellanedaStoikov(QuotingStrategy):
    """Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book",
    Quantitative Finance 8(3): quotes around the reservation price

        r = s - q gamma sigma^2 (T - t),
        spread = gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)

    (eqs. 29-30; hftlab.strategies.avellaneda_stoikov_quotes is the pure function). s is
    the host's mid, q the position in lots (long lowers both quotes). Finite horizon
    (rolling=False): T is `horizon_s` seconds after the first event, so the inventory
    term fades to 0 as the session ends and stays 0 after it. Rolling horizon
    (rolling=True): T - t = horizon_s at every requote, the stationary variant used in
    practice. Prices are rounded away from r to whole ticks, never crossing the opposite
    best; `qty` lots per side, no quote on a side whose fill would pass `capacity`.

    Units (ticks, lots, seconds): gamma in 1/(tick x lot); sigma in ticks per sqrt(s) -
    fixed when sigma_halflife_s = 0, else the starting value of an EWMA estimate from
    the mid at each requote (halflife in s); k in 1/tick (the fill intensity decays as
    exp(-k distance)). From currency units: gamma_ticks = gamma * tick_size,
    sigma_ticks = sigma / tick_size, k_ticks = k * tick_size.
    """

    rule = quoting_nb.AVELLANEDA_STOIKOV

    def __init__(self, gamma: float = 0.1, sigma: float = 1.0, k: float = 1.5,
                 horizon_s: float = 60.0, rolling: bool = True, qty: int = 1,
                 capacity: int = 20, sigma_halflife_s: float = 0.0,
                 requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        self._args = dict(gamma=gamma, sigma=sigma, k=k, horizon_s=horizon_s, rolling=rolling,
                          qty=qty, capacity=capacity, sigma_halflife_s=sigma_halflife_s,
                          requote_ns=requote_ns, book=book, post_only=post_only)
        p = self._header(qty, capacity, requote_ns, book, post_only, sigma, sigma_halflife_s)
        p["gamma"] = number(gamma, "AvellanedaStoikov.gamma", 0.0, 1e6, low_open=True)
        p["k"] = number(k, "AvellanedaStoikov.k", 0.0, 1e6, low_open=True)
        p["horizon_s"] = number(horizon_s, "AvellanedaStoikov.horizon_s", 0.0, 1e7)
        p["rolling"] = 1 if rolling else 0
        self.gamma, self.sigma, self.k, self.horizon_s, self.rolling = \
            gamma, sigma, k, horizon_s, rolling

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        return kern.avellaneda_stoikov_rule(self.p, self.s, ctx.now, bb, ba, pos)

