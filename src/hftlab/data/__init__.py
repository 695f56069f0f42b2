"""Market data in: the canonical MarketData table, Parquet storage and the readers."""

from hftlab.data.binance import read_binance
from hftlab.data.dbn import read_dbn
from hftlab.data.frame import from_frame
from hftlab.data.itch import iter_itch, read_itch
from hftlab.data.lobster import read_lobster
from hftlab.data.market import DataError, MarketData, validate_events
from hftlab.data.store import load
from hftlab.data.tardis import read_tardis

__all__ = ["DataError", "MarketData", "from_frame", "iter_itch", "load", "read_binance",
           "read_dbn", "read_itch", "read_lobster", "read_tardis", "validate_events"]
