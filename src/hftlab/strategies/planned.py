"""PlannedStrategy: the Python face of a strategy whose decisions are one compiled plan
over float64 params and state arrays (DollarNeutralMM, PairsTrader).

Both forms run the same plan kernel on the same arrays: the Python form from its
callbacks through the Context, the compiled form (``compiled()``) from a step with the
engine's signature whose state bytes hold float64 [n_params, params..., state...]. So the
two leave the same record, and a compiled run's final arrays come back in
``rec.strategy_state`` (fields n_params, params, state).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hftlab.strategy import CompiledStrategy, Context, Strategy


class PlannedStrategy(Strategy):
    """Subclasses set ``step`` (their compiled step), ``_params``, ``state``, ``_args``
    and ``timer_ns`` in ``__init__``."""

    step: Callable
    _params: np.ndarray
    state: np.ndarray
    _args: dict[str, Any]

    def params(self) -> np.ndarray:
        """The float64 params array both forms read (layout in the strategy's _nb module)."""
        return self._params.copy()

    def describe(self) -> dict:
        """Constructor arguments, for run records and reports."""
        return dict(self._args)

    def compiled(self) -> CompiledStrategy:
        """The same plan as a numba function: no Python in the backtest loop."""
        rec = np.zeros(1, [("n_params", "f8"), ("params", "f8", self._params.shape),
                           ("state", "f8", self.state.shape)])
        rec["n_params"], rec["params"][0] = len(self._params), self._params
        return CompiledStrategy.from_step(type(self).step, rec, timer_ns=self.timer_ns,
                                          name=f"{type(self).__name__}[compiled]",
                                          describe=self.describe())

    def on_start(self, ctx: Context) -> None:
        self.state[:] = 0.0

    def _state_of(self, state: np.ndarray | None) -> np.ndarray:
        """The state array of the Python form (None) or of a compiled run's
        ``rec.strategy_state``."""
        if state is None:
            return self.state
        return np.asarray(state["state"][0] if state.dtype.names else state, float)
