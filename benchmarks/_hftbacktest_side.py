"""hftbacktest's side of engine_throughput.py, run in whichever Python has hftbacktest.

Usage: python _hftbacktest_side.py MODE STREAM.npz FILLS.npy DEPTH TICK LOT HALF_SPREAD
       SKEW CAPACITY QTY REQUOTE_NS LATENCY_NS [ROI_LB ROI_UB]

Runs hftbacktest the way its documentation does at its fastest: the strategy is an
``@njit(cache=True)`` function (docs/jit_compilation_overhead.rst) and the feed an npz
file read by hftbacktest itself. DEPTH is "roivector" (ROIVectorMarketDepthBacktest over
[ROI_LB, ROI_UB], the dense book its examples use for speed) or "hashmap"
(HashMapMarketDepthBacktest).

MODE "timed": the strategy and every call the run makes (including state_values) are
compiled on the first 20,000 events before the timer starts, so the timed run measures
reading the file and the backtest, as a user's second run in the same process would.
MODE "cold": no warm-up; the parent times the whole process (time to result).

Prints one JSON line: seconds (load included, wall clock), cpu (the same span in CPU
seconds of the process), peak RSS, fills, final position (lots),
and elapse's last code (1 = the run reached the end of the data); writes our fills as
rows (exchange ns, side +1/-1, price ticks, lots) to FILLS.npy. Orders are 1 lot in the
benchmark, so hftbacktest's no-partial-fill exchange fills exactly as a partial-fill one
would (its partial-fill exchange stops early on this stream, cf. its issue #273).
"""

import json
import sys
import time

import numpy as np
from numba import njit

from hftbacktest import (BUY, CANCELED, EXPIRED, FILLED, GTX, LIMIT, BacktestAsset,
                         HashMapMarketDepthBacktest, ROIVectorMarketDepthBacktest)

from _memory import peak_rss_mb  # benchmarks/ is on sys.path when run as a script


@njit(cache=True)
def inventory_skew(hbt, half_spread, skew, capacity, qty, lot, requote_ns, fills):
    """hftlab's InventorySkew rule: every requote_ns, quote round(mid - skew * pos / cap)
    -/+ half_spread ticks, 1-lot post-only orders, kept while their price is right.
    Filled orders are written to fills before they are cleared. Returns (elapse's last
    code, number of fills)."""
    next_id = 1
    nf = 0
    while True:
        code = hbt.elapse(requote_ns)
        depth = hbt.depth(0)
        bb, ba = depth.best_bid_tick, depth.best_ask_tick
        quote = code == 0 and bb > 0 and 0 < ba < 2**62
        bid = ask = bq = aq = 0
        if quote:
            pos = int(round(hbt.position(0) / lot))
            r = 0.5 * (bb + ba) - skew * pos / capacity
            bid = min(int(np.floor(r - half_spread)), ba - 1)
            ask = max(int(np.ceil(r + half_spread)), bb + 1)
            bq = max(min(qty, capacity - pos), 0)
            aq = max(min(qty, capacity + pos), 0)
        have_bid = False
        have_ask = False
        values = hbt.orders(0).values()
        while values.has_next():
            o = values.get()
            if o.status == FILLED:
                if nf < len(fills):
                    fills[nf, 0] = o.exch_timestamp
                    fills[nf, 1] = 1 if o.side == BUY else -1
                    fills[nf, 2] = o.price_tick
                    fills[nf, 3] = int(round(o.exec_qty / lot))
                nf += 1
            elif not quote or o.status == EXPIRED or o.status == CANCELED:
                continue
            elif o.side == BUY:
                if o.price_tick == bid and bq > 0 and not have_bid:
                    have_bid = True
                elif o.cancellable:
                    hbt.cancel(0, o.order_id, False)
            else:
                if o.price_tick == ask and aq > 0 and not have_ask:
                    have_ask = True
                elif o.cancellable:
                    hbt.cancel(0, o.order_id, False)
        if code != 0:
            return code, nf
        hbt.clear_inactive_orders(0)
        if not quote:
            continue
        if not have_bid and bq > 0:
            hbt.submit_buy_order(0, next_id, bid * depth.tick_size, bq * lot, GTX, LIMIT, False)
            next_id += 1
        if not have_ask and aq > 0:
            hbt.submit_sell_order(0, next_id, ask * depth.tick_size, aq * lot, GTX, LIMIT, False)
            next_id += 1


@njit(cache=True)
def final_state(hbt):
    """(fills counted by hftbacktest, final position in units)."""
    sv = hbt.state_values(0)
    return sv.num_trades, sv.position


def backtest(data, depth: str, tick: float, lot: float, lat: int, roi: tuple[float, float]):
    asset = (BacktestAsset().data(data).linear_asset(1.0).constant_order_latency(lat, lat)
             .risk_adverse_queue_model().no_partial_fill_exchange()
             .trading_value_fee_model(-0.0001, 0.0003).tick_size(tick).lot_size(lot))
    if depth == "roivector":
        return ROIVectorMarketDepthBacktest([asset.roi_lb(roi[0]).roi_ub(roi[1])])
    return HashMapMarketDepthBacktest([asset])


def run(hbt, lot: float, args: tuple, fills: np.ndarray) -> dict:
    code, nf = inventory_skew(hbt, *args, fills)
    n_trades, pos = final_state(hbt)
    return {"fills": int(nf), "hbt_fills": int(n_trades), "end_code": int(code),
            "position": int(round(pos / lot))}


def main() -> None:
    mode, path, fills_path, depth = sys.argv[1:5]
    tick, lot = float(sys.argv[5]), float(sys.argv[6])
    hs, sk = float(sys.argv[7]), float(sys.argv[8])
    cap, q, every, lat = (int(x) for x in sys.argv[9:13])
    roi = (float(sys.argv[13]), float(sys.argv[14])) if len(sys.argv) > 14 else (0.0, 0.0)
    if depth not in ("roivector", "hashmap"):
        raise SystemExit(f"DEPTH must be roivector or hashmap, got {depth!r}")
    args = (hs, sk, cap, q, lot, every)
    fills = np.zeros((1 << 20, 4), np.int64)
    if mode == "timed":
        head = np.load(path)["data"][:20_000].copy()
        warm = backtest(head, depth, tick, lot, lat, roi)
        run(warm, lot, args, fills)
        warm.close()
    elif mode != "cold":
        raise SystemExit(f"MODE must be timed or cold, got {mode!r}")
    t0, c0 = time.perf_counter(), time.process_time()
    hbt = backtest(path, depth, tick, lot, lat, roi)
    out = run(hbt, lot, args, fills)
    out["seconds"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    out["peak_rss_mb"] = peak_rss_mb()
    hbt.close()
    np.save(fills_path, fills[:min(out["fills"], len(fills))])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
