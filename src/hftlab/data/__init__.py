"""Market data in: the canonical MarketData table, Parquet storage and the readers."""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "read_binance": "hftlab.data.binance",
    "read_dbn": "hftlab.data.dbn",
    "read_hyperliquid": "hftlab.data.hyperliquid",
    "from_frame": "hftlab.data.frame",
    "iter_itch": "hftlab.data.itch",
    "read_itch": "hftlab.data.itch",
    "read_lobster": "hftlab.data.lobster",
    "DataError": "hftlab.data.market",
    "MarketData": "hftlab.data.market",
    "validate_events": "hftlab.data.market",
    "load": "hftlab.data.store",
    "read_tardis": "hftlab.data.tardis",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
