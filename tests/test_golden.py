"""The golden record: the five built-in makers reproduce, field by field, the stored
records (tests/golden/cases.py says how and when they were made)."""

import pandas as pd
import pytest

from tests.golden import cases


def _compare(case: str, market, makers) -> None:
    for name, strat in makers.items():
        got = cases.run(market, strat, cases.FILL_MODEL.get(case, "partial"))
        for table, df in got.items():
            want = pd.read_parquet(cases.path(case, name, table))
            pd.testing.assert_frame_equal(df, want, check_dtype=True, obj=f"{case}/{name}/{table}")


def test_makers_reproduce_the_golden_record_live_in_a_simulated_market():
    _compare("sim", cases.sim_market(), cases.sim_makers())


def test_makers_reproduce_the_golden_record_on_a_lobster_replay(shared_data):
    _compare("lobster", cases.lobster_market(), cases.lobster_makers())


def test_the_all_or_nothing_fill_model_reproduces_the_records_made_before_the_cap(shared_data):
    _compare("lobster_full", cases.lobster_market(), cases.full_makers())
