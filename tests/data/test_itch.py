import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.book import snapshots
from hftlab.data import DataError, read_itch
from hftlab.schema import Kind
from tests.data import itch_spec as m

H = 3600 * 10**9
T0 = 9 * H + 30 * 60 * 10**9  # 09:30


def session() -> bytes:
    """A small ITCH day: two stocks, every message type the reader maps."""
    return b"".join([
        m.system(T0 - 10, "O"),
        m.directory(T0 - 9, 1, "AAPL"), m.directory(T0 - 8, 2, "MSFT"),
        m.reg_sho(T0 - 7, 1, "AAPL"),
        m.add(T0, 1, 11, "B", 100, "AAPL", 1500000),  # 150.00
        m.add(T0 + 1, 1, 12, "S", 50, "AAPL", 1500100, mpid="GSCO"),  # F message
        m.executed(T0 + 2, 1, 11, 30, 900),
        m.executed_price(T0 + 3, 1, 12, 10, 901, 1500050),
        m.cancel(T0 + 4, 1, 11, 20),
        m.replace(T0 + 5, 1, 11, 13, 40, 1499900),
        m.add(T0 + 6, 2, 21, "S", 7, "MSFT", 3000000),
        m.delete(T0 + 7, 1, 12),
        m.trade(T0 + 8, 1, 0, "B", 5, "AAPL", 1500000, 902),
        m.cross(T0 + 9, 1, 1000, "AAPL", 1500000, 903),
        m.trading_action(T0 + 10, 1, "AAPL", "H"),
        m.trading_action(T0 + 11, 1, "AAPL", "T"),
        m.system(T0 + 12, "C"),
    ])


def write(tmp_path, blob, name="01302019.NASDAQ_ITCH50"):
    p = tmp_path / name
    p.write_bytes(blob)
    return p


def test_every_mapped_message_type(tmp_path):
    data = read_itch(write(tmp_path, session()))
    ev = data.events
    assert [i.symbol for i in data.instruments] == ["AAPL", "MSFT"]
    assert [i.tick_size for i in data.instruments] == [0.01, 0.01]  # all prices whole cents
    assert ev["kind"].tolist() == [Kind.ADD, Kind.ADD, Kind.EXECUTE, Kind.EXECUTE, Kind.CANCEL,
                                   Kind.DELETE, Kind.ADD, Kind.ADD, Kind.DELETE, Kind.TRADE,
                                   Kind.TRADE, Kind.STATUS, Kind.STATUS]
    assert ev["side"].tolist() == [1, -1, 1, -1, 1, 1, 1, -1, -1, 0, 0, 0, 0]  # P: unknown
    assert ev["qty"].tolist() == [100, 50, 30, 10, 20, 50, 40, 7, 40, 5, 1000, 0, 1]
    assert ev["order_id"].tolist() == [11, 12, 11, 12, 11, 11, 13, 21, 12, 0, 0, 0, 0]
    assert ev["price"][3] == 15001  # C executes at the resting order's price
    assert ev["price"][6] == 14999 and ev["price"][7] == 30000
    assert ev["instrument"].tolist() == [0] * 7 + [1] + [0] * 5
    assert data.record.tolist() == [5, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15, 16]
    # ITCH time is ns after midnight New York time; 2019-01-30 is EST (UTC-5)
    assert ev["ts"][0] == pd.Timestamp("2019-01-30 14:30", tz="UTC").value
    assert data.stats["system_events"][0][2] == "O" and data.stats["system_events"][1][2] == "C"
    assert data.stats["by_type"]["Y"] == 1 and data.stats["messages"] == 17
    s = snapshots(data, levels=1, instrument=0)
    assert s["bid_price_1"].iloc[6] == 149.99 and s["bid_size_1"].iloc[6] == 40


