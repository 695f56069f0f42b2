"""Risk controls on the only road to the venue: pre-trade checks in the gate, intraday
controls (loss, drawdown, holding time, correlation), throttles and the kill switch.

``RiskLimits`` configures them (code or TOML); ``backtest(..., risk=limits)`` applies them;
``RiskDesk`` (``backtest(..., desk=desk)``) kills, pauses, resumes and resets during a run;
``risk_events(rec)`` and ``risk_summary(rec)`` read what they decided from a RunRecord.
"""

from hftlab._lazy import lazy_exports
from hftlab.schema import TradingState

ACTIVE, REDUCING, HALTED = TradingState
TRADING_STATES = tuple(s.name for s in TradingState)
_EXPORTS = {
    "RiskLimits": "hftlab.risk.limits",
    "RiskDesk": "hftlab.risk.desk",
    "DeskSnapshot": "hftlab.risk.desk",
    "drawdown_above": "hftlab.risk.desk",
    "loss_above": "hftlab.risk.desk",
    "position_above": "hftlab.risk.desk",
    "order_rate_above": "hftlab.risk.desk",
    "risk_events": "hftlab.risk.events",  # these two read RunRecords (pandas)
    "risk_summary": "hftlab.risk.events",
}
__all__ = ["ACTIVE", "HALTED", "REDUCING", "TRADING_STATES", "TradingState",
           *sorted(_EXPORTS)]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
