import json

from typer.testing import CliRunner

from hftlab.cli import app


def test_demo_writes_a_report_and_summary(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(app, ["demo", "--out", str(out), "--events", "60000"])
    assert res.exit_code == 0, res.output
    assert "total_pnl" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["events"] > 50_000 and summary["fills"] > 0
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and (out / "run.png").stat().st_size > 10_000
    for table in ("orders", "fills", "states", "risk_events"):
        assert (out / f"{table}.parquet").exists()
