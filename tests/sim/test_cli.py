"""``hftlab simulate`` through the hftlab app."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from hftlab.cli import app
from hftlab.data import load


def test_simulate_writes_canonical_events_that_load_back(tmp_path):
    out = tmp_path / "calm.parquet"
    r = CliRunner().invoke(app, ["simulate", "calm", "--seconds", "60", "--seed", "3",
                                    "--out", str(out), "--set", "noise_buy_rate=8"])
    assert r.exit_code == 0, r.output
    assert "calm:" in r.output and out.exists()
    data = load(out, lazy=False)
    data.validate()
    assert len(data) > 1000
    assert set(np.unique(data.events["kind"])) >= {1, 3, 4}  # ADD, DELETE, EXECUTE
    assert data.instruments[0].symbol == "SIM"


def test_simulate_names_a_bad_field_and_exits_2(tmp_path):
    r = CliRunner().invoke(app, ["simulate", "calm", "--out", str(tmp_path / "x.parquet"),
                                    "--set", "noise_rate=3"])
    assert r.exit_code == 2
    assert "noise_rate" in r.output
    r = CliRunner().invoke(app, ["simulate", "calm", "--out", str(tmp_path / "x.parquet"),
                                    "--set", "noise_buy_rate=-1"])
    assert r.exit_code == 2 and "MarketParams.noise_buy_rate" in r.output


def test_a_set_item_without_a_value_is_one_line(tmp_path):
    r = CliRunner().invoke(app, ["simulate", "calm", "--out", str(tmp_path / "x.parquet"),
                                 "--set", "noise_buy_rate"])
    assert r.exit_code == 2 and r.stderr == "error: --set expects FIELD=VALUE, got " \
        "'noise_buy_rate'\n"
