"""Background agents as compiled pure functions (order-flow agents; makers and the rest in
traders_nb.py).

Every agent kernel has the signature

    kernel(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds)
        -> (next_wake_ns, n_commands)

a: the agent's row; now: exchange time (ns); ap / ast / asf: parameters and state
(layout.py); own: the shared array of order ids, the agent's slice given by
ap[a].cap_off and ap[a].cap with ast[a].nown entries (the loop appends the id
of each of its orders that rests; entries whose order has closed are dropped lazily);
pcount[a]: its commands still in flight; w: the world's row at now (sched, layout.py);
orders .. base: the matching engine's arrays (matching_nb; read only here); mkt: market
statistics per book. The kernel writes commands (MESSAGE_DTYPE records of
core/layout.py; the loop sets their ts to the arrival time) into cmds and never touches
the book itself. Randomness comes from the agent's own splitmix64 stream in ast[a].rng.
Rates are per second, prices integer ticks, sizes integer lots, times ns.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core import matching_nb as mk
from hftlab.core.latency_nb import splitmix64
from hftlab.core.layout import ACT_CANCEL, ACT_SUBMIT
from hftlab.schema import OrderType, TimeInForce
from hftlab.sim.layout import (
    K_MAX,
    N_RUN,
    N_SIZE,
    NEVER,
    W_ACT,
    W_FV,
)

SEC_NS = 1_000_000_000
IDLE_NS = 100_000_000  # an agent with zero intensity looks again after 100 ms


@nb.njit(cache=True, inline="always", _nrt=False)
def u01(ast, a):
    """A uniform float in [0, 1) from agent a's splitmix64 stream (advances it)."""
    s, z = splitmix64(np.uint64(ast[a].rng))
    ast[a].rng = np.int64(s)
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True, inline="always", _nrt=False)
def wait(ast, a, rate):
    """An exponential waiting time in ns for a Poisson rate per second (>= 1 ns)."""
    if rate <= 0.0:
        return np.int64(IDLE_NS)
    return np.int64(-math.log(1.0 - u01(ast, a)) / rate * SEC_NS) + 1


@nb.njit(cache=True, inline="always", _nrt=False)
def draw_size(table, ast, a):
    """A size in lots from one of the agent's 32-atom size tables (ap[a].limit_sizes /
    market_sizes)."""
    k = int(u01(ast, a) * N_SIZE)
    q = np.int64(table[k])
    return q if q > 0 else np.int64(1)


@nb.njit(cache=True, inline="always", _nrt=False)
def gate(ap, a, w):
    """The agent's activity multiplier from the world row (1 when it has no gate)."""
    g = int(ap[a].gate)
    return 1.0 if g < 0 else w[g]


@nb.njit(cache=True, inline="always", _nrt=False)
def best(qty, top, base, b):
    """(best bid, best ask) of book b in ticks, 0 for an empty side."""
    width = qty.shape[2]
    tb = top[b, 0]
    ta = top[b, 1]
    bid = base[b] + tb if tb >= 0 else np.int64(0)
    ask = base[b] + ta if ta < width else np.int64(0)
    return bid, ask


@nb.njit(cache=True, inline="always", _nrt=False)
def mid_or(qty, top, base, b, fallback):
    """Mid price of book b in ticks (float), fallback when a side is empty."""
    bid, ask = best(qty, top, base, b)
    if bid > 0 and ask > 0:
        return 0.5 * (bid + ask)
    return fallback


@nb.njit(cache=True, inline="always", _nrt=False)
def put(cmds, nc, act, b, owner, side, price, q, typ, tif, oid):
    """Write one command (a MESSAGE_DTYPE record, core/layout.py); returns the new count."""
    c = cmds[nc]
    c.action = act
    c.ts = 0
    c.book = b
    c.owner = owner
    c.side = side
    c.price = price
    c.qty = q
    c.order_type = typ
    c.tif = tif
    c.order_id = oid
    return nc + 1


@nb.njit(cache=True, inline="always", _nrt=False)
def window(ap, a, now):
    """0 inside the agent's active window, else the time to wake next (T0 or NEVER)."""
    if now < ap[a].t0:
        return np.int64(ap[a].t0)
    if now >= ap[a].t1:
        return np.int64(NEVER)
    return np.int64(0)


@nb.njit(cache=True, inline="always", _nrt=False)
def run_sign(ap, ast, a):
    """Sign of the next market order: runs of equal signs with lengths drawn from the
    agent's cumulative run table (ap[a].runs), alternating sign between runs. A geometric(1/2)
    table gives independent signs; the empirical table of a day reproduces its runs."""
    if ast[a].run_left <= 0:
        u = u01(ast, a)
        k = 0
        while k < N_RUN - 1 and ap[a].runs[k] < u:
            k += 1
        ast[a].run_left = k + 1
        s = ast[a].run_sign
        ast[a].run_sign = -s if s != 0 else (1 if u01(ast, a) < 0.5 else -1)
    ast[a].run_left -= 1
    return ast[a].run_sign


