"""GLFT: Guéant-Lehalle-Fernandez-Tapia quotes with the fill intensity fitted online."""

from __future__ import annotations

from hftlab.strategies import glft_nb as kern
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, integer, number
from hftlab.strategy import Context


class GLFT(QuotingStrategy):
    """Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk: a
    solution to the market making problem", Mathematics and Financial Economics 7(4), in
    the general form of Guéant (2017), "Optimal market making", Applied Mathematical
    Finance 24(2): the asymptotic (long-horizon) closed-form quotes

        bid = s - c1 - (2q + delta)/2 c2,   ask = s + c1 - (2q - delta)/2 c2,
        c1 = ln(1 + xi delta/k) / (xi delta),
        c2 = sqrt(gamma sigma^2 / (2 A delta k) (1 + xi delta/k)^(k/(xi delta) + 1)),

    i.e. half-spread c1 + delta c2 / 2 and reservation skew q c2 (long lowers both
    quotes); hftlab.strategies.glft_quotes is the pure function. delta is the quote size
    `qty` and q the position, both in lots; xi defaults to gamma (the 2013 model).

    A and k of the fill intensity A exp(-k distance) are fitted online (fit=True): each
    trade print on our book (once, see quoting_nb.fresh_print) is counted at its
    distance from the mid of the last
    requote, counts age with `fit_halflife_s`, and at each requote
    (fit_intensity's weighted log-linear fit over bins of `bin_ticks`) the fit replaces
    A and k when at least `min_trades` (aged) trades support it and k lies in
    [k_min, k_max]; until then the configured A, k are used.

    Units (ticks, lots, seconds): gamma in 1/(tick x lot); sigma in ticks per sqrt(s)
    (EWMA from the mid when sigma_halflife_s > 0, as in AvellanedaStoikov); A per second;
    k in 1/tick. Rounded away from the mid to whole ticks, never crossing the opposite
    best; no quote on a side whose fill would pass `capacity` (the model's bound Q).
    """

    rule = quoting_nb.GLFT
    subscribe_trades = True

    def __init__(self, gamma: float = 0.05, sigma: float = 1.0, A: float = 1.0, k: float = 1.0,
                 xi: float | None = None, fit: bool = True, fit_halflife_s: float = 300.0,
                 bin_ticks: float = 0.5, min_trades: int = 100, k_min: float = 0.05,
                 k_max: float = 20.0, qty: int = 1, capacity: int = 20,
                 sigma_halflife_s: float = 0.0, requote_ns: int = DEFAULT_REQUOTE_NS,
                 book: int = 0, post_only: bool = True) -> None:
        self._args = dict(gamma=gamma, sigma=sigma, A=A, k=k, xi=xi, fit=fit,
                          fit_halflife_s=fit_halflife_s, bin_ticks=bin_ticks,
                          min_trades=min_trades, k_min=k_min, k_max=k_max, qty=qty,
                          capacity=capacity, sigma_halflife_s=sigma_halflife_s,
                          requote_ns=requote_ns, book=book, post_only=post_only)
        p = self._header(qty, capacity, requote_ns, book, post_only, sigma, sigma_halflife_s)
        p["gamma"] = number(gamma, "GLFT.gamma", 0.0, 1e6, low_open=True)
        p["A"] = number(A, "GLFT.A", 0.0, 1e9, low_open=True)
        p["k"] = number(k, "GLFT.k", 0.0, 1e6, low_open=True)
        p["xi"] = p["gamma"] if xi is None else number(xi, "GLFT.xi", 0.0, 1e6)
        p["fit"] = 1 if fit else 0
        p["fit_halflife_s"] = number(fit_halflife_s, "GLFT.fit_halflife_s", 0.0, 1e7,
                                     low_open=True)
        p["bin_ticks"] = number(bin_ticks, "GLFT.bin_ticks", 0.0, 1e4, low_open=True)
        p["min_trades"] = integer(min_trades, "GLFT.min_trades", 2)
        p["k_min"] = number(k_min, "GLFT.k_min", 0.0, 1e6, low_open=True)
        p["k_max"] = number(k_max, f"GLFT.k_max (>= k_min={k_min})", k_min, 1e6)
        self.gamma, self.sigma, self.A, self.k, self.xi, self.fit = gamma, sigma, A, k, xi, fit

    def on_trade(self, ctx: Context, book: int) -> None:
        if book == self.book:
            px, qty, side, ts = ctx.last_trade(book)
            kern.glft_trade(self.p, self.s, ts, px, qty, side,
                            int(ctx.last_trade_kind(book)))

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        return kern.glft_rule(self.p, self.s, ctx.now, bb, ba, pos)

    def fitted(self) -> tuple[float, float]:
        """(A per second, k per tick) in use after the last requote of the Python form."""
        return float(self.s["A"]), float(self.s["k"])