def test_symbols_filter_gzip_and_small_chunks_agree(tmp_path):
    plain = read_itch(write(tmp_path, session()))
    msft = read_itch(write(tmp_path, session()), symbols=["MSFT"])
    assert [i.symbol for i in msft.instruments] == ["MSFT"]
    assert msft.events["order_id"].tolist() == [21] and msft.record.tolist() == [11]
    gz = read_itch(write(tmp_path, gzip.compress(session()), "x_20190130.itch.gz"))
    np.testing.assert_array_equal(gz.events, plain.events)
    for chunk in (1, 7, 40, 101):
        small = read_itch(write(tmp_path, session()), chunk_size=chunk)
        np.testing.assert_array_equal(small.events, plain.events)
        np.testing.assert_array_equal(small.record, plain.record)


def test_date_comes_from_name_or_argument(tmp_path):
    p = write(tmp_path, session(), "feed.bin")
    with pytest.raises(DataError, match="pass date="):
        read_itch(p)
    d = read_itch(p, date="2019-07-01")  # EDT
    assert d.events["ts"][0] == pd.Timestamp("2019-07-01 13:30", tz="UTC").value


def test_bad_input_names_byte_offset(tmp_path):
    blob = session()
    cut = write(tmp_path, blob[:-3])
    with pytest.raises(DataError, match=rf"truncated at byte offset {len(blob) - 14}: a message "
                                        r"of 12 bytes has only 9"):
        read_itch(cut)
    assert read_itch(cut, skip_bad=True).stats["skipped"] == {"truncated_tail_bytes": 11}
    off = len(m.system(0, "O"))
    bad_type = bytearray(blob)
    bad_type[off + 2] = ord("Z")
    with pytest.raises(DataError, match=rf"byte offset {off} \(message 2\): unknown message "
                                        r"type 'Z'"):
        read_itch(write(tmp_path, bytes(bad_type)))
    skipped = read_itch(write(tmp_path, bytes(bad_type)), skip_bad=True)
    assert skipped.stats["skipped"] == {"unknown_type": 1}
    wrong_len = m.system(T0 - 10, "O") + m.frame(m.directory(T0, 1, "AAPL")[2:] + b"x")
    with pytest.raises(DataError, match=r"byte offset 14 .*length 40 does not match"):
        read_itch(write(tmp_path, wrong_len))
    back = m.add(T0, 1, 1, "B", 1, "AAPL", 100) + m.add(T0 - 1, 1, 2, "B", 1, "AAPL", 100)
    with pytest.raises(DataError, match=r"byte offset 38 \(message 2\): timestamp earlier"):
        read_itch(write(tmp_path, back))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("AEXDU"), st.integers(1, 8), st.integers(1, 60),
                          st.integers(9990, 10010)), min_size=1, max_size=60),
       st.integers(5, 200))
