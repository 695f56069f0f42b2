"""`hftlab analyze` on canonical events and on run folders: tables, report, reconciliation."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import hftlab
from hftlab.analytics import adverse_selection, markout_table
from hftlab.analytics.cli import analyze_command, load_input, load_tables
from hftlab.analytics.sources import RunTables, dedupe_quotes, events_tables
from hftlab.data import MarketData, read_lobster
from hftlab.data.synthetic import l2_stream
from hftlab.instruments import Instrument, Venue
from hftlab.report import analyze_run
from hftlab.report.analytics_run import adverse_section
from hftlab.schema import EVENT_DTYPE, Kind
from hftlab.strategies import InventorySkew


def _invoke(*args: str):
    app = typer.Typer()
    app.command("analyze")(analyze_command)
    app.command("noop")(lambda: None)  # two commands, so "analyze" is a subcommand
    return CliRunner().invoke(app, ["analyze", *map(str, args)])


def _stats(text: str) -> dict[str, str]:
    """The headline table of a report page: {name: shown value}."""
    head = text.split("<table>", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", head))


def _decomposition_rows(text: str) -> dict[str, list[float]]:
    """Rows of the spread-decomposition table: horizon -> [effective, realized, impact, n]."""
    part = text.split("<h3>Decomposition", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<th>(\w+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*"
                      r"<td>([^<]+)</td>\s*<td>([^<]+)</td>", part)
    return {h: [float(x) for x in vals] for h, *vals in rows}


def _asof_before(ts: np.ndarray, qts: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """vals of the last quote strictly before each ts (NaN before the first)."""
    i = np.searchsorted(qts, ts, side="left") - 1
    out = np.full(ts.shape, np.nan)
    out[i >= 0] = vals[i[i >= 0]]
    return out


# --- canonical events -----------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_events(tmp_path_factory) -> Path:
    return l2_stream(20_000, seed=1).save(tmp_path_factory.mktemp("ev") / "events.parquet")


def test_events_parquet_through_the_command(synthetic_events, tmp_path):
    res = _invoke(synthetic_events, "--out", tmp_path / "rep", "--bar", "100ms")
    assert res.exit_code == 0, res.output
    page = tmp_path / "rep" / "analytics_report.html"
    assert res.output.strip() == str(page)
    text = page.read_text()
    assert "<h2>Toxicity</h2>" in text and "<h2>Spreads</h2>" in text
    assert "<h2>Order flow</h2>" in text  # the events give quote sizes
    assert "1487 TRADE prints and 0 EXECUTE events" in text
    # the aggressor side of the prints is the truth Lee-Ready is scored against
    acc = float(re.search(r"agrees with the given trade side on ([0-9.]+)%", text).group(1))
    assert acc > 95.0
    stats = _stats(text)
    assert int(stats["trades"]) == 1487
    assert 0.0 <= float(stats["last VPIN"]) <= 1.0
    quoted = float(stats["mean quoted spread (bps)"])
    assert 0.9 < quoted < 3.0  # 1-2 ticks of $0.01 on a $100 price
    rows = _decomposition_rows(text)
    eff, real, imp, n = rows["1s"]
    assert n > 100 and 0.0 < eff < 2 * quoted  # takers pay about the quoted spread
    assert eff == pytest.approx(real + imp, abs=2e-4)  # table rounds to 4 decimals


def _reference_top(ev: np.ndarray) -> np.ndarray:
    """Best bid, best ask (ticks; NaN if empty) after each LEVEL/CLEAR event, by dicts."""
    books = {1: {}, -1: {}}
    out = np.full((len(ev), 2), np.nan)
    for n, e in enumerate(ev):
        if e["kind"] == Kind.LEVEL:
            side = books[int(e["side"])]
            if e["qty"] > 0:
                side[int(e["price"])] = int(e["qty"])
            else:
                side.pop(int(e["price"]), None)
        elif e["kind"] == Kind.CLEAR:
            books = {1: {}, -1: {}}
        if books[1]:
            out[n, 0] = max(books[1])
        if books[-1]:
            out[n, 1] = min(books[-1])
    return out


def test_events_tables_against_a_dict_book():
    data = l2_stream(3_000, seed=4)
    t = events_tables(data)
    ev = data.events
    tr = ev[ev["kind"] == Kind.TRADE]
    np.testing.assert_array_equal(t.trades["ts"], tr["ts"])
    np.testing.assert_array_equal(t.trades["side"], tr["side"])
    np.testing.assert_allclose(t.trades["price"], tr["price"] / 100.0, rtol=0, atol=1e-12)
    ref = _reference_top(ev)
    # the quote in force strictly before each trade, from the deduplicated quotes, is the
    # dict book after the last event before that trade's timestamp
    last_before = np.searchsorted(ev["ts"], tr["ts"], side="left") - 1
    for col, k in (("bid", 0), ("ask", 1)):
        got = _asof_before(tr["ts"], t.quotes["ts"].to_numpy(), t.quotes[col].to_numpy())
        np.testing.assert_allclose(got * 100.0, ref[last_before, k], rtol=0, atol=1e-9)
    assert t.quotes["ts"].iloc[-1] == ev["ts"][-1]  # the data's end is kept


def test_dedupe_quotes_keeps_changes_and_the_last_row():
    q = pd.DataFrame({"ts": [1, 2, 3, 4, 5], "bid": [1.0, 1.0, np.nan, np.nan, np.nan],
                      "ask": [2.0, 2.0, 2.0, 2.0, 2.0]})
    assert dedupe_quotes(q)["ts"].tolist() == [1, 3, 5]


def _l3_two_books() -> MarketData:
    """Instrument 0 has only book events; instrument 1 has an EXECUTE and a TRADE."""
    rows = [  # ts, instrument, kind, side, price, qty, order_id
        (1, 0, Kind.ADD, 1, 999, 5, 1), (1, 0, Kind.ADD, -1, 1001, 5, 2),
        (2, 1, Kind.ADD, 1, 4999, 7, 3), (2, 1, Kind.ADD, -1, 5002, 4, 4),
        (3, 1, Kind.EXECUTE, -1, 5002, 3, 4),  # resting ask hit: a buyer-initiated trade
        (4, 1, Kind.EXECUTE, 1, 4999, 2, 3),  # resting bid hit: seller-initiated
        (5, 1, Kind.TRADE, 0, 5000, 1, 0),  # hidden print, aggressor unknown
    ]
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for n, (ts, inst, kind, side, price, qty, oid) in enumerate(rows):
        ev[n] = (ts, 0, 0, inst, kind, side, price, qty, oid)
    insts = [Instrument("AAA", tick_size=0.01, lot_size=1.0),
             Instrument("BBB", tick_size=0.01, lot_size=10.0)]
    return MarketData(ev, insts, [Venue("XV")], source="hand-made L3").validate()


def test_execute_events_are_trades_of_the_other_side_and_book_choice():
    data = _l3_two_books()
    t = events_tables(data)  # the first book with trades: instrument 1
    assert (t.venue, t.instrument) == (0, 1)
    assert t.trades["side"].tolist() == [1, -1, 0]
    assert t.trades["price"].tolist() == [50.02, 49.99, 50.0]
    assert t.trades["qty"].tolist() == [30.0, 20.0, 10.0]  # lots x lot size
    assert t.quotes["bid"].tolist()[-1] == 49.99 and t.quotes["ask"].tolist()[-1] == 50.02
    assert t.quotes["ask_qty"].tolist()[-1] == 10.0  # 4 - 3 lots left at 50.02
    assert events_tables(data, instrument="BBB").instrument == 1
    assert events_tables(data, venue="XV", instrument="1").instrument == 1
    assert events_tables(data, instrument=0).trades.empty
    with pytest.raises(ValueError, match="no instrument named 'CCC'"):
        events_tables(data, instrument="CCC")
    with pytest.raises(ValueError, match="venue index 3 is out of range"):
        events_tables(data, venue=3)


def test_command_errors_on_events(tmp_path):
    path = _l3_two_books().save(tmp_path / "l3.parquet")
    res = _invoke(path, "--instrument", "AAA", "--out", tmp_path / "r")
    assert res.exit_code == 2 and "no TRADE or EXECUTE events" in res.output
    res = _invoke(path, "--events", path, "--out", tmp_path / "r")
    assert res.exit_code == 2 and "--events goes with a run folder" in res.output
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame({"ts": [1], "price": [1.0], "qty": [1.0]}).to_parquet(tables / "trades.parquet")
    pd.DataFrame({"ts": [0], "bid": [0.9], "ask": [1.1]}).to_parquet(tables / "quotes.parquet")
    res = _invoke(tables, "--venue", "0", "--out", tmp_path / "r")
    assert res.exit_code == 2 and "plain trade and quote tables hold one market" in res.output


def test_lobster_events_match_the_sample_files(shared_data, lobster_amzn, tmp_path):
    folder = shared_data / "lobster" / "AMZN_2012-06-21_level1_fullday"
    base = folder / "AMZN_2012-06-21_34200000_57600000"
    data = read_lobster(f"{base}_message_1.csv", f"{base}_orderbook_1.csv")
    path = data.save(tmp_path / "amzn.parquet")
    trades, quotes = load_tables(path)
    ref_t, ref_q = lobster_amzn  # parsed from the raw files by tests/analytics/samples.py
    assert len(trades) == len(ref_t) == 8974 + 2445
    np.testing.assert_array_equal(trades["ts"], ref_t["ts"])
    np.testing.assert_array_equal(trades["side"], ref_t["side"])
    np.testing.assert_allclose(trades["price"], ref_t["price"], rtol=0, atol=1e-9)
    for col in ("bid", "ask"):
        ours = _asof_before(trades["ts"].to_numpy(), quotes["ts"].to_numpy(),
                            quotes[col].to_numpy())
        theirs = _asof_before(ref_t["ts"].to_numpy(), ref_q["ts"].to_numpy(),
                              ref_q[col].to_numpy())
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    res = _invoke(path, "--out", tmp_path / "rep", "--bar", "1min")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "rep" / "analytics_report.html").read_text()
    acc = float(re.search(r"agrees with the given trade side on ([0-9.]+)%", text).group(1))
    assert acc > 95.0  # Lee-Ready against the executions' true aggressor on AMZN
    eff = _decomposition_rows(text)["1s"][0]
    assert 0.0 < eff < 2 * float(_stats(text)["mean quoted spread (bps)"])


# --- run folders ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def run_case(tmp_path_factory) -> tuple[Path, Path, hftlab.RunRecord]:
    """A saved InventorySkew run on 20,000 events over ~90 s (5 ms apart on average)."""
    root = tmp_path_factory.mktemp("run")
    data = l2_stream(20_000, seed=1, dt_ns=5_000_000)
    rec = hftlab.backtest(data, InventorySkew(half_spread=1, skew=2, capacity=10,
                                              qty=1).compiled())
    rec.save(root / "run")
    return root / "run", data.save(root / "events.parquet"), rec


def _reference_markout(rec: hftlab.RunRecord, h_ns: int) -> tuple[float, float, int]:
    """(effective earned, impact against us) in bps over fills with a known mid h later,
    qty-weighted, straight from the fills and state samples; and that fill count."""
    f, st = rec.fills.sort_values("ts_exchange"), rec.states.sort_values("ts")
    s, p, m = (f[c].to_numpy(dtype=float) for c in ("side", "price", "mid"))
    t, q = f["ts_exchange"].to_numpy(), f["qty"].to_numpy(dtype=float)
    end = max(st["ts"].iloc[-1], t[-1])
    j = np.searchsorted(st["ts"].to_numpy(), t + h_ns, side="right") - 1
    mh = st["mid"].to_numpy()[j]
    ok = (t + h_ns <= end) & (j >= 0)
    eff = -2 * s * (p - m) / m
    imp = -2 * s * (mh - m) / m
    w = q[ok]
    return ((eff[ok] * w).sum() / w.sum() * 1e4, (imp[ok] * w).sum() / w.sum() * 1e4,
            int(ok.sum()))


def test_run_folder_through_the_command(run_case, tmp_path):
    run_dir, _, rec = run_case
    assert len(rec.fills) > 20
    res = _invoke(run_dir, "--out", tmp_path / "rep", "--bar", "1s")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "rep" / "analytics_report.html").read_text()
    assert "<h2>Toxicity</h2>" in text and "<h2>Spreads</h2>" in text
    assert "<h2>Adverse selection of our fills</h2>" in text
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="markout by horizon">', text)
    assert f"trades are our {len(rec.fills)} fills as prints" in text
    stats = _stats(text)
    assert int(stats["our fills"]) == len(rec.fills)
    table = pd.read_csv(tmp_path / "rep" / "adverse_selection.csv", index_col="horizon")
    assert table.index.tolist() == ["1s", "10s", "60s"]
    # effective = realized + impact, cost = permanent + temporary, per horizon
    np.testing.assert_allclose(table["effective_earned"],
                               table["realized"] + table["impact"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["cost"], table["permanent"] + table["temporary"],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["cost"], -0.5 * table["effective_earned"], atol=1e-12)
    assert (np.diff(table["fills"].to_numpy()) <= 0).all()  # later horizons lose end fills
    for lab, h in (("1s", 10**9), ("10s", 10 * 10**9), ("60s", 60 * 10**9)):
        eff, imp, n = _reference_markout(rec, h)
        assert table.loc[lab, "fills"] == n > 0
        assert table.loc[lab, "effective_earned"] == pytest.approx(eff, abs=1e-9)
        assert table.loc[lab, "impact"] == pytest.approx(imp, abs=1e-9)
        shown = float(stats[f"realized spread {lab} (bps, {n} fills)"])
        assert shown == pytest.approx(eff - imp, rel=1e-5, abs=1e-9)
    # passive fills sit inside or at the touch: we earn a positive spread on them
    assert (rec.fills["maker"] == 1).all() and table.loc["1s", "effective_earned"] > 0


def test_run_with_its_market_events(run_case, tmp_path):
    run_dir, events, _ = run_case
    base = pd.read_csv(analyze_run(run_dir, tmp_path / "a", bar="1s").parent
                       / "adverse_selection.csv", index_col="horizon")
    res = _invoke(run_dir, "--events", events, "--out", tmp_path / "b", "--bar", "1s")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "b" / "analytics_report.html").read_text()
    assert "later mids from the market&#x27;s book after every event" in text
    assert "TRADE prints" in text and "<h2>Adverse selection of our fills</h2>" in text
    with_ev = pd.read_csv(tmp_path / "b" / "adverse_selection.csv", index_col="horizon")
    # the mid at each fill is the fill's own in both; only the later mids are finer
    np.testing.assert_allclose(with_ev["effective_earned"], base["effective_earned"],
                               atol=1e-12)
    np.testing.assert_allclose(with_ev["effective_earned"],
                               with_ev["realized"] + with_ev["impact"], atol=1e-9)
    market = hftlab.data.load(events)
    assert int(_stats(text)["trades"]) == int((market.events["kind"] == Kind.TRADE).sum())
    assert "Warning: the run replayed" not in text
    other = l2_stream(2_000, seed=9, dt_ns=5_000_000)
    page = analyze_run(run_dir, tmp_path / "c", events=other, bar="1s").read_text()
    assert "Warning: the run replayed &#x27;synthetic l2_stream seed=1&#x27;" in page


def test_run_tables_and_empty_fills(run_case, tmp_path):
    run_dir, _, rec = run_case
    got = load_input(run_dir)
    assert got.kind == "run"
    maker = rec.fills.sort_values("ts_exchange")["maker"].to_numpy() == 1
    side = rec.fills.sort_values("ts_exchange")["side"].to_numpy()
    np.testing.assert_array_equal(got.trades["side"], np.where(maker, -side, side))
    np.testing.assert_allclose(got.quotes["bid"], rec.states["best_bid"] / 100.0, atol=1e-12)
    empty = tmp_path / "empty_run"
    rec.save(empty)
    rec.fills.iloc[:0].to_parquet(empty / "fills.parquet", index=False)
    text = analyze_run(empty, tmp_path / "rep").read_text()
    assert "no fills in this book" in text and "<h2>Toxicity</h2>" not in text
    assert pd.read_csv(tmp_path / "rep" / "adverse_selection.csv").empty


def _hand_fills() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two passive fills and one aggressive fill with mids known 100 ns later."""
    fills = pd.DataFrame({
        "ts_exchange": [100, 200, 300], "venue": [0, 0, 0], "instrument": [0, 0, 0],
        "side": [1, -1, 1], "price": [999, 1001, 1002], "qty": [2, 1, 1], "maker": [1, 1, 0],
        "mid": [1000.0, 1000.0, 1001.5]})
    mids = pd.DataFrame({"ts": [0, 150, 250, 400], "mid": [1000.0, 999.0, 1001.5, 1003.0]})
    return fills, mids


