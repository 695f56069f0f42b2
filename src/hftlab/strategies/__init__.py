"""Built-in market makers, each in a Python and a compiled form, and the closed forms.

Static, InventorySkew, AvellanedaStoikov, GLFT and ToxicityAware share one pattern: a
compiled quote rule (``*_nb`` modules) called by both the Python strategy and its
``compiled()`` form, so the two leave the same record. RegimeSwitched (an HMM-filtered
regime picks the spread) is a Python strategy that calls InventorySkew's compiled rule.
Prices are ticks, sizes lots.
"""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "AvellanedaStoikov": "hftlab.strategies.avellaneda_stoikov",
    "DollarNeutralMM": "hftlab.strategies.dollar_neutral",
    "avellaneda_stoikov_quotes": "hftlab.strategies.closed_forms",
    "fit_intensity": "hftlab.strategies.closed_forms",
    "glft_quotes": "hftlab.strategies.closed_forms",
    "FlowSkew": "hftlab.strategies.flow_skew",
    "fit_flow_skew": "hftlab.strategies.flow_skew",
    "GLFT": "hftlab.strategies.glft",
    "IcebergFollower": "hftlab.strategies.iceberg_follower",
    "InventorySkew": "hftlab.strategies.inventory_skew",
    "PairsTrader": "hftlab.strategies.pairs",
    "LatencyArbitrage": "hftlab.strategies.latency_arb",
    "NewsTrader": "hftlab.strategies.news",
    "pull_on_news": "hftlab.strategies.news",
    "RegimeModel": "hftlab.strategies.regime",
    "RegimeSwitched": "hftlab.strategies.regime",
    "RoutedMaker": "hftlab.strategies.routing",
    "Static": "hftlab.strategies.static",
    "ToxicityAware": "hftlab.strategies.toxicity",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
