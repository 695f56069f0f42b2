"""Figure helpers: bins that read on any session length, and panels from a hand-made run."""

import io

import numpy as np
import pytest
from PIL import Image

from hftlab.report.figures import _binned, bin_seconds, currency_of, run_panels
from hftlab.report.run_metrics import large_moves
from tests.report.test_metrics import moving_record, record


@pytest.mark.parametrize("seconds, step", [(3600, 30), (240, 2), (60, 0.5), (86_400, 600)])
def test_bins_are_round_and_at_most_about_150(seconds, step):
    assert bin_seconds(seconds) == step
    assert seconds / bin_seconds(seconds) <= 150


def test_binned_means_and_sums_keep_the_last_instant_in_the_last_bin():
    secs = np.array([0.0, 1.0, 2.5, 3.0, 4.0])
    vals = np.array([1.0, 3.0, np.nan, 5.0, 7.0])
    c, mean = _binned(secs, vals, 2.0)
    assert c.tolist() == [1.0, 3.0] and mean.tolist() == [2.0, 6.0]  # t = 4 joins [2, 4)
    assert _binned(secs, vals, 2.0, "sum")[1].tolist() == [4.0, 12.0]
    assert _binned(secs, np.full(5, np.nan), 2.0)[0].size == 0


def test_panels_of_a_run_with_a_large_move_and_without_fills():
    rec = moving_record()
    rec.meta["currency"] = "USD"
    img = Image.open(io.BytesIO(run_panels(rec, moves=large_moves(rec))))
    assert img.size[0] > 900 and img.size[1] > 1200
    assert currency_of(rec) == "USD" and currency_of(record()) == "currency"
