"""core.calls: a kernel called through its address returns what a plain call would,
its exceptions reach the caller, and the caller does not link the callee."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from numba import types
from numba.core.errors import TypingError

from hftlab.core.calls import address_of, call_at, caller, key_of, type_key

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
