"""Detectors over order-level market data: who or what is behind the flow.

Icebergs and hidden liquidity (`detect_icebergs`); market manipulation
(`detect_spoofing`, `detect_momentum_ignition`, `detect_quote_stuffing`, and
`score_alerts` for precision / recall against labelled simulated episodes). Detectors read canonical L3
events (``hftlab.data.MarketData``), never the engine; they sit beside analytics.
"""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "IGNITION_NO_OWNERS": "hftlab.surveillance.manipulation",
    "detect_icebergs": "hftlab.surveillance.icebergs",
    "detect_momentum_ignition": "hftlab.surveillance.manipulation",
    "detect_quote_stuffing": "hftlab.surveillance.manipulation",
    "detect_spoofing": "hftlab.surveillance.manipulation",
    "score_alerts": "hftlab.surveillance.manipulation",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
