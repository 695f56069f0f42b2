"""Layouts of the simulator's arrays: record dtypes (aligned structs, read and written
field by field in the kernels) and the world's columns.

Agents (one record each):

- ``ap[a]`` parameters, an AGENT_PARAMS_DTYPE record: common fields (type, book, owner,
  latency, active window, gate, ...), the agent type's own parameters in the nested
  record named after it (``ap[a].maker.half_spread``; the other types' records are
  zero), two 32-atom size tables (lots; a draw picks atom floor(u * 32)), the
  zero-intelligence rate tables by distance (lam, theta: index i-1 for distance i
  ticks) and a 32-entry cumulative run-length table for market-order signs (runs:
  P(run length <= k + 1)).
- ``ast[a]`` int64 state, an AGENT_STATE_DTYPE record (fields below).
- ``asf[a]`` float64 state, an AGENT_FLOATS_DTYPE record (fields below).

World (``sched[k, :]``): piecewise-constant signals on a grid of ``sched_dt`` ns from the
session start, written by scenarios.py: W_LIQ (multiplier of zero-intelligence limit
flow: 0.5 = half the liquidity), W_INF (informed intensity multiplier), W_REGIME (index
of the toxicity regime), W_SELL (forced seller on / off), W_VALUE (value traders'
activity), W_ACT (activity: multiplier of every zero-intelligence and noise rate, a
time change), W_NEWS (1 inside a window around a headline the rival makers have seen:
makers that pull on news stay out) and W_FV + instrument (the hidden fundamental value,
ticks, float, as the informed traders know it: a headline's jump reaches it after their
news latency).

Market statistics per book (``mkt[b]``, a MARKET_STATS_DTYPE record kept by the loop
from fills) and the loop's cursors (``cur[0]``, one SIM_CURSOR_DTYPE record). The world
stays a float64 matrix indexed by the W_* columns: an agent's gate names its column, and
the fundamental values take one column per instrument (a record per instrument count
would compile the kernels once per count).
"""

from __future__ import annotations

import numpy as np

# agent types
ZI, NOISE, INFORMED, MOMENTUM, MAKER, ARBITRAGE, SELLER = 0, 1, 2, 3, 4, 5, 6
MANIPULATOR, ICEBERG = 7, 8
AGENT_NAMES = ("zero-intelligence", "noise", "informed", "momentum", "maker", "arbitrage",
               "seller", "manipulator", "iceberg")
# a manipulator's episodes cycle through these kinds (episode k: MANIP_KINDS[k % 3])
EP_SPOOF, EP_IGNITION, EP_STUFFING = 0, 1, 2
MANIP_KINDS = ("spoofing", "ignition", "stuffing")

# ap: the agents' parameters, (n_agents,) of AGENT_PARAMS_DTYPE. Each type's own
# parameters (float64, as the scenarios give them; rates per second, prices ticks, sizes
# lots), in the order AgentTable.add(x=...) takes them; meanings in the type's kernel.
_F8 = np.float64
TYPE_PARAMS = {
    "zi": ("market_rate", "spread0", "lam_total", "theta_max", "market_match", "join"),
    "noise": ("buy_rate", "sell_rate"),
    "informed": ("rate", "threshold"),
    "momentum": ("rate", "fast_s", "slow_s", "threshold"),
    "maker": ("half_spread", "size", "skew", "requote_rate", "max_inventory", "news_pull"),
    "arbitrage": ("edge", "size"),
    "seller": ("qty", "participation", "interval_s", "rate", "max_child"),
    "manipulator": ("period_s", "episode_s", "first_s", "layer_size", "layers",
                    "layer_life_s", "genuine_size", "sweep_size", "ignite_s", "wake_ms",
                    "stuff_ms", "stuff_orders"),
    "iceberg": ("total", "clip", "side", "offset", "patience_s", "refill_ms"),
}
TYPE_FIELDS = tuple(TYPE_PARAMS)  # the nested record of agent type t: TYPE_FIELDS[t]
N_SIZE = 32
K_MAX = 48  # distances 1 .. K_MAX ticks
N_RUN = 32
AGENT_PARAMS_DTYPE = np.dtype([
    ("type", np.int64),  # ZI .. ICEBERG
    ("book", np.int64),
    ("owner", np.int64),  # agent row + 1; 0 = anonymous
    ("lat", np.int64), ("latj", np.int64),  # latency to the venue and its jitter (ns)
    ("cap_off", np.int64), ("cap", np.int64),  # the agent's slice of ``own``
    # active window, ns since the epoch, float64 as the agents compute with it
    ("t0", _F8), ("t1", _F8),
    ("gate", np.int64),  # the world's column that scales its activity, -1 = none
    ("ref", np.int64),  # a maker's reference book / an arbitrageur's other book, -1 = none
    ("react", np.int64),  # ns from a subscribed book's change to its wake-up
    ("p0", _F8),  # fallback price before any trade (ticks)
    ("inst", np.int64),  # the instrument whose fundamental value it knows
    *((kind, np.dtype([(name, _F8) for name in names], align=True))
      for kind, names in TYPE_PARAMS.items()),
    ("limit_sizes", _F8, (N_SIZE,)), ("market_sizes", _F8, (N_SIZE,)),  # lots
    ("lam", _F8, (K_MAX,)),  # limit arrival rate per side per second at distance i: lam[i-1]
    ("theta", _F8, (K_MAX,)),  # cancel rate per order per second at distance i
    ("runs", _F8, (N_RUN,)),  # cumulative run-length table
], align=True)

