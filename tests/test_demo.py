"""The demo job on a short simulated session: the run folder and numbers that agree."""

import json

import pandas as pd
import pytest
from rich.console import Console

import hftlab
from hftlab.demo import run_demo, strategies, winner_finding

NAMES = ["static", "inventory_skew", "avellaneda_stoikov", "glft", "toxicity_aware"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    console = Console(record=True, width=200)
    result = run_demo(out, seconds=240, seed=3, console=console)
    return out, result, console.export_text()


def test_the_run_folder_holds_report_summary_figures_and_records(demo):
    out, result, _ = demo
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 1 + 3 * len(NAMES)
    assert (out / "comparison.png").stat().st_size > 10_000
    saved = json.loads((out / "summary.json").read_text())
    assert list(saved["strategies"]) == NAMES and saved["findings"] == result["findings"]
    assert saved["episode_s"] == [72.0, 672.0]  # 30% into 240 s, for 10 minutes
    for name in NAMES:
        rec = hftlab.RunRecord.load(out / name)
        assert saved["comparison"][name]["total_pnl"] == pytest.approx(
            rec.states["equity"].iloc[-1])
        assert (out / name / "panels.png").exists()


def test_it_prints_the_summary_per_strategy_and_the_comparison(demo):
    _, result, text = demo
    for word in ["winning_seconds", "win_rate", "max_long", "max_short", "avg_spread_cents",
                 "mean_vpin", "seconds_vpin_above_0.7", "Comparison", *NAMES]:
        assert word in text
    assert "Inventory standard deviation: static" in text
    assert any("informed episode" in f for f in result["findings"])


def test_the_findings_name_the_winner_and_the_large_moves(demo):
    out, result, _ = demo
    facts = result["findings"]
    table = pd.DataFrame(result["comparison"]).T
    best = table["total_pnl"].idxmax()
    assert facts[0].startswith(f"The winner is {best}: the highest total P&L")
    assert "Why: against" in facts[0]
    assert sum(f.startswith("Large moves (a 1-second change of the mid") for f in facts) == 1
    page = (out / "report.html").read_text()
    assert "sharpe_annualised" not in page and "Sharpe of the session (n = " in page


def comparison(**cols):
    names = ["static", "skew", "as"]
    return pd.DataFrame({k: v for k, v in cols.items()}, index=names)


BASE = dict(total_pnl=[-800.0, 340.0, 355.0], sharpe_run=[-5.0, 13.0, 17.0],
            spread_capture=[870.0, 800.0, 770.0], inventory_pnl=[-1900.0, -575.0, -530.0],
            fees_and_rebates=[140.0, 115.0, 115.0], inventory_std=[130.0, 17.4, 15.3],
            max_drawdown=[1000.0, 31.0, 11.0], volume_lots=[70_000, 58_000, 57_000],
            avg_spread_cents=[2.7, 3.0, 3.0], markout_10s=[0.004, 0.005, 0.005])


def test_the_winner_and_the_part_of_the_pnl_that_put_it_ahead():
    text = winner_finding(comparison(**BASE), "USD")
    assert text.startswith("The winner is as: the highest total P&L, 355.00 USD (runner-up "
                           "skew 340.00, 15.00 behind; last static -800.00), and the highest "
                           "session Sharpe")
    assert "(spread capture -30.00, inventory P&L +45.00, fees and rebates +0.00 USD)" in text
    assert "inventory P&L made the difference" in text and "15.3 against 17.4 lots" in text


def test_a_winner_by_pnl_that_is_not_the_best_by_sharpe_is_said_so():
    cols = dict(BASE, sharpe_run=[-5.0, 18.0, 17.0], spread_capture=[870.0, 760.0, 800.0],
                inventory_pnl=[-1900.0, -535.0, -560.0])
    text = winner_finding(comparison(**cols), "USD")
    assert "the highest session Sharpe was skew's, 18.00, against as's 17.00" in text
    assert "spread capture made the difference: its quotes earned more" in text


def test_strategies_share_the_inventory_bound_and_size():
    s = strategies()
    assert list(s) == NAMES
    assert {(x.qty, x.capacity) for x in s.values()} == {(10, 200)}


def test_same_seed_same_numbers(tmp_path, demo):
    _, result, _ = demo
    again = run_demo(tmp_path, seconds=240, seed=3, console=Console(file=open("/dev/null", "w")))
    pd.testing.assert_frame_equal(pd.DataFrame(again["comparison"]),
                                  pd.DataFrame(result["comparison"]))


def test_the_demo_command(tmp_path):
    from typer.testing import CliRunner

    from hftlab.cli import app
    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--seconds", "120",
                                   "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert "Comparison" in res.output and (tmp_path / "report.html").exists()


def test_it_compares_trading_live_with_replaying_the_background(demo):
    _, result, _ = demo
    line = next(f for f in result["findings"] if f.startswith("Live against a replay"))
    for name in NAMES:
        assert f"{name} " in line
