"""Compiled NASDAQ TotalView-ITCH 5.0 parser over byte chunks.

Framing: each message is preceded by a 2-byte big-endian length (the "BinaryFILE"
layout of NASDAQ's historical files). Every message starts with type (1 byte), stock
locate (2), tracking number (2), timestamp (6, ns since midnight), all big-endian.
Field offsets below are from the ITCH 5.0 specification. The parser keeps an order
table (open addressing, order reference -> side, price, shares, instrument) so that
executions, cancels, deletes and replaces carry side and price; it is carried from
chunk to chunk with the locate -> instrument map, and a partial message at the end of
a chunk is left for the next one.
"""

from __future__ import annotations

import numba as nb
import numpy as np

ADD, CANCEL, DELETE, EXECUTE, TRADE, STATUS = 1, 2, 3, 4, 5, 8

# message length (type byte included) by type; 0 = not an ITCH 5.0 message
MSG_LEN = np.zeros(256, dtype=np.int64)
for _t, _n in {"S": 12, "R": 39, "H": 25, "Y": 20, "L": 26, "V": 35, "W": 12, "K": 28,
               "J": 35, "h": 21, "A": 36, "F": 40, "E": 31, "C": 36, "X": 23, "D": 19,
               "U": 35, "P": 44, "Q": 40, "B": 19, "I": 50, "N": 20, "O": 48}.items():
    MSG_LEN[ord(_t)] = _n

# error codes
OK, UNKNOWN_TYPE, BAD_LENGTH, TIME_BACKWARDS, EMPTY_FRAME, TOO_MANY_SYMBOLS, BAD_FIELD = range(7)
# state slots
S_NINST, S_LIVE, S_LAST_TS, S_REC, S_UNKNOWN_ORDER, S_OVERFILL, S_NSYS, S_ZERO_CROSS = range(8)
S_SKIP_UNKNOWN, S_SKIP_LENGTH, S_SKIP_TIME, S_SKIP_EMPTY, S_SKIP_FIELD = 8, 9, 10, 11, 12
N_STATE = 13
UNSEEN, FILTERED = -2, -1
EMPTY_KEY = np.int64(0)


@nb.njit(cache=True, inline="always")
def _u16(b, p):
    return (np.int64(b[p]) << 8) | np.int64(b[p + 1])


@nb.njit(cache=True, inline="always")
def _u32(b, p):
    return (np.int64(b[p]) << 24) | (np.int64(b[p + 1]) << 16) | (np.int64(b[p + 2]) << 8) \
        | np.int64(b[p + 3])


@nb.njit(cache=True, inline="always")
def _u48(b, p):
    return (_u16(b, p) << 32) | _u32(b, p + 2)


@nb.njit(cache=True, inline="always")
def _u64(b, p):
    return (_u32(b, p) << 32) | _u32(b, p + 4)


@nb.njit(cache=True, inline="always")
def _home(key, mask):
    """Home slot of an order reference. NASDAQ assigns references in increasing order
    through the day, so the low bits place orders of the same moment in neighbouring
    slots (cache-friendly); the folded high bits spread references a table-size apart."""
    return (key ^ (key >> 24)) & mask


# order table: one row per slot, [key (order reference + 1; 0 = empty), price, shares,
# side, instrument], so a probe touches one cache line
KEY, PRICE, SHARES, SIDE, INST = 0, 1, 2, 3, 4
ROW = 5


@nb.njit(cache=True)
def _find(tab, key, mask):
    """Slot of key, or -1."""
    i = _home(key, mask)
    while True:
        k = tab[i, KEY]
        if k == key:
            return i
        if k == EMPTY_KEY:
            return -1
        i = (i + 1) & mask


@nb.njit(cache=True)
def _insert(tab, key, price, qty, side, inst, mask):
    """Insert or overwrite; returns 1 when a new key was added."""
    i = _home(key, mask)
    while True:
        k = tab[i, KEY]
        if k == EMPTY_KEY or k == key:
            tab[i, KEY] = key
            tab[i, PRICE] = price
            tab[i, SHARES] = qty
            tab[i, SIDE] = side
            tab[i, INST] = inst
            return 1 if k == EMPTY_KEY else 0
        i = (i + 1) & mask


@nb.njit(cache=True)
def _remove(tab, i, mask):
    """Delete slot i with backward-shift deletion (no tombstones)."""
    j = i
    while True:
        j = (j + 1) & mask
        k = tab[j, KEY]
        if k == EMPTY_KEY:
            break
        h = _home(k, mask)
        if i <= j:
            if i < h <= j:
                continue
        elif i < h or h <= j:
            continue
        for c in range(ROW):
            tab[i, c] = tab[j, c]
        i = j
    tab[i, KEY] = EMPTY_KEY


