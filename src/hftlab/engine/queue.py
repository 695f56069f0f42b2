"""Queue models for L2 replay, chosen by config or supplied by the user.

A model is a compiled function (queue_nb.QUEUE_SIG) plus float parameters. A user model
is a plain Python function ``advance(ahead, old_level, new_level, traded, params) ->
new_ahead`` written in the numba subset; QueueModel compiles it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numba as nb
import numpy as np

from hftlab.engine import queue_nb
from hftlab.instruments import check


@dataclass(frozen=True)
class QueueModel:
    """A queue-position model: fn(ahead, old_level, new_level, traded, params) -> ahead."""

    fn: Callable
    params: tuple[float, ...] = ()
    name: str = "custom"
    compiled: Callable = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fn = self.fn
        if not isinstance(fn, nb.core.registry.CPUDispatcher) or not fn.signatures:
            fn = nb.njit(queue_nb.QUEUE_SIG)(getattr(fn, "py_func", fn))
        object.__setattr__(self, "compiled", fn)

    def param_array(self) -> np.ndarray:
        return np.asarray(self.params if self.params else (0.0,), dtype=np.float64)


def Conservative() -> QueueModel:
    """Only trades advance us; cancels come from behind (hftbacktest's RiskAdverse model)."""
    return QueueModel(queue_nb.conservative, (), "conservative")


def PowerProbability(n: float = 2.0) -> QueueModel:
    """Cancels come from ahead with weight ahead**n / (ahead**n + behind**n)."""
    check(0 < n <= 20, "PowerProbability.n", "a number in (0, 20]", n)
    return QueueModel(queue_nb.power_probability, (float(n),), f"power-probability(n={n})")


def queue_model(spec: "QueueModel | str | None") -> QueueModel:
    """A QueueModel from a model, a name ('conservative', 'power', 'power:N') or None."""
    if spec is None:
        return Conservative()
    if isinstance(spec, QueueModel):
        return spec
    if isinstance(spec, str):
        name, _, arg = spec.partition(":")
        if name == "conservative":
            return Conservative()
        if name in ("power", "probabilistic"):
            return PowerProbability(float(arg) if arg else 2.0)
    raise ValueError(f"queue_model must be a QueueModel, 'conservative' or 'power[:n]', got {spec!r}")
