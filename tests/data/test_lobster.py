import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.book import snapshots
from hftlab.data import DataError, read_lobster
from hftlab.schema import Kind

MESSAGES = """34200.000000001,1,101,10,1000100,-1
34200.5,2,101,4,1000100,-1
34201,4,101,6,1000100,-1
34202,5,0,7,1000100,1
34203,3,999,40,999900,1
34204,6,-1,500,1000000,-1
34205,7,0,0,-1,-1
34206,7,0,0,1,-1
34207,1,102,5,999800,1
34208,3,888,50,1000200,-1
"""
# the book after each message, 2 levels; the initial book and the levels that come into
# view (100.03 ask after message 3, 99.97 bid after message 5) are only here
BOOK = """1000100,10,999900,40,1000200,50,999800,30
1000100,6,999900,40,1000200,50,999800,30
1000200,50,999900,40,1000300,60,999800,30
1000200,50,999900,40,1000300,60,999800,30
1000200,50,999800,30,1000300,60,999700,20
1000200,50,999800,30,1000300,60,999700,20
1000200,50,999800,30,1000300,60,999700,20
1000200,50,999800,30,1000300,60,999700,20
1000200,50,999800,35,1000300,60,999700,20
1000300,60,999800,35,9999999999,0,999700,20
"""
NAME = "XYZ_2012-06-21_34200000_57600000_{}_2.csv"


def write(tmp_path, messages=MESSAGES, book=BOOK):
    m = tmp_path / NAME.format("message")
    b = tmp_path / NAME.format("orderbook")
    m.write_text(messages)
    b.write_text(book)
    return m, b


def file_book(path):
    ob = pd.read_csv(path, header=None).to_numpy().astype(float)
    price = ob[:, 0::2]
    ob[:, 0::2] = np.where(np.abs(price) == 9999999999, np.nan, price / 10000)
    return ob


def test_all_message_types_map_to_canonical_kinds(tmp_path):
    m, _ = write(tmp_path)
    data = read_lobster(m)
    ev = data.events
    assert ev["kind"].tolist() == [Kind.ADD, Kind.CANCEL, Kind.EXECUTE, Kind.TRADE, Kind.DELETE,
                                   Kind.TRADE, Kind.STATUS, Kind.STATUS, Kind.ADD, Kind.DELETE]
    assert ev["side"].tolist() == [-1, -1, -1, -1, 1, 0, 0, 0, 1, -1]  # hidden exec: aggressor
    assert ev["price"][:3].tolist() == [10001, 10001, 10001]  # whole cents -> $0.01 ticks
    assert ev["order_id"].tolist() == [101, 101, 101, 0, 999, 0, 0, 0, 102, 888]
    assert ev["qty"][6:8].tolist() == [0, 1]  # halt, then trading resumes
    assert data.instruments[0].symbol == "XYZ" and data.instruments[0].tick_size == 0.01
    assert data.record.tolist() == list(range(1, 11))
    # 09:30 New York time on 2012-06-21 (EDT) is 13:30 UTC
    assert ev["ts"][0] == pd.Timestamp("2012-06-21 13:30:00.000000001", tz="UTC").value
    assert "corrections" not in data.stats


def test_events_rebuild_the_orderbook_file_exactly(tmp_path):
    m, b = write(tmp_path)
    data = read_lobster(m, b)
    s = snapshots(data, levels=2, by="record")
    assert s.index.get_level_values("record").tolist() == list(range(1, 11))
    np.testing.assert_array_equal(s.to_numpy(), file_book(b))
    assert data.stats["corrections"] == {"total": 5, "initial": 3, "beyond_depth": 2,
                                         "mismatch": 0}
    level = data.events["kind"] == Kind.LEVEL
    assert data.record[level].tolist() == [1, 1, 1, 3, 5]


def test_sub_penny_prices_keep_ten_thousandths(tmp_path):
    m = tmp_path / NAME.format("message")
    m.write_text("34200.1,1,5,10,1000150,1\n")
    data = read_lobster(m)
    assert data.instruments[0].tick_size == 0.0001 and data.events["price"][0] == 1000150


@pytest.mark.parametrize("line, what", [
    ("34200.2,1,5,10,1000100", "line 2, column 6 .*too few fields"),
    ("34200.2,1,5,1x0,1000100,1", "line 2, column 4 .*not part of a number"),
    ("34200.2,9,5,10,1000100,1", "line 2: unknown message type"),
    ("34199.9,1,5,10,1000100,1", "line 2: time earlier than the previous"),
    ("34200.2,1,5,0,1000100,1", "line 2: price and size must be > 0"),
])
def test_bad_lines_name_file_and_line_and_skip_bad_counts_them(tmp_path, line, what):
    m = tmp_path / NAME.format("message")
    m.write_text(f"34200.1,1,4,10,1000100,1\n{line}\n34200.3,3,4,10,1000100,1\n")
    with pytest.raises(DataError, match=f"{m.name}: {what}"):
        read_lobster(m)
    data = read_lobster(m, skip_bad=True)
    assert data.record.tolist() == [1, 3]
    (info,) = data.stats["skipped"].values()
    assert info["lines"] == 1 and "line 2" in info["first"]


def test_empty_message_file_is_an_error(tmp_path):
    m, _ = write(tmp_path, messages="")
    with pytest.raises(DataError, match="no messages"):
        read_lobster(m)


