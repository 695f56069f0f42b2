"""Compiled pass of the iceberg detector over one book's L3 events (see icebergs.py).

Inputs are the book's events with dense order ids (oid: 0..n_orders-1, -1 = none) and
dense price levels (lvl: one per (resting side, price), -1 = none); the resting side of a
TRADE (hidden execution) is the side opposite its aggressor. Integers throughout: ticks,
lots, ns.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

ADD, CANCEL, DELETE, EXECUTE, TRADE, LEVEL, CLEAR = 1, 2, 3, 4, 5, 6, 7


class Chains(NamedTuple):
    """Refill chains: clips of one order shown at one level, each added within the refill
    window after the previous clip was executed away."""

    level: np.ndarray  # dense level
    start: np.ndarray  # ns: the first clip's ADD
    end: np.ndarray  # ns: the last event of the chain
    clips: np.ndarray  # clips shown (1 + refills)
    clip: np.ndarray  # lots: the first clip's size (the displayed peak)
    visible: np.ndarray  # lots executed from the clips
    rest: np.ndarray  # lots of the last clip withdrawn (DELETE / CANCEL) or still resting
    beyond: np.ndarray  # lots executed beyond an order's displayed size (EXECUTE > left)


class Clusters(NamedTuple):
    """Hidden executions at one level, consecutive prints no more than the gap apart."""

    level: np.ndarray
    start: np.ndarray
    end: np.ndarray
    prints: np.ndarray
    volume: np.ndarray  # lots
    displayed: np.ndarray  # lots shown at the level at the prints (max over them)
    chain: np.ndarray  # the refill chain live at the level at the first print (whose
    # hidden executions the cluster then counts), or -1


def new_tables(n_orders: int, n_events: int) -> tuple[Chains, Clusters]:
    """Zeroed Chains (room for one per order) and Clusters (one per event) for detect_nb."""
    ch = Chains(*(np.zeros(n_orders + 1, np.int64) for _ in Chains._fields))
    cl = Clusters(*(np.zeros(n_events + 1, np.int64) for _ in Clusters._fields))
    cl.chain[:] = -1
    return ch, cl


PENDING = 4  # chains that may await a refill at one level at once


@nb.njit(cache=True)
def _expire(pend, deadline, live, L, t):
    """Drop the level's pending chains whose refill window has passed."""
    for s in range(PENDING):
        if pend[L, s] >= 0 and t > deadline[L, s]:
            if live[L] == pend[L, s]:
                live[L] = -1
            pend[L, s] = -1


