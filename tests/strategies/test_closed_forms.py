"""The closed forms pinned to values computed by hand (ln 2 = 0.6931471805599453)."""

import math

import pytest

from hftlab.instruments import ConfigError
from hftlab.strategies import avellaneda_stoikov_quotes, glft_quotes

LN2 = 0.6931471805599453


def test_avellaneda_stoikov_by_hand():
    # gamma sigma^2 (T - t) = 1 * 0.25 * 2 = 0.5; r = 100 - 1 * 0.5 = 99.5
    # spread = 0.5 + (2/1) ln(1 + 1/1) = 0.5 + 2 ln 2; half = 0.25 + ln 2
    bid, ask = avellaneda_stoikov_quotes(100.0, 1, gamma=1.0, sigma=0.5, k=1.0, time_left=2.0)
    assert bid == pytest.approx(99.5 - 0.25 - LN2, abs=1e-12)  # 98.5568528194...
    assert ask == pytest.approx(99.5 + 0.25 + LN2, abs=1e-12)  # 100.4431471805...
    assert ask - bid == pytest.approx(0.5 + 2 * LN2, abs=1e-12)


def test_avellaneda_stoikov_at_the_horizon_has_no_inventory_term():
    # T - t = 0: r = s whatever q; spread = (2/gamma) ln(1 + gamma/k) = 2 ln 2
    bid, ask = avellaneda_stoikov_quotes(100.0, 3, gamma=1.0, sigma=0.5, k=1.0, time_left=0.0)
    assert (bid, ask) == pytest.approx((100 - LN2, 100 + LN2), abs=1e-12)


def test_avellaneda_stoikov_in_currency_example():
    # gamma 0.1, sigma 2, k 1.5, T - t = 1, q = -2 (short raises both quotes):
    # r = 100 + 2 * 0.1 * 4 = 100.8; half = 0.2 + ln(1 + 0.1/1.5) / 0.1
    #      ln(16/15) = 0.0645385211375712 -> half = 0.8453852113757118
    bid, ask = avellaneda_stoikov_quotes(100.0, -2, 0.1, 2.0, 1.5, 1.0)
    assert bid == pytest.approx(100.8 - 0.8453852113757118, abs=1e-12)
    assert ask == pytest.approx(100.8 + 0.8453852113757118, abs=1e-12)


def test_glft_2013_model_by_hand():
    # gamma = xi = 1, k = 1, delta = 1, sigma = 1, A = 2:
    # c1 = ln(1 + 1) / 1 = ln 2; c2 = sqrt(1 / (2 * 2 * 1 * 1) * 2^(1 + 1)) = 1
    # q = 0: bid = 100 - (ln 2 + 1/2), ask = 100 + (ln 2 + 1/2)
    bid, ask = glft_quotes(100.0, 0, sigma=1.0, gamma=1.0, A=2.0, k=1.0)
    assert (bid, ask) == pytest.approx((100 - LN2 - 0.5, 100 + LN2 + 0.5), abs=1e-12)
    # q = 2: delta_bid = ln 2 + (4 + 1)/2 = ln 2 + 2.5; delta_ask = ln 2 - (4 - 1)/2 = ln 2 - 1.5
    bid, ask = glft_quotes(100.0, 2, sigma=1.0, gamma=1.0, A=2.0, k=1.0)
    assert bid == pytest.approx(100 - LN2 - 2.5, abs=1e-12)  # 96.8068528194...
    assert ask == pytest.approx(100 + LN2 - 1.5, abs=1e-12)  # 99.1931471805...
    assert glft_quotes(100.0, 2, 1.0, 1.0, 2.0, 1.0, xi=1.0) == (bid, ask)  # xi defaults to gamma


def test_glft_general_form_with_order_size():
    # gamma = xi = 0.5, delta = 2, k = 1: xi delta / k = 1 -> c1 = ln 2 / (0.5 * 2) = ln 2;
    # power 2^(1 + 1) = 4; c2 = sqrt(0.5 * 1 / (2 * 0.5 * 2 * 1) * 4) = 1
    # q = 0: delta_bid = ln 2 + (0 + 2)/2 = ln 2 + 1, delta_ask = ln 2 - (0 - 2)/2 = ln 2 + 1
    bid, ask = glft_quotes(100.0, 0, sigma=1.0, gamma=0.5, A=0.5, k=1.0, delta=2.0)
    assert (bid, ask) == pytest.approx((99 - LN2, 101 + LN2), abs=1e-12)


def test_glft_xi_zero_limit_by_hand():
    # xi = 0: c1 = 1/k = 1; c2 = sqrt(gamma sigma^2 e / (2 A delta k)) with gamma = 2, A = e -> 1
    # q = 1: delta_bid = 1 + 3/2 = 2.5, delta_ask = 1 - 1/2 = 0.5
    bid, ask = glft_quotes(100.0, 1, sigma=1.0, gamma=2.0, A=math.e, k=1.0, xi=0.0)
    assert (bid, ask) == pytest.approx((97.5, 100.5), abs=1e-12)
    near = glft_quotes(100.0, 1, sigma=1.0, gamma=2.0, A=math.e, k=1.0, xi=1e-7)
    assert near == pytest.approx((97.5, 100.5), abs=1e-6)  # continuous at the limit


def test_long_inventory_lowers_both_quotes_and_keeps_the_spread():
    for q in (-3, 0, 3):
        b0, a0 = glft_quotes(50.0, q, 0.3, 0.2, 3.0, 2.0)
        b1, a1 = glft_quotes(50.0, q + 1, 0.3, 0.2, 3.0, 2.0)
        assert b1 < b0 and a1 < a0 and a1 - b1 == pytest.approx(a0 - b0)
        c0 = avellaneda_stoikov_quotes(50.0, q, 0.2, 0.3, 2.0, 10.0)
        c1 = avellaneda_stoikov_quotes(50.0, q + 1, 0.2, 0.3, 2.0, 10.0)
        assert c1[0] < c0[0] and c1[1] < c0[1]


@pytest.mark.parametrize("call, field", [
    (lambda: avellaneda_stoikov_quotes(100, 0, 0.0, 1, 1, 1), "gamma"),
    (lambda: avellaneda_stoikov_quotes(100, 0, 0.1, 1, -1, 1), "k"),
    (lambda: avellaneda_stoikov_quotes(100, 0, 0.1, 1, 1, -0.5), "time_left"),
    (lambda: avellaneda_stoikov_quotes(100, 0, 0.1, float("nan"), 1, 1), "sigma"),
    (lambda: glft_quotes(100, 0, 1, 0.1, 0.0, 1), "A"),
    (lambda: glft_quotes(100, 0, 1, 0.1, 1, 1, delta=0), "delta"),
    (lambda: glft_quotes(100, 0, 1, 0.1, 1, 1, xi=-1), "xi"),
])
def test_bad_parameters_name_the_field(call, field):
    with pytest.raises(ConfigError, match=f"^{field} must be"):
        call()
