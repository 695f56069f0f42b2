import gzip
import json

import numpy as np
import pytest

import hftlab
from hftlab.book import snapshots
from hftlab.data import DataError, read_binance
from hftlab.instruments import Latency, LatencyProfile, Venue
from hftlab.schema import Kind


def diff(E, U, u, b=(), a=(), pu=None):
    d = {"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": U, "u": u,
         "b": [list(x) for x in b], "a": [list(x) for x in a]}
    if pu is not None:
        d["pu"] = pu
        d["T"] = E
    return {"stream": "btcusdt@depth@100ms", "data": d}


SNAP = {"lastUpdateId": 100, "bids": [["100.00", "1.0"], ["99.90", "2.0"]],
        "asks": [["100.10", "1.5"], ["100.20", "3.0"]]}
TRADE = {"stream": "btcusdt@trade", "data": {"e": "trade", "E": 2000, "s": "BTCUSDT", "t": 7,
                                             "p": "100.10", "q": "0.25", "T": 2000, "m": False}}
TICKER = {"stream": "btcusdt@bookTicker",
          "data": {"u": 105, "s": "BTCUSDT", "b": "100.05", "B": "0.5", "a": "100.10", "A": "1.5"}}


def lines(*msgs, t0=1_000_000_000):
    return "".join(f"{t0 + i} {json.dumps(m)}\n" for i, m in enumerate(msgs))


def write(tmp_path, text, name="cap.txt", gz=False):
    p = tmp_path / name
    if gz:
        p.write_bytes(gzip.compress(text.encode()))
    else:
        p.write_text(text)
    return p


def spot_capture():
    return lines(diff(1000, 90, 99, b=[("99.80", "4")]),  # before the snapshot: dropped
                 SNAP,
                 diff(1500, 95, 102, b=[("100.05", "0.5")]),  # straddles lastUpdateId + 1
                 TICKER,
                 diff(1800, 103, 104, a=[("100.10", "0")]),
                 TRADE, t0=5_000_000_000)  # the local clock runs ahead of the exchange's


@pytest.mark.parametrize("gz", [False, True])
def test_snapshot_then_diffs_rebuild_the_book(tmp_path, gz):
    data = read_binance(write(tmp_path, spot_capture(), gz=gz))
    inst = data.instruments[0]
    assert (inst.symbol, inst.tick_size, inst.lot_size) == ("BTCUSDT", 0.01, 0.01)
    assert data.stats["diffs_before_snapshot"] == 1 and data.stats["gaps"]["count"] == 0
    s = snapshots(data, levels=2, by="record")
    last = s.iloc[-1]
    assert (last.bid_price_1, last.bid_size_1, last.bid_price_2) == (100.05, 0.5, 100.0)
    assert (last.ask_price_1, last.ask_size_1) == (100.2, 3.0)
    ev = data.events
    assert ev["kind"][0] == Kind.CLEAR and ev["ts"][0] == 1500 * 1_000_000  # at the first diff
    t = ev[ev["kind"] == Kind.TRADE]
    assert (t["side"].tolist(), t["price"].tolist(), t["qty"].tolist()) == ([1], [10010], [25])
    assert t["ts_local"].tolist() == [5_000_000_005]
    assert data.record[ev["kind"] == Kind.TRADE].tolist() == [6]


def test_book_ticker_is_its_own_one_level_book(tmp_path):
    moved = dict(TICKER, data=dict(TICKER["data"], b="100.06", B="0.7"))
    data = read_binance(write(tmp_path, lines(SNAP, TICKER, moved)))
    s = snapshots(data, levels=2, venue=1, by="record")
    assert s["bid_price_1"].tolist() == [100.05, 100.06]
    assert s["bid_size_1"].tolist() == [0.5, 0.7]
    assert np.isnan(s["bid_price_2"]).all()  # the old best was removed
    assert (data.events[data.events["venue"] == 1]["ts"] ==
            data.events[data.events["venue"] == 1]["ts_local"]).all()  # spot: no exchange time


