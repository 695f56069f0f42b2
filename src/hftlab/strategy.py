"""Strategy API: the Python base class and its context, the compiled form and its helpers.

A strategy never calls a venue. It reads the host's delayed view of the books and its
own account and writes commands (submit / cancel / modify); the engine passes every
command through the one gate, where the risk engine sits, and delivers it to the venue
after the order-entry latency. Prices are integer ticks and sizes integer lots.

- Python: subclass ``Strategy`` and override its ``on_*`` callbacks; ``Context`` is what
  they see and do.
- Compiled: ``CompiledStrategy(fn, state, ...)`` with ``fn(reason, book, view, orders,
  state)``, written with the njit helpers below (from hftlab.engine.api_nb):
  ``best_bid, best_ask, mid, position, depth, now, trading_state, n_orders, order,
  is_open, instrument_of`` read the view; ``submit, market, cancel, modify, requote,
  requote_both, request_kill, request_pause, request_resume`` write to the sink. ``Wake`` names the
  reasons a strategy is woken, ``TradingState`` what ``trading_state`` returns.
"""

from hftlab.engine.api_nb import (best_ask, best_bid, cancel, depth, instrument_of, is_open,
                                  market, mid, modify, n_orders, now, order, position,
                                  request_kill, request_pause, request_resume, requote, requote_both,
                                  submit, trading_state)
from hftlab.engine.compiled import CompiledStrategy
from hftlab.engine.host import Book, BookId, Context, Fill, Order, Strategy
from hftlab.schema import TradingState, Wake

__all__ = ["Book", "BookId", "CompiledStrategy", "Context", "Fill", "Order", "Strategy",
           "TradingState", "Wake", "best_ask", "best_bid", "cancel", "depth", "instrument_of",
           "is_open", "market", "mid", "modify", "n_orders", "now", "order", "position",
           "request_kill", "request_pause", "request_resume", "requote", "requote_both", "submit",
           "trading_state"]
