"""Shared test fixtures: paths to the real samples beside the clone, when present."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder; tests that need it skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real market-data samples not found at {SHARED_DATA} "
                    "(they sit beside the clone in CI; a fresh clone has none)")
    return SHARED_DATA
