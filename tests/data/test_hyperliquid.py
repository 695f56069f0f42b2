import gzip
import json

import numpy as np
import pytest

from hftlab.book import snapshots
from hftlab.data import DataError, read_binance, read_hyperliquid
from hftlab.schema import Kind

MS = 1_000_000


def book(t, bids, asks, coin="BTC"):
    lv = [[{"px": p, "sz": s, "n": 1} for p, s in side] for side in (bids, asks)]
    return {"channel": "l2Book", "data": {"coin": coin, "time": t, "levels": lv}}


def trades(*rows, coin="BTC"):
    return {"channel": "trades", "data": [
        {"coin": coin, "side": side, "px": px, "sz": sz, "time": t, "tid": tid,
         "hash": "0x0", "users": ["a", "b"]} for t, side, px, sz, tid in rows]}


def capture(*msgs, t0=1_737_918_843_000_000_000):
    return "".join(f"{t0 + i * 10**6} {json.dumps(m)}\n" for i, m in enumerate(msgs))


def write(tmp_path, text, name="hl.txt", gz=False):
    p = tmp_path / name
    p.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return p


B1 = book(1000, [("100.0", "1.5"), ("99.0", "2")], [("101.0", "0.5"), ("102.0", "3")])
B2 = book(1100, [("100.0", "1.25"), ("99.0", "2")], [("102.0", "3"), ("103.0", "1")])
T1 = trades((900, "B", "101.0", "0.5", 7), (1050, "A", "100.0", "0.25", 8))


@pytest.mark.parametrize("gz", [False, True])
def test_snapshots_become_clear_levels_then_diffs(tmp_path, gz):
    data = read_hyperliquid(write(tmp_path, capture(B1, T1, B2), gz=gz))
    inst = data.instruments[0]
    assert (inst.symbol, inst.tick_size, inst.lot_size) == ("BTC", 1.0, 0.01)
    ev = data.events
    kinds = [Kind(k).name for k in ev["kind"]]
    # the old trade (900 ms, from before the first book) keeps its exchange time
    assert kinds == ["TRADE", "CLEAR"] + ["LEVEL"] * 4 + ["TRADE"] + ["LEVEL"] * 3
    assert (np.diff(ev["ts"]) >= 0).all() and ev["ts"][0] == 900 * MS
    diff = ev[-3:]  # 101 ask left the snapshot (removed first), 100 bid changed, 103 ask new
    assert diff["side"].tolist() == [-1, 1, -1]
    assert diff["price"].tolist() == [101, 100, 103]
    assert diff["qty"].tolist() == [0, 125, 100]
    last = snapshots(data, levels=2, by="record").iloc[-1]
    assert (last.bid_price_1, last.bid_size_1, last.ask_price_1, last.ask_price_2) == \
        (100.0, 1.25, 102.0, 103.0)
    t = ev[ev["kind"] == Kind.TRADE]
    assert t["side"].tolist() == [1, -1] and t["qty"].tolist() == [50, 25]
    assert data.record[ev["kind"] == Kind.TRADE].tolist() == [2, 2]
    assert data.venues[0].name == "hyperliquid"


def test_snapshots_true_clears_each_time_and_repeats_are_no_events(tmp_path):
    p = write(tmp_path, capture(B1, B1, B2))
    assert (read_hyperliquid(p, snapshots=True).events["kind"] == Kind.CLEAR).sum() == 3
    data = read_hyperliquid(p)
    assert (data.record == 2).sum() == 0  # the same book again changes nothing
    assert data.stats["book_messages"] == 3


def test_duplicate_trades_are_counted_and_coins_are_instruments(tmp_path):
    eth = book(1000, [("3000.5", "1")], [("3001.0", "2")], coin="ETH")
    data = read_hyperliquid(write(tmp_path, capture(B1, eth, T1, T1)))
    assert [i.symbol for i in data.instruments] == ["BTC", "ETH"]
    assert data.instruments[1].tick_size == 0.1
    assert data.stats["duplicate_trades"] == 2
    assert (data.events["kind"] == Kind.TRADE).sum() == 2


@pytest.mark.parametrize("bad, what, key", [
    ("{oops", r"line 2 \(byte offset \d+\): not '<local ns> <json>'", "malformed"),
    (json.dumps({"channel": "candle", "data": {}}),
     r"line 2 .*unknown message \(channel 'candle'\); read_hyperliquid reads the channels "
     r"l2Book, trades", "unknown_message"),
    (json.dumps({"stream": "btcusdt@trade", "data": {"e": "trade"}}),
     r"unknown message \(channel None\).*looks like a Binance capture: read it with "
     r"read_binance", "unknown_message"),
    (json.dumps({"channel": "l2Book", "data": {"coin": "BTC"}}),
     r"line 2 .*message lacks or garbles a field \(KeyError\('time'\)\)", "malformed"),
    (json.dumps(book(500, [("100.0", "1")], [("101.0", "1")])),
     r"line 2 .*l2Book time 500 ms is earlier than the previous l2Book message's \(1000 ms\)",
     "time_backwards"),
])
def test_bad_lines_name_line_and_offset_and_skip_bad_counts(tmp_path, bad, what, key):
    text = (capture(B1) + f"{1_737_918_843_000_000_001} {bad}\n"
            + capture(B2, t0=1_737_918_844 * 10**9))
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=what):
        read_hyperliquid(p)
    data = read_hyperliquid(p, skip_bad=True)
    info = data.stats["skipped"][key]
    assert info["lines"] == 1 and "line 2" in info["first"]


def test_control_messages_are_counted_and_binance_points_here(tmp_path):
    sub = {"channel": "subscriptionResponse", "data": {"method": "subscribe"}}
    p = write(tmp_path, capture(sub, B1))
    assert read_hyperliquid(p).stats["control_messages"] == 1
    with pytest.raises(DataError, match=r"read_binance reads the depthUpdate, bookTicker, "
                                        r"trade and aggTrade streams and REST depth snapshots; "
                                        r"it looks like a Hyperliquid capture: read it with "
                                        r"read_hyperliquid"):
        read_binance(p)


def test_real_capture(shared_data):
    path = shared_data / "hftbacktest_crypto_feed" / "hyperliquid" / "btcusd_20250126.gz"
    if not path.exists():
        pytest.skip(f"Hyperliquid capture not found at {path}")
    data = read_hyperliquid(path)
    assert data.stats["book_messages"] == 46 and data.stats["trade_messages"] == 9
    assert data.instruments[0].symbol == "BTC" and data.instruments[0].tick_size == 1.0
    ev = data.events
    assert (ev["kind"] == Kind.CLEAR).sum() == 1 and (ev["kind"] == Kind.TRADE).sum() == 64
    s = snapshots(data, levels=20, by="record")
    both = s["bid_price_1"].notna() & s["ask_price_1"].notna()
    assert (s["bid_price_1"][both] < s["ask_price_1"][both]).all()
    # after the last message the book is its last snapshot, all 20 levels a side
    assert s.iloc[-1].notna().all()
