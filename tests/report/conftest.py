"""The real-sample fixtures of the analytics tests, for the analytics pages tested here."""

from tests.analytics.conftest import binance_usdm  # noqa: F401  (a fixture)
