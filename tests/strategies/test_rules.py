"""The compiled quote rules, called directly: signs, sizes, horizons, tiers, validation."""

import math

import numpy as np
import pytest

from hftlab.instruments import ConfigError
from hftlab.schema import Kind
from hftlab.strategies import GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware
from hftlab.strategies import avellaneda_stoikov_nb as as_nb
from hftlab.strategies import glft_nb, inventory_skew_nb, quoting_nb, static_nb, toxicity_nb
from hftlab.strategies.makers_nb import start_rule

T0 = 1_700_000_000_000_000_000
EX, TR = int(Kind.EXECUTE), int(Kind.TRADE)
SEC = 1_000_000_000


def started(strat, now=T0):
    """The maker's params and state records and its ring, after its rule's start."""
    p, st, ring = strat.params()[0], strat.initial_state()[0], np.zeros(strat.n_ring)
    start_rule(p, st, ring, now)
    return p, st, ring


def test_inventory_skew_long_lowers_both_quotes_by_skew_times_fill_of_capacity():
    # book 98 / 103, mid 100.5; long 5: r = 100.5 - 4 * 5 / 10 = 98.5;
    # quotes floor(97.5) = 97, ceil(99.5) = 100; the bid (growing the long) tapers to
    # ceil(4 * (1 - 5/10)) = 2 lots
    assert inventory_skew_nb.skew_quotes(98, 103, 5, 1.0, 4.0, 10, 4) == (97, 100, 2, 4)
    # flat: 99.5 -> 99, 101.5 -> 102
    assert inventory_skew_nb.skew_quotes(98, 103, 0, 1.0, 4.0, 10, 4) == (99, 102, 4, 4)
    # short 5: both up by 2 ticks: r = 102.5 -> 101, 104; the ask tapers to 2
    assert inventory_skew_nb.skew_quotes(98, 103, -5, 1.0, 4.0, 10, 4) == (101, 104, 4, 2)
    # never cross the opposite best: very long -> the ask is held at best bid + 1
    assert inventory_skew_nb.skew_quotes(100, 101, 10, 1.0, 40.0, 10, 4)[1] == 101


def test_sizes_taper_near_capacity_and_never_pass_it():
    assert quoting_nb.tapered_sizes(4, 0, 10) == (4, 4)
    assert quoting_nb.tapered_sizes(4, 8, 10) == (1, 4)  # ceil(4 * 0.2) = 1 and 10 - 8 = 2
    assert quoting_nb.tapered_sizes(4, 10, 10) == (0, 4)
    assert quoting_nb.tapered_sizes(4, -9, 10) == (4, 1)
    assert quoting_nb.hard_sizes(4, 8, 10) == (2, 4)  # Static: no taper, only the limit


def test_static_is_symmetric_whatever_the_inventory():
    p, st, _ = started(Static(half_spread=2, qty=3, capacity=10))
    assert static_nb.static_quotes(p, st, T0, 100, 102, 0) == (99, 103, 3, 3)
    assert static_nb.static_quotes(p, st, T0, 100, 102, 9) == (99, 103, 1, 3)