# ast: the agents' int64 state, (n_agents,) of AGENT_STATE_DTYPE (some agent types give a
# field their own meaning: see their kernels)
AGENT_STATE_DTYPE = np.dtype([
    ("rng", np.int64),  # splitmix64 state
    ("nown", np.int64),  # entries in the agent's slice of ``own``
    ("pos", np.int64),  # signed lots traded, credited by the loop from the owner's fills
    ("run_left", np.int64), ("run_sign", np.int64),  # market-order sign runs
    ("k", np.int64),  # wake count
    ("bid", np.int64), ("ask", np.int64),  # a maker's live order ids
    ("wakes", np.int64),  # wake-ups so far (kept by the loop)
], align=True)

# asf: the agents' float64 state, (n_agents,) of AGENT_FLOATS_DTYPE
N_RING = 256
AGENT_FLOATS_DTYPE = np.dtype([
    ("cash", np.float64),  # ticks x lots, credited by the loop
    ("fast", np.float64), ("slow", np.float64),  # moving averages
    ("lastvol", np.float64),
    ("init", np.float64),  # when the moving averages started (s)
    ("gross", np.float64),  # ticks x lots traded, either side (kept by the loop)
    ("ring", np.float64, (N_RING,)),  # cumulative volumes
], align=True)

# sched
W_LIQ, W_INF, W_REGIME, W_SELL, W_VALUE, W_ACT, W_NEWS = 0, 1, 2, 3, 4, 5, 6
W_FV = 7

# mkt: market statistics per book, (n_books,) of MARKET_STATS_DTYPE (int64)
MARKET_STATS_DTYPE = np.dtype([
    ("volume", np.int64),  # cumulative lots traded
    ("trades", np.int64),  # fills so far
    ("last_price", np.int64),  # ticks
    ("last_side", np.int64),  # aggressor side of the last fill
    ("signed_volume", np.int64),  # cumulative lots bought minus sold by aggressors
], align=True)

# cur: the loop's cursors, one record (1,) of SIM_CURSOR_DTYPE (int64; times in ns)
SIM_CURSOR_DTYPE = np.dtype([
    ("now", np.int64),
    ("msgs", np.int64),  # messages processed (the number of the last one)
    ("n_out", np.int64),  # rows used in out
    ("t_end", np.int64), ("t_start", np.int64),  # the session
    ("sched_dt", np.int64),  # step of the world's grid
    ("stp", np.int64),  # self-trade prevention mode (rules_nb.STP_*)
    ("n_fills", np.int64),  # fills in ``fills`` when run returns OWN_FILL
    ("stop", np.int64),  # run pauses before anything later than this (a backtest's horizon)
], align=True)

# loop return codes
DONE, NEED_OUT, NEED_POOL, NEED_SCRATCH, PAUSED, OWN_FILL = 0, 1, 2, 3, 4, 5

NEVER = (1 << 63) - 1
OWN_OWNER = 1 << 40  # owner id of the strategy's own orders in a simulated market
MAX_CMDS = 16  # commands one agent may send per wake
PCAP = 64  # pending commands per agent (in flight between sending and arrival)
