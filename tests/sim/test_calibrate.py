"""Calibration to the real AMZN 2012-06-21 day (LOBSTER level 1), fact by fact.

The calibrated market is the zero-intelligence flow alone ("calibrated" scenario) with
the rates, sizes, sign runs and intraday activity that ``calibrate`` estimates, run for
the same 6.5 hours with seeds 1, 2 and 3 (facts averaged: the lag-20 sign
autocorrelation alone ranges 0.04-0.07 between seeds). What it reproduces and what it
does not (values printed by the test, issue targets in brackets; "was": before size
matching and queue joining):

- spread: median 11 ticks against 13 [13] (was 9-10), 10th-90th percentile 6-17
  against 6-21 [6-21] (was 5-15): met within x1.2 (median, 10th) and x1.3 (90th).
  Still tighter: a share of would-be improving orders now joins the queue at the best
  (about half of the day's visible adds do), but the simulated book still gives
  fewer visible adds (~0.8 against 1.2 a second) and its best is thinner.
- trade-sign autocorrelation ~0.76 / 0.34 / 0.06 at lags 1 / 5 / 20 against 0.72 /
  0.34 / 0.09 (was 0.79 / 0.40 / 0.05): met within 0.05 (the empirical sign-run
  table of the day plus sweeps of several orders).
- executions per minute ~27 against 29 [29] (was 31): met within 10% (orders that met
  only hidden liquidity, 19% of the day's, are not in the simulated flow).
- median execution size ~60 against 60 shares [60] (was 27-30): met within 10%. The
  cause was measured: 56% of the day's aggressive orders took exactly the volume
  shown at the opposite best (4.5% took more), against 10% (41% more) with sizes
  drawn regardless of the book, so simulated orders walked the book and partly
  filled its last order (47% of executions partial against 28%). Size matching
  (Farmer et al. 2004) gives 61% exactly and 24% partial; it still walks more (15%
  of orders), as the other orders' sizes are drawn regardless of the book. Depth at
  the best ~130 against ~200 shares (was ~105).
- excess kurtosis of mid changes ~6.7 at 10 s against 5.9 (the issue quotes 5.2; on
  our grid from the first record the real day gives 5.9): met within 30% (seeds
  4.2-9.0), through the day's activity profile and its fitted bursts (an activity
  clock with log sd ~0.9 and a correlation time of ~7 s). At 60 s ~2.3 against 3.4
  (was 1.4): met only within x2 (seeds 0.7-4.4); the bursts are too short-lived to
  fatten minute returns as much as the real day's.
"""

from __future__ import annotations

import numpy as np
import pytest

from hftlab import sim
from hftlab.data import read_lobster
from hftlab.sim.calibrate import calibrate, stylized_facts

AMZN = "lobster/AMZN_2012-06-21_level1_fullday/AMZN_2012-06-21_34200000_57600000_{}_1.csv"
ISSUE = {"spread_median": 13, "spread_p10": 6, "spread_p90": 21, "sign_acf_1": 0.72,
         "sign_acf_5": 0.34, "sign_acf_20": 0.09, "kurtosis_10s": 5.2, "kurtosis_60s": 3.4,
         "median_execution_size": 60, "executions_per_minute": 29}
# fact -> (kind, band): "abs" |sim - real| <= band, "rel" sim / real within [1/band, band]
BANDS = {"spread_median": ("rel", 1.2), "spread_p10": ("rel", 1.2), "spread_p90": ("rel", 1.3),
         "sign_acf_1": ("abs", 0.05), "sign_acf_5": ("abs", 0.05), "sign_acf_20": ("abs", 0.05),
         "executions_per_minute": ("rel", 1.1), "median_execution_size": ("rel", 1.1),
         "kurtosis_10s": ("rel", 1.3), "kurtosis_60s": ("rel", 2.0)}


_READ: dict = {}


@pytest.fixture
def amzn(shared_data):
    """The real day, read once per session."""
    if "amzn" not in _READ:
        _READ["amzn"] = read_lobster(shared_data / AMZN.format("message"),
                                     shared_data / AMZN.format("orderbook"))
    return _READ["amzn"]


def test_real_day_shows_the_issue_facts(amzn):
    real = stylized_facts(amzn, tick_size=0.01)
    assert real["spread_median"] == 13 and (real["spread_p10"], real["spread_p90"]) == (6, 21)
    assert real["sign_acf_1"] == pytest.approx(0.72, abs=0.01)
    assert real["sign_acf_5"] == pytest.approx(0.34, abs=0.01)
    assert real["sign_acf_20"] == pytest.approx(0.09, abs=0.01)
    assert real["median_execution_size"] == 60
    assert real["executions_per_minute"] == pytest.approx(29, abs=0.5)
    assert real["kurtosis_60s"] == pytest.approx(3.4, abs=0.1)
    assert 5.0 < real["kurtosis_10s"] < 6.5  # 5.9 on a grid from the first record


def test_calibrated_market_reproduces_the_day_fact_by_fact(amzn, capsys):
    cal = calibrate(amzn, tick_size=0.01)
    assert cal.tick_size == 0.01 and 200 < cal.price < 240
    assert len(cal.zi_lambda) == len(cal.zi_theta) and min(cal.zi_theta) > 0
    assert 0.1 < cal.zi_market_rate < 0.3  # aggressive orders per second per side
    assert 0.5 < cal.zi_market_match < 0.6  # took exactly what the opposite best showed
    assert 0.3 < cal.zi_join < 0.6  # would-be improving orders that join the best
    real = stylized_facts(amzn, tick_size=0.01)
    runs = [stylized_facts(sim.market("calibrated", seconds=cal.seconds, seed=seed,
                                      **cal.overrides()), skip_s=300) for seed in (1, 2, 3)]
    fake = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    met = {}
    with capsys.disabled():
        print(f"\n{'fact':24} {'AMZN':>8} {'sim':>8} {'issue':>7}  band (sim: mean of 3 seeds)")
        for k, target in ISSUE.items():
            kind, band = BANDS.get(k, ("", None))
            if kind == "abs":
                met[k] = abs(fake[k] - real[k]) <= band
            elif kind == "rel":
                met[k] = 1 / band <= fake[k] / real[k] <= band
            print(f"{k:24} {real[k]:8.2f} {fake[k]:8.2f} {target:7}  "
                  f"{kind} {band} {'met' if met.get(k) else 'not met'}")
    assert all(met.values()), {k: v for k, v in met.items() if not v}
    assert 0.5 < fake["kurtosis_60s"] < real["kurtosis_60s"]  # heavy, but short of the day
    assert cal.activity_vol > 0.5 and 0.05 < cal.activity_minutes < 1.0
    assert max(r["crossed"] for r in runs) == 0 and min(r["spread_min"] for r in runs) >= 1