@nb.njit(cache=True, _nrt=False, forceinline=True)
def zero_intelligence(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                      cmds):
    """Zero-intelligence order flow of Cont, Stoikov & Talreja (2010), "A stochastic
    model for order book dynamics", Operations Research 58(3).

    Limit orders arrive at lam[i-1] per second per side at distance i ticks from the opposite
    best quote (a buy at ask - i), market orders at zi.market_rate per second per side, and each
    resting order of the agent is cancelled at theta[i-1] per second where i is its distance from
    the opposite best. Sizes come from the size tables (lots). Limit rates are scaled by the gate
    (liquidity), all rates by w[W_ACT] (activity). An empty side is taken at the last trade price
    (zi.spread0 ticks from the other side before any trade). zi.lam_total: sum of lam;
    zi.theta_max: max of theta (the thinning bound). Signs of market orders follow the run table
    (see run_sign). Events are drawn by Gillespie's method with thinning: total rate = limit +
    market + zi.theta_max * (entries in the own list).

    Two departures from CST, both off (0) unless set: zi.market_match, the share of market orders
    that take exactly the volume shown at the opposite best (size matching, Farmer, Gillemot,
    Lillo, Mike & Sen 2004, Quantitative Finance 4(4)), the others taking a size from the table;
    zi.join, the share of limit orders that would improve their side's best and join its queue
    instead (placement relative to the same-side best, Bouchaud, Mezard & Potters 2002,
    Quantitative Finance 2(4)). Neither draws a random number when it is 0, so other uses are
    unchanged bit for bit."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    b = int(ap[a].book)
    owner = np.int64(ap[a].owner)
    g = gate(ap, a, w)
    bid, ask = best(qty, top, base, b)
    s0 = np.int64(ap[a].zi.spread0)
    last = mkt[b].last_price
    if bid == 0 and ask == 0:
        bid = (last if last > 0 else np.int64(ap[a].p0)) - s0 // 2
        ask = bid + s0
    elif bid == 0:  # an empty side is quoted from the last trade, else zi.spread0 from the other
        bid = min(last, ask - 1) if last > 0 else ask - s0
    elif ask == 0:
        ask = max(last, bid + 1) if last > 0 else bid + s0
    act = w[W_ACT]
    g *= act
    lam = g * ap[a].zi.lam_total
    mu = act * ap[a].zi.market_rate
    th = act * ap[a].zi.theta_max
    off = int(ap[a].cap_off)
    n_own = ast[a].nown
    total = 2.0 * lam + 2.0 * mu + th * n_own
    nc = 0
    u = u01(ast, a) * total
    if u < 2.0 * lam:
        side = 1 if u < lam else -1
        r = (u if side > 0 else u - lam) / g if g > 0 else 0.0
        i = 1
        while i < K_MAX and r >= ap[a].lam[i - 1]:
            r -= ap[a].lam[i - 1]
            i += 1
        price = ask - i if side > 0 else bid + i
        if ap[a].zi.join > 0.0 and (price > bid if side > 0 else price < ask) \
                and u01(ast, a) < ap[a].zi.join:
            price = bid if side > 0 else ask  # joins the queue instead of improving
        if price > 0:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, side, price,
                     draw_size(ap[a].limit_sizes, ast, a), OrderType.LIMIT, TimeInForce.GTC, 0)
    elif u < 2.0 * lam + 2.0 * mu:
        side = run_sign(ap, ast, a)
        q = draw_size(ap[a].market_sizes, ast, a)
        if ap[a].zi.market_match > 0.0 and u01(ast, a) < ap[a].zi.market_match:  # match the best
            t_opp = top[b, 1] if side > 0 else top[b, 0]
            if 0 <= t_opp < qty.shape[2] and qty[b, 1 if side > 0 else 0, t_opp] > 0:
                q = np.int64(qty[b, 1 if side > 0 else 0, t_opp])
        nc = put(cmds, nc, ACT_SUBMIT, b, owner, side, 0, q, OrderType.MARKET, TimeInForce.IOC,
                 0)
    elif n_own > 0:
        j = off + int(u01(ast, a) * n_own)
        oid = own[j]
        if orders[oid].state == mk.CLOSED:
            own[j] = own[off + n_own - 1]
            ast[a].nown = n_own - 1
        else:
            side = orders[oid].side
            i = ask - orders[oid].price if side > 0 else orders[oid].price - bid
            i = 1 if i < 1 else (min(i, K_MAX))
            if th > 0 and u01(ast, a) * ap[a].zi.theta_max < ap[a].theta[i - 1]:
                nc = put(cmds, nc, ACT_CANCEL, b, owner, side, 0, 0, 0, 0, oid)
                own[j] = own[off + n_own - 1]
                ast[a].nown = n_own - 1
    total = 2.0 * lam + 2.0 * mu + th * (ast[a].nown + nc)
    return now + wait(ast, a, total), nc


@nb.njit(cache=True, _nrt=False)
def noise(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """Noise takers: Poisson market orders, noise.buy_rate buys and noise.sell_rate sells per
    second (the issue's teaching example: 5 and 5), scaled by the gate; sizes from the market
    size table."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    g = gate(ap, a, w)
    rate = g * (ap[a].noise.buy_rate + ap[a].noise.sell_rate)
    nc = 0
    if rate > 0:
        buy = ap[a].noise.buy_rate
        side = 1 if u01(ast, a) * (buy + ap[a].noise.sell_rate) < buy else -1
        nc = put(cmds, 0, ACT_SUBMIT, int(ap[a].book), np.int64(ap[a].owner), side,
                 0, draw_size(ap[a].market_sizes, ast, a), OrderType.MARKET, TimeInForce.IOC, 0)
    return now + wait(ast, a, rate), nc


@nb.njit(cache=True, _nrt=False)
def informed(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """An informed trader who knows the hidden fundamental value V = w[W_FV + ap[a].inst]
    (ticks) and trades toward it, as in Glosten & Milgrom (1985) and Kyle (1985).

    Looks at the book informed.rate times per second (scaled by the gate: the informed share of a
    regime, an episode, or value traders' withdrawal); buys when V - ask >= informed.threshold
    ticks with an IOC limit at floor(V - informed.threshold), sells when bid - V >=
    informed.threshold with an IOC limit at ceil(V + informed.threshold), so it never trades past
    the value; sizes from the market size table."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    g = gate(ap, a, w)
    rate = g * ap[a].informed.rate
    if rate <= 0:
        return now + IDLE_NS, 0
    b = int(ap[a].book)
    v = w[W_FV + int(ap[a].inst)]
    thr = ap[a].informed.threshold
    bid, ask = best(qty, top, base, b)
    nc = 0
    owner = np.int64(ap[a].owner)
    if ask > 0 and v - ask >= thr:
        nc = put(cmds, 0, ACT_SUBMIT, b, owner, 1, np.int64(math.floor(v - thr)),
                 draw_size(ap[a].market_sizes, ast, a), OrderType.LIMIT, TimeInForce.IOC, 0)
    elif bid > 0 and bid - v >= thr:
        nc = put(cmds, 0, ACT_SUBMIT, b, owner, -1, np.int64(math.ceil(v + thr)),
                 draw_size(ap[a].market_sizes, ast, a), OrderType.LIMIT, TimeInForce.IOC, 0)
    return now + wait(ast, a, rate), nc


@nb.njit(cache=True, _nrt=False)
def momentum(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A momentum (trend-following) trader: the chartists of Chiarella, Iori & Perelló
    (2009) and ABIDES' MomentumAgent (Byrd, Hybinette & Balch 2019).

    Looks momentum.rate times per second (Poisson); keeps exponential moving averages of the mid
    with half-lives momentum.fast_s (fast) and momentum.slow_s (slow) seconds; buys at market
    when fast - slow > momentum.threshold ticks, sells when it is < -momentum.threshold; sizes
    from the market size table."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    b = int(ap[a].book)
    m = mid_or(qty, top, base, b, -1.0)
    nc = 0
    if m > 0:
        t = now / SEC_NS
        if asf[a].init == 0.0:
            asf[a].fast = m
            asf[a].slow = m
        else:
            dt = t - asf[a].init
            af = 1.0 - math.exp(-dt * math.log(2.0) / ap[a].momentum.fast_s)
            asl = 1.0 - math.exp(-dt * math.log(2.0) / ap[a].momentum.slow_s)
            asf[a].fast += af * (m - asf[a].fast)
            asf[a].slow += asl * (m - asf[a].slow)
            d = asf[a].fast - asf[a].slow
            if d > ap[a].momentum.threshold or d < -ap[a].momentum.threshold:
                nc = put(cmds, 0, ACT_SUBMIT, b, np.int64(ap[a].owner),
                         1 if d > 0 else -1, 0, draw_size(ap[a].market_sizes, ast, a),
                         OrderType.MARKET, TimeInForce.IOC, 0)
        asf[a].init = t
    return now + wait(ast, a, gate(ap, a, w) * ap[a].momentum.rate), nc