@nb.njit(cache=True)
def rehash(tab, new_cap):
    """A table of new_cap slots (a power of two) holding the same orders."""
    new = np.zeros((new_cap, ROW), dtype=np.int64)
    mask = new_cap - 1
    for i in range(tab.shape[0]):
        if tab[i, KEY] != EMPTY_KEY:
            _insert(new, tab[i, KEY], tab[i, PRICE], tab[i, SHARES], tab[i, SIDE], tab[i, INST],
                    mask)
    return new


@nb.njit(cache=True)
def _instrument(loc, syms, want, state, locate, code):
    """Instrument index of a stock locate, registering it (if wanted) on first sight."""
    s = loc[locate]
    if s != UNSEEN:
        return s
    keep = True
    if len(want) > 0:
        j = np.searchsorted(want, code)
        keep = j < len(want) and want[j] == code
    if not keep:
        loc[locate] = FILTERED
        return FILTERED
    n = state[S_NINST]
    if n >= len(syms):
        return -3
    syms[n] = code
    loc[locate] = n
    state[S_NINST] = n + 1
    return n


@nb.njit(cache=True, inline="always")
def _emit(out, recs, k, ts, kind, side, px, qty, oid, inst, rec):
    out[k].ts = ts
    out[k].ts_local = 0
    out[k].venue = 0
    out[k].instrument = inst
    out[k].kind = kind
    out[k].side = side
    out[k].price = px
    out[k].qty = qty
    out[k].order_id = oid
    recs[k] = rec


