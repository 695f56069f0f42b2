"""Each TOML file in examples/ runs through `hftlab backtest` (the replays need the real
samples beside the clone and skip without them)."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hftlab.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ["lobster_replay", "binance_replay", "simulated_market", "simulated_backtest",
         "risk_limits"]


def test_every_example_is_tested():
    assert {p.stem for p in EXAMPLES.glob("*.toml")} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_example_runs(name, tmp_path):
    config = EXAMPLES / f"{name}.toml"
    raw = re.search(r'^path = "(.+)"', config.read_text(), re.M)
    if raw and not (EXAMPLES / raw[1]).exists():
        pytest.skip(f"sample not found at {(EXAMPLES / raw[1]).resolve()}")
    res = CliRunner().invoke(app, ["backtest", str(config), "--out", str(tmp_path / name)])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    engine = summary["engine"]
    assert engine["fills"] > 0 and (tmp_path / name / "report.html").exists()
    if name == "risk_limits":  # max_position = 4 holds, by denying orders
        assert engine["max_abs_position"] <= 4 and engine["denied"] > 0