def test_markout_table_hand_case():
    fills, mids = _hand_fills()
    res = adverse_selection(fills, mids, horizons=[100])
    m2 = 1001.5
    # per fill (fractions of mid): effective 0.002, 0.002, -1/m2; impact 0.002, 0.003, -3/m2
    allt = markout_table(res, [100]).loc["100ns"]
    assert allt["fills"] == 3 and allt["qty"] == 4.0
    assert allt["effective_earned"] == pytest.approx((0.006 - 1 / m2) / 4 * 1e4, abs=1e-9)
    assert allt["impact"] == pytest.approx((0.007 - 3 / m2) / 4 * 1e4, abs=1e-9)
    assert allt["realized"] == pytest.approx((-0.001 + 2 / m2) / 4 * 1e4, abs=1e-9)
    passive = markout_table(res, [100], maker=1).loc["100ns"]
    assert passive["fills"] == 2
    assert passive["effective_earned"] == pytest.approx(20.0, abs=1e-9)
    assert passive["impact"] == pytest.approx(70.0 / 3, abs=1e-9)
    aggressive = markout_table(res, [100], maker=0).loc["100ns"]
    # bought 1002 at mid 1001.5: cost 0.5/m2 per unit, of which the mid's later rise to
    # 1003 (1.5/m2) is permanent and -1/m2 temporary (we paid less than where it went)
    assert aggressive["cost"] == pytest.approx(0.5 / m2 * 1e4, abs=1e-9)
    assert aggressive["permanent"] == pytest.approx(1.5 / m2 * 1e4, abs=1e-9)
    assert aggressive["temporary"] == pytest.approx(-1.0 / m2 * 1e4, abs=1e-9)


def test_adverse_section_splits_passive_and_aggressive():
    fills, mids = _hand_fills()
    tables = RunTables(pd.DataFrame(), pd.DataFrame(), 0, 0, 0.01, fills=fills, mids=mids)
    section, table = adverse_section(tables, horizons=[100])
    assert "<h4>passive fills</h4>" in section.body and "<h4>aggressive fills</h4>" in section.body
    assert section.stats["our fills"] == 3
    assert section.stats["passive share of fills"] == pytest.approx(2 / 3)
    assert table.loc["100ns", "fills"] == 3
