from typer.testing import CliRunner

from hftlab.cli import app
from hftlab.data.synthetic import l2_stream


def test_every_command_is_registered():
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    for command in ("demo", "backtest", "analyze", "data", "simulate"):
        assert command in res.output


def test_data_info_on_a_saved_stream(tmp_path):
    path = l2_stream(5_000, seed=3).save(tmp_path / "s.parquet")
    res = CliRunner().invoke(app, ["data", "info", str(path)])
    assert res.exit_code == 0, res.output
    assert "SYN" in res.output and "LEVEL" in res.output
