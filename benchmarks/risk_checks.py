"""Cost of the pre-trade risk checks in the compiled path, and their share of a backtest.

(1) ns per check: pre_trade() called in a compiled loop on a passing order (every rule
    evaluated, none fires), with 4 open orders of ours on the book, inlined as in the gate
    (CPU time, best of 5), for three limit sets:
    none (all inf), per-order + per-instrument rules (band, size, notional, position,
    duplicate guard, cancel ratio, throttle), and those plus the portfolio rules (gross,
    net, concentration) over 1 and 8 instruments. The loop's own cost is not subtracted.
(2) share of a market-making backtest: InventorySkew (compiled, post-only, 1 lot) on a
    synthetic L2 stream, with no limits and with every limit set but none binding; the
    share is (time with - time without) / time with, best of --repeat runs each, and the
    checks' count x ns per check / time with as a cross-check.

    python benchmarks/risk_checks.py [--events 1000000] [--calls 5000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numba as nb
import numpy as np

from hftlab.core.layout import (ACCOUNT_DTYPE, BOOK_DTYPE, CURSOR_DTYPE, INSTRUMENT_DTYPE,
                                OWN_ORDER_DTYPE)
from hftlab.risk import RiskLimits
from hftlab.risk.layout import new_state, no_limits
from hftlab.risk.pretrade_nb import pre_trade
from hftlab.schema import RISK_EVENT_DTYPE

MS = 1_000_000
T0 = 1_700_000_000_000_000_000

ALL_LIMITS = {"max_order_qty": 100, "max_order_notional": 1e6, "max_position": 1_000,
              "max_position_notional": 1e7, "price_band_pct": 0.05, "price_band_ticks": 50,
              "duplicate_window_ns": 1, "max_cancel_ratio": 1e6, "max_orders_per_sec": 1e9,
              "throttle_burst": 1000}
PORTFOLIO = {"max_gross_notional": 1e9, "max_net_notional": 1e9, "max_concentration": 1.0}


@nb.njit(cache=True, _nrt=False)
def check_loop(n, lacct, market, instruments, orders, active, cur, rparams, rstate, rec_r):
    """n pre-trade checks of a 1-lot buy 2 ticks under the bid, 1 us apart; returns denials."""
    denied = 0
    for k in range(n):
        price = market[0].bid - 2 - (k & 1)  # alternate so the duplicate guard passes
        r = pre_trade(T0 + k * 1000, k + 100, -1, 0, 1, price, 1, 0, 1, False, lacct, market,
                      instruments, orders, active, cur, rparams, rstate, rec_r)
        if r != 0:
            denied += 1
    return denied


def per_check_ns(limits: RiskLimits | None, n_instr: int, calls: int) -> float:
    """Best-of-5 ns per pre_trade call on a passing order (CPU time of this process, so
    that other load on a shared machine does not count)."""
    lacct = np.zeros(n_instr, ACCOUNT_DTYPE)
    lacct["mid"] = 100.5
    market = np.zeros(n_instr, BOOK_DTYPE)
    market["bid"], market["ask"], market["status"] = 100, 101, 1
    market["instrument"] = np.arange(n_instr)
    inst = np.zeros(n_instr, INSTRUMENT_DTYPE)
    inst["value"], inst["mark_book"] = 0.01, np.arange(n_instr)
    orders = np.zeros(16, OWN_ORDER_DTYPE)
    active = np.arange(16, dtype=np.int64)
    cur = np.zeros(1, CURSOR_DTYPE)
    cur["n_active"] = 4
    for s, (side, px) in enumerate([(1, 99), (1, 98), (-1, 102), (-1, 103)]):
        o = orders[s]
        o["order_id"], o["book"], o["side"] = s + 1, 0, side
        o["local_price"], o["local_leaves"], o["local_status"] = px, 1, 1
    rparams = limits.to_params(n_instr) if limits is not None else no_limits(n_instr)
    rec_r = np.zeros(16, RISK_EVENT_DTYPE)
    best = np.inf
    for _ in range(5):
        rstate = new_state(n_instr)
        cur_ = cur.copy()
        t = time.process_time()
        denied = check_loop(calls, lacct, market, inst, orders, active, cur_, rparams, rstate,
                            rec_r)
        best = min(best, time.process_time() - t)
        assert denied == 0, f"{denied} denials: the benchmark must measure passing orders"
    return best / calls * 1e9


def backtest_seconds(data, strat, limits, repeat: int):
    import hftlab
    from hftlab.instruments import FeeSchedule, LatencyProfile, Venue

    venue = Venue("SYNX", FeeSchedule(-0.002, 0.003, "per_unit"), LatencyProfile.named("colocated"))
    best, rec = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        rec = hftlab.backtest(data, strat, venues=[venue], risk=limits, seed=7)
        best = min(best, time.perf_counter() - t)
    return best, rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--requote-ms", type=float, nargs="+", default=[100.0, 1.0])
    args = ap.parse_args()
    from hftlab.data.synthetic import l2_stream
    from hftlab.strategies.inventory_skew import InventorySkew

    per = RiskLimits(**ALL_LIMITS)
    full = RiskLimits(**ALL_LIMITS, **PORTFOLIO, hard_loss=1e9, soft_loss=1e8,
                      hard_drawdown=1e9, max_holding_ns=10**15)
    per_check_ns(per, 1, 1000)  # compile
    out = {"machine": f"{platform.machine()}, {platform.python_version()}, numba {nb.__version__}",
           "ns_per_check": {
               "no limits": per_check_ns(None, 1, args.calls),
               "per-order + per-instrument rules": per_check_ns(per, 1, args.calls),
               "all rules, 1 instrument": per_check_ns(full, 1, args.calls),
               "all rules, 8 instruments": per_check_ns(full, 8, args.calls)}}
    data = l2_stream(args.events, seed=1)
    runs = []
    for rq in args.requote_ms:
        strat = InventorySkew(half_spread=1, skew=2, capacity=20,
                              requote_ns=int(rq * MS)).compiled()
        backtest_seconds(data, strat, None, 1)  # warm
        t0, rec0 = backtest_seconds(data, strat, None, args.repeat)
        t1, rec1 = backtest_seconds(data, strat, full, args.repeat)
        checks = int((rec1.orders["action"] == 0).sum())  # submits pass the checks
        assert len(rec1.risk_events) == 0, "limits must not bind in this benchmark"
        assert rec0.summary()["fills"] == rec1.summary()["fills"], "same run with and without"
        runs.append({"requote_ms": rq, "events": len(data), "seconds_no_limits": t0,
                     "seconds_all_limits": t1, "checks": checks,
                     "share_measured": (t1 - t0) / t1,
                     "share_estimated": checks * out["ns_per_check"]["all rules, 1 instrument"]
                     * 1e-9 / t1})
    out["market_making_backtest"] = runs
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