@nb.njit(cache=True)
def detect_nb(ts, kind, oid, lvl, qty, n_orders, n_levels, refill_ns, size_tol, gap_ns,
              ch, cl):
    """One pass: track orders, displayed depth per level, refill chains and hidden clusters.

    A fully executed order starts (or continues) a chain at its level, pending for
    refill_ns; an ADD at that level of at most clip * (1 + size_tol) is the next clip of
    the pending chain with the most clips (up to PENDING chains wait per level, so other
    orders executed in the same sweep do not hide an iceberg's refill).

    ch (Chains) and cl (Clusters) are zeroed arrays the pass fills (`new_tables`).
    Returns the number of chains and clusters used, the count of events naming an
    unknown order, and the chain of each order (-1 none).
    """
    rem = np.zeros(n_orders, np.int64)
    orig = np.zeros(n_orders, np.int64)
    done = np.zeros(n_orders, np.int64)  # lots executed from the order's display
    olvl = np.full(n_orders, -1, np.int64)
    oadd = np.zeros(n_orders, np.int64)
    ochain = np.full(n_orders, -1, np.int64)
    shown = np.zeros(n_levels, np.int64)
    pend = np.full((n_levels, PENDING), -1, np.int64)
    deadline = np.zeros((n_levels, PENDING), np.int64)
    live = np.full(n_levels, -1, np.int64)  # the chain whose clip rests or is awaited
    clus = np.full(n_levels, -1, np.int64)
    last_hidden = np.zeros(n_levels, np.int64)
    c_open = np.full(n_orders + 1, -1, np.int64)  # each chain's resting clip
    nc = 0
    nk = 0
    unknown = 0
    for i in range(len(ts)):
        k, o, t, q = kind[i], oid[i], ts[i], qty[i]
        if k == CLEAR:
            shown[:] = 0
            continue
        if k == LEVEL:
            if lvl[i] >= 0:
                shown[lvl[i]] = q
            continue
        if k == TRADE:
            L = lvl[i]
            if L < 0:
                continue
            _expire(pend, deadline, live, L, t)
            c = live[L]
            if c >= 0:
                ch.end[c] = t
            j = clus[L]
            if j < 0 or t - last_hidden[L] > gap_ns:
                j = nk
                nk += 1
                clus[L] = j
                cl.level[j] = L
                cl.start[j] = t
                cl.chain[j] = c
            cl.end[j] = t
            cl.prints[j] += 1
            cl.volume[j] += q
            cl.displayed[j] = max(cl.displayed[j], shown[L])
            last_hidden[L] = t
            continue
        if o < 0:
            continue
        if k == ADD:
            L = lvl[i]
            if rem[o] > 0:  # the id is re-added while resting: a replace
                shown[olvl[o]] -= rem[o]
            rem[o] = q
            orig[o] = q
            done[o] = 0
            olvl[o] = L
            oadd[o] = t
            shown[L] += q
            _expire(pend, deadline, live, L, t)
            best = -1
            for s in range(PENDING):
                c = pend[L, s]
                if c >= 0 and q <= ch.clip[c] * (1.0 + size_tol) and (
                        best < 0 or ch.clips[c] > ch.clips[pend[L, best]]):
                    best = s
            if best >= 0:
                c = pend[L, best]
                pend[L, best] = -1
                ochain[o] = c
                ch.clips[c] += 1
                c_open[c] = o
                ch.end[c] = t
                live[L] = c
            continue
        if olvl[o] < 0:
            unknown += 1
            continue
        L = olvl[o]
        c = ochain[o]
        if k == CANCEL or k == DELETE:
            x = rem[o] if k == DELETE else min(q, rem[o])
            rem[o] -= x
            shown[L] -= x
            if c >= 0 and c_open[c] == o:
                ch.rest[c] += x
                ch.end[c] = t
                if rem[o] == 0:
                    c_open[c] = -1
                    if live[L] == c:
                        live[L] = -1
            continue
        if k == EXECUTE:
            x = min(q, rem[o])
            rem[o] -= x
            done[o] += x
            shown[L] -= x
            if c >= 0:
                ch.visible[c] += x
                ch.beyond[c] += q - x
                ch.end[c] = t
            if rem[o] == 0 and x > 0:
                if c < 0:
                    c = nc
                    nc += 1
                    ochain[o] = c
                    ch.level[c] = L
                    ch.start[c] = oadd[o]
                    ch.clips[c] = 1
                    ch.clip[c] = orig[o]
                    ch.visible[c] = done[o]
                    ch.beyond[c] = q - x
                ch.end[c] = t
                c_open[c] = -1
                _expire(pend, deadline, live, L, t)
                slot = 0
                for s in range(PENDING):  # a free slot, else the one expiring first
                    if pend[L, s] < 0:
                        slot = s
                        break
                    if deadline[L, s] < deadline[L, slot]:
                        slot = s
                pend[L, slot] = c
                deadline[L, slot] = t + refill_ns
                if live[L] < 0 or ch.clips[c] >= ch.clips[live[L]]:
                    live[L] = c
    for c in range(nc):  # the clip still resting when the data end
        if c_open[c] >= 0:
            ch.rest[c] += rem[c_open[c]]
    return nc, nk, unknown, ochain
