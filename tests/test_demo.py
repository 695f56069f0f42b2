"""The demo job on a short simulated session: the run folder and numbers that agree."""

import json

import pandas as pd
import pytest
from rich.console import Console

import hftlab
from hftlab.demo import run_demo, strategies

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
