"""Detectors over order-level market data: who or what is behind the flow.

Icebergs and hidden liquidity (`detect_icebergs`); market manipulation, each detector
in its own module returning alerts (owner, time window, evidence, score):
`detect_spoofing` (spoofing.py), `detect_momentum_ignition` (ignition.py),
`detect_quote_stuffing` (stuffing.py), on one book's order flow (flow.py), and
`score_alerts` (alerts.py) for precision / recall against labelled simulated episodes. Detectors read canonical L3
events (``hftlab.data.MarketData``), never the engine; they sit beside analytics.
"""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "IGNITION_NO_OWNERS": "hftlab.surveillance.ignition",
    "detect_icebergs": "hftlab.surveillance.icebergs",
    "detect_momentum_ignition": "hftlab.surveillance.ignition",
    "detect_quote_stuffing": "hftlab.surveillance.stuffing",
    "detect_spoofing": "hftlab.surveillance.spoofing",
    "score_alerts": "hftlab.surveillance.alerts",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
