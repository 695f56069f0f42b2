"""Compiled parser for numeric CSV files with a fixed number of columns (LOBSTER).

Each field is an optionally signed decimal number; column c is returned as an exact
int64 scaled by 10**decimals[c] (so "34200.017459617" with 9 decimals becomes ns).
No float is involved, so no rounding. Bad lines are reported by line number, column
and byte offset, and either stop the parse or are skipped and counted.
"""

from __future__ import annotations

import numba as nb
import numpy as np

OK = 0
BAD_CHAR = 1  # a character that cannot be part of a number
TOO_FEW = 2  # the line ends before the last column
TOO_MANY = 3  # more fields than columns
TOO_PRECISE = 4  # more significant decimals than the column allows
EMPTY = 5  # an empty field
OVERFLOW = 6  # the number does not fit in int64

MESSAGES = {
    BAD_CHAR: "a character that is not part of a number",
    TOO_FEW: "too few fields",
    TOO_MANY: "too many fields",
    TOO_PRECISE: "more decimals than the format allows",
    EMPTY: "an empty field",
    OVERFLOW: "a number too large for int64",
}

COMMA, DOT, MINUS, PLUS, CR, LF = 44, 46, 45, 43, 13, 10


@nb.njit(cache=True)
def count_lines(buf):
    """Number of lines in buf (a last line without newline counts)."""
    n = 0
    for i in range(len(buf)):
        if buf[i] == LF:
            n += 1
    if len(buf) > 0 and buf[len(buf) - 1] != LF:
        n += 1
    return n


@nb.njit(cache=True)
def parse_numeric_csv(buf, decimals, first_line, skip_bad):
    """Parse buf (uint8) into (values[n, ncols] int64, line[n] int64, bad) arrays.

    first_line is the line number of buf's first line (1-based). Blank lines are ignored.
    bad = [n_bad, first_bad_line, first_bad_code, first_bad_col, first_bad_offset]; when
    skip_bad is False the parse stops at the first bad line (n_bad = 1).
    """
    ncols = len(decimals)
    cap = count_lines(buf)
    vals = np.zeros((cap, ncols), dtype=np.int64)
    lines = np.zeros(cap, dtype=np.int64)
    bad = np.zeros(5, dtype=np.int64)
    n = len(buf)
    pos = 0
    line = first_line
    row = 0
    limit = np.int64(922337203685477580)  # (2**63 - 1) // 10
    while pos < n:
        start = pos
        end = pos
        while end < n and buf[end] != LF:
            end += 1
        stop = end
        if stop > start and buf[stop - 1] == CR:
            stop -= 1
        if stop == start:  # blank line
            pos = end + 1
            line += 1
            continue
        code = OK
        col = 0
        p = start
        err_at = start
        while col < ncols:
            neg = False
            if p < stop and (buf[p] == MINUS or buf[p] == PLUS):
                neg = buf[p] == MINUS
                p += 1
            v = np.int64(0)
            nd = 0
            frac = 0
            seen_dot = False
            while p < stop and buf[p] != COMMA:
                c = buf[p]
                if c == DOT and not seen_dot:
                    seen_dot = True
                elif 48 <= c <= 57:
                    d = c - 48
                    if seen_dot:
                        if frac >= decimals[col]:
                            if d != 0:
                                code = TOO_PRECISE
                                break
                            p += 1
                            continue
                        frac += 1
                    if v > limit:
                        code = OVERFLOW
                        break
                    v = v * 10 + d
                    nd += 1
                else:
                    code = BAD_CHAR
                    break
                p += 1
            if code != OK:
                err_at = p
                break
            if nd == 0:
                code = EMPTY
                err_at = p
                break
            for _ in range(decimals[col] - frac):
                if v > limit:
                    code = OVERFLOW
                    break
                v *= 10
            if code != OK:
                err_at = p
                break
            vals[row, col] = -v if neg else v
            col += 1
            if col < ncols:
                if p >= stop:
                    code = TOO_FEW
                    err_at = p
                    break
                p += 1  # the comma
            elif p < stop:
                code = TOO_MANY
                err_at = p
                break
        if code == OK:
            lines[row] = line
            row += 1
        else:
            if bad[0] == 0:
                bad[1] = line
                bad[2] = code
                bad[3] = col
                bad[4] = err_at
            bad[0] += 1
            if not skip_bad:
                break
        pos = end + 1
        line += 1
    return vals[:row], lines[:row], bad
