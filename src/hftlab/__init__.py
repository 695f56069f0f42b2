"""hftlab: a tick-level lab for high-frequency trading research."""

from hftlab.data.market import MarketData
from hftlab.engine.backtest import backtest
from hftlab.engine.queue import QueueModel
from hftlab.engine.record import RunRecord
from hftlab.instruments import FeeSchedule, Instrument, Latency, LatencyProfile, Venue
from hftlab.strategy import CompiledStrategy, Context, Strategy

__version__ = "0.1.0"
__all__ = ["CompiledStrategy", "Context", "FeeSchedule", "Instrument", "Latency",
           "LatencyProfile", "MarketData", "QueueModel", "RunRecord", "Strategy", "Venue",
           "backtest"]
