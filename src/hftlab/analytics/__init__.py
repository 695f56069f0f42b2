"""Microstructure analytics over plain trade and quote tables (never the engine).

Pure functions only: the HTML pages of ``hftlab analyze`` (`analyze`, `analyze_run`)
live in ``hftlab.report``, and studies that run backtests in ``hftlab.studies``.

Units: spreads, impacts and returns are fractions of the midpoint (``to_bps`` /
``from_bps`` convert); VPIN is a fraction in [0, 1]. Signs: +1 buyer-initiated,
-1 seller-initiated, 0 unknown. Timestamps: int64 ns since the epoch, UTC.
"""

from hftlab.analytics.adverse import AdverseSelection, adverse_selection, markout_table
from hftlab.analytics.classification import (
    bulk_volume_classification, lee_ready, prevailing_quotes, quote_rule, tick_rule,
)
from hftlab.analytics.estimators import corwin_schultz, roll_spread
from hftlab.analytics.flow import OFIRegression, flow_signals, ofi_regression
from hftlab.analytics.lead_lag import LeadLag, book_quotes, lead_lag
from hftlab.analytics.impact import (
    HasbrouckVAR, amihud, hasbrouck_var, kyle_lambda, markouts, permanent_temporary_impact,
)
from hftlab.analytics.ofi import order_flow_imbalance
from hftlab.analytics.predictive import future_mid_change, predictive_power
from hftlab.analytics.regimes import (
    RegimeFit, regime_spread_policy, toxicity_features, toxicity_regimes,
)
from hftlab.analytics.stale_quotes import StaleQuotes, stale_quotes
from hftlab.analytics.spreads import (
    decomposition_summary, effective_spread, price_impact, quoted_spread, realized_spread,
    spread_decomposition,
)
from hftlab.analytics.units import from_bps, to_bps
from hftlab.analytics.vpin import default_bucket_volume, vpin, vpin_cdf, vpin_tick_rule

__all__ = [
    "AdverseSelection", "HasbrouckVAR", "OFIRegression", "RegimeFit", "adverse_selection",
    "amihud", "bulk_volume_classification", "corwin_schultz", "decomposition_summary",
    "default_bucket_volume", "effective_spread", "flow_signals", "from_bps",
    "future_mid_change", "hasbrouck_var", "kyle_lambda", "lee_ready", "markout_table",
    "markouts", "ofi_regression", "order_flow_imbalance", "permanent_temporary_impact",
    "predictive_power", "prevailing_quotes", "price_impact", "quote_rule", "quoted_spread",
    "realized_spread", "regime_spread_policy", "roll_spread", "spread_decomposition",
    "tick_rule", "to_bps", "toxicity_features", "toxicity_regimes", "vpin", "vpin_cdf",
    "vpin_tick_rule", "LeadLag", "StaleQuotes", "book_quotes", "lead_lag", "stale_quotes",
]
