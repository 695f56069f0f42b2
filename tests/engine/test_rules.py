"""Unit tests of the shared venue order rules (hftlab.core.rules_nb)."""

from hftlab.core import rules_nb as r
from hftlab.schema import OrderStatus, Reason, TimeInForce


def test_reaches_and_would_cross():
    assert r.reaches(1, 101, 101) and r.reaches(1, 101, 100) and not r.reaches(1, 101, 102)
    assert r.reaches(-1, 101, 101) and r.reaches(-1, 101, 102) and not r.reaches(-1, 101, 100)
    assert r.would_cross(1, False, 101, True, 101)
    assert not r.would_cross(1, False, 100, True, 101)
    assert not r.would_cross(1, True, 0, False, 0)  # market into an empty side
    assert r.would_cross(-1, True, 0, True, 50)


def test_post_only_fok_and_rest():
    assert r.post_only_reject(True, False) and r.post_only_reject(False, True)
    assert not r.post_only_reject(False, False)
    assert r.fok_can_fill(5, 5) and not r.fok_can_fill(4, 5)
    assert r.can_rest(False, TimeInForce.GTC) and r.can_rest(False, TimeInForce.POST_ONLY)
    assert not r.can_rest(False, TimeInForce.IOC) and not r.can_rest(False, TimeInForce.FOK)
    assert not r.can_rest(True, TimeInForce.GTC)


def test_stp_modes():
    assert r.stp_action(r.STP_CANCEL_NEWEST) == (False, True)
    assert r.stp_action(r.STP_CANCEL_OLDEST) == (True, False)
    assert r.stp_action(r.STP_CANCEL_BOTH) == (True, True)
    assert r.fok_skips_own(r.STP_CANCEL_OLDEST) and not r.fok_skips_own(r.STP_CANCEL_NEWEST)


def test_remainder_outcome_uses_schema_codes():
    assert r.remainder_outcome(0, 5, False, False) == (OrderStatus.FILLED, Reason.NONE)
    assert r.remainder_outcome(2, 3, True, True) == (OrderStatus.CANCELLED, Reason.SELF_TRADE)
    assert r.remainder_outcome(2, 0, False, True) == (OrderStatus.ACCEPTED, Reason.NONE)
    assert r.remainder_outcome(2, 1, False, True) == (OrderStatus.PARTIALLY_FILLED, Reason.NONE)
    assert r.remainder_outcome(2, 0, False, False) == (OrderStatus.EXPIRED, Reason.NO_LIQUIDITY)
    assert r.remainder_outcome(2, 1, False, False) == (OrderStatus.EXPIRED, Reason.NONE)


def test_modify_priority():
    assert r.modify_keeps_priority(100, 5, 100, 3)
    assert r.modify_keeps_priority(100, 5, 100, 5)
    assert not r.modify_keeps_priority(100, 5, 100, 6)
    assert not r.modify_keeps_priority(100, 5, 101, 3)
