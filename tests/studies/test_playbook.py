"""The playbook: the measures of a record, the table and page with the
rows not measured, and the command."""

import numpy as np
import pytest
from typer.testing import CliRunner

from hftlab.cli import app
from hftlab.report.playbook import playbook_page, rich_table
from hftlab.studies import playbook
from hftlab.studies.trade_stats import trade_stats
from tests.surveillance.synthetic import market_with_icebergs

NS = 1_000_000_000


@pytest.fixture(scope="module")
def synthetic():
    return market_with_icebergs(3, seconds=300, n_icebergs=10, styles=("refill",))[0]


def test_trade_stats_of_the_iceberg_follower(synthetic):
    """P&L per trade is the P&L over half the traded notional; the window from a time
    on counts only what happened after it."""
    rec, s = playbook.iceberg_run(synthetic, qty=100)
    f = rec.fills
    notional = float((f["price_ccy"] * f["size"]).sum())
    assert s["notional"] == pytest.approx(notional)
    assert s["bps_per_trade"] == pytest.approx(1e4 * s["pnl"] / (notional / 2))
    assert s["fills"] == len(f) and 0 < s["median_hold_s"] < 60
    assert s["max_drawdown"] >= 0
    mid = int(f["ts_exchange"].iloc[len(f) // 2])
    late = trade_stats(rec, mid)
    assert late["fills"] == int((f["ts_exchange"] >= mid).sum())


def test_run_table_page_and_rows_not_measured(synthetic):
    """Four subtypes measured (order-flow prediction, the manipulator and news arbitrage
    on short sessions, liquidity detection on the synthetic icebergs); without L3 data
    liquidity detection is listed with its reason; the page and the Rich table carry
    every row."""
    tab, missing = playbook.run(seconds=60, seed=1, iceberg_data=synthetic,
                                iceberg_name="synthetic icebergs", follower={"qty": 100},
                                subtypes=["order-flow prediction", "liquidity detection",
                                          "momentum ignition", "news arbitrage"])
    assert list(tab["subtype"]) == ["order-flow prediction", "liquidity detection",
                                    "momentum ignition", "news arbitrage"]
    assert missing == {}
    news = tab.iloc[3]
    assert news["seed_risk"] == "false signals" and "false signals" in news["main_risk"]
    manip = tab.iloc[2]
    assert "regulatory" in manip["main_risk"] and np.isfinite(manip["pnl"])
    _, no_l3 = playbook.run(seconds=60, seed=1, subtypes=["liquidity detection"])
    assert "L3" in no_l3["liquidity detection"]
    flow = tab.iloc[0]
    assert flow["seed_bps"] == "+0.2 to +1" and flow["seed_risk"] == "adverse selection"
    assert np.isfinite(tab["bps_per_trade"]).all()
    page = playbook_page(tab, missing)
    for text in ("IcebergFollower", "FlowSkew", "NewsTrader", "manipulator",
                 "detection failure"):
        assert text in page
    assert rich_table(tab, missing).row_count == 4
    assert rich_table(tab, no_l3).row_count == 5 and "Not measured" in playbook_page(tab, no_l3)
    with pytest.raises(ValueError, match="unknown subtypes"):
        playbook.run(subtypes=["arbitrage of everything"])


def test_flow_comparison_fits_on_another_session():
    """With fit_data the betas come from that session and both makers are measured on
    the whole test session; 'without' is InventorySkew's rule."""
    import hftlab

    fit = hftlab.sim.market("toxicity-regimes", seconds=60, seed=101)
    test = hftlab.sim.market("toxicity-regimes", seconds=60, seed=1)
    c = playbook.flow_skew_comparison(test, dict(half_spread=1.0, skew=3.0, capacity=50,
                                                 qty=5), fit_data=fit)
    assert list(c.table.index) == ["without", "with"]
    assert c.fit.betas["beta_imbalance"] != 0 and c.test_from_ns == int(test.events["ts"][0])
    assert {"adverse_1s_bps", "realized_1s_bps", "bps_per_trade"} <= set(c.table.columns)


def test_command_help_lists_the_options():
    out = CliRunner().invoke(app, ["playbook", "--help"])
    assert out.exit_code == 0
    for opt in ("--seconds", "--seed", "--lobster", "--out"):
        assert opt in out.output


def test_lobster_day_iceberg_follower(shared_data):
    """The LOBSTER AMZN day: its price grid is a cent (100 ticks of $0.0001) and the
    follower detects about as many refill icebergs online as the offline detector."""
    from hftlab.surveillance import detect_icebergs

    msg = next((shared_data / "lobster").glob("*/AMZN_*_message_1.csv"))
    data, follower = playbook.lobster_day(msg)
    assert follower == {"qty": 100, "take_profit": 100}
    offline = detect_icebergs(data)
    refills = int(offline["evidence"].str.contains("refill").sum())
    _, s = playbook.iceberg_run(data, **follower)
    assert 0.5 * refills <= s["detections"] <= 2 * refills
