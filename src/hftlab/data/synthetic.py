"""A deterministic synthetic L2 stream: depth updates on several levels plus trades.

Not an agent-based market (that is hftlab.sim): a fast, seeded, never-crossed stream for
demos, tests and benchmarks. Each step (mean `dt_ns` apart) is a trade at the best price
(probability p_trade; emptying the level moves the best price), a new best price inside
a wider spread (p_improve), or a new size on one of the `levels` visible levels.
"""

from __future__ import annotations

import numpy as np

from hftlab.data.market import MarketData
from hftlab.data.synthetic_nb import generate
from hftlab.instruments import US, Instrument, Venue, check
from hftlab.schema import EVENT_DTYPE

T0 = 1_700_000_000_000_000_000  # 2023-11-14 22:13:20 UTC


def l2_stream(n_events: int = 100_000, seed: int = 0, *, levels: int = 5, max_qty: int = 50,
              p_trade: float = 0.08, p_improve: float = 0.15, dt_ns: int = 100 * US,
              instrument: Instrument | None = None, venue: Venue | None = None,
              start_price: float = 100.0) -> MarketData:
    """n_events of one instrument's L2 book and trades, the same for the same seed."""
    check(isinstance(n_events, int) and n_events >= 2 * levels + 4, "n_events",
          f"an integer >= {2 * levels + 4}", n_events)
    check(isinstance(levels, int) and 1 <= levels <= 50, "levels", "an integer in [1, 50]", levels)
    check(isinstance(max_qty, int) and max_qty >= 1, "max_qty", "an integer >= 1", max_qty)
    check(0 <= p_trade and 0 <= p_improve and p_trade + p_improve < 1, "p_trade + p_improve",
          "probabilities >= 0 summing to < 1", (p_trade, p_improve))
    check(isinstance(dt_ns, int) and dt_ns >= 1, "dt_ns", "an integer number of ns >= 1", dt_ns)
    inst = instrument or Instrument("SYN", tick_size=0.01, lot_size=1.0)
    cols = [np.zeros(n_events, t) for t in (np.int64, np.uint8, np.int8, np.int64, np.int64)]
    k = generate(n_events, seed, inst.to_ticks(start_price), levels, max_qty, p_trade,
                 p_improve, dt_ns, T0, *cols)
    ev = np.zeros(k, EVENT_DTYPE)
    for name, c in zip(("ts", "kind", "side", "price", "qty"), cols):
        ev[name] = c[:k]
    return MarketData(ev, [inst], [venue or Venue("SYNX")], source=f"synthetic l2_stream seed={seed}")
