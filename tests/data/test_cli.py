import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hftlab.book import snapshots
from hftlab.data import load
from hftlab.data.market import MarketData
from hftlab.cli import app
from tests.data.test_binance import SNAP, TRADE, diff, lines
from tests.data.test_lobster import BOOK, MESSAGES, NAME

runner = CliRunner()


def test_convert_partitions_by_date_and_instrument_and_info_reads_it_back(tmp_path):
    msg = tmp_path / NAME.format("message")
    msg.write_text(MESSAGES)
    (tmp_path / NAME.format("orderbook")).write_text(BOOK)  # found beside the message file
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "lobster", str(msg), "--out", str(out)])
    assert res.exit_code == 0, res.output
    files = sorted(out.rglob("*.parquet"))
    assert [f.relative_to(out).parts[:2] for f in files] == [("date=2012-06-21", "instrument=XYZ")]
    assert "corrections" in res.output and "wrote 1 Parquet file" in res.output
    data = load(files[0])
    assert len(data) == 15 and data.instruments[0].symbol == "XYZ"  # 10 messages + 5 levels
    res = runner.invoke(app, ["data", "info", str(out)])
    assert res.exit_code == 0, res.output
    assert "XYZ" in res.output and "2012-06-21 13:30:00.000000001+00:00" in res.output
    assert "ADD=2" in res.output and "LEVEL=5" in res.output
    assert "crossed-book moments: 0" in res.output


def test_convert_splits_days_and_symbols(tmp_path):
    day = 86_400_000  # ms
    t1 = {"stream": "btcusdt@trade", "data": dict(TRADE["data"], T=day - 1)}
    t2 = {"stream": "ethusdt@trade", "data": dict(TRADE["data"], s="ETHUSDT", T=day + 1, t=1)}
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(t1, t2))
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "binance", str(cap), "--out", str(out)])
    assert res.exit_code == 0, res.output
    parts = sorted(str(f.relative_to(out).parent) for f in out.rglob("*.parquet"))
    assert parts == ["date=1970-01-01/instrument=BTCUSDT", "date=1970-01-02/instrument=ETHUSDT"]
    eth = load(next(out.rglob("instrument=ETHUSDT/*.parquet")))
    assert eth.instruments[0].symbol == "ETHUSDT" and (eth.events["instrument"] == 0).all()


def test_bad_input_exits_with_the_error_and_skip_bad_reports_counts(tmp_path):
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(SNAP, diff(1500, 100, 102, pu=99), diff(1600, 110, 111, pu=105)))
    res = runner.invoke(app, ["data", "convert", "binance", str(cap), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "cap.txt: line 3" in res.output and "update-id gap" in res.output
    res = runner.invoke(app, ["data", "convert", "binance", str(cap), "--out", str(tmp_path / "o"),
                                   "--skip-bad"])
    assert res.exit_code == 0 and "gaps: {'count': 1" in res.output
    res = runner.invoke(app, ["data", "info", str(cap), "--format", "binance", "--skip-bad"])
    assert res.exit_code == 0 and "BTCUSDT" in res.output


@pytest.mark.parametrize("command", ["convert", "info"])
def test_an_unknown_format_is_one_line_naming_it_and_the_formats_read(tmp_path, command):
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(SNAP))
    args = (["convert", "csv", str(cap), "--out", str(tmp_path / "o")] if command == "convert"
            else ["info", str(cap), "--format", "csv"])
    res = runner.invoke(app, ["data", *args])
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "unknown format 'csv'" in res.stderr
    assert "lobster, itch, dbn, binance, hyperliquid, tardis" in res.stderr
    assert not (tmp_path / "o").exists()


def test_info_counts_crossed_moments(tmp_path):
    crossed = diff(1500, 101, 102, b=[("100.20", "1")])  # bid above the 100.10 ask
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(SNAP, crossed, diff(1600, 103, 103, b=[("100.20", "0")])))
    res = runner.invoke(app, ["data", "info", str(cap), "--format", "binance"])
    assert res.exit_code == 0, res.output
    assert "crossed-book moments: 1" in res.output


def test_a_later_day_starts_from_the_book_carried_over(tmp_path):
    day = 86_400_000  # ms
    late = diff(day + 5, 101, 102, b=[("99.80", "4")])
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(SNAP, late))  # snapshot on day 0, a diff on day 1
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "binance", str(cap), "--out", str(out)])
    assert res.exit_code == 0, res.output
    d1 = load(next(out.rglob("date=1970-01-02/*/*.parquet")))
    s = snapshots(d1, levels=3, by="record").iloc[-1]
    assert (s["bid_price_1"], s["bid_price_2"], s["bid_price_3"]) == (100.0, 99.9, 99.8)
    assert (s["ask_price_1"], s["ask_size_2"]) == (100.1, 3.0)
    assert d1.record.tolist() == [2] * 5


def test_dbn_tick_sizes_from_a_definition_file(shared_data, tmp_path):
    glbx = shared_data / "databento_dbn" / "nautilus_glbx"
    if not glbx.is_dir():
        pytest.skip(f"DBN samples not found at {glbx}")
    src = glbx / "futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "dbn", str(src), "--out", str(out), "--definitions",
                                   str(glbx / "futures_definition.dbn.zst")])
    assert res.exit_code == 0, res.output
    parts = sorted(out.rglob("*.parquet"))
    assert [p.parent.name for p in parts] == ["instrument=ESU4", "instrument=ESU4"]  # two days
    assert {load(p).instruments[0].tick_size for p in parts} == {0.25}


