"""PairsTrader: statistical arbitrage on a pair or a basket, with an online hedge ratio,
z-score bands, costs, a holding-time limit and a correlation guard."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from hftlab.instruments import MS, Instrument, check
from hftlab.schema import TimeInForce
from hftlab.strategies import pairs_nb as k
from hftlab.strategies.base import integer, number, place
from hftlab.strategies.planned import PlannedStrategy
from hftlab.strategy import Context

SECOND = 1000 * MS
METHODS = {"kalman": k.METHOD_KALMAN, "rolling_ols": k.METHOD_OLS}
EXECUTIONS = {"taker": k.TAKER, "passive": k.PASSIVE}


class PairsTrader(PlannedStrategy):
    """Trade the spread of leg 0 against legs 1.. (a pair, or a basket of up to 5 legs).

    Every sample_ns (host time) the legs' log mids update the hedge ratio by ``method``:
    "kalman" (a Kalman filter with random-walk coefficients, delta and obs_var: Chan
    2013, ch. 3) or "rolling_ols" (least squares over the last `window` samples). The
    spread s = log(y / y0) - b' log(x / x0) gets an EWMA mean and sd (halflife
    z_halflife samples); z = (s - mean) / sd. From `warmup` samples on: enter at |z| >=
    entry_z when the expected edge ((|z| - exit_z) sd notional) covers cost_mult times the
    round trip's cost (taker_fee_bps of each leg's venue + half its quoted spread, both
    ways); exit at |z| <= exit_z; stop at |z| >= stop_z (no entry until |z| < entry_z);
    flatten after max_hold_ns. A long spread holds `notional` of leg 0 and -b_j notional
    of leg j (currency), as whole lots at the entry mids. execution: "taker" (IOC market
    orders for the difference to the target, one in flight per leg) or "passive" (a
    POST_ONLY quote at the touch for the difference).

    Correlation guard (correlation_threshold, default None = off): the mean pairwise
    EWMA correlation of the legs' sample returns (halflife correlation_halflife samples,
    the risk monitor's estimator, from correlation_min_updates updates) below the
    threshold flattens the position and blocks entries until it recovers: the breakdown
    alert the risk engine does not give a strategy (its alert fires on a rise to a
    threshold and only writes a risk event).

    Units: currency (notional), bps (taker_fee_bps), z-scores, samples, ns. instruments:
    the run's Instrument list; books: the book index of each leg, leg 0 first.
    """

    step = staticmethod(k.pairs_step)

    def __init__(self, instruments: Sequence[Instrument], books: Sequence[int], *,
                 method: str = "kalman", delta: float = 1e-5, obs_var: float = 1e-6,
                 window: int = 300, sample_ns: int = SECOND, z_halflife: float = 120.0,
                 entry_z: float = 2.0, exit_z: float = 0.5, stop_z: float = 4.0,
                 max_hold_ns: int = 600 * SECOND, notional: float = 10_000.0,
                 execution: str = "taker", taker_fee_bps: float | Sequence[float] = 0.0,
                 cost_mult: float = 1.0, warmup: int = 60,
                 correlation_threshold: float | None = None,
                 correlation_halflife: float = 30.0, correlation_min_updates: int = 30,
                 requote_ns: int = 100 * MS) -> None:
        name = "PairsTrader"
        books = list(books)
        m = len(books)
        check(2 <= m <= k.MAX_LEGS, f"{name}.books",
              f"2 to {k.MAX_LEGS} book indices (leg 0 first)", books)
        check(method in METHODS, f"{name}.method", f"one of {sorted(METHODS)}", method)
        check(execution in EXECUTIONS, f"{name}.execution", f"one of {sorted(EXECUTIONS)}",
              execution)
        fees = [taker_fee_bps] * m if isinstance(taker_fee_bps, (int, float)) \
            else list(taker_fee_bps)
        check(len(fees) == m, f"{name}.taker_fee_bps", f"a number or {m} numbers (one per leg)",
              taker_fee_bps)
        self._params = np.zeros(1, k.PARAMS_DTYPE)
        p = self._params[0]
        p["m"] = m
        p["method"] = METHODS[method]
        p["delta"] = number(delta, f"{name}.delta", 0.0, 0.5, low_open=True)
        p["obs_var"] = number(obs_var, f"{name}.obs_var", 0.0, 1.0, low_open=True)
        p["window"] = integer(window, f"{name}.window", m + 1, 1 << 20)
        p["sample_ns"] = integer(sample_ns, f"{name}.sample_ns", 1)
        p["z_halflife"] = number(z_halflife, f"{name}.z_halflife", 0.0, 1e7, low_open=True)
        p["exit_z"] = number(exit_z, f"{name}.exit_z", 0.0, 100.0)
        p["entry_z"] = number(entry_z, f"{name}.entry_z", exit_z, 100.0, low_open=True)
        p["stop_z"] = number(stop_z, f"{name}.stop_z", entry_z, 1000.0, low_open=True)
        p["max_hold_ns"] = integer(max_hold_ns, f"{name}.max_hold_ns", 1)
        p["notional"] = number(notional, f"{name}.notional", 0.0, 1e12, low_open=True)
        p["execution"] = EXECUTIONS[execution]
        p["warmup"] = integer(warmup, f"{name}.warmup", 0)
        p["corr_threshold"] = math.nan if correlation_threshold is None else number(
            correlation_threshold, f"{name}.correlation_threshold", -1.0, 1.0)
        p["corr_halflife"] = number(correlation_halflife, f"{name}.correlation_halflife",
                                    0.0, 1e7, low_open=True)
        p["corr_min"] = integer(correlation_min_updates, f"{name}.correlation_min_updates", 0)
        p["cost_mult"] = number(cost_mult, f"{name}.cost_mult", 0.0, 1e6)
        for j, b in enumerate(books):
            b = integer(b, f"{name}.books[{j}]", 0)
            spec = instruments[b % len(instruments)]
            p["value"][j] = spec.tick_value
            p["book"][j] = b
            p["fee_bps"][j] = number(fees[j], f"{name}.taker_fee_bps[{j}]", -1e3, 1e3)
        self.timer_ns = integer(requote_ns, f"{name}.requote_ns", 1)
        self.m, self.books, self.window = m, books, int(p["window"])
        self.state = self.record()
        self._args = dict(books=books, method=method, delta=delta, obs_var=obs_var,
                          window=window, sample_ns=sample_ns, z_halflife=z_halflife,
                          entry_z=entry_z, exit_z=exit_z, stop_z=stop_z, max_hold_ns=max_hold_ns,
                          notional=notional, execution=execution, taker_fee_bps=fees,
                          cost_mult=cost_mult, warmup=warmup,
                          correlation_threshold=correlation_threshold,
                          correlation_halflife=correlation_halflife,
                          correlation_min_updates=correlation_min_updates,
                          requote_ns=requote_ns)

    def record(self) -> np.ndarray:
        """The initial record (pairs_nb.pairs_record): params, a fresh state and ring."""
        return k.pairs_record(self._params, np.zeros(1, k.STATE_DTYPE),
                              np.zeros((self.window, self.m)))

    # -- the Python form -----------------------------------------------------------------
    def on_timer(self, ctx: Context) -> None:
        m = self.m
        bids = np.array([ctx.best_bid(b) for b in self.books], np.int64)
        asks = np.array([ctx.best_ask(b) for b in self.books], np.int64)
        out = np.zeros((m, 4), np.int64)
        r = self.state[0]
        k.plan(r["params"], r["state"], r["ring"], ctx.now, bids, asks, out)
        passive = int(r["params"]["execution"]) == k.PASSIVE
        for j in range(m):
            b = int(out[j, 0])
            diff = int(out[j, 1]) - ctx.position(ctx.instrument_of(b))
            if passive:
                if out[j, 2] > 0 and out[j, 3] > 0:
                    place(ctx, b, int(TimeInForce.POST_ONLY), int(out[j, 2]), int(out[j, 3]),
                          max(diff, 0), max(-diff, 0))
            elif diff != 0 and not any(o.tif == TimeInForce.IOC for o in ctx.open_orders(b)):
                ctx.market_order(1 if diff > 0 else -1, abs(diff), b)

    # -- what it measured ----------------------------------------------------------------
    def hedge_ratio(self, state: np.ndarray | None = None) -> np.ndarray:
        """(a, b_1, ..., b_k): the intercept and hedge ratios the run ended with."""
        return self._row(state)["state"]["theta"][:self.m].copy()

    def counters(self, state: np.ndarray | None = None) -> dict[str, float]:
        """Entries, exits by reason, samples, last z and correlation, estimated costs."""
        s = self._row(state)["state"]
        return {"entries": int(s["entries"]), "exits": int(s["exits"]),
                "stops": int(s["stops"]), "timeouts": int(s["timeouts"]),
                "guard_stops": int(s["guard_stops"]), "samples": int(s["n"]),
                "z": float(s["z"]), "correlation": float(s["corr"]),
                "guard_on": bool(s["guard"]), "estimated_cost": float(s["cost"])}
