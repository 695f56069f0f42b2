"""Stylized facts measured on every scenario's simulated output (seed 1)."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.analytics import vpin
from hftlab.sim.facts import sampled_mid, stylized_facts, top_of_book, trades

SCENARIOS = ["calm", "informed-episode", "toxicity-regimes", "flash-crash", "lagging-venue",
             "correlated-assets"]
NS = 1_000_000_000


@pytest.mark.parametrize("name", SCENARIOS)
def test_book_is_never_crossed_and_the_spread_is_positive(markets, name):
    m = markets[name]
    m.validate()
    for b in range(m.n_books):
        v, i = divmod(b, len(m.instruments))
        _, bid, ask, _, _ = top_of_book(m, v, i, by="event")
        both = (bid > 0) & (ask > 0)
        assert both.mean() > 0.95, f"book {b} has both sides only {both.mean():.1%} of the time"
        assert (ask[both] - bid[both]).min() >= 1


@pytest.mark.parametrize("name", SCENARIOS)
def test_returns_are_heavy_tailed_and_trade_signs_persist(markets, name):
    f = stylized_facts(markets[name], skip_s=60)
    assert f["kurtosis_10s"] > 0.3, f  # excess kurtosis of 10 s mid changes
    assert f["sign_acf_1"] > 0.1, f  # one execution per resting order hit
    assert f["sign_acf_5"] > -0.02, f


def _vpin(m, window=20, buckets=300):
    t = trades(m)
    frame = vpin(t, bucket_volume=t["qty"].sum() / buckets, window=window, classify="side")
    return frame.dropna()


def test_vpin_during_the_informed_episode_is_clearly_above_its_calm_level(markets):
    m = markets["informed-episode"]
    e0, e1 = m.stats["episode_ns"]
    v = _vpin(m)
    ts = v["ts"].astype("int64").to_numpy()
    calm = v["vpin"][ts < e0].mean()
    inside = v["vpin"][(ts >= e0 + 120 * NS) & (ts < e1)].mean()  # once the window fills
    assert inside > calm + 0.1 and inside > 1.5 * calm, (calm, inside)
    # the informed bought, and the price followed the hidden value up
    ts_b, bid, ask, _, _ = top_of_book(m)
    mid = 0.5 * (bid + ask)
    before = mid[(ts_b < e0) & (bid > 0)][-1]
    after = mid[(ts_b < e1 + 60 * NS) & (bid > 0)][-1]
    fv = m.stats["fundamental"][:, 0]
    assert after - before > 0.5 * (fv.max() - fv[0])
    assert m.stats["agent_positions"][2] > 0  # the informed trader (row 2) is long


def test_vpin_rises_with_the_informed_share_of_the_toxicity_regime(markets):
    m = markets["toxicity-regimes"]
    v = _vpin(m, window=10)
    grid = m.stats["grid_s"]
    regime = m.stats["regime"]
    k = np.clip(np.searchsorted(grid * NS + m.stats["start_ns"],
                                v["ts"].astype("int64").to_numpy()) - 1, 0, len(grid) - 1)
    r = regime[k]
    assert set(np.unique(regime)) >= {0, 1, 2}, "the chain should visit several regimes"
    low = v["vpin"][r <= 1].mean()
    high = v["vpin"][r >= 2].mean()
    assert high > low + 0.03, (low, high)
    assert np.corrcoef(v["vpin"], r)[0, 1] > 0.2


def test_flash_crash_falls_about_9_percent_and_recovers_within_about_36_minutes(markets):
    m = markets["flash-crash"]
    ts, bid, ask, bq, aq = top_of_book(m)
    ok = (bid > 0) & (ask > 0)
    g = sampled_mid(ts[ok], 0.5 * (bid + ask)[ok], 30)
    s0, _ = m.stats["seller_ns"]
    k0 = int((s0 - ts[ok][0]) / (30 * NS))
    pre = np.median(g[k0 - 20:k0])
    kt = k0 + int(np.argmin(g[k0:]))
    drop = 1 - g[kt] / pre
    back = np.flatnonzero(g[kt:] >= 0.99 * pre)
    assert 0.06 <= drop <= 0.13, drop
    assert len(back), "the price never came back"
    minutes = (kt + back[0] - k0) / 2
    assert 25 <= minutes <= 45, minutes
    assert abs(g[-1] / pre - 1) < 0.02
    # liquidity at the best quotes during the evaporation vs the half hour before
    e0, e1 = m.stats["evaporation_ns"]
    depth = 0.5 * (bq + aq)
    before = depth[ok & (ts < e0) & (ts >= e0 - 1800 * NS)].mean()
    during = depth[ok & (ts >= e0) & (ts < e1)].mean()
    assert during < 0.75 * before, (before, during)


def test_lagging_venue_quotes_trail_the_primary_by_1_to_2_ms(markets):
    """For each change of the primary's mid that then holds for 5 ms, the time until the
    lagging venue's mid last changed to the same value within those 5 ms."""
    m = markets["lagging-venue"]
    ms = 1_000_000
    ta, ba, aa, _, _ = top_of_book(m, 0, 0, by="event")
    tb, bb, ab, _, _ = top_of_book(m, 1, 0, by="event")
    ok_a, ok_b = (ba > 0) & (aa > 0), (bb > 0) & (ab > 0)
    ta, ma = ta[ok_a], (ba + aa)[ok_a]
    tb, mb = tb[ok_b], (bb + ab)[ok_b]
    ch = np.flatnonzero(np.diff(ma) != 0) + 1
    t_ch, v_ch = ta[ch], ma[ch]
    holds = np.diff(t_ch, append=np.iinfo(np.int64).max) >= 5 * ms
    t_ch, v_ch = t_ch[holds], v_ch[holds]
    j = np.searchsorted(tb, t_ch + 5 * ms, side="right") - 1
    seen = (j >= 0) & (mb[j] == v_ch) & (tb[j] > t_ch)
    delay = (tb[j] - t_ch)[seen] / ms
    assert len(delay) > 200 and seen.mean() > 0.5, (len(delay), seen.mean())
    assert 1.0 <= np.median(delay) <= 2.0, np.median(delay)
    assert np.mean((delay >= 1.0) & (delay <= 2.05)) > 0.9, np.percentile(delay, [5, 50, 95])


