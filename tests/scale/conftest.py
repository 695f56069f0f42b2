"""A small backtest config for sweeps: a synthetic L2 stream and InventorySkew (a run
takes milliseconds once the kernels are cached)."""

from pathlib import Path

import pytest

CONFIG = """
[market]
source = "synthetic"
events = 3000

[venue]
maker = -0.0002
taker = 0.0003
latency = "colocated"

[strategy]
name = "inventory_skew"
[strategy.params]
qty = 1
capacity = 5
requote_ns = 10000000
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(CONFIG)
    return path