def test_random_order_flow_matches_a_reference_book(tmp_path_factory, ops, chunk):
    """Replaying random adds, executions, cancels, deletes and replaces: the events rebuild
    the same book as a plain dict model of the orders."""
    orders: dict[int, list] = {}
    msgs, ts, next_ref = [m.directory(T0, 1, "ZZZ")], T0, 100
    for op, which, shares, price in ops:
        ts += 1
        live = sorted(orders)
        if op == "A" or not live:
            side = "B" if which % 2 else "S"
            orders[next_ref] = [side, price * 100, shares]
            msgs.append(m.add(ts, 1, next_ref, side, shares, "ZZZ", price * 100))
            next_ref += 1
            continue
        ref = live[which % len(live)]
        o = orders[ref]
        if op in "EX":
            q = min(shares, o[2])
            msgs.append(m.executed(ts, 1, ref, q, 1) if op == "E" else m.cancel(ts, 1, ref, q))
            o[2] -= q
            if o[2] == 0:
                del orders[ref]
        elif op == "D":
            msgs.append(m.delete(ts, 1, ref))
            del orders[ref]
        else:
            msgs.append(m.replace(ts, 1, ref, next_ref, shares, price * 100))
            orders[next_ref] = [o[0], price * 100, shares]
            del orders[ref]
            next_ref += 1
    p = tmp_path_factory.mktemp("itch") / "20200102.itch"
    p.write_bytes(b"".join(msgs))
    data = read_itch(p, chunk_size=chunk)
    s = snapshots(data, levels=100).iloc[-1]
    for side, name in (("B", "bid"), ("S", "ask")):
        levels: dict[int, int] = {}
        for o in orders.values():
            if o[0] == side:
                levels[o[1]] = levels.get(o[1], 0) + o[2]
        best = sorted(levels, reverse=side == "B")
        got = [(round(s[f"{name}_price_{i}"] * 100), s[f"{name}_size_{i}"])
               for i in range(1, len(best) + 1)]
        assert got == [(p // 100, levels[p]) for p in best]
        if len(best) < 100:
            assert np.isnan(s[f"{name}_price_{len(best) + 1}"])


def test_sub_penny_prices_keep_ten_thousandths(tmp_path):
    blob = m.directory(T0, 1, "AAPL") + m.add(T0 + 1, 1, 1, "B", 10, "AAPL", 1500050)
    data = read_itch(write(tmp_path, blob))
    assert data.instruments[0].tick_size == 0.0001 and data.events["price"][0] == 1500050
    forced = read_itch(write(tmp_path, m.add(T0, 1, 1, "B", 10, "AAPL", 1500100)), tick_size=0.01)
    assert forced.events["price"][0] == 15001


@pytest.mark.parametrize("msg", [m.add(T0, 1, 5, "X", 10, "AAPL", 100),
                                 m.add(T0, 1, 5, "B", 0, "AAPL", 100),
                                 m.add(T0, 1, 5, "S", 10, "AAPL", 0)])
def test_bad_fields_are_errors_with_offsets(tmp_path, msg):
    blob = m.directory(T0, 1, "AAPL") + msg
    with pytest.raises(DataError, match=r"byte offset 41 \(message 2\): 'A' message with a side "
                                        "other than B/S, or zero shares or price"):
        read_itch(write(tmp_path, blob))
    assert read_itch(write(tmp_path, blob), skip_bad=True).stats["skipped"] == {"bad_field": 1}


def test_event_table_grows_when_the_reserve_is_small(tmp_path, monkeypatch):
    import hftlab.data.itch as itch

    full = read_itch(write(tmp_path, session()))
    monkeypatch.setattr(itch, "MAX_RESERVE", 1)
    grown = read_itch(write(tmp_path, session()), chunk_size=60)
    np.testing.assert_array_equal(grown.events, full.events)
    np.testing.assert_array_equal(grown.record, full.record)


def test_iter_itch_streams_the_same_events_in_pieces(tmp_path):
    from hftlab.data.itch import iter_itch

    p = write(tmp_path, session())
    whole = read_itch(p, tick_size=0.0001)
    pieces = list(iter_itch(p, chunk_size=80))
    # each piece holds at most the events of one chunk plus a carried partial message
    assert len(pieces) > 3 and max(len(x) for x in pieces) <= (80 + 51) // 12 + 1
    np.testing.assert_array_equal(np.concatenate([x.events for x in pieces]), whole.events)
    np.testing.assert_array_equal(np.concatenate([x.record for x in pieces]), whole.record)
    assert [i.symbol for i in pieces[-1].instruments] == ["AAPL", "MSFT"]
    assert pieces[-1].stats["messages"] == 17
    cents = list(iter_itch(p, symbols=["MSFT"], tick_size=0.01))
    assert [x.events["price"].tolist() for x in cents] == [[30000]]
    with pytest.raises(DataError, match="truncated at byte offset"):
        list(iter_itch(write(tmp_path, session()[:-3], "cut_20190130.itch")))


def test_corrupt_gzip_is_named(tmp_path):
    blob = bytearray(gzip.compress(session()))
    blob[len(blob) // 2] ^= 0xFF
    with pytest.raises(DataError, match="bad.itch.gz: .*(corrupt|byte offset)"):
        read_itch(write(tmp_path, bytes(blob), "bad.itch.gz"), date="2019-01-30")