def test_avellaneda_stoikov_finite_horizon_fades_and_rolling_does_not():
    fin = AvellanedaStoikov(gamma=1.0, sigma=0.5, k=1.0, horizon_s=2.0, rolling=False)
    p, st, _ = started(fin)
    assert as_nb.time_left(p, st, T0 + SEC // 2) == 1.5
    assert as_nb.time_left(p, st, T0 + 5 * SEC) == 0.0
    # at t = 0: time left 2 -> quotes 98.5568.. / 100.4431.. (test_closed_forms) on mid 100
    assert as_nb.avellaneda_stoikov_rule(p, st, T0, 99, 101, 1)[:2] == (98, 101)
    p, st, _ = started(AvellanedaStoikov(gamma=1.0, sigma=0.5, k=1.0, horizon_s=2.0,
                                         rolling=True))
    assert as_nb.time_left(p, st, T0 + 5 * SEC) == 2.0


def test_sigma_estimate_follows_the_mid():
    p, st, _ = started(AvellanedaStoikov(sigma=1.0, sigma_halflife_s=1.0))
    assert quoting_nb.observe_mid(p, st, 100.0, T0) == 1.0  # first mid: the prior
    # 1 s later the mid moved 3 ticks: var = 1 + (1 - 2^-1) (9 - 1) = 5
    assert quoting_nb.observe_mid(p, st, 103.0, T0 + SEC) == pytest.approx(math.sqrt(5.0))
    p, st, _ = started(AvellanedaStoikov(sigma=1.5, sigma_halflife_s=0.0))
    quoting_nb.observe_mid(p, st, 100.0, T0)
    assert quoting_nb.observe_mid(p, st, 110.0, T0 + SEC) == 1.5  # fixed


def test_glft_counts_trades_by_distance_and_refits():
    g = GLFT(gamma=0.1, A=2.0, k=1.0, bin_ticks=0.5, min_trades=10, fit_halflife_s=1e6)
    p, st, _ = started(g)
    glft_nb.glft_trade(p, st, T0, 101, 5, 1, EX)  # no requote yet: no reference mid, not counted
    assert st["hist"].sum() == 0
    glft_nb.glft_rule(p, st, T0, 100, 101, 0)  # reference mid 100.5
    rng = np.random.default_rng(0)
    for i, d in enumerate(rng.exponential(1 / 1.5, 4_000)):  # 4000 in 10 s: A = 400 / s, k = 1.5
        glft_nb.glft_trade(p, st, T0 + i, 100.5 + d, 1, 1, EX)
    glft_nb.glft_trade(p, st, T0 + i, 100.5 + d, 1, 1, TR)  # its TRADE print too: counted once
    glft_nb.glft_rule(p, st, T0 + 10 * SEC, 100, 101, 0)
    assert st["fits"] == 1
    assert st["A"] == pytest.approx(400, rel=0.1)
    assert st["k"] == pytest.approx(1.5, rel=0.1)


def test_a_print_reported_twice_counts_once():
    _, st, _ = started(Static())
    last = st["last_print"]
    assert quoting_nb.fresh_print(last, T0 + 5, 100, 3, 1, EX)
    assert not quoting_nb.fresh_print(last, T0 + 5, 100, 3, 1, TR)  # EXECUTE then TRADE of one fill
    assert quoting_nb.fresh_print(last, T0 + 5, 100, 3, 1, EX)  # a second order of the same size
    assert quoting_nb.fresh_print(last, T0 + 5, 100, 4, 1, TR)
    assert quoting_nb.fresh_print(last, T0 + 5, 100, 4, 1, TR)  # two prints alike: two trades
    assert quoting_nb.fresh_print(last, T0 + 6, 100, 4, 1, EX)
    assert st["last_print"]["ts"] == T0 + 6  # the record's own fields, exact ns


def test_vpin_buckets_split_prints_exactly_and_tiers_follow():
    t = ToxicityAware(half_spread=1, skew=0, qty=4, capacity=20, bucket_volume=10, window=2)
    p, st, ring = started(t)
    toxicity_nb.vpin_trade(p, st, ring, 15, 1)  # bucket 1: 10 buys -> |10 - 0| / 10 = 1
    assert st["done"] == 1 and st["vpin"] == 1.0
    toxicity_nb.vpin_trade(p, st, ring, 5, -1)  # bucket 2: 5 buys + 5 sells -> 0; VPIN (1 + 0) / 2
    assert st["vpin"] == 0.5
    toxicity_nb.vpin_trade(p, st, ring, 10, 0)  # bucket 3: unsigned, half each -> 0; window 2
    assert st["vpin"] == 0.0 and ring.tolist() == [0.0, 0.0]
    rule = toxicity_nb.toxicity_rule
    cases = [(0.3, (99, 102, 4, 4)), (0.6, (98, 103, 2, 2)), (0.8, (96, 105, 1, 1)),
             (0.95, (96, 105, 0, 0))]
    for v, want in cases:  # mid 100.5, half 1 x (1, 2, 4): tight, medium, wide, withdraw
        st["score"] = v
        assert rule(p, st, T0, 100, 101, 0, 100) == want
    thin = ToxicityAware(half_spread=1, skew=0, qty=4, depth_ref=200, depth_coef=1.0)
    p2, st2, _ = started(thin)
    # depth 100 of 200 wanted: thin = 1 -> half 2 -> 98.5, 102.5 -> 98, 103
    assert rule(p2, st2, T0, 100, 101, 0, 100)[:2] == (98, 103)


def test_cdf_score_is_the_lognormal_cdf_of_the_vpin_history():
    t = ToxicityAware(bucket_volume=10, window=1, score="cdf", qty=1)
    p, st, ring = started(t)
    toxicity_nb.vpin_trade(p, st, ring, 6, 1)
    toxicity_nb.vpin_trade(p, st, ring, 4, -1)  # VPIN 0.2: one value, no spread yet -> 0
    assert st["vpin"] == pytest.approx(0.2) and st["score"] == 0.0
    toxicity_nb.vpin_trade(p, st, ring, 7, 1)
    toxicity_nb.vpin_trade(p, st, ring, 3, -1)  # VPIN 0.4
    # logs ln .2, ln .4: mean ln(.2 .4)/2, sd = ln 2 / sqrt 2; z = (ln 2 / 2) / sd = 0.70711
    # Phi(0.70711) = 0.76025
    assert st["score"] == pytest.approx(0.76025, abs=1e-5)
    with pytest.raises(ConfigError, match="^ToxicityAware.score must be one of"):
        ToxicityAware(score="vpn")


@pytest.mark.parametrize("make, field", [
    (lambda: Static(half_spread=-1), "Static.half_spread"),
    (lambda: InventorySkew(capacity=0), "InventorySkew.capacity"),
    (lambda: InventorySkew(qty=30, capacity=10), "InventorySkew.qty"),
    (lambda: AvellanedaStoikov(gamma=0), "AvellanedaStoikov.gamma"),
    (lambda: AvellanedaStoikov(requote_ns=0), "AvellanedaStoikov.requote_ns"),
    (lambda: GLFT(k_min=2.0, k_max=1.0), r"GLFT.k_max \(>= k_min=2.0\)"),
    (lambda: GLFT(A=float("inf")), "GLFT.A"),
    (lambda: ToxicityAware(tiers=(0.8, 0.5, 0.9)), "ToxicityAware.tiers"),
    (lambda: ToxicityAware(window=0), "ToxicityAware.window"),
])
def test_bad_parameters_name_the_field_and_range(make, field):
    with pytest.raises(ConfigError, match=f"^{field} must be"):
        make()


def test_glft_rule_is_the_closed_form_in_ticks_with_delta_equal_to_qty():
    g = GLFT(gamma=0.5, sigma=1.0, A=0.5, k=1.0, fit=False, qty=2, capacity=10)
    p, st, _ = started(g)
    # mid 100.5, q = 0, delta = 2: the general-form case of test_closed_forms shifted by
    # 0.5: bid 100.5 - ln 2 - 1 = 98.807 -> 98, ask 100.5 + ln 2 + 1 = 102.193 -> 103
    assert glft_nb.glft_rule(p, st, T0, 100, 101, 0) == (98, 103, 2, 2)
    assert glft_nb.glft_rule(p, st, T0, 100, 101, 9)[2:] == (1, 2)  # bound Q = capacity


def test_inventory_skew_keeps_inventory_closer_to_zero_than_no_skew():
    import hftlab
    from hftlab.data.synthetic import l2_stream

    data = l2_stream(60_000, seed=11)
    std = {}
    for skew in (0.0, 4.0):
        s = InventorySkew(half_spread=1, skew=skew, capacity=40, qty=2, requote_ns=10_000_000)
        std[skew] = hftlab.backtest(data, s.compiled(), seed=1).states["position"].std()
    assert std[4.0] < 0.7 * std[0.0]
