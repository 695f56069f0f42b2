"""Column layouts of the simulator's arrays (plain ints, compile-time constants in kernels).

Agents (one row each):

- ``ap[a, :]`` float64 parameters. Common columns P_*; type-specific scalars X0..X15;
  two 32-atom size tables (lots; a draw picks atom floor(u * 32)); the zero-intelligence
  rate tables by distance (LAM, THETA: index i-1 for distance i ticks) and a 32-entry
  cumulative run-length table for market-order signs (RUN: P(run length <= k + 1)).
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
from fills) and the loop's cursors (``cur[0]``, one SIM_CURSOR_DTYPE record) are named
structures too; the agents' parameters (ap) and the world (sched) are still
column-indexed (the constants below).
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

# ap: common
P_TYPE, P_BOOK, P_OWNER, P_LAT, P_LATJ, P_CAP_OFF, P_CAP = 0, 1, 2, 3, 4, 5, 6
P_T0, P_T1, P_GATE, P_REF, P_SUB0, P_SUB1, P_REACT, P_P0, P_INST = (
    7, 8, 9, 10, 11, 12, 13, 14, 15)
X0 = 16  # X0 .. X0 + 15: type-specific scalars
N_SIZE = 32
SZ_LIMIT = 32  # limit-order size table (lots)
SZ_MARKET = 64  # market-order size table (lots)
K_MAX = 48  # distances 1 .. K_MAX ticks
LAM = 96  # limit arrival rate per side per second at distance i: ap[a, LAM + i - 1]
THETA = LAM + K_MAX  # cancel rate per order per second at distance i
N_RUN = 32
RUN = THETA + K_MAX  # cumulative run-length table
NP = RUN + N_RUN

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
