"""hftbacktest's side of engine_throughput.py, run in whichever Python has hftbacktest.

Usage: python _hftbacktest_side.py STREAM.npz HALF_SPREAD SKEW CAPACITY QTY REQUOTE_NS LATENCY_NS
Prints one JSON line: seconds (load included), peak RSS, fills, final position, and
elapse's last code (1 = the run reached the end of the data). Orders are 1 lot in the
benchmark, so hftbacktest's no-partial-fill exchange fills exactly as a partial-fill
one would (its partial-fill exchange stops early on this stream, cf. its issue #273).
"""

import json
import sys
import time

import numpy as np
from numba import njit

from hftbacktest import GTX, LIMIT, BacktestAsset, HashMapMarketDepthBacktest

from _memory import peak_rss_mb  # benchmarks/ is on sys.path when run as a script


@njit
def inventory_skew(hbt, half_spread, skew, capacity, qty, requote_ns):
    """Returns elapse's last code: 1 = the data ended (anything else is an error)."""
    next_id = 1
    while True:
        code = hbt.elapse(requote_ns)
        if code != 0:
            return code
        hbt.clear_inactive_orders(0)
        depth = hbt.depth(0)
        bb, ba = depth.best_bid_tick, depth.best_ask_tick
        if bb <= 0 or ba <= 0 or ba >= 2**62:
            continue
        pos = int(round(hbt.position(0)))
        r = 0.5 * (bb + ba) - skew * pos / capacity
        bid = min(int(np.floor(r - half_spread)), ba - 1)
        ask = max(int(np.ceil(r + half_spread)), bb + 1)
        bq = max(min(qty, capacity - pos), 0)
        aq = max(min(qty, capacity + pos), 0)
        have_bid = False
        have_ask = False
        orders = hbt.orders(0)
        values = orders.values()
        while values.has_next():
            o = values.get()
            if o.side == 1:
                if o.price_tick == bid and bq > 0 and not have_bid:
                    have_bid = True
                elif o.cancellable:
                    hbt.cancel(0, o.order_id, False)
            else:
                if o.price_tick == ask and aq > 0 and not have_ask:
                    have_ask = True
                elif o.cancellable:
                    hbt.cancel(0, o.order_id, False)
        if not have_bid and bq > 0:
            hbt.submit_buy_order(0, next_id, bid * depth.tick_size, bq, GTX, LIMIT, False)
            next_id += 1
        if not have_ask and aq > 0:
            hbt.submit_sell_order(0, next_id, ask * depth.tick_size, aq, GTX, LIMIT, False)
            next_id += 1


def backtest(path: str, lat: int) -> HashMapMarketDepthBacktest:
    asset = (BacktestAsset().data([path]).linear_asset(1.0).constant_order_latency(lat, lat)
             .risk_adverse_queue_model().no_partial_fill_exchange()
             .trading_value_fee_model(-0.0001, 0.0003).tick_size(0.01).lot_size(1.0))
    return HashMapMarketDepthBacktest([asset])


def main() -> None:
    path = sys.argv[1]
    hs, sk, cap, q, every, lat = (float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                                  int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    # compile the strategy on the first events, so the timed run measures the backtest
    head = path + ".head.npz"
    np.savez(head, data=np.load(path)["data"][:20_000])
    warm = backtest(head, lat)
    inventory_skew(warm, hs, sk, cap, q, every)
    warm.close()
    t0 = time.perf_counter()
    hbt = backtest(path, lat)
    ok = inventory_skew(hbt, hs, sk, cap, q, every)
    sv = hbt.state_values(0)
    out = {"seconds": time.perf_counter() - t0, "fills": int(sv.num_trades), "end_code": int(ok),
           "position": float(sv.position),
           "peak_rss_mb": peak_rss_mb()}
    hbt.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
