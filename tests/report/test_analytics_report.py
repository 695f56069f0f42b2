"""The HTML report and the `analyze` command: self-contained output from Parquet input."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hftlab.report import analyze
from hftlab.analytics.cli import analyze_command, load_tables


def _market(n=3000, seed=2):
    rng = np.random.default_rng(seed)
    qts = np.arange(n, dtype=np.int64) * 200_000_000 + 1_700_000_000 * 10**9
    bid = 10_000 + np.cumsum(rng.integers(-1, 2, n)).astype(float)
    quotes = pd.DataFrame({"ts": qts, "bid": bid, "ask": bid + rng.integers(1, 3, n),
                           "bid_qty": rng.integers(1, 50, n).astype(float),
                           "ask_qty": rng.integers(1, 50, n).astype(float)})
    side = rng.choice([-1, 1], n)
    trades = pd.DataFrame({"ts": qts + 100_000_000,
                           "price": np.where(side > 0, quotes["ask"], quotes["bid"]),
                           "qty": rng.integers(1, 10, n).astype(float), "side": side})
    return trades, quotes


def _check_html(path: Path) -> str:
    text = path.read_text()
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(imgs) >= 3
    for b64 in imgs:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in text and "https://" not in text  # nothing fetched from outside
    return text


def test_analyze_writes_a_self_contained_report(tmp_path):
    trades, quotes = _market()
    path = analyze(trades, quotes, tmp_path / "out", bucket_volume=200.0, window=20)
    assert path == tmp_path / "out" / "analytics_report.html"
    text = _check_html(path)
    assert "Lee-Ready agrees with the given trade side on 100.0%" in text
    assert "effective = realized + impact" in text and "VPIN" in text


def test_analyze_shrinks_the_window_when_there_are_few_buckets(tmp_path):
    trades, quotes = _market(n=400)
    text = _check_html(analyze(trades.drop(columns="side"), quotes, tmp_path,
                               bucket_volume=trades["qty"].sum() / 6))
    assert "Only 6 buckets: VPIN window shrunk from 10 to 6." in text


def test_load_tables_directory_and_kind_file(tmp_path):
    trades, quotes = _market(n=50)
    trades.to_parquet(tmp_path / "trades.parquet")
    quotes.to_parquet(tmp_path / "quotes.parquet")
    t, q = load_tables(tmp_path)
    pd.testing.assert_frame_equal(t, trades)
    both = pd.concat([trades.assign(kind="trade"), quotes.assign(kind="quote")]).sort_values(
        "ts", kind="stable")
    both.to_parquet(tmp_path / "events.parquet")
    t2, q2 = load_tables(tmp_path / "events.parquet")
    assert len(t2) == 50 and len(q2) == 50 and t2["side"].tolist() == trades["side"].tolist()
    with pytest.raises(ValueError, match="kind"):
        load_tables(tmp_path / "trades.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no Parquet files"):
        load_tables(tmp_path / "empty")


def test_analyze_command_through_typer(tmp_path):
    trades, quotes = _market()
    trades.to_parquet(tmp_path / "trades.parquet")
    quotes.to_parquet(tmp_path / "quotes.parquet")
    app = typer.Typer()
    app.command("analyze")(analyze_command)
    app.command("noop")(lambda: None)  # two commands, so "analyze" is a subcommand
    runner = CliRunner()
    res = runner.invoke(app, ["analyze", str(tmp_path), "--out", str(tmp_path / "rep"),
                              "--bar", "10s", "--quote-lag", "1ms", "--bucket-volume", "300"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep" / "analytics_report.html").is_file()
    bad = runner.invoke(app, ["analyze", str(tmp_path / "missing.parquet")])
    assert bad.exit_code == 2 and "no such file" in bad.output
    neg = runner.invoke(app, ["analyze", str(tmp_path), "--quote-lag", "-5s"])
    assert neg.exit_code == 2 and "quote_lag must be a duration >= 0" in neg.output


def test_report_on_real_binance(binance_usdm, tmp_path):
    trades, quotes = binance_usdm
    text = _check_html(analyze(trades, quotes, tmp_path, bar="1s",
                               bucket_volume=trades["qty"].sum() / 200))
    acc = float(re.search(r"agrees with the given trade side on ([0-9.]+)%", text).group(1))
    assert acc > 80.0


def _figures(monkeypatch) -> list:
    """Capture the matplotlib figures the analytics page draws (before they close)."""
    from hftlab.report import analytics_report

    figs = []

    def keep(fig):
        figs.append(fig)
        return b"\x89PNG\r\n\x1a\n"

    monkeypatch.setattr(analytics_report, "png", keep)
    return figs


def test_defaults_draw_a_vpin_curve_on_one_session(tmp_path):
    trades, quotes = _market(n=3000)  # one 10-minute session, no bucket volume given
    text = analyze(trades.drop(columns="side"), quotes, tmp_path).read_text()
    stats = dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>",
                            text.split("<table>", 1)[1].split("</table>", 1)[0]))
    # V = the session's volume / (5 x 10): 50 buckets, VPIN over 10 of them: 41 values
    assert stats["VPIN buckets"] == "50" and stats["VPIN window"] == "10"
    assert stats["VPIN values"] == "41"
    assert "shrunk" not in text and np.isfinite(float(stats["last VPIN"]))


def test_figure_axes_show_session_time(tmp_path, monkeypatch):
    trades, quotes = _market(n=3000)  # 3000 quotes 0.2 s apart: a 600 s session in 2023
    figs = _figures(monkeypatch)
    analyze(trades, quotes, tmp_path, bar="10s")
    assert len(figs) == 4  # VPIN + CDF, quoted spread, decomposition, OFI
    timed = [ax for fig in (figs[0], figs[1], figs[3]) for ax in fig.axes]
    for ax in timed:
        lo, hi = ax.get_xlim()
        assert -60 < lo and hi < 700, (lo, hi)  # seconds since the start, not dates
    labels = [ax.get_xlabel() for fig in (figs[0], figs[1], figs[3]) for ax in fig.axes
              if ax.get_xlabel()]
    assert len(labels) == 3
    assert all(lab.startswith("seconds since session start (2023-11-14 22:13:20 UTC")
               for lab in labels)


def test_session_clock_picks_the_unit():
    from hftlab.report.figures import session_clock, since

    NS = 10**9
    assert session_clock(0, 600 * NS) == (1e9, "seconds since session start "
                                                "(1970-01-01 00:00:00 UTC)")
    assert session_clock(0, 601 * NS)[0] == 60e9
    assert session_clock(0, 6 * 3600 * NS)[1].startswith("hours")
    np.testing.assert_allclose(since(np.array([5 * NS, 65 * NS]), 5 * NS, 60e9), [0.0, 1.0])
