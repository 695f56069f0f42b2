"""Simulated markets: background agents sending real orders into the matching engine.

``market(name, seconds=..., seed=..., **overrides)`` returns MarketData for a scenario
("calm", "informed-episode", "toxicity-regimes", "flash-crash", "lagging-venue",
"correlated-assets", "calibrated", or a TOML file): the background session, and the
agents behind it, so ``hftlab.backtest(market(...), strategy)`` runs them again live
with the strategy's orders in their matching engine (impact, queue, being picked off;
``mode="replay"`` replays the background instead); ``calibrate(data)`` estimates the
zero-intelligence rates of a real day and ``stylized_facts(data)`` measures a market;
``build`` gives the arrays of a scenario for driving its agents from another loop
(see hftlab.sim.simulator_nb).
"""

from hftlab.sim.calibrate import Calibration, calibrate
from hftlab.sim.facts import stylized_facts
from hftlab.sim.params import MarketParams
from hftlab.sim.scenarios import SCENARIOS, build, market

__all__ = ["SCENARIOS", "Calibration", "MarketParams", "build", "calibrate", "market",
           "stylized_facts"]
