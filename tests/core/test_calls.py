"""core.calls: a kernel called through its address returns what a plain call would,
its exceptions reach the caller, and the caller does not link the callee; an Entry
calls the version compiled for its arguments' own types, whatever they are."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from numba import types
from numba.core.errors import TypingError

from collections import namedtuple

from hftlab.core.calls import Entry, address_of, call_at, caller, key_of, type_key

SIG = types.int64(types.float64[:], types.int64)


@nb.njit(SIG, _nrt=False, no_cpython_wrapper=True)
def _callee(a, k):
    if k < 0:
        raise ValueError("k must not be negative")
    a[0] += k
    return 2 * k


AT = address_of(_callee, SIG)
_call = caller(SIG)


@nb.njit
def _through_caller(at, a, k):
    return _call(at, (a, k))


@nb.njit
def _through_call_at(at, a, k):
    return call_at(at, (a, k))


@nb.njit
def _key(a, k):
    return key_of((a, k))


def test_caller_converts_and_returns():
    a = np.zeros(3)
    assert _through_caller(AT, a, 5) == 10  # a C-contiguous array passed as float64[:]
    assert a[0] == 5.0


def test_exceptions_propagate():
    with pytest.raises(ValueError, match="must not be negative"):
        _through_caller(AT, np.zeros(1), -1)


def test_caller_refuses_other_types():
    with pytest.raises(TypingError):
        _through_caller(AT, np.zeros(1, np.int64), 1)


def test_call_at_exact_types_and_key():
    a = np.zeros(2)
    sig = types.int64(nb.typeof(a), types.int64)  # a C-contiguous array: a lazy callee's
    lazy = nb.njit(_nrt=False, no_cpython_wrapper=True)(_callee.py_func)
    assert _through_call_at(address_of(lazy, sig), a, 3) == 6
    assert _key(a, 3) == type_key(sig.args)
    assert _key(a, 3) != type_key((types.float32[:], types.int64))


def test_caller_does_not_link_the_callee():
    sig = _through_caller.signatures[0]
    assert "_callee" not in _through_caller.inspect_llvm(sig)


_Pair = namedtuple("_Pair", "a b")
_REC = np.dtype([("x", np.int64), ("y", np.float64)], align=True)


@nb.njit
def _describe(t, r):
    """A result that a version compiled for another layout or dtype would get wrong."""
    a = t.a
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s + t.b.shape[0] + r["y"]


def test_an_entry_types_each_kind_of_argument_once_and_calls_its_version():
    entry = Entry(_describe)
    base = np.arange(10.0)
    rec = np.zeros(1, _REC)[0]
    rec["y"] = 0.5
    recs = np.zeros(3, _REC)
    cases = [
        (_Pair(base, recs), rec),
        (_Pair(base[::2], recs), rec),  # strided: another layout
        (_Pair(base.astype(np.float32), recs), rec),  # another dtype
        (_Pair(base, np.zeros(3, np.dtype([("x", np.int64)]))), rec),  # another record
        ((base, recs), rec),  # a plain tuple, not the named one
    ]
    ro = base.copy()
    ro.flags.writeable = False
    cases.append((_Pair(ro, recs), rec))
    for t, r in cases:
        if isinstance(t, _Pair):
            assert entry.resolve(t, r)(t, r) == _describe.py_func(t, r)
        else:
            with pytest.raises(AttributeError):  # no field .a: its own typing, its error
                _describe.py_func(t, r)
            with pytest.raises(TypingError):
                entry.resolve(t, r)
    assert len(entry.compiled) == 5 and len(_describe.overloads) == 5
    other = (_Pair(np.arange(4.0), np.zeros(7, _REC)), rec)  # same kinds, other sizes
    assert entry.resolve(*other) is entry.resolve(*cases[0])
    assert entry.resolve(*other)(*other) == 6.0 + 7 + 0.5
    assert len(entry.compiled) == 5
