"""TOML backtest configs: a run folder from a file, and errors that name the field."""

import json

import pytest

from hftlab.config import load_config, make_strategy, run_config
from hftlab.instruments import ConfigError

GOOD = """
[market]
source = "synthetic"
events = 20000
seed = 3

[venue]
maker = -0.002
taker = 0.003
latency = "colocated"

[strategy]
name = "toxicity_aware"
[strategy.params]
half_spread = 1.0
qty = 2
capacity = 8
bucket_volume = 100
window = 5
requote_ns = 10000000

[run]
seed = 5
queue = "power:2"

[report]
vpin_bucket = 100
vpin_window = 5
"""


def write(tmp_path, text):
    p = tmp_path / "run.toml"
    p.write_text(text)
    return p


def test_a_config_runs_into_a_run_folder(tmp_path):
    s = run_config(write(tmp_path, GOOD), tmp_path / "out")
    out = tmp_path / "out"
    for name in ("report.html", "summary.json", "run.json", "fills.parquet", "states.parquet",
                 "panels.png", "markouts.png", "pnl.png"):
        assert (out / name).exists(), name
    saved = json.loads((out / "summary.json").read_text())
    assert saved["summary"]["total_pnl"] == pytest.approx(s["summary"]["total_pnl"])
    assert s["engine"]["fills"] > 0 and 19_000 < s["engine"]["events"] <= 20_000
    assert json.loads((out / "run.json").read_text())["meta"]["parameters"]["capacity"] == 8


@pytest.mark.parametrize("edit, message", [
    (("[run]", "[runn]"), r"unknown field config.runn; allowed: \["),
    (("seed = 5", "seeds = 5"), r"unknown field run.seeds; allowed: \["),
    (('name = "toxicity_aware"', 'name = "toxic"'), r"strategy.name must be one of \["),
    (("half_spread = 1.0", "half_sprad = 1.0"), r"unknown field strategy.params.half_sprad"),
    (("half_spread = 1.0", "half_spread = -1.0"), r"ToxicityAware.half_spread must be a finite"),
    (("events = 20000", "events = 5"), r"market.events must be an integer in \[100, "),
    (('source = "synthetic"', 'source = "csv"'), r"market.source must be one of"),
    (('latency = "colocated"', 'latency = "fast"'), r"venue.latency must be one of"),
    (('queue = "power:2"', 'queue = "fifo"'), r"run.queue must be 'conservative', 'power'"),
    (("vpin_window = 5", "vpin_window = 0"), r"report.vpin_window must be an integer in \[1, "),
    (("maker = -0.002", 'maker = "x"'), r"venue.maker must be a number in"),
    (('queue = "power:2"', 'queue = "power:2"\nmode = "live"'), r"run.mode must be 'auto', "),
])
def test_errors_name_the_field_and_the_allowed_range(tmp_path, edit, message):
    bad = GOOD.replace(*edit)
    assert bad != GOOD
    with pytest.raises(ConfigError, match=message):
        run_config(write(tmp_path, bad), tmp_path / "out")


def test_risk_limits_from_the_config_act_and_are_reported(tmp_path):
    text = GOOD + "\n[risk]\nmax_position = 3\n"
    s = run_config(write(tmp_path, text), tmp_path / "out")
    assert s["metrics"]["risk_events"] > 0
    assert any(k.startswith("risk: ") for k in s["metrics"])
    assert "risk: " in (tmp_path / "out" / "report.html").read_text()
    with pytest.raises(ConfigError, match="unknown field risk.max_pos for RiskLimits"):
        run_config(write(tmp_path, GOOD + "\n[risk]\nmax_pos = 3\n"), tmp_path / "o2")


def test_missing_file_bad_toml_and_missing_strategy(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[market\n"))
    with pytest.raises(ConfigError, match="strategy must be a"):
        load_config(write(tmp_path, "[market]\nsource = 'synthetic'\n"))


def test_python_form_on_request():
    strat, runnable = make_strategy({"name": "glft", "compiled": False, "params": {"k": 2.0}})
    assert runnable is strat and strat.k == 2.0
    with pytest.raises(ConfigError, match="strategy.compiled must be true or false"):
        make_strategy({"name": "glft", "compiled": "yes"})


def test_the_backtest_command(tmp_path):
    from typer.testing import CliRunner

    from hftlab.cli import app
    res = CliRunner().invoke(app, ["backtest", str(write(tmp_path, GOOD)), "--out",
                                   str(tmp_path / "cli")])
    assert res.exit_code == 0, res.output
    assert "total_pnl" in res.output and (tmp_path / "cli" / "report.html").exists()
    bad = CliRunner().invoke(app, ["backtest", str(write(tmp_path, GOOD.replace("seed = 5",
                                                                                  "seed = -5")))])
    assert bad.exit_code == 2 and "run.seed must be an integer in [0, " in bad.output


SIM = """
[market]
source = "sim"
scenario = "calm"
seconds = 20
seed = 3

[strategy]
name = "inventory_skew"
[strategy.params]
qty = 2
capacity = 10

[run]
mode = "MODE"
"""


@pytest.mark.parametrize("mode", ["auto", "replay", "simulate"])
def test_a_simulated_market_runs_live_unless_replay_is_asked(tmp_path, mode):
    out = tmp_path / mode
    run_config(write(tmp_path, SIM.replace("MODE", mode)), out)
    meta = json.loads((out / "run.json").read_text())["meta"]
    assert meta["mode"] == ("replay" if mode == "replay" else "simulate")
    assert (out / "market.parquet").exists() == (mode != "replay")  # the live session


def test_a_latency_table_in_toml(tmp_path):
    from hftlab.config import make_venues
    from hftlab.data.synthetic import l2_stream

    data = l2_stream(1_000, seed=1)
    (v,) = make_venues({"latency": {"entry": "250us", "feed": 1000, "jitter": "10us"}}, data)
    assert (v.latency.entry.base_ns, v.latency.response.base_ns) == (250_000, 250_000)
    assert v.latency.feed.base_ns == 1000 and v.latency.feed.jitter_ns == 10_000
    with pytest.raises(ConfigError, match="venue.latency.entry must be an integer number of ns"):
        make_venues({"latency": {"entry": -1000}}, data)
    with pytest.raises(ConfigError, match="venue.latency must be one of"):
        make_venues({"latency": 5}, data)


def test_a_replay_path_is_beside_the_config_and_seconds_cut_it(tmp_path, monkeypatch):
    from hftlab.config import make_data
    from hftlab.data.synthetic import l2_stream

    full = l2_stream(20_000, seed=2)
    full.save(tmp_path / "day.parquet")
    data, _ = make_data({"source": "replay", "path": "day.parquet", "seconds": 1}, tmp_path)
    ts = full.events["ts"]
    assert len(data) == int((ts < ts[0] + 1_000_000_000).sum()) < len(full)
    monkeypatch.setenv("HFTLAB_TEST_DIR", str(tmp_path))
    lazy, _ = make_data({"source": "replay", "path": "$HFTLAB_TEST_DIR/day.parquet"})
    assert lazy.path == tmp_path / "day.parquet"
    with pytest.raises(ConfigError, match="market.format must be one of"):
        make_data({"source": "replay", "path": "day.parquet", "format": "csv"}, tmp_path)
