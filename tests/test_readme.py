"""The README's "Write your own strategy" examples run as written (each block saved as
its own file and run, so numba's cache=True has a file to cache against)."""

import re
import runpy
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(section: str) -> list[str]:
    text = README.read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)


BLOCKS = _blocks("Write your own strategy")


def test_the_section_holds_a_python_and_a_compiled_maker_each_under_30_lines():
    assert len(BLOCKS) == 2
    for code in BLOCKS:
        assert "hftlab.engine" not in code  # nothing from the engine's insides
        body = [ln for ln in code.splitlines() if ln.strip()]
        assert len(body) <= 30


@pytest.mark.parametrize("k", range(len(BLOCKS)))
def test_readme_strategy_block_runs_as_written(k, tmp_path, capsys):
    path = tmp_path / f"readme_block_{k}.py"
    path.write_text(BLOCKS[k])
    ns = runpy.run_path(str(path), run_name="__main__")
    rec = ns["rec"]
    assert len(rec.fills) > 0 and len(rec.orders) > 10
    if "strategy_state" in BLOCKS[k]:
        assert rec.strategy_state["requotes"][0] > 100
    assert "fills" in capsys.readouterr().out


def test_quick_start_blocks_run_as_written_on_lobsters_sample_day(shared_data, tmp_path,
                                                                  monkeypatch):
    """The two quick-start blocks (the LOBSTER replay, then the simulated market, which
    reuses its names), run in the folder of LOBSTER's files with runs/ under tmp_path."""
    text = README.read_text().split("## Write your own strategy\n", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    day = shared_data / "lobster" / "AMZN_2012-06-21_level1_fullday"
    for f in day.glob("*.csv"):
        (tmp_path / f.name).symlink_to(f)
    monkeypatch.chdir(tmp_path)
    code = blocks[0] + blocks[1].replace('seconds=3600', 'seconds=300')
    path = tmp_path / "quick_start.py"
    path.write_text(code)
    ns = runpy.run_path(str(path), run_name="__main__")
    assert len(ns["rec"].fills) > 0 and (tmp_path / "runs" / "amzn" / "run.json").is_file()


def test_beyond_market_making_blocks_run_as_written(tmp_path, capsys):
    """Every Python block of "Beyond market making", as written but for a shorter
    session (the figures beside it come from the studies, not from this test)."""
    blocks = _blocks("Beyond market making")
    assert blocks
    for k, code in enumerate(blocks):
        path = tmp_path / f"beyond_{k}.py"
        path.write_text(re.sub(r"seconds=\d+", "seconds=60", code))
        ns = runpy.run_path(str(path), run_name="__main__")
        assert len(ns["rec"].fills) > 0
    assert "fills" in capsys.readouterr().out
