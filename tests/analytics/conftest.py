"""Real-sample fixtures for the analytics tests (skip, via shared_data, when absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.analytics import samples


def _cached(cache: dict, key: str, loader, path: Path):
    if key not in cache:
        if not path.exists():
            pytest.skip(f"sample {path} not present")
        cache[key] = loader(path)
    return cache[key]


_CACHE: dict = {}


@pytest.fixture
def binance_usdm(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binance USD-M BTCUSDT trades (with the true aggressor side) and bookTicker quotes."""
    return _cached(_CACHE, "usdm", samples.binance_feed,
                   shared_data / "hftbacktest_crypto_feed" / "usdm" / "btcusdt_20240808.gz")


@pytest.fixture
def binance_spot(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binance spot BTCUSDT trades (with the true aggressor side) and bookTicker quotes."""
    return _cached(_CACHE, "spot", samples.binance_feed,
                   shared_data / "hftbacktest_crypto_feed" / "spot" / "btcusdt_20240808.gz")


@pytest.fixture
def nautilus_binance(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NautilusTrader's Binance spot trades/quotes parquet excerpt."""
    return _cached(_CACHE, "nautilus", samples.nautilus_binance,
                   shared_data / "binance_depth_nautilus")


@pytest.fixture
def lobster_amzn(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LOBSTER AMZN 2012-06-21 level-1 executions and quotes."""
    return _cached(_CACHE, "lobster", samples.lobster_amzn,
                   shared_data / "lobster" / "AMZN_2012-06-21_level1_fullday")