def test_correlated_assets_follow_the_factor_and_the_breakdown(markets):
    m = markets["correlated-assets"]
    n = len(m.instruments)
    rets = []
    for i in range(n):
        ts, bid, ask, _, _ = top_of_book(m, 0, i)
        ok = (bid > 0) & (ask > 0)
        t0 = m.stats["start_ns"] + 60 * NS
        g = sampled_mid(ts[ok], 0.5 * (bid + ask)[ok], 60, t0, t0 + 3480 * NS)
        rets.append(np.diff(np.log(g)))
    r = np.array(rets)
    c = np.corrcoef(r)
    sec = np.asarray(m.stats["sector"])
    same = (sec[:, None] == sec[None, :]) & ~np.eye(n, dtype=bool)
    # value correlations 0.7 within a sector and 0.25 across, diluted by order-flow noise
    assert c[same].mean() > 0.4 and c[same].mean() > c[~same & ~same.T].mean() + 0.2, c
    assert {i.tick_size for i in m.instruments} == {0.005, 0.01, 0.02, 0.05, 0.1}
    fv = m.stats["fundamental"]
    assert np.corrcoef(np.diff(np.log(fv[::600]), axis=0).T)[0, 1] > 0.5


def test_correlation_breakdown_removes_the_comovement():
    from hftlab import sim

    m = sim.market("correlated-assets", seconds=3600, seed=2, breakdown_at=0.5, instruments=4,
                   sectors=1)
    half = m.stats["start_ns"] + 1800 * NS
    out = []
    for lo, hi in ((m.stats["start_ns"] + 60 * NS, half), (half + 120 * NS, half + 1800 * NS)):
        rets = []
        for i in range(len(m.instruments)):
            ts, bid, ask, _, _ = top_of_book(m, 0, i)
            ok = (bid > 0) & (ask > 0)
            rets.append(np.diff(np.log(sampled_mid(ts[ok], 0.5 * (bid + ask)[ok], 60, lo,
                                                   hi - NS))))
        c = np.corrcoef(np.array(rets))
        out.append(c[np.triu_indices(len(rets), 1)].mean())
    assert out[0] > 0.4 and out[1] < 0.25, out


def test_a_market_that_compiles_says_so_on_stderr(capsys, monkeypatch):
    import numba as nb

    import hftlab.sim.scenarios as sc

    @nb.njit
    def first_use(x):
        return x + 1

    simulate = sc.simulate

    def compiling(setup):
        first_use(1)  # stands in for the simulator's kernels on a cold cache
        return simulate(setup)

    monkeypatch.setattr(sc, "simulate", compiling)
    sc.market("calm", seconds=10, seed=1)
    assert capsys.readouterr().err == "compiling kernels (first run only; cached after) ...\n"
    sc.market("calm", seconds=10, seed=1)
    assert capsys.readouterr().err == ""