@nb.njit(cache=True)
def parse_chunk(buf, base_offset, day_ns, skip_bad, loc, syms, want, tab, state,
                counts, out, recs, k0, sys_rec, sys_ts, sys_code):
    """Parse the whole messages of buf; return (k, consumed, err, err_offset, info).

    Events are written to out (EVENT_DTYPE; ts ns UTC = day_ns + ITCH time) and their
    message numbers to recs, from row k0 to row k; system events go to sys_*; counts[type]
    counts messages. err != 0 stops the parse at err_offset (absolute byte offset of the
    frame); info is the message type or length concerned.
    """
    n = len(buf)
    mask = tab.shape[0] - 1
    pos = 0
    k = k0
    while pos + 2 <= n:
        ln = _u16(buf, pos)
        if pos + 2 + ln > n:
            break
        state[S_REC] += 1  # every frame is a message of the file, skipped or not
        rec = state[S_REC]
        if ln == 0:
            if skip_bad:
                state[S_SKIP_EMPTY] += 1
                pos += 2
                continue
            return k, pos, EMPTY_FRAME, base_offset + pos, 0
        p = pos + 2
        t = buf[p]
        want_len = MSG_LEN[t]
        if want_len == 0:
            if skip_bad:
                state[S_SKIP_UNKNOWN] += 1
                pos += 2 + ln
                continue
            return k, pos, UNKNOWN_TYPE, base_offset + pos, t
        if ln != want_len:
            if skip_bad:
                state[S_SKIP_LENGTH] += 1
                pos += 2 + ln
                continue
            return k, pos, BAD_LENGTH, base_offset + pos, ln
        ts = day_ns + _u48(buf, p + 5)
        if ts < state[S_LAST_TS]:
            if skip_bad:
                state[S_SKIP_TIME] += 1
                pos += 2 + ln
                continue
            return k, pos, TIME_BACKWARDS, base_offset + pos, t
        state[S_LAST_TS] = ts
        counts[t] += 1
        locate = _u16(buf, p + 1)
        pos += 2 + ln
        if t == 65 or t == 70:  # A, F: add order
            inst = _instrument(loc, syms, want, state, locate, _u64(buf, p + 24))
            if inst == -3:
                return k, pos - 2 - ln, TOO_MANY_SYMBOLS, base_offset + pos - 2 - ln, t
            if inst < 0:
                continue
            ref = _u64(buf, p + 11)
            side = 1 if buf[p + 19] == 66 else -1
            qty = _u32(buf, p + 20)
            px = _u32(buf, p + 32)
            if (buf[p + 19] != 66 and buf[p + 19] != 83) or qty <= 0 or px <= 0:
                if skip_bad:
                    state[S_SKIP_FIELD] += 1
                    continue
                return k, pos - 2 - ln, BAD_FIELD, base_offset + pos - 2 - ln, t
            state[S_LIVE] += _insert(tab, ref + 1, px, qty, side, inst, mask)
            _emit(out, recs, k, ts, ADD, side, px, qty, ref, inst, rec)
            k += 1
        elif t == 69 or t == 67 or t == 88 or t == 68 or t == 85:  # E, C, X, D, U
            ref = _u64(buf, p + 11)
            i = _find(tab, ref + 1, mask)
            if i < 0:
                if loc[locate] != FILTERED:
                    state[S_UNKNOWN_ORDER] += 1
                continue
            px = tab[i, PRICE]
            left = tab[i, SHARES]
            side = tab[i, SIDE]
            inst = tab[i, INST]
            if t == 68 or t == 85:  # D, U: the whole remainder leaves
                q = left
                kind = DELETE
            else:
                q = _u32(buf, p + 19)
                kind = CANCEL if t == 88 else EXECUTE
                if q <= 0:
                    if skip_bad:
                        state[S_SKIP_FIELD] += 1
                        continue
                    return k, pos - 2 - ln, BAD_FIELD, base_offset + pos - 2 - ln, t
                if q > left:
                    state[S_OVERFILL] += 1
                    q = left
            _emit(out, recs, k, ts, kind, side, px, q, ref, inst, rec)
            k += 1
            if left - q <= 0:
                _remove(tab, i, mask)
                state[S_LIVE] -= 1
            else:
                tab[i, SHARES] = left - q
            if t == 85:  # U: the new order takes the old one's side and instrument
                new_ref = _u64(buf, p + 19)
                q = _u32(buf, p + 27)
                px = _u32(buf, p + 31)
                if q <= 0 or px <= 0:  # the old order is gone; the new one is not valid
                    if skip_bad:
                        state[S_SKIP_FIELD] += 1
                        continue
                    return k, pos - 2 - ln, BAD_FIELD, base_offset + pos - 2 - ln, t
                state[S_LIVE] += _insert(tab, new_ref + 1, px, q, side, inst, mask)
                _emit(out, recs, k, ts, ADD, side, px, q, new_ref, inst, rec)
                k += 1
        elif t == 80 or t == 81:  # P (non-cross trade), Q (cross trade)
            if t == 80:
                inst = _instrument(loc, syms, want, state, locate, _u64(buf, p + 24))
                # the Buy/Sell field names the hidden order's side, but NASDAQ has sent
                # 'B' for every P message since 2014, so the aggressor is unknown
                side = 0
                if buf[p + 19] != 66 and buf[p + 19] != 83:
                    if skip_bad:
                        state[S_SKIP_FIELD] += 1
                        continue
                    return k, pos - 2 - ln, BAD_FIELD, base_offset + pos - 2 - ln, t
                q = _u32(buf, p + 20)
                px = _u32(buf, p + 32)
            else:
                inst = _instrument(loc, syms, want, state, locate, _u64(buf, p + 19))
                side = 0
                q = _u64(buf, p + 11)
                px = _u32(buf, p + 27)
            if inst == -3:
                return k, pos - 2 - ln, TOO_MANY_SYMBOLS, base_offset + pos - 2 - ln, t
            if inst < 0:
                continue
            if q <= 0 or px <= 0:
                state[S_ZERO_CROSS] += 1
                continue
            _emit(out, recs, k, ts, TRADE, side, px, q, 0, inst, rec)
            k += 1
        elif t == 82:  # R: stock directory
            inst = _instrument(loc, syms, want, state, locate, _u64(buf, p + 11))
            if inst == -3:
                return k, pos - 2 - ln, TOO_MANY_SYMBOLS, base_offset + pos - 2 - ln, t
        elif t == 72:  # H: trading action
            inst = _instrument(loc, syms, want, state, locate, _u64(buf, p + 11))
            if inst == -3:
                return k, pos - 2 - ln, TOO_MANY_SYMBOLS, base_offset + pos - 2 - ln, t
            if inst < 0:
                continue
            trading = 1 if buf[p + 19] == 84 else 0  # 'T' trading; H, P, Q: not trading
            _emit(out, recs, k, ts, STATUS, 0, 0, trading, 0, inst, rec)
            k += 1
        elif t == 83:  # S: system event
            j = state[S_NSYS]
            if j < len(sys_rec):
                sys_rec[j] = rec
                sys_ts[j] = ts
                sys_code[j] = buf[p + 11]
            state[S_NSYS] = j + 1
    return k, pos, OK, base_offset + pos, 0


@nb.njit(cache=True)
def sub_penny_counts(out, n, n_inst):
    """Per instrument, how many of the first n events have a price off the whole cent."""
    c = np.zeros(n_inst, dtype=np.int64)
    for i in range(n):
        if out[i].price % 100 != 0:
            c[out[i].instrument] += 1
    return c


@nb.njit(cache=True)
def rescale_prices(out, n, scale):
    """Divide the first n events' prices by their instrument's scale (in place); returns
    the row of the first price that is not a multiple of its scale (-1 if none)."""
    for i in range(n):
        s = scale[out[i].instrument]
        if s != 1:
            if out[i].price % s != 0:
                return i
            out[i].price = out[i].price // s
    return -1
