"""The `hftlab` command: its commands, a light --help, and one-line errors."""

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from hftlab.cli import app
from hftlab.data.market import MarketData
from hftlab.data.synthetic import l2_stream

runner = CliRunner()


def test_every_command_is_registered():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for command in ("demo", "backtest", "analyze", "data", "simulate"):
        assert command in res.output


def test_data_info_on_a_saved_stream(tmp_path):
    path = l2_stream(5_000, seed=3).save(tmp_path / "s.parquet")
    res = runner.invoke(app, ["data", "info", str(path)])
    assert res.exit_code == 0, res.output
    assert "SYN" in res.output and "LEVEL" in res.output


HEAVY = ("numba", "pandas", "matplotlib", "pyarrow", "hftlab.engine", "hftlab.sim",
         "hftlab.analytics")


@pytest.mark.parametrize("args", [[], ["backtest"], ["demo"], ["analyze"], ["simulate"],
                                  ["data"], ["data", "info"], ["data", "convert"]])
def test_help_imports_no_heavy_module(args):
    code = ("import sys\nfrom hftlab.cli import app\n"
            f"try:\n    app({[*args, '--help']!r})\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "Usage" in out and out.strip().endswith("LOADED []"), out[-300:]


def test_python_m_hftlab_cli_prints_help():
    out = subprocess.run([sys.executable, "-m", "hftlab.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "backtest" in out and "simulate" in out


def _one_line(res, *words: str, code: int = 2) -> None:
    assert res.exit_code == code, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.stderr


def _toml(tmp_path, text: str):
    p = tmp_path / "run.toml"
    p.write_text(text)
    return str(p)


STRATEGY = '\n[strategy]\nname = "static"\n'


def test_a_missing_replay_path_is_one_line(tmp_path):
    cfg = _toml(tmp_path, '[market]\nsource = "replay"\npath = "nope.parquet"\n' + STRATEGY)
    _one_line(runner.invoke(app, ["backtest", cfg, "--out", str(tmp_path / "o")]),
              "nope.parquet: no such file")


def test_a_negative_latency_in_toml_is_one_line(tmp_path):
    base = '[market]\nsource = "synthetic"\nevents = 1000\n[venue]\nlatency = LAT\n' + STRATEGY
    out = ["--out", str(tmp_path / "o")]
    res = runner.invoke(app, ["backtest", _toml(tmp_path, base.replace("LAT",
                                                                       "{entry_ns = -1000}"))])
    _one_line(res, "unknown field venue.latency.entry_ns")
    res = runner.invoke(app, ["backtest", _toml(tmp_path, base.replace("LAT",
                                                                       "{entry = -1000}")), *out])
    _one_line(res, "venue.latency.entry must be an integer number of ns in [0, 60e9]", "-1000")


def test_demo_with_zero_seconds_is_one_line(tmp_path):
    res = runner.invoke(app, ["demo", "--seconds", "0", "--out", str(tmp_path)])
    _one_line(res, "seconds must be", "got 0.0")


@pytest.mark.parametrize("damage", ["noise", "middle"])
def test_data_info_on_a_corrupt_parquet_is_one_line(tmp_path, damage):
    good = l2_stream(5_000, seed=3).save(tmp_path / "good.parquet").read_bytes()
    if damage == "noise":
        bad = bytes(3000)
    else:
        third = len(good) // 3
        bad = good[:third] + b"\xab" * 400 + good[third + 400:]
    path = tmp_path / "bad.parquet"
    path.write_bytes(bad)
    _one_line(runner.invoke(app, ["data", "info", str(path)]), "bad.parquet",
              "not a readable Parquet file")


def test_a_backwards_replay_failing_in_the_report_is_one_line(tmp_path):
    d = l2_stream(5_000, seed=3)
    ev = d.events.copy()
    ev["ts"][2500:] -= 10**12
    ev["ts_local"][2500:] -= 10**12
    MarketData(ev, d.instruments, d.venues, record=d.record, check=False).save(
        tmp_path / "back.parquet")
    cfg = _toml(tmp_path, '[market]\nsource = "replay"\npath = "back.parquet"\n' + STRATEGY)
    _one_line(runner.invoke(app, ["backtest", cfg, "--out", str(tmp_path / "o")]),
              "must be in time order")


def test_a_missing_config_file_and_an_unreadable_input_are_one_line(tmp_path):
    _one_line(runner.invoke(app, ["backtest", str(tmp_path / "none.toml")]),
              "none.toml: no such config file")
    folder = tmp_path / "dir.parquet"
    folder.mkdir()
    _one_line(runner.invoke(app, ["data", "info", str(folder)]), "no Parquet files")
    np.save(tmp_path / "x.npy", np.zeros(3))
    _one_line(runner.invoke(app, ["analyze", str(tmp_path / "x.npy"), "--out",
                                  str(tmp_path / "r")]), "x.npy")


@pytest.mark.parametrize("args, words", [
    (["data", "convert", "lobster", "IN"], ["Missing option '--out'", "data convert --help"]),
    (["data", "convert", "lobster", "none.csv", "--out", "o"], ["none.csv", "does not exist"]),
    (["demo", "--seconds", "soon"], ["'--seconds'", "valid number"]),
    (["backtest"], ["Missing argument", "config"]),
    (["no-such-command"], ["No such command 'no-such-command'"]),
    (["--no-such-option"], ["No such option: --no-such-option"]),
])
def test_a_usage_error_is_one_line_naming_the_value(tmp_path, args, words):
    given = tmp_path / "in.csv"
    given.write_text("")
    args = [str(given) if a == "IN" else str(tmp_path / a) if a == "none.csv" else a
            for a in args]
    _one_line(runner.invoke(app, args), *words)


def test_help_still_prints_without_arguments():
    res = runner.invoke(app, [])
    assert "Usage" in res.output and "error:" not in res.output


def test_an_unexpected_error_still_raises(tmp_path, monkeypatch):
    import hftlab.config

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(hftlab.config, "run_config", broken)
    res = runner.invoke(app, ["backtest", _toml(tmp_path, STRATEGY)])
    assert isinstance(res.exception, KeyError)



def test_warmup_compiles_every_step_with_progress():
    from typer.testing import CliRunner

    from hftlab.cli import app
    from hftlab.warmup import WARMUP_STEPS, warmup

    seen = []
    assert warmup(lambda k, name, s: seen.append((k, name))) > 0
    assert seen == [(k, name) for k, (name, _) in enumerate(WARMUP_STEPS)]
    res = CliRunner().invoke(app, ["warmup"])
    assert res.exit_code == 0 and "kernels ready in" in res.output