def test_update_id_gap_is_an_error_or_counted(tmp_path):
    text = lines(SNAP, diff(1500, 100, 102, pu=99), diff(1600, 110, 111, pu=105))
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=r"cap.txt: line 3 \(byte offset \d+\): update-id gap: "
                                        r"pu=105 but the previous diff ended at u=102"):
        read_binance(p)
    data = read_binance(p, skip_bad=True)
    assert data.stats["gaps"]["count"] == 1 and "line 3" in data.stats["gaps"]["first"]


def test_first_diff_must_straddle_the_snapshot(tmp_path):
    p = write(tmp_path, lines(SNAP, diff(1500, 105, 107)))
    with pytest.raises(DataError, match="line 2 .*does not straddle"):
        read_binance(p)


@pytest.mark.parametrize("bad, what", [
    ("1000000009 {not json", "line 2 .*not '<local ns> <json>'"),
    ("999 " + json.dumps(TRADE), "line 2 .*local time 999 is earlier"),
    ("1000000009 " + json.dumps({"stream": "x@kline", "data": {"e": "kline"}}),
     "line 2 .*unknown message"),
    ("1000000009 " + json.dumps({"stream": "btcusdt@trade", "data": {"e": "trade"}}),
     "line 2 .*lacks or garbles"),
])
def test_bad_lines_name_line_and_offset_and_skip_bad_counts(tmp_path, bad, what):
    text = lines(SNAP) + bad + "\n" + lines(TRADE, t0=1_000_000_010)
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=what):
        read_binance(p)
    data = read_binance(p, skip_bad=True)
    (info,) = data.stats["skipped"].values()
    assert info["lines"] == 1 and "byte offset" in info["first"]
    assert (data.events["kind"] == Kind.TRADE).sum() == 1


def test_exchange_time_going_backwards_is_an_error(tmp_path):
    early = dict(TRADE, data=dict(TRADE["data"], T=1000, t=8))
    with pytest.raises(DataError, match="line 2 .*trade time .* earlier"):
        read_binance(write(tmp_path, lines(TRADE, early)))


def test_truncated_gzip_is_named(tmp_path):
    blob = gzip.compress(spot_capture().encode())
    p = tmp_path / "cut.gz"
    p.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="cut.gz: truncated or corrupt"):
        read_binance(p)


@pytest.mark.parametrize("market, buyer_maker, buyer_taker", [
    ("usdm", 11_697, 9_616), ("spot", 5_654, 4_103)])
def test_real_captures(shared_data, market, buyer_maker, buyer_taker):
    path = shared_data / "hftbacktest_crypto_feed" / market / "btcusdt_20240808.gz"
    if not path.exists():
        pytest.skip(f"Binance capture not found at {path}")
    data = read_binance(path)
    assert data.stats["snapshots"] == 1 and data.stats["gaps"]["count"] == 0
    t = data.events[data.events["kind"] == Kind.TRADE]
    assert ((t["side"] == -1).sum(), (t["side"] == 1).sum()) == (buyer_maker, buyer_taker)
    assert (data.events["ts_local"] > 0).all()
    # the capture host's clock ran ~1.27 s behind Binance's (spot bookTicker carries no
    # exchange time: its ts is the local time, offset 0)
    off = data.stats["local_clock_offset_ns"]
    assert -1.3e9 < off["binance"] < -1.25e9
    assert -1.3e9 < off["binance:bookTicker"] < -1.25e9 if market == "usdm" else \
        off["binance:bookTicker"] == 0
    assert min(data.correct_local_clock().local_clock_offsets().values()) == 0
    for venue in (0, 1):
        s = snapshots(data, levels=1, by="record", venue=venue)
        both = s["bid_price_1"].notna() & s["ask_price_1"].notna()
        assert both.mean() > 0.99
        assert (s["bid_price_1"][both] < s["ask_price_1"][both]).all()  # never crossed


def test_prices_off_the_tick_grid_name_the_line(tmp_path):
    p = write(tmp_path, spot_capture())
    with pytest.raises(DataError, match=r"cap.txt: line 3: price '100.05' is finer than the "
                                        r"step 0.1"):
        read_binance(p, tick_size=0.1)
    assert read_binance(p, tick_size=0.01).instruments[0].tick_size == 0.01