def test_orderbook_row_count_must_match(tmp_path):
    m, b = write(tmp_path, book="\n".join(BOOK.splitlines()[:-1]) + "\n")
    with pytest.raises(DataError, match="9 rows but .* has 10 messages"):
        read_lobster(m, b)


def test_date_is_needed_when_the_name_has_none(tmp_path):
    m = tmp_path / "messages.csv"
    m.write_text(MESSAGES)
    with pytest.raises(DataError, match="pass date="):
        read_lobster(m)
    assert read_lobster(m, date="2012-06-22").events["ts"][0] == \
        pd.Timestamp("2012-06-22 13:30:00.000000001", tz="UTC").value


def test_amzn_sample_rebuilds_lobster_book_on_every_row(shared_data):
    folder = shared_data / "lobster" / "AMZN_2012-06-21_level1_fullday"
    if not folder.is_dir():
        pytest.skip(f"LOBSTER AMZN sample not found at {folder}")
    m = folder / "AMZN_2012-06-21_34200000_57600000_message_1.csv"
    b = folder / "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv"
    data = read_lobster(m, b)
    assert data.stats["by_type"] == {1: 27845, 2: 16, 3: 18235, 4: 8974, 5: 2445}
    s = snapshots(data, levels=1, by="record")
    assert len(s) == 57515
    np.testing.assert_allclose(s.to_numpy(), file_book(b), rtol=0, atol=1e-9)
    c = data.stats["corrections"]
    assert c["initial"] == 2 and c["total"] == c["initial"] + c["beyond_depth"] + c["mismatch"]
    print("LOBSTER AMZN corrections:", c)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ACDE"), st.integers(0, 10**6), st.integers(1, 9),
                          st.integers(1, 50)), min_size=1, max_size=80),
       st.integers(1, 3))
def test_rebuild_is_exact_when_messages_beyond_the_depth_are_missing(tmp_path_factory, ops,
                                                                     levels):
    """A random full-depth order flow; the message file keeps only messages within the
    visible depth (as LOBSTER's do), the orderbook file shows the true top levels. The
    rebuilt events must give the orderbook file on every row."""
    orders = {1: [1, 99, 30], 2: [-1, 102, 40], 3: [1, 97, 10], 4: [-1, 105, 5]}  # before
    next_id, t = 10, 34200 * 10**9

    def top():
        book = {1: {}, -1: {}}
        for side, price, size in orders.values():
            book[side][price] = book[side].get(price, 0) + size
        return {s: sorted(book[s].items(), reverse=s == 1)[:levels] for s in (1, -1)}

    def visible(side, price, view):
        lv = view[side]
        return len(lv) < levels or side * price >= side * lv[-1][0]

    msgs, rows = [], []
    for op, pick, offset, size in ops:
        t += 1000
        before = top()
        if op == "A" or not orders:
            side = 1 if pick % 2 else -1
            price = 100 - offset if side == 1 else 100 + offset
            orders[next_id] = [side, price, size]
            line = (1, next_id, size, price, side)
            next_id += 1
        else:
            oid = sorted(orders)[pick % len(orders)]
            side, price, left = orders[oid]
            q = min(size, left)
            if op == "C" and q < left:
                line = (2, oid, q, price, side)
                orders[oid][2] -= q
            elif op == "E":
                line = (4, oid, q, price, side)
                orders[oid][2] -= q
                if orders[oid][2] == 0:
                    del orders[oid]
            else:
                line = (3, oid, left, price, side)
                del orders[oid]
        after = top()
        if not (visible(line[4], line[3], before) or visible(line[4], line[3], after)):
            continue  # beyond the depth: LOBSTER leaves it out
        msgs.append(f"{t // 10**9}.{t % 10**9:09d},{line[0]},{line[1]},{line[2]},"
                    f"{line[3] * 100},{line[4]}")
        row = []
        for k in range(levels):
            for s, dummy in ((-1, 9999999999), (1, -9999999999)):
                lv = after[s]
                row += [lv[k][0] * 100, lv[k][1]] if k < len(lv) else [dummy, 0]
        rows.append(",".join(map(str, row)))
    if not msgs:
        return
    folder = tmp_path_factory.mktemp("lob")
    m = folder / f"XYZ_2012-06-21_0_1_message_{levels}.csv"
    b = folder / f"XYZ_2012-06-21_0_1_orderbook_{levels}.csv"
    m.write_text("\n".join(msgs) + "\n")
    b.write_text("\n".join(rows) + "\n")
    data = read_lobster(m, b, tick_size=0.01)
    s = snapshots(data, levels=levels, by="record")
    np.testing.assert_array_equal(s.to_numpy(), file_book(b))
    c = data.stats["corrections"]
    assert c["total"] == c["initial"] + c["beyond_depth"] + c["mismatch"]


def test_a_read_that_compiles_says_so_once_on_stderr(tmp_path, capsys, monkeypatch):
    import numba as nb

    import hftlab.data.lobster as lobster

    @nb.njit
    def first_use(x):
        return x + 1

    parse = lobster._parse

    def compiling(*args):
        first_use(1)  # stands in for the reader's kernels on a cold cache
        return parse(*args)

    monkeypatch.setattr(lobster, "_parse", compiling)
    msg, book = write(tmp_path)
    read_lobster(msg, book)
    assert capsys.readouterr().err == "compiling kernels (first run only; cached after) ...\n"
    read_lobster(msg, book)
    assert capsys.readouterr().err == ""
