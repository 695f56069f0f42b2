"""The portfolio section: exposure from the state samples, correlation windows around a
breakdown, the HTML page with its figures."""

from __future__ import annotations

import numpy as np
import pytest

import hftlab
from hftlab.report.portfolio import (analyse, correlation_matrix, dollar_positions, exposure,
                                     portfolio_report, turnover, windows)
from hftlab.strategies import DollarNeutralMM

NS = 1_000_000_000


@pytest.fixture(scope="module")
def run():
    m = hftlab.sim.market("correlated-assets", seconds=120, seed=3, instruments=4, sectors=2,
                          breakdown_at=0.5, breakdown_kind="flip", breakdown_sector=1)
    mm = DollarNeutralMM(m.instruments, band=5_000, hard_band=8_000, quote_notional=1_000,
                         max_position_notional=4_000)
    return m, mm, hftlab.backtest(m, mm.compiled())


def test_exposure_is_position_times_mid_times_tick_value(run):
    m, _, rec = run
    st = rec.states
    last = st[st["ts"] == st["ts"].max()].drop_duplicates("instrument", keep="last")
    want = [row.position * row.mid * m.instruments[row.instrument].tick_size
            for row in last.itertuples()]
    d = dollar_positions(rec)
    np.testing.assert_allclose(d.iloc[-1].to_numpy(), want)
    ex = exposure(rec)
    np.testing.assert_allclose(ex["net"].iloc[-1], sum(want))
    np.testing.assert_allclose(ex["gross"].iloc[-1], sum(abs(x) for x in want))
    assert ((ex["concentration"] >= 0) & (ex["concentration"] <= 1)).all()
    f = rec.fills
    assert turnover(rec) == pytest.approx(float((f["price"] * f["qty"] * [
        m.instruments[i].tick_size for i in f["instrument"]]).sum()))


def test_correlation_windows_around_the_breakdown(run):
    m, _, rec = run
    w = windows(rec, m.stats["breakdown_ns"])
    assert list(w) == ["start", "before", "after"]
    assert w["before"][1] == w["after"][0] == m.stats["breakdown_ns"]
    c = correlation_matrix(rec, *w["start"], sample_s=1.0)
    assert c.shape == (4, 4) and np.allclose(np.diag(c), 1.0)
    with pytest.raises(ValueError, match="outside the run"):
        windows(rec, 0)
    with pytest.raises(ValueError, match="at least 3"):
        correlation_matrix(rec, *w["start"], sample_s=60.0)


def test_the_page_has_exposure_heatmap_and_correlations(run, tmp_path):
    m, mm, rec = run
    a = analyse(rec, m.stats["breakdown_ns"], sample_s=1.0)
    assert set(a["correlations"]) == {"start", "before", "after"}
    assert a["summary"]["max_abs_net"] <= 5_000
    path = portfolio_report(rec, tmp_path / "p.html", breakdown_ns=m.stats["breakdown_ns"],
                            sample_s=1.0, bands=(5_000, 8_000),
                            beta_net=mm.exposure_history(rec.strategy_state))
    html = path.read_text()
    assert "Portfolio risk" in html and html.count("<img") == 2
    assert "Correlation, before" in html and "Correlation, after" in html