# Binance's documented sequencing, whatever the line order of the REST snapshot among
# the diffs (lastUpdateId 100 in SNAP). USD-M futures: drop u < 100; the first applied
# diff has U <= 100 <= u (here u == 100 exactly); then pu chains. Spot: drop u <= 100;
# the first applied diff has U <= 101 <= u; then U == previous u + 1.
FUTURES = [diff(1000, 90, 95, b=[("99.80", "4")], pu=89),  # dropped: u < lastUpdateId
           diff(1100, 96, 100, b=[("100.05", "0.5")], pu=95),  # straddles with u == 100
           diff(1200, 101, 104, a=[("100.10", "0")], pu=100)]
SPOT = [diff(1000, 90, 100, b=[("99.80", "4")]),  # dropped: u <= lastUpdateId
        diff(1100, 101, 103, b=[("100.05", "0.5")]),  # straddles lastUpdateId + 1
        diff(1200, 104, 106, a=[("100.10", "0")])]
ORDERINGS = {"snapshot-before": lambda d: [SNAP, *d], "snapshot-after": lambda d: [*d, SNAP],
             "snapshot-in-the-middle": lambda d: [d[0], d[1], SNAP, d[2]]}


@pytest.mark.parametrize("order", list(ORDERINGS))
@pytest.mark.parametrize("market, diffs", [("futures", FUTURES), ("spot", SPOT)])
def test_snapshot_anywhere_among_the_diffs_follows_binance(tmp_path, market, diffs, order):
    data = read_binance(write(tmp_path, lines(*ORDERINGS[order](diffs))))
    assert data.stats["gaps"]["count"] == 0 and data.stats["diffs_before_snapshot"] == 1
    last = snapshots(data, levels=2, by="record").iloc[-1]
    assert (last.bid_price_1, last.bid_size_1, last.bid_price_2) == (100.05, 0.5, 100.0)
    assert (last.ask_price_1, last.ask_size_1) == (100.2, 3.0)
    ev = data.events
    assert ev["kind"][0] == Kind.CLEAR and (np.diff(ev["ts"]) >= 0).all()
    assert 99.80 not in set(snapshots(data, levels=3, by="record")["bid_price_3"])


class TopOfBook(hftlab.Strategy):
    """Notes the host's best bid and ask of book 0 at every book event it receives."""

    subscribe_book = True

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def on_book(self, ctx, book):
        if book == 0:
            self.seen.append((ctx.best_bid(0), ctx.best_ask(0)))


@pytest.mark.parametrize("order", ["snapshot-after", "snapshot-in-the-middle"])
@pytest.mark.parametrize("market, diffs", [("futures", FUTURES), ("spot", SPOT)])
def test_diffs_buffered_before_the_snapshot_reach_the_host_with_it(tmp_path, market, diffs,
                                                                   order):
    # the local clock runs ahead of the exchange's, so the host receives each row at its
    # ts_local; the straddling diff (bid 100.05) arrived before the snapshot, but Binance's
    # procedure applies it on the snapshot: with its own arrival time the host would apply
    # it first and lose it under the snapshot's CLEAR (best bid 100.00, not 100.05)
    data = read_binance(write(tmp_path, lines(*ORDERINGS[order](diffs), t0=5_000_000_000)))
    ev = data.events
    clear = ev["ts_local"][ev["kind"] == Kind.CLEAR][0]
    assert (ev["ts_local"][ev["kind"] == Kind.LEVEL] >= clear).all()
    venue = Venue("binance", latency=LatencyProfile(feed=Latency(0), recorded_feed=True))
    top = TopOfBook()
    hftlab.backtest(data, top, venues=[venue, venue])
    assert top.seen[-1] == (10005, 10020)  # the book of the exchange-order replay


@pytest.mark.parametrize("market, diffs", [("futures", FUTURES), ("spot", SPOT)])
def test_a_first_diff_past_the_snapshot_is_a_gap(tmp_path, market, diffs):
    p = write(tmp_path, lines(SNAP, diffs[2]))  # the straddling diff is missing
    with pytest.raises(DataError, match=r"line 2 \(byte offset \d+\): the first diff after the "
                                        r"snapshot \(lastUpdateId 100\) has U=\d+, u=\d+"):
        read_binance(p)
