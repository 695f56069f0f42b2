"""ToxicityAware: quotes that widen with VPIN, volatility and thin depth, in tiers."""

from __future__ import annotations

from hftlab.instruments import check
from hftlab.strategies import quoting_nb
from hftlab.strategies import toxicity_nb as kern
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, integer, number
from hftlab.strategy import Context

TIERS = ("tight", "medium", "wide", "withdrawn")
SCORES = ("vpin", "cdf")


class ToxicityAware(QuotingStrategy):
    """Toxicity-aware dynamic quoting: an inventory-skewed quoter whose spread and size
    follow the flow's toxicity, measured online by VPIN (Easley, López de Prado & O'Hara
    2012, "Flow toxicity and liquidity in a high-frequency world", Review of Financial
    Studies 25(5)), with the tiers of practice:

        VPIN < 0.5          tight: half_spread, full `qty`
        0.5 <= VPIN < 0.75  medium: half-spread x m_medium, qty x size_medium lots (>= 1)
        0.75 <= VPIN < 0.9  wide: half-spread x m_wide, 1 lot
        VPIN >= 0.9         withdraw: cancel both quotes

    (thresholds `tiers`). Within a tier the half-spread also widens with volatility and
    thin depth: half = multiplier x (half_spread + vol_coef sigma + depth_coef thin),
    thin = max(depth_ref / depth - 1, 0) (capped at 10), depth the lots visible on the
    best `depth_levels` levels of both sides. Quotes sit at r -/+ half around
    r = mid - skew position / capacity (InventorySkew's sign: long lowers both quotes),
    rounded away from r to whole ticks; sizes taper near capacity as in InventorySkew.

    VPIN: every trade print on our book (once, see quoting_nb.fresh_print) is poured
    into buckets of `bucket_volume` lots
    by its aggressor side (split exactly across bucket ends); VPIN is the mean of
    |B - S| / V over the last `window` buckets (over all completed ones until `window`
    are complete; 0 before the first). score="cdf" applies the tiers to the CDF of
    VPIN under a log-normal fitted to the VPIN history so far (the paper's alert
    statistic, CDF > 0.9) instead of raw VPIN, for markets whose VPIN level is low or
    shifted; the raw-VPIN tiers are the default. Units: ticks, lots, seconds; sigma in ticks per
    sqrt(s) (EWMA of the mid when sigma_halflife_s > 0).
    """

    rule = quoting_nb.TOXICITY_AWARE
    subscribe_trades = True

    def __init__(self, half_spread: float = 1.0, skew: float = 2.0, qty: int = 2,
                 capacity: int = 20, bucket_volume: float = 500.0, window: int = 50,
                 tiers: tuple[float, float, float] = (0.5, 0.75, 0.9),
                 m_medium: float = 2.0, m_wide: float = 4.0, size_medium: float = 0.5,
                 vol_coef: float = 0.0, sigma: float = 1.0, sigma_halflife_s: float = 0.0,
                 depth_levels: int = 5, depth_ref: float = 0.0, depth_coef: float = 0.0,
                 score: str = "vpin", requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        self._args = dict(score=score, half_spread=half_spread, skew=skew, qty=qty,
                          capacity=capacity,
                          bucket_volume=bucket_volume, window=window, tiers=tuple(tiers),
                          m_medium=m_medium, m_wide=m_wide, size_medium=size_medium,
                          vol_coef=vol_coef, sigma=sigma, sigma_halflife_s=sigma_halflife_s,
                          depth_levels=depth_levels, depth_ref=depth_ref,
                          depth_coef=depth_coef, requote_ns=requote_ns, book=book,
                          post_only=post_only)
        n = "ToxicityAware"
        self.window = integer(window, f"{n}.window", 1, 10_000)
        p = self._header(qty, capacity, requote_ns, book, post_only, sigma, sigma_halflife_s)
        p["half_spread"] = number(half_spread, f"{n}.half_spread", 0.0, 1e6)
        p["skew"] = number(skew, f"{n}.skew", 0.0, 1e6)
        p["bucket_volume"] = number(bucket_volume, f"{n}.bucket_volume", 0.0, 1e12, low_open=True)
        p["window"] = self.window
        t = tuple(tiers)
        check(len(t) == 3 and all(isinstance(x, (int, float)) for x in t)
              and 0 < t[0] <= t[1] <= t[2] <= 1, f"{n}.tiers",
              "three VPIN thresholds 0 < medium <= wide <= withdraw <= 1", tiers)
        p["t_medium"], p["t_wide"], p["t_withdraw"] = t
        p["m_medium"] = number(m_medium, f"{n}.m_medium", 1.0, 1e3)
        p["m_wide"] = number(m_wide, f"{n}.m_wide (>= m_medium={m_medium})", m_medium, 1e3)
        p["size_medium"] = number(size_medium, f"{n}.size_medium", 0.0, 1.0)
        p["vol_coef"] = number(vol_coef, f"{n}.vol_coef", 0.0, 1e6)
        p["depth_levels"] = integer(depth_levels, f"{n}.depth_levels", 1, 50)
        p["depth_ref"] = number(depth_ref, f"{n}.depth_ref", 0.0, 1e12)
        p["depth_coef"] = number(depth_coef, f"{n}.depth_coef", 0.0, 1e6)
        check(score in SCORES, f"{n}.score", f"one of {SCORES}", score)
        p["score"] = SCORES.index(score)
        self.bucket_volume, self.tiers, self.score = bucket_volume, t, score

    @property
    def n_ring(self) -> int:
        return self.window

    def on_trade(self, ctx: Context, book: int) -> None:
        if book == self.book:
            px, qty, side, ts = ctx.last_trade(book)
            if quoting_nb.fresh_print(self.s["last_print"], ts, px, qty, side,
                                      int(ctx.last_trade_kind(book))):
                kern.vpin_trade(self.p, self.s, self.ring, qty, side)

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        d = ctx.depth(self.book, int(self.p["depth_levels"]))
        depth = int(d["bid_qty"].sum() + d["ask_qty"].sum())
        return kern.toxicity_rule(self.p, self.s, ctx.now, bb, ba, pos, depth)

    def vpin(self) -> float:
        """VPIN after the last trade the Python form saw."""
        return float(self.s["vpin"])

    def tier(self) -> str:
        """The tier of the Python form's last requote."""
        return TIERS[int(self.s["tier"])]

