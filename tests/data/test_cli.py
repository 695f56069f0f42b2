import pytest
from typer.testing import CliRunner

from hftlab.book import snapshots
from hftlab.data import load
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
    res = runner.invoke(app, ["data", "convert", "csv", str(cap), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "unknown format" in res.output


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
