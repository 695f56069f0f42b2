"""`hftlab sweep` and `hftlab stress` on the command line: a light --help, a sweep into
its table and report, one-line errors for bad grids and stresses."""

import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from hftlab.cli import app

runner = CliRunner()
HEAVY = ("numba", "pandas", "matplotlib", "pyarrow", "dask", "distributed", "hftlab.engine",
         "hftlab.sim", "hftlab.scale.sweeper", "hftlab.studies")


def test_help_of_sweep_and_stress_loads_no_heavy_module():
    """Both helps in one fresh process: neither loads Dask, pandas, numba or the engine."""
    code = ("import contextlib, io, sys\nfrom hftlab.cli import app\nout = []\n"
            "for cmd in ('sweep', 'stress'):\n"
            "    buf = io.StringIO()\n"
            "    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):\n"
            "        app([cmd, '--help'])\n"
            "    out.append('Usage' in buf.getvalue())\n"
            f"print(out, [m for m in {HEAVY!r} if m in sys.modules])")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert res.strip() == "[True, True] []", res[-300:]


def test_sweep_writes_its_table_and_report(config, tmp_path):
    out = tmp_path / "sw"
    res = runner.invoke(app, ["sweep", str(config), "--grid", "half_spread=1,2", "--grid",
                              "skew=1,2", "--seeds", "1", "--workers", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_parquet(out / "sweep.parquet")
    assert len(t) == 4 and t["error"].isna().all()
    assert "4 run(s), 0 already in the table, 0 failed" in res.output
    html = (out / "report.html").read_text()
    assert "Heat-maps" in html and html.count("<img") == 2


@pytest.mark.parametrize("args, words", [
    (["--grid", "half_spread"], ["expected name=v1,v2"]),
    (["--grid", "nowhere.x=1"], ["dotted path starting with one of"]),
])
def test_bad_grids_are_one_line(config, tmp_path, args, words):
    res = runner.invoke(app, ["sweep", str(config), *args, "--out", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    for w in words:
        assert w in res.stderr


def test_unknown_stress_and_strategy_are_one_line(tmp_path):
    res = runner.invoke(app, ["stress", "--stress", "meteor", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "error: stress" in res.stderr and "flash-crash" in res.stderr
    res = runner.invoke(app, ["stress", "--strategy", "martingale", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "strategy 'martingale'" in res.stderr