def midnight_capture(tmp_path):
    """A Binance capture whose book and trades run across midnight UTC."""
    day = 86_400_000  # ms
    t = TRADE["data"]
    cap = tmp_path / "cap.txt"
    cap.write_text(lines(SNAP, diff(day - 10, 95, 102, b=[("100.05", "0.5")]),
                         {"stream": "btcusdt@trade", "data": dict(t, T=day - 5, t=7)},
                         diff(day + 5, 103, 104, a=[("100.10", "0")]),
                         {"stream": "btcusdt@trade", "data": dict(t, T=day + 7, t=8, m=True)}))
    return cap


def test_a_capture_crossing_midnight_loads_back_as_one_market(tmp_path):
    from hftlab.analytics.cli import load_input
    from hftlab.config import make_data
    from hftlab.data import read_binance

    cap = midnight_capture(tmp_path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "binance", str(cap), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"load the directory as one data set: hftlab.data.load('{out}')" in res.output
    files = sorted(str(f.relative_to(out)) for f in out.rglob("*.parquet"))
    assert files == ["date=1970-01-01/instrument=BTCUSDT/cap.parquet",
                     "date=1970-01-02/instrument=BTCUSDT/cap.parquet"]
    whole = read_binance(cap)
    for lazy in (False, True):  # the day-2 file's carried levels are not replayed twice
        back = load(out, lazy=lazy)
        assert len(back) == len(whole)
        np.testing.assert_array_equal(back.load().events, whole.events)
        np.testing.assert_array_equal(back.load().record, whole.record)
    res = runner.invoke(app, ["data", "info", str(out)])
    assert res.exit_code == 0, res.output
    assert "(2 file(s))" in res.output and f"events: {len(whole):,}" in res.output
    got = load_input(out)  # hftlab analyze DIR
    assert got.kind == "events" and len(got.trades) == 2
    data, _ = make_data({"source": "replay", "path": "out"}, tmp_path)  # [market] path = "out"
    assert data.path == out and len(data) == len(whole)


def test_a_backtest_replays_a_converted_directory_as_the_whole_session(tmp_path):
    import hftlab
    from hftlab.data.cli import DAY_NS, partitions
    from hftlab.data.synthetic import l2_stream
    from hftlab.strategies import InventorySkew

    d = l2_stream(20_000, seed=2)
    ev = d.events.copy()
    mid = int(ev["ts"][len(ev) // 2])
    shift = (mid // DAY_NS + 1) * DAY_NS - mid  # midnight falls half way through the session
    ev["ts"] += shift
    ev["ts_local"] = np.where(ev["ts_local"] > 0, ev["ts_local"] + shift, 0)
    d = MarketData(ev, d.instruments, d.venues, record=d.record)
    out = tmp_path / "out"
    parts = partitions(d)
    assert len(parts) == 2 and parts[1][2].stats["carried_levels"] > 0
    for day, _, part in parts:
        part.save(out / f"date={day}" / "s.parquet")

    def run(data):
        mm = InventorySkew(half_spread=1, skew=2, capacity=5, qty=2, requote_ns=20_000_000)
        return hftlab.backtest(data, mm.compiled(), seed=7)

    one, many = run(d), run(load(out, lazy=True))
    assert len(one.fills) > 0
    pd.testing.assert_frame_equal(one.fills, many.fills)


def test_lobster_convert_says_how_it_pairs_the_orderbook_file(tmp_path):
    msg = tmp_path / NAME.format("message")
    msg.write_text(MESSAGES)
    book = tmp_path / NAME.format("orderbook")
    book.write_text(BOOK)
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "lobster", str(msg), str(book), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (f"{msg.name}: paired with orderbook file {book.name} (the same name with _orderbook_ "
            "for _message_)") in res.output
    assert "wrote 1 Parquet file" in res.output
    res = runner.invoke(app, ["data", "convert", "lobster", str(book), "--out", str(out)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"error: orderbook file(s) ['{book}'] pair with no message "
                                 "file given: give NAME_message_L.csv")
    book.unlink()
    res = runner.invoke(app, ["data", "convert", "lobster", str(msg), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"no orderbook file {book.name} beside it; the book is rebuilt from the messages" \
        in res.output


def test_convert_reads_hyperliquid_captures(tmp_path):
    from tests.data.test_hyperliquid import B1, B2, T1, capture

    cap = tmp_path / "btc.txt"
    cap.write_text(capture(B1, T1, B2, T1))
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "hyperliquid", str(cap), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "duplicate_trades: 2" in res.output
    data = load(out)
    assert data.instruments[0].symbol == "BTC" and data.venues[0].name == "hyperliquid"
    res = runner.invoke(app, ["data", "info", str(cap), "--format", "hyperliquid"])
    assert res.exit_code == 0 and "TRADE=2" in res.output


def test_convert_writes_the_codec_asked_for_and_refuses_an_unknown_one(tmp_path):
    import pyarrow.parquet as pq

    msg = tmp_path / NAME.format("message")
    msg.write_text(MESSAGES)
    (tmp_path / NAME.format("orderbook")).write_text(BOOK)
    out = tmp_path / "out"
    res = runner.invoke(app, ["data", "convert", "lobster", str(msg), "--out", str(out),
                              "--compression", "zstd"])
    assert res.exit_code == 0, res.output
    (f,) = out.rglob("*.parquet")
    assert pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "ZSTD"
    assert len(load(f)) == 15
    res = runner.invoke(app, ["data", "convert", "lobster", str(msg), "--out", str(out),
                              "--compression", "xz"])
    assert res.exit_code != 0 and "compression" in str(res.exception) + res.output
