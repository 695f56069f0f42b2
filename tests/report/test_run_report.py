"""write_report on a real backtest: a self-contained page, its PNGs and consistent numbers."""

import re

import hftlab
from hftlab.data.synthetic import l2_stream
from hftlab.report import analyse, write_report
from hftlab.strategies import InventorySkew


def test_report_is_self_contained_and_consistent(tmp_path):
    data = l2_stream(30_000, seed=4)
    rec = hftlab.backtest(data, InventorySkew(half_spread=1, skew=2, capacity=6, qty=2,
                                              requote_ns=10_000_000).compiled(), seed=1)
    path = write_report(rec, tmp_path / "run", data=data, bucket_volume=100, window=5,
                        position_limit=6, spans=[(0.5, 1.0)], span_label="window")
    page = path.read_text()
    assert page.count("data:image/png;base64,") == 3
    assert not re.search(r"(src|href)=\"https?:", page)  # nothing fetched: opens offline
    for name in ("run.png", "panels.png", "markouts.png", "pnl.png"):
        assert (tmp_path / "run" / name).stat().st_size > 5_000
    for word in ("spread_capture", "markout", "sharpe_run", "fill_ratio", "maker_share",
                 "rebates_received", "seconds_at_position_limit", "mean_vpin"):
        assert word in page
    a = analyse(rec, data, 100, 5, 6)
    assert a["summary"]["total_pnl"] == rec.summary()["total_pnl"]
    assert abs(a["decomposition"]["unexplained"]) < 1e-9
    assert a["vpin"]["vpin"].dropna().between(0, 1).all() and len(a["vpin"]) > 10


def test_write_report_keeps_the_old_call(tmp_path):
    rec = hftlab.backtest(l2_stream(5_000, seed=1), InventorySkew().compiled())
    path = write_report(rec, tmp_path, "title only")
    assert "title only" in path.read_text() and (tmp_path / "run.png").exists()
