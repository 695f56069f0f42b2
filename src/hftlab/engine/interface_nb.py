"""The compiled loop's interface: the numba types of the arguments it runs with, and how
it calls a compiled strategy.

RUN_SIG is the loop's signature (engine/loop_nb.step): the chunk of events
(state.EVENTS_TYPE), the engine's state (STATE_TYPE, of state.EngineState as backtest
builds it), the compiled strategy's buffers (IO_TYPE, of state.StrategyIO), the strategy
and the L2 queue model as first-class functions, and the queue model's parameters.

A compiled strategy is a function of STRATEGY_SIG that the loop calls in place at its
wake-ups (call_strategy), handed to the loop by address (FunctionPointer), so no Python
runs in the loop.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.core.typing.typeof import typeof_impl

from hftlab.core.book_nb import new_order_map
from hftlab.core.layout import (ACCOUNT_DTYPE, ARRIVAL_DTYPE, ARRIVAL_ENDS_DTYPE, BOOK_DTYPE,
                                COMMAND_DTYPE, CURSOR_DTYPE, ERR_SINK_FULL, INSTRUMENT_DTYPE,
                                OWN_ORDER_DTYPE, PARAMS_DTYPE, QUEUE_DTYPE, RANGE_DTYPE,
                                RING_DTYPE, VENUE_DTYPE)
from hftlab.engine import api_nb
from hftlab.engine.queue_nb import QUEUE_FN
from hftlab.engine.state import EVENTS_TYPE, EngineState, StrategyIO
from hftlab.risk.layout import KILL_STRATEGY, new_state, no_limits
from hftlab.schema import (FILL_RECORD_DTYPE, ORDER_RECORD_DTYPE, RISK_EVENT_DTYPE,
                           STATE_RECORD_DTYPE)


class FunctionPointer(types.WrapperAddressProtocol):
    """A compiled function handed to the loop by address, resolved once: passing the
    dispatcher itself makes numba look up its compiled version on every call of the loop
    (about 400 us), which a run that often comes back to Python (a Python strategy, a
    simulated market's driver) would pay at every return."""

    def __init__(self, dispatcher, sig) -> None:
        cres = dispatcher.get_compile_result(sig)
        self._address = cres.library.get_pointer_to_function(cres.fndesc.llvm_cfunc_wrapper_name)
        self._sig = sig
        self.type = types.FunctionType(sig)
        self.dispatcher = dispatcher  # keeps the compiled code alive

    def __wrapper_address__(self) -> int:
        return self._address

    def signature(self):
        return self._sig


@typeof_impl.register(FunctionPointer)
def _typeof_pointer(val: FunctionPointer, c) -> types.FunctionType:
    return val.type  # built once, not at every call


def _api_prototypes():
    """A View and an Orders sink of the types a compiled strategy receives (engine/api_nb)."""
    one = np.zeros(1, np.int64)
    view = api_nb.make_view(np.zeros(1, BOOK_DTYPE), np.zeros(1, OWN_ORDER_DTYPE), one,
                            np.zeros(1, ACCOUNT_DTYPE), np.zeros(1, api_nb.CLOCK_DTYPE),
                            np.zeros((1, 2, 1), np.int64), np.zeros((1, 2), np.int64), one)
    sink = api_nb.make_sink(np.zeros(1, COMMAND_DTYPE), np.zeros(1, api_nb.SINK_DTYPE))
    return view, sink


VIEW_TYPE, ORDERS_TYPE = (nb.typeof(x) for x in _api_prototypes())
# A compiled strategy step: (reason, book, view, orders, state bytes) -> 0. User functions
# of the form fn(reason, book, view, orders, state record) are wrapped into one
# (hftlab.strategy.CompiledStrategy); the built-in makers are steps themselves.
STRATEGY_SIG = types.int64(types.int64, types.int64, VIEW_TYPE, ORDERS_TYPE, types.uint8[::1])
STRATEGY_FN = types.FunctionType(STRATEGY_SIG)


@nb.njit(cache=True, inline="always")
def call_strategy(strat, wake, book, view, sink, clock, sstate, cur, rstate):
    """Call a compiled strategy with the host's clock; carry its kill / pause requests to
    the risk state. Returns the commands it wrote, or -1 (engine error ERR_SINK_FULL)
    when it wrote past the sink's capacity. Inlined into the loop: as a call of its own it
    was handed 136 words of arguments (the view's, the sink's, the clock's arrays) at every
    wake-up, a third of what a wake-up of a strategy that does nothing cost."""
    k = clock[0]
    k.now = cur[0].now_local
    k.n_active = cur[0].n_active
    k.trading_state = rstate.glob[0].state
    k.next_id = cur[0].next_id
    c = sink.counts[0]
    c.written = 0
    c.overflow = 0
    c.kill = 0
    c.pause = 0
    c.submits = 0
    strat(wake, book, view, sink, sstate)
    if c.overflow > 0:
        cur[0].error = ERR_SINK_FULL
        return -1
    if c.kill > 0 and rstate.glob[0].kill == 0:
        rstate.glob[0].kill = KILL_STRATEGY
    if c.pause != 0:
        rstate.glob[0].pause_req = c.pause
    return c.written


def _state_type():
    """numba type of state.EngineState as backtest builds it."""
    book = np.zeros((1, 2, 1), np.int64)
    top = np.zeros((1, 2), np.int64)
    one = np.zeros(1, np.int64)
    acct = np.zeros(1, ACCOUNT_DTYPE)
    return nb.typeof(EngineState(
        np.zeros(1, CURSOR_DTYPE), np.zeros(1, PARAMS_DTYPE), book, top, book, top, one,
        new_order_map(), one, np.zeros(1, BOOK_DTYPE), np.zeros(1, RANGE_DTYPE),
        np.zeros(1, OWN_ORDER_DTYPE), one, one, np.zeros(1, QUEUE_DTYPE), np.zeros(1, RING_DTYPE),
        np.zeros(1, QUEUE_DTYPE), np.zeros(1, RING_DTYPE), acct, acct, np.zeros(1, VENUE_DTYPE),
        np.zeros(1, INSTRUMENT_DTYPE), np.zeros(1, ORDER_RECORD_DTYPE),
        np.zeros(1, FILL_RECORD_DTYPE), np.zeros(1, STATE_RECORD_DTYPE),
        np.zeros(1, RISK_EVENT_DTYPE), no_limits(1), new_state(1), np.zeros(1, COMMAND_DTYPE),
        np.zeros((1, 1), ARRIVAL_DTYPE), np.zeros(1, ARRIVAL_ENDS_DTYPE)))


IO_TYPE = nb.typeof(StrategyIO(np.zeros(1, COMMAND_DTYPE), *_api_prototypes(),
                               np.zeros(1, api_nb.CLOCK_DTYPE), np.zeros(1, np.uint8)))
STATE_TYPE = _state_type()
RUN_SIG = types.int64(EVENTS_TYPE, STATE_TYPE, IO_TYPE, STRATEGY_FN, QUEUE_FN, types.float64[:])
