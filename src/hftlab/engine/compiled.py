"""CompiledStrategy: a strategy as a numba function the compiled loop calls in place, and
the wrapper that hands it its typed state record and refuses one that writes its view.
Users import it from hftlab.strategy."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hftlab.instruments import check


class CompiledStrategy:
    """A strategy as a numba function, called in place in the compiled loop at every
    wake-up, so a backtest of it runs with no Python in the loop.

    fn(reason, book, view, orders, state): reason a Wake (START, BOOK, TRADE, FILL,
    ORDER, TIMER), book the book of a BOOK / TRADE wake-up (else -1), view the host's
    read-only view, orders the command sink, state one record of the strategy's own
    fields (hftlab.engine.api_nb says what each holds and the njit helpers that use
    them: submit, market, cancel, modify, requote, best_bid, position, depth, ...).

    state: the strategy's typed state, as {name: initial value} (ints become int64
    fields, floats float64, arrays sub-arrays) or a one-row structured array. The
    record the run ends with is ``RunRecord.strategy_state``; the one given is not
    changed. max_commands: the sink's capacity per wake-up; writing past it stops the
    run with an error naming the strategy.

    A new fn costs one small compile (about 1 s) in each new process; fn itself is
    cached when decorated with ``@numba.njit(cache=True)``.
    """

    def __init__(self, fn: Callable, state: dict | np.ndarray | None = None, *,
                 timer_ns: int | None = None, subscribe_book: bool = False,
                 subscribe_trades: bool = False, name: str | None = None,
                 max_commands: int = 64, describe: dict | None = None) -> None:
        self.fn = fn
        self.state = _state_record(state)
        self.timer_ns, self.subscribe_book, self.subscribe_trades = \
            timer_ns, bool(subscribe_book), bool(subscribe_trades)
        self.name = name or getattr(fn, "__name__", "compiled")
        check(isinstance(max_commands, int) and 1 <= max_commands <= 1 << 16,
              f"{self.name}.max_commands", "an integer in [1, 65536]", max_commands)
        self.max_commands = max_commands
        self.describe = dict(describe or {})
        self._step: Callable | None = None

    @classmethod
    def from_step(cls, step: Callable, state: np.ndarray, **kw: Any) -> "CompiledStrategy":
        """A strategy whose step already has engine.interface_nb.STRATEGY_SIG (it views the
        state bytes itself): the built-in makers, compiled once and cached."""
        out = cls(step, state, **kw)
        out._step = step
        return out

    def step(self) -> Callable:
        """The engine-facing step: fn wrapped to receive its state record."""
        if self._step is None:
            self._step = _adapter(self.fn, self.state.dtype, self.name)
        return self._step

    def raw_state(self) -> np.ndarray:
        """A fresh copy of the initial state as the bytes the engine hands the step."""
        return np.frombuffer(self.state.tobytes(), np.uint8).copy()


def _state_record(state: dict | np.ndarray | None) -> np.ndarray:
    """A one-row, aligned structured array from a {name: initial value} mapping."""
    if state is None:
        state = {"_": 0}
    if isinstance(state, np.ndarray):
        ok = state.dtype.names is not None and state.shape == (1,)
        # the value's text only when refused: a large record's dtype takes ~3 ms to print
        check(ok, "state", "a one-row structured array",
              None if ok else f"{state.dtype} of shape {state.shape}")
        return state.copy()
    check(isinstance(state, dict) and all(isinstance(k, str) for k in state), "state",
          "a dict of field name -> initial int, float or array", type(state).__name__)
    fields = []
    for k, v in state.items():
        a = np.asarray(v)
        check(a.dtype.kind in "biuf", f"state.{k}", "an int, a float or an array of them", v)
        kind = np.float64 if a.dtype.kind == "f" else np.int64
        fields.append((k, kind, a.shape) if a.shape else (k, kind))
    rec = np.zeros(1, np.dtype(fields, align=True))
    for k, v in state.items():
        rec[k][0] = v
    return rec


_ADAPTERS: dict = {}


def _adapter(fn: Callable, dtype: np.dtype, name: str) -> Callable:
    """Compile the step that views the state bytes as a record and calls fn."""
    key = (fn, dtype)
    if key in _ADAPTERS:
        return _ADAPTERS[key]
    import numba as nb
    from numba.core import types
    from numba.core.errors import TypingError

    from hftlab.engine.interface_nb import ORDERS_TYPE, STRATEGY_SIG, VIEW_TYPE

    # compiled afresh (not from the user's cache) so that its typed code can be checked
    user = nb.njit(getattr(fn, "py_func", fn))

    def step(reason, book, view, orders, raw):
        user(reason, book, view, orders, raw.view(dtype)[0])
        return 0

    try:  # fn with numba's reference counting, as it may allocate; the step around it,
        # called at every wake-up, allocates nothing and counts no references to the view
        user.compile((types.int64, types.int64, VIEW_TYPE, ORDERS_TYPE, nb.from_dtype(dtype)))
        compiled = nb.njit(STRATEGY_SIG, _nrt=False)(step)
        readonly = _writes_view(user, set())
    except TypingError as err:
        text = str(err)
        readonly = "readonly" in text
        if not readonly:
            raise TypeError(f"strategy {name!r} does not compile for the engine's "
                            f"(reason, book, view, orders, state) call: "
                            f"{text.splitlines()[0] if text else err}") from err
    if readonly:
        raise TypeError(f"strategy {name!r} writes to its view, which is read-only: the "
                        "view is what the host knows, and only the engine changes it "
                        "(send commands through the orders sink instead)")
    _ADAPTERS[key] = compiled
    return compiled


def _writes_view(dispatcher: Any, seen: set) -> bool:
    """True when the compiled code sets a field of a view record (numba checks writes to
    read-only arrays, not to the records read from them); follows calls to other
    functions compiled in this process."""
    from numba.core import ir, types

    from hftlab.engine.api_nb import VIEW_DTYPES

    fields = [set(d.names) for d in VIEW_DTYPES]
    for cres in dispatcher.overloads.values():
        ann = cres.type_annotation
        if not hasattr(ann, "typemap") or id(cres) in seen:  # loaded from a cache
            continue
        seen.add(id(cres))
        typemap = ann.typemap
        for block in ann.blocks.values():
            for stmt in block.body:
                if isinstance(stmt, ir.SetAttr):
                    t = typemap.get(stmt.target.name)
                    if isinstance(t, types.Record) and set(t.fields) in fields:
                        return True
                elif isinstance(stmt, ir.Assign) and isinstance(stmt.value, ir.Expr) \
                        and stmt.value.op == "call":
                    t = typemap.get(stmt.value.func.name)
                    if isinstance(t, types.Dispatcher) and _writes_view(t.dispatcher, seen):
                        return True
    return False
