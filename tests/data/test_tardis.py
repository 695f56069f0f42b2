import numpy as np
import pandas as pd
import pytest

from hftlab.book import snapshots
from hftlab.data import DataError, read_tardis
from hftlab.schema import Kind

HEAD = "exchange,symbol,timestamp,local_timestamp,"
L2 = HEAD + """is_snapshot,side,price,amount
deribit,BTC-PERPETUAL,1000,1100,true,ask,6421.5,100
deribit,BTC-PERPETUAL,1000,1100,true,bid,6421,50
deribit,BTC-PERPETUAL,2000,2100,false,bid,6421,0
deribit,BTC-PERPETUAL,2000,2100,false,bid,6420.5,70
deribit,BTC-PERPETUAL,3000,3100,true,ask,6430,5
deribit,BTC-PERPETUAL,3000,3100,true,bid,6429.5,6
"""


def write(tmp_path, text, name="x.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_incremental_l2_snapshot_runs_clear_the_book(tmp_path):
    data = read_tardis(write(tmp_path, L2))
    ev = data.events
    assert ev["kind"].tolist() == [Kind.CLEAR, Kind.LEVEL, Kind.LEVEL, Kind.LEVEL, Kind.LEVEL,
                                   Kind.CLEAR, Kind.LEVEL, Kind.LEVEL]
    assert data.record.tolist() == [2, 2, 3, 4, 5, 6, 6, 7]
    assert ev["ts"][0] == 1_000_000 and ev["ts_local"][0] == 1_100_000
    assert data.instruments[0].tick_size == 0.1 and data.venues[0].name == "deribit"
    s = snapshots(data, levels=1, by="record")
    nan = np.nan
    np.testing.assert_array_equal(s["bid_price_1"], [nan, 6421.0, nan, 6420.5, nan, 6429.5])
    np.testing.assert_array_equal(s["ask_price_1"], [6421.5] * 4 + [6430.0] * 2)


def test_book_snapshot_rows_are_whole_books(tmp_path):
    text = HEAD + ("asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,"
                   "asks[1].price,asks[1].amount,bids[1].price,bids[1].amount\n"
                   "binance,BTCUSDT,1,1,10.5,1.25,10.4,2,10.6,3,,\n"
                   "binance,BTCUSDT,2,2,10.6,3,10.5,0.5,10.7,1,10.4,2\n")
    data = read_tardis(write(tmp_path, text))
    s = snapshots(data, levels=2, by="record")
    np.testing.assert_array_equal(s.iloc[0], [10.5, 1.25, 10.4, 2.0, 10.6, 3.0, np.nan, 0.0])
    assert s.iloc[1].tolist() == [10.6, 3.0, 10.5, 0.5, 10.7, 1.0, 10.4, 2.0]
    assert (data.instruments[0].tick_size, data.instruments[0].lot_size) == (0.1, 0.01)


def test_half_empty_snapshot_level_is_an_error(tmp_path):
    text = HEAD + ("asks[0].price,asks[0].amount,bids[0].price,bids[0].amount\n"
                   "binance,BTCUSDT,1,1,10.5,,10.4,2\n")
    with pytest.raises(DataError, match="line 2: asks\\[0\\].price and asks\\[0\\].amount must"):
        read_tardis(write(tmp_path, text))


def test_trades_carry_aggressor_and_quotes_make_a_top_of_book(tmp_path):
    trades = read_tardis(write(tmp_path, HEAD + "id,side,price,amount\n"
                               "bitmex,XBTUSD,5,6,a,sell,8531.5,2152\n"
                               "bitmex,XBTUSD,7,8,b,buy,8532,1\n"
                               "bitmex,XBTUSD,9,9,c,unknown,8532,3\n"))
    assert trades.events["kind"].tolist() == [Kind.TRADE] * 3
    assert trades.events["side"].tolist() == [-1, 1, 0]
    assert trades.events["price"].tolist() == [85315, 85320, 85320]
    quotes = read_tardis(write(tmp_path, HEAD + "ask_amount,ask_price,bid_price,bid_amount\n"
                               "huobi,BTC-USD,1,2,5494,8629.3,8629.2,806\n", "q.csv"))
    s = snapshots(quotes, levels=1)
    assert s.iloc[-1].tolist() == [8629.3, 5494.0, 8629.2, 806.0]


def test_several_symbols_become_instruments(tmp_path):
    text = L2.replace("BTC-PERPETUAL,3000", "ETH-PERPETUAL,3000")
    data = read_tardis(write(tmp_path, text))
    assert [i.symbol for i in data.instruments] == ["BTC-PERPETUAL", "ETH-PERPETUAL"]
    assert data.events["instrument"].tolist()[-3:] == [1, 1, 1]


@pytest.mark.parametrize("change, what", [
    (("6420.5,70", "6420.5,70,9"), "malformed CSV"),
    (("2000,2100,false,bid,6421,0", "500,2100,false,bid,6421,0"),
     "line 4: timestamp 500 us is earlier"),
    (("false,bid,6420.5", "false,bad,6420.5"), "line 5: side 'bad'"),
    (("6420.5,70", "6420.5,7x0"), "line 5: amount '7x0' is not a number"),
    (("bid,6420.5,70", "bid,6420.5,"), "line 5: amount is empty"),
])
def test_bad_rows_name_file_and_line(tmp_path, change, what):
    p = write(tmp_path, L2.replace(*change))
    with pytest.raises(DataError, match=f"x.csv.*{what}"):
        read_tardis(p)


def test_skip_bad_counts_dropped_rows_and_keeps_line_numbers(tmp_path):
    p = write(tmp_path, L2.replace("6420.5,70", "6420.5,70,9"))
    data = read_tardis(p, skip_bad=True)
    assert data.stats["skipped"]["malformed"]["lines"] == 1
    assert "line 5" in data.stats["skipped"]["malformed"]["first"]
    assert data.record.tolist() == [2, 2, 3, 4, 6, 6, 7]


def test_values_are_exact_and_off_grid_values_are_errors(tmp_path):
    text = HEAD + "id,side,price,amount\nx,s,1,1,a,buy,8531.25,0.123456789012345\n"
    data = read_tardis(write(tmp_path, text))
    assert data.instruments[0].lot_size == 1e-15
    assert data.events["qty"].tolist() == [123456789012345]  # 15 places, exact
    with pytest.raises(DataError, match="line 2: price '8531.25' is finer than the step 0.1"):
        read_tardis(write(tmp_path, text), tick_size=0.1)


def test_empty_file_is_named(tmp_path):
    with pytest.raises(DataError, match="x.csv: empty file"):
        read_tardis(write(tmp_path, ""))


def test_unknown_csv_is_named(tmp_path):
    with pytest.raises(DataError, match="unknown Tardis CSV"):
        read_tardis(write(tmp_path, HEAD + "foo\nx,y,1,1,2\n"))


def test_real_samples(shared_data):
    folder = shared_data / "tardis_samples"
    if not folder.is_dir():
        pytest.skip(f"Tardis samples not found at {folder}")
    for n in (5, 25):
        path = folder / f"binance-futures_book_snapshot_{n}_BTCUSDT.csv"
        data = read_tardis(path)
        s = snapshots(data, levels=n, by="record")
        raw = pd.read_csv(path)
        expect = raw[list(s.columns.str.replace(r"(ask|bid)_(price|size)_(\d+)",
                                                lambda m: f"{m[1]}s[{int(m[3]) - 1}]."
                                                f"{'price' if m[2] == 'price' else 'amount'}",
                                                regex=True))].to_numpy()
        np.testing.assert_allclose(s.to_numpy(), expect, rtol=0, atol=1e-9)
    trades = read_tardis(folder / "bitmex_trades_XBTUSD.csv")
    assert len(trades) == 10 and set(trades.events["side"]) <= {-1, 1}
    l2 = read_tardis(folder / "deribit_incremental_book_L2_BTC-PERPETUAL.csv")
    assert (l2.events["kind"] == Kind.CLEAR).sum() == 1 and len(l2) == 16
    quotes = read_tardis(folder / "huobi-dm-swap_quotes_BTC-USD.csv")
    q = snapshots(quotes, levels=1, by="record")
    assert (q["bid_price_1"] < q["ask_price_1"]).all()


SNAP2 = HEAD + ("asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,"
                "asks[1].price,asks[1].amount,bids[1].price,bids[1].amount\n"
                "binance,BTCUSDT,1,1,10.5,1.25,10.4,2,10.6,3,10.3,1\n"
                "{row}\n"
                "binance,BTCUSDT,3,3,10.6,3,10.5,0.5,10.7,1,10.4,2\n")


@pytest.mark.parametrize("row, what, key", [
    ("binance,BTCUSDT,2,2,10.6,3", r"line 3: 6 fields where the header has 12 \(a row cut short\)",
     "short_row"),
    ("binance,BTCUSDT,2,2,10.6,3,,,10.7,1,10.4,2",
     r"line 3: bids\[0\].price is empty but bids\[1\].price is given \(a missing field\)",
     "incomplete_snapshot"),
    ("binance,BTCUSDT,2,2,,,,,,,,", r"line 3: no levels at all \(an empty or cut snapshot\)",
     "incomplete_snapshot"),
])
def test_a_cut_or_holed_snapshot_row_never_wipes_the_book(tmp_path, row, what, key):
    p = write(tmp_path, SNAP2.format(row=row))
    with pytest.raises(DataError, match="x.csv: " + what):
        read_tardis(p)
    data = read_tardis(p, skip_bad=True)
    assert data.stats["skipped"][key]["lines"] == 1
    assert "line 3" in data.stats["skipped"][key]["first"]
    assert 3 not in data.record.tolist()  # nothing of the bad row: no CLEAR without levels
    assert (data.events["kind"] == Kind.CLEAR).sum() == 2


def test_a_cut_incremental_row_is_named_or_counted(tmp_path):
    p = write(tmp_path, L2.replace("false,bid,6420.5,70", "false,bid"))
    with pytest.raises(DataError, match=r"x.csv: line 5: 6 fields where the header has 8"):
        read_tardis(p)
    data = read_tardis(p, skip_bad=True)
    assert data.stats["skipped"]["short_row"]["lines"] == 1
    assert data.record.tolist() == [2, 2, 3, 4, 6, 6, 7]


def test_an_empty_amount_is_named_or_counted(tmp_path):
    p = write(tmp_path, L2.replace("bid,6420.5,70", "bid,6420.5,"))
    with pytest.raises(DataError, match=r"x.csv: line 5: amount is empty"):
        read_tardis(p)
    data = read_tardis(p, skip_bad=True)
    assert data.stats["skipped"]["empty_value"]["lines"] == 1
    assert 5 not in data.record.tolist() and 6 in data.record.tolist()
