"""Detectors over order-level market data: who or what is behind the flow.

Icebergs and hidden liquidity (`detect_icebergs`) so far. Detectors read canonical L3
events (``hftlab.data.MarketData``), never the engine; they sit beside analytics.
"""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "detect_icebergs": "hftlab.surveillance.icebergs",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
