"""PlannedStrategy: the Python face of a strategy whose decisions are one compiled plan
over named params and state records (DollarNeutralMM, PairsTrader).

Both forms run the same plan kernel on the same record: the Python form from its
callbacks through the Context on ``self.state``, the compiled form (``compiled()``) from
a step with the engine's signature that views its state bytes as that record (a
constant record dtype declared in the strategy's _nb module, then the arrays whose
length the strategy's size sets). So the two leave the same record, and a compiled
run's final one comes back in ``rec.strategy_state`` with the same fields (params,
state, and the arrays).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable

import numpy as np

from hftlab.strategy import CompiledStrategy, Context, Strategy


class PlannedStrategy(Strategy):
    """Subclasses set ``step`` (their compiled step), ``_args`` and ``timer_ns`` in
    ``__init__`` and build their initial record in ``record()``."""

    step: Callable
    state: np.ndarray
    _args: dict[str, Any]

    @abstractmethod
    def record(self) -> np.ndarray:
        """The initial one-row record: params, a fresh state, zeroed arrays."""

    def params(self) -> np.ndarray:
        """The one-row params record both forms read (layout in the strategy's _nb module)."""
        return self.state["params"].copy()

    def describe(self) -> dict:
        """Constructor arguments, for run records and reports."""
        return dict(self._args)

    def compiled(self) -> CompiledStrategy:
        """The same plan as a numba function: no Python in the backtest loop."""
        return CompiledStrategy.from_step(type(self).step, self.record(), timer_ns=self.timer_ns,
                                          name=f"{type(self).__name__}[compiled]",
                                          describe=self.describe())

    def on_start(self, ctx: Context) -> None:
        self.state = self.record()

    def _row(self, state: np.ndarray | None) -> np.void:
        """The record of the Python form (None) or of a compiled run's
        ``rec.strategy_state``."""
        return (self.state if state is None else state)[0]
