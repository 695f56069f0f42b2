"""Risk controls on the only road to the venue: pre-trade checks in the gate, intraday
controls (loss, drawdown, holding time, correlation), throttles and the kill switch.

``RiskLimits`` configures them (code or TOML); ``backtest(..., risk=limits)`` applies them;
``risk_events(rec)`` and ``risk_summary(rec)`` read what they decided from a RunRecord.
"""

from hftlab.risk.events import risk_events, risk_summary
from hftlab.risk.layout import ACTIVE, HALTED, REDUCING
from hftlab.risk.limits import RiskLimits

TRADING_STATES = ("ACTIVE", "REDUCING", "HALTED")

__all__ = [
           "ACTIVE",
           "HALTED",
           "REDUCING",
           "TRADING_STATES",
           "RiskLimits",
           "risk_events",
           "risk_summary",
]
