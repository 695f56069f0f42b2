"""DollarNeutralMM: a market maker on many instruments that keeps its net dollar exposure
near zero, by covariance-proportional skew inside a band and a taker hedge past a harder
band."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from hftlab.instruments import MS, Instrument, check
from hftlab.schema import TimeInForce
from hftlab.strategies import dollar_neutral_nb as k
from hftlab.strategies.base import integer, number, place
from hftlab.strategies.planned import PlannedStrategy
from hftlab.strategy import Context

SECOND = 1000 * MS


class DollarNeutralMM(PlannedStrategy):
    """Quote every instrument; keep net dollar exposure sum(position x price) in a band.

    Each instrument is quoted around its mid (at least its touch, or half_spread_bps) with
    quote_notional of currency per side. Inside the band the quotes are skewed: a net
    long of net dollars moves every reservation price by -skew_bps * min(net / band, 1) *
    w_i bps, with w_i the instrument's EWMA covariance with the portfolio (sum_j S_ij
    d_j, in the direction of the exposure, scaled to 1 at the largest), so selling leans
    on the instruments that carry the portfolio's risk; an own-inventory term
    -inventory_skew_bps * d_i / max_position_notional bounds each name. Sizes never let a
    fill carry net past the band: the side that adds to net exposure shares (band - |net|)
    equally across instruments, and no instrument passes max_position_notional. Past
    hard_band (prices move, positions do not) one IOC market order hedges net towards 0
    in the instrument with the lowest cost per currency of exposure offset (taker_fee_bps
    + half the quoted spread, in bps of the mid), one hedge in flight at a time.

    Covariance: RiskMetrics EWMA of log mid returns sampled every sample_ns (host time)
    with halflife cov_halflife samples; quotes use it from min_samples samples on. The
    beta-weighted exposure (beta to the equal-weighted index of the instruments) is kept
    beside net and gross dollars in a history of up to history rows, one per sample
    (``exposure_history``). Requoted every requote_ns and after each fill.

    Units: currency (band, hard_band, quote_notional, max_position_notional), bps of the
    mid (skews, half_spread_bps, taker_fee_bps), ns. instruments: the run's Instrument
    list (``data.instruments``: tick size, lot size and multiplier give each instrument's
    currency per tick per lot); books: the book index of each (default: venue 0).
    """

    step = staticmethod(k.dollar_neutral_step)

    def __init__(self, instruments: Sequence[Instrument], *, band: float = 20_000.0,
                 hard_band: float = 40_000.0, quote_notional: float = 2_000.0,
                 max_position_notional: float = 20_000.0, skew_bps: float = 2.0,
                 inventory_skew_bps: float = 1.0, half_spread_bps: float = 0.0,
                 taker_fee_bps: float = 0.0, sample_ns: int = SECOND,
                 cov_halflife: float = 60.0, min_samples: int = 10,
                 requote_ns: int = 100 * MS, history: int = 8192,
                 books: Sequence[int] | None = None, post_only: bool = True) -> None:
        name = "DollarNeutralMM"
        check(len(instruments) >= 2, f"{name}.instruments", "at least 2 instruments",
              len(instruments))
        n = len(instruments)
        books = list(range(n)) if books is None else list(books)
        check(len(books) == n, f"{name}.books", f"{n} book indices (one per instrument)", books)
        self._params = np.zeros(1, k.PARAMS_DTYPE)
        p = self._params[0]
        p["n"] = n
        p["band"] = number(band, f"{name}.band", 0.0, 1e12, low_open=True)
        p["hard_band"] = number(hard_band, f"{name}.hard_band", band, 1e12, low_open=True)
        p["quote_notional"] = number(quote_notional, f"{name}.quote_notional", 0.0, 1e12,
                                     low_open=True)
        p["max_position_notional"] = number(max_position_notional,
                                            f"{name}.max_position_notional", 0.0, 1e12,
                                            low_open=True)
        p["skew_bps"] = number(skew_bps, f"{name}.skew_bps", 0.0, 1e4)
        p["inventory_skew_bps"] = number(inventory_skew_bps, f"{name}.inventory_skew_bps",
                                         0.0, 1e4)
        p["half_spread_bps"] = number(half_spread_bps, f"{name}.half_spread_bps", 0.0, 1e4)
        p["taker_fee_bps"] = number(taker_fee_bps, f"{name}.taker_fee_bps", -1e3, 1e3)
        p["sample_ns"] = integer(sample_ns, f"{name}.sample_ns", 1)
        p["cov_halflife"] = number(cov_halflife, f"{name}.cov_halflife", 0.0, 1e6,
                                   low_open=True)
        p["min_samples"] = integer(min_samples, f"{name}.min_samples", 0)
        p["history"] = integer(history, f"{name}.history", 0, 1 << 22)
        p["tif"] = int(TimeInForce.POST_ONLY if post_only else TimeInForce.GTC)
        self._values = np.array([s.tick_value for s in instruments])
        self._books = np.array([integer(b, f"{name}.books[{i}]", 0) for i, b in enumerate(books)],
                               np.int64)
        self.timer_ns = integer(requote_ns, f"{name}.requote_ns", 1)
        self.n, self.books, self.history = n, books, history
        self.state = self.record()
        self._args = dict(instruments=[i.symbol for i in instruments], band=band,
                          hard_band=hard_band, quote_notional=quote_notional,
                          max_position_notional=max_position_notional, skew_bps=skew_bps,
                          inventory_skew_bps=inventory_skew_bps,
                          half_spread_bps=half_spread_bps, taker_fee_bps=taker_fee_bps,
                          sample_ns=sample_ns, cov_halflife=cov_halflife,
                          min_samples=min_samples, requote_ns=requote_ns, history=history,
                          books=books, post_only=post_only)

    def record(self) -> np.ndarray:
        """The initial record (dollar_neutral_nb.dn_record): params, a fresh state, the
        arrays."""
        return k.dn_record(self._params, self._values, self._books, self.history)

    # -- the Python form -----------------------------------------------------------------
    def on_timer(self, ctx: Context) -> None:
        self._act(ctx)

    def on_fill(self, ctx: Context, fill) -> None:
        self._act(ctx)

    def _act(self, ctx: Context) -> None:
        n, r = self.n, self.state[0]
        bids = np.array([ctx.best_bid(b) for b in self.books], np.int64)
        asks = np.array([ctx.best_ask(b) for b in self.books], np.int64)
        pos = np.array([ctx.position(ctx.instrument_of(b)) for b in self.books], np.int64)
        pending = any(o.tif == TimeInForce.IOC for o in ctx.open_orders())
        out = np.zeros((n + 1, 4), np.int64)
        k.plan(r["params"], r["state"], k.arrays_of(r), ctx.now, bids, asks, pos, pending, out)
        tif = int(r["params"]["tif"])
        for i, b in enumerate(self.books):
            if bids[i] > 0 and asks[i] > 0:
                place(ctx, b, tif, int(out[i, 0]), int(out[i, 1]), int(out[i, 2]),
                      int(out[i, 3]))
        if out[n, 2] > 0:
            ctx.market_order(int(out[n, 1]), int(out[n, 2]), int(out[n, 0]))

    # -- what it measured ----------------------------------------------------------------
    def exposure_history(self, state: np.ndarray | None = None) -> pd.DataFrame:
        """(ts, net, gross, beta_net) at each covariance sample, from the Python form's
        state or a compiled run's ``rec.strategy_state``."""
        r = self._row(state)
        rows = int(r["state"]["hist_n"])
        h = r["history"][:rows]
        return pd.DataFrame({"ts": r["history_ts"][:rows].copy(), "net": h[:, 0],
                             "gross": h[:, 1], "beta_net": h[:, 2]})

    def covariance(self, state: np.ndarray | None = None) -> np.ndarray:
        """The EWMA covariance of log mid returns (per sample) the run ended with."""
        return self._row(state)["cov"].copy()

    def counters(self, state: np.ndarray | None = None) -> dict[str, float]:
        """Hedges sent and their lots, the longest time (ns) the host saw |net| past the
        hard band, the largest |net| it saw, covariance samples, history rows lost."""
        s = self._row(state)["state"]
        return {"hedges": int(s["hedges"]), "hedge_lots": int(s["hedge_lots"]),
                "over_hard_max_ns": int(s["over_max"]), "max_abs_net": float(s["max_abs_net"]),
                "samples": int(s["samples"]), "history_lost": int(s["hist_lost"])}
