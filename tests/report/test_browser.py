"""The report pages as a browser shows them (headless Chromium): every table fits the
page, every figure has data in it, and the checker does see an overflowing table and a
blank figure. Skipped when no chromium binary is found."""

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import hftlab
from hftlab.data.synthetic import l2_stream
from hftlab.report import analyse, analyze_run, write_report
from hftlab.report.compare import write_comparison
from hftlab.report.figures import png
from hftlab.report.page import document, grid_table, img
from hftlab.strategies import InventorySkew, Static
from tests.report.browser import chromium, measure, problems, screenshots

CHROMIUM = chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (Debian: apt-get install -y "
                             "chromium; or set HFTLAB_CHROMIUM to the binary)")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A comparison page of three makers, one run's own page and its analytics page
    (``hftlab analyze``), on a synthetic L2 session of 5 minutes."""
    out = tmp_path_factory.mktemp("pages")
    data = l2_stream(30_000, seed=4, dt_ns=10_000_000)
    strats = {"static": Static(half_spread=1, capacity=6, qty=2, requote_ns=10_000_000),
              "skew": InventorySkew(half_spread=1, skew=2, capacity=6, qty=2,
                                    requote_ns=10_000_000),
              "strong_skew_with_a_long_name": InventorySkew(half_spread=1, skew=4, capacity=6,
                                                            qty=2, requote_ns=10_000_000)}
    records, analyses = {}, {}
    for name, strat in strats.items():
        rec = hftlab.backtest(data, strat.compiled(), seed=1)
        rec.meta.update(strategy=name, currency="USD")
        records[name], analyses[name] = rec, analyse(rec, data, 100, 5, 6)
    span = (60.0, 120.0)
    compare = write_comparison(records, analyses, out / "compare", "three makers", "intro",
                               ["a finding"], span, "window")
    single = write_report(records["skew"], out / "run", data=data, bucket_volume=100,
                          window=5, position_limit=6, spans=[span], span_label="window")
    records["skew"].save(out / "skew")
    analytics = analyze_run(out / "skew", out / "analytics", events=data)
    return {"compare": compare, "run": single, "analytics": analytics}


@pytest.mark.parametrize("which, figures", [("compare", 1 + 3 * 3), ("run", 3),
                                            ("analytics", 5)])
def test_every_table_fits_and_every_figure_has_data(pages, which, figures):
    m = measure(pages[which], CHROMIUM)
    assert problems(m) == []
    assert m["page_width"] <= m["viewport_width"] == 1280
    assert len(m["images"]) == figures
    assert len(m["tables"]) >= 4
    assert all(i["colour"] > 0.005 and i["natural_width"] > 300 for i in m["images"])


def test_the_comparison_is_split_into_tables_with_units(pages):
    m = measure(pages["compare"], CHROMIUM)
    captions = [t["caption"] for t in m["tables"]]
    assert captions[:2] == ["P&L and where it came from", "Inventory and execution"]
    page = pages["compare"].read_text()
    assert "total P&amp;L (USD)" in page and "10-s markout (USD per lot)" in page
    assert "sharpe_annualised" not in page and "not annualised" in page


def test_the_checker_sees_an_overflowing_table_and_a_blank_figure(tmp_path):
    cols = [f"a_long_metric_name_{k}" for k in range(15)]
    rows = {name: {c: 1234.5678 for c in cols} for name in ("static", "glft")}
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.set_xlim(0, 3600)
    ax.set_ylabel("P&L (USD)")  # axes, labels, no data
    page = tmp_path / "bad.html"
    page.write_text(document("bad", grid_table(rows) + img(png(fig), "empty axes")))
    found = problems(measure(page, CHROMIUM))
    assert any("page is" in p for p in found)
    assert any(p.startswith("table 0") and "overflows" in p for p in found)
    assert any("'empty axes'" in p and "blank" in p for p in found)


def test_screenshots_cover_the_page_and_are_not_blank(pages, tmp_path):
    from PIL import Image

    import numpy as np
    shots = screenshots(pages["compare"], tmp_path, CHROMIUM, height=1400)
    height = measure(pages["compare"], CHROMIUM)["page_height"]
    sizes = [Image.open(p).size for p in shots]
    assert all(w == 1280 for w, _ in sizes) and sum(h for _, h in sizes) == height
    for p in shots:
        grey = np.asarray(Image.open(p).convert("L"))
        assert (grey < 200).mean() > 0.005, f"{Path(p).name} is blank"
