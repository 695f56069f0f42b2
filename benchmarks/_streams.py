"""The generated L2 streams of engine_throughput.py, and any MarketData in hftbacktest's
event layout, so that both sides replay the very same events.

Every stream starts from hftlab.data.synthetic.l2_stream (a consistent, never-crossed
book of `levels` contiguous levels per side plus trades, ~100 us apart) and changes one
thing, so a slow case points at one cost:

    l5        5 levels, feed latency modelled as 0 (the stream the README measured first)
    l10       10 levels, feed latency modelled: a constant 500 us
    l20       20 levels, feed latency modelled: a constant 500 us
    recorded  10 levels, feed latency recorded in ts_local (200 us + an exponential draw
              of mean 300 us, in arrival order: a later message never arrives earlier)
    drift     10 levels; every 1,000 events the whole book moves up one tick (each level
              removed and set again one tick higher), so the price leaves any window set
              around the opening price (5 M events: +50 dollars from 100)
    bursts    10 levels; events come 50 at a time inside one microsecond (20 ns apart)
    trades10  10 levels, trades ~10 % of events
    trades40  10 levels, trades ~40 % of events (larger market orders printed as two
              trades at the same time, as venues print one aggressor against two makers)
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

FEED_NS = 500_000
DEPTH_EVENT, TRADE_EVENT = 1, 2
BUY_EVENT, SELL_EVENT, LOCAL_EVENT, EXCH_EVENT = 1 << 29, 1 << 28, 1 << 30, 1 << 31
HBT_DTYPE = np.dtype([("ev", "u8"), ("exch_ts", "i8"), ("local_ts", "i8"), ("px", "f8"),
                      ("qty", "f8"), ("order_id", "u8"), ("ival", "i8"), ("fval", "f8")])
LEVEL, TRADE, CLEAR = 6, 5, 7


@dataclass(frozen=True)
class Stream:
    """How a stream is made from l2_stream and how its feed latency is known."""

    levels: int = 10
    p_trade: float = 0.08
    p_improve: float = 0.15
    feed_ns: int = FEED_NS  # modelled constant feed latency (ignored when recorded)
    recorded: bool = False
    drift_every: int = 0  # events between one-tick moves of the whole book (0: none)
    burst: int = 0  # events per microsecond burst (0: none)
    trade_share: float = 0.0  # split trades until they are this share of events


STREAMS = {
    "l5": Stream(levels=5, feed_ns=0),
    "l10": Stream(),
    "l20": Stream(levels=20),
    "recorded": Stream(recorded=True),
    "drift": Stream(drift_every=1_000),
    "bursts": Stream(burst=50),
    "trades10": Stream(p_trade=0.12),
    "trades40": Stream(p_trade=0.6, p_improve=0.35, trade_share=0.40),
}


@nb.njit(cache=True)
def _drift(ts, kind, side, price, qty, every, levels, out_ts, out_kind, out_side, out_price,
           out_qty):
    """Copy the events and, every `every` events, move the whole book up one tick (each
    resting level removed and set again one tick higher); later events are shifted by the
    moves so far. Returns the number of events written, or -1 if the book's levels could
    not all be found near the last event (the mover then would leave stale levels)."""
    width = 1 << 20
    lo = price.min() - width // 4
    book = np.zeros((2, width), np.int64)  # unshifted ticks - lo
    count = 0
    k = 0
    shift = 0
    for i in range(len(ts)):
        p = price[i] - lo
        out_ts[k], out_kind[k], out_side[k] = ts[i], kind[i], side[i]
        out_price[k], out_qty[k] = price[i] + shift, qty[i]
        k += 1
        if kind[i] == LEVEL:
            row = 0 if side[i] > 0 else 1
            if qty[i] > 0 and book[row, p] == 0:
                count += 1
            elif qty[i] == 0 and book[row, p] > 0:
                count -= 1
            book[row, p] = qty[i]
        if every > 0 and (i + 1) % every == 0 and i + 1 < len(ts):
            found = 0
            reach = 8 * levels + 64
            # asks, then bids, each from its highest price down: a level always moves
            # into a price just vacated, and the book never crosses
            for row in (1, 0):
                s = 1 if row == 0 else -1
                for t in range(2 * reach + 1):
                    j = p + reach - t
                    if 0 <= j < width - 1 and book[row, j] > 0:
                        found += 1
                        out_ts[k], out_kind[k], out_side[k] = ts[i], LEVEL, s
                        out_price[k], out_qty[k] = j + lo + shift, 0
                        out_ts[k + 1], out_kind[k + 1], out_side[k + 1] = ts[i], LEVEL, s
                        out_price[k + 1], out_qty[k + 1] = j + lo + shift + 1, book[row, j]
                        k += 2
            if found != count:
                return -1
            shift += 1
    return k


def make(name: str, n_events: int, seed: int = 42):
    """(MarketData, feed_ns) of a named stream: feed_ns is the constant feed latency both
    sides model, or -1 when the feed latency is recorded in ts_local."""
    from hftlab.data.market import MarketData
    from hftlab.data.synthetic import l2_stream

    if name not in STREAMS:
        raise SystemExit(f"--stream must be one of {', '.join(STREAMS)}, got {name!r}")
    s = STREAMS[name]
    data = l2_stream(n_events, seed=seed, levels=s.levels, p_trade=s.p_trade,
                     p_improve=s.p_improve)
    ev = data.events
    if s.drift_every:
        n_out = len(ev) + (len(ev) // s.drift_every) * 4 * (s.levels + 2) * 2
        cols = [np.zeros(n_out, ev[c].dtype) for c in ("ts", "kind", "side", "price", "qty")]
        k = _drift(ev["ts"], ev["kind"], ev["side"], ev["price"], ev["qty"], s.drift_every,
                   s.levels, *cols)
        if k < 0:
            raise RuntimeError("drift: the book's levels were not all near the last event")
        ev = np.zeros(k, ev.dtype)
        for c, col in zip(("ts", "kind", "side", "price", "qty"), cols):
            ev[c] = col[:k]
    if s.trade_share:
        rng = np.random.default_rng(seed)
        trade = (ev["kind"] == TRADE) & (ev["qty"] >= 2)
        n_t, n = int((ev["kind"] == TRADE).sum()), len(ev)
        extra = max(0, int((s.trade_share * n - n_t) / (1 - s.trade_share)))
        pick = np.flatnonzero(trade)
        pick = np.sort(rng.choice(pick, min(extra, len(pick)), replace=False))
        first = ev[pick].copy()
        first["qty"] = ev["qty"][pick] // 2
        ev["qty"][pick] -= first["qty"]
        ev = np.insert(ev, pick, first)  # the first print, then the rest, same ts
    if s.burst:
        k = np.arange(len(ev))
        ts = ev["ts"][(k // s.burst) * s.burst] + (k % s.burst) * 20
        ev["ts"] = np.maximum.accumulate(ts)
    if s.recorded:
        rng = np.random.default_rng(seed + 1)
        lat = 200_000 + rng.exponential(300_000, len(ev)).astype(np.int64)
        ev["ts_local"] = np.maximum.accumulate(ev["ts"] + lat)
    out = MarketData(ev, data.instruments, data.venues, source=f"stream {name} seed={seed}")
    return out, (-1 if s.recorded else s.feed_ns)


def to_hftbacktest(data, feed_ns: int, venue: int = 0) -> np.ndarray:
    """One venue's events of MarketData in hftbacktest's layout (LEVEL -> depth, TRADE ->
    trade with the aggressor side), local_ts = ts_local (feed_ns < 0) or ts + feed_ns.
    Exchange and local times in two orders are split into exchange-only and local-only
    rows, as hftbacktest's correct_event_order does. A CLEAR is accepted only while the
    book is still empty (a snapshot's start); other kinds are refused."""
    ev = data.load().events
    ev = ev[ev["venue"] == venue]
    kinds = set(np.unique(ev["kind"]).tolist()) - {LEVEL, TRADE, CLEAR}
    if kinds:
        raise SystemExit(f"{data.source}: event kinds {sorted(kinds)} have no L2 equivalent "
                         "in hftbacktest's depth feed")
    clear = np.flatnonzero(ev["kind"] == CLEAR)
    if len(clear) and (len(clear) > 1 or (ev["kind"][:clear[0]] == LEVEL).any()):
        raise SystemExit(f"{data.source}: a CLEAR after depth events (a book reset) is not "
                         "converted")
    ev = ev[ev["kind"] != CLEAR]
    tick, lot = data.instruments[0].tick_size, data.instruments[0].lot_size
    local = ev["ts_local"] if feed_ns < 0 else ev["ts"] + feed_ns
    out = np.zeros(len(ev), HBT_DTYPE)
    kind = np.where(ev["kind"] == TRADE, TRADE_EVENT, DEPTH_EVENT).astype(np.uint64)
    side = np.where(ev["side"] > 0, BUY_EVENT, SELL_EVENT).astype(np.uint64)
    out["ev"] = kind | side
    out["exch_ts"] = ev["ts"]
    out["local_ts"] = local
    out["px"] = ev["price"] * tick
    out["qty"] = ev["qty"] * lot
    if (np.diff(out["exch_ts"]) >= 0).all() and (np.diff(out["local_ts"]) >= 0).all():
        out["ev"] |= np.uint64(EXCH_EVENT | LOCAL_EVENT)
        return out
    # the documented repair (hftbacktest.data.validation.correct_event_order), vectorised:
    # rows in exchange order flagged EXCH, rows in local order flagged LOCAL, merged by time
    ex = out[np.argsort(out["exch_ts"], kind="stable")]
    lo = out[np.argsort(out["local_ts"], kind="stable")]
    ex["ev"] |= np.uint64(EXCH_EVENT)
    lo["ev"] |= np.uint64(LOCAL_EVENT)
    both = np.concatenate([ex, lo])
    key = np.concatenate([ex["exch_ts"], lo["local_ts"]])
    return both[np.argsort(key, kind="stable")]
