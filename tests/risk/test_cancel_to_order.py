"""The cancel-to-order ratio (RiskLimits.max_cancel_to_order, after cancel_to_order_grace
cancels): a strategy that cancels every order again and again while the cancels travel
(quote stuffing) is stopped from sending new orders, in the Python and compiled paths."""

import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.risk import RiskLimits, risk_summary
from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import US, venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import L, book, market, reached_venue, submits

RATIO, GRACE = 1.0, 10


class PyCanceller(hftlab.Strategy):
    """Cancels every open order on every tick, then sends one more bid."""

    timer_ns = US

    def on_timer(self, ctx):
        for o in ctx.open_orders():
            ctx.cancel(o.order_id)
        ctx.submit(1, 97, 1)


def sent_cancels(rec) -> int:
    c = rec.orders[rec.orders["action"] == 1]
    return int((c["status"] != OrderStatus.DENIED).sum())


def stuffing(strategy_factory):
    data = market(book() + [(80, L, 1, 90, 1)])
    vn = [venue(entry_us=4, resp_us=4)]
    free = hftlab.backtest(data, strategy_factory(), venues=vn, sample_ns=US)
    assert sent_cancels(free) > 3 * len(reached_venue(free))  # it does stuff cancels
    lim = RiskLimits(max_cancel_to_order=RATIO, cancel_to_order_grace=GRACE)
    rec = hftlab.backtest(data, strategy_factory(), venues=vn, sample_ns=US, risk=lim)
    sub = submits(rec)
    denied = sub[sub["status"] == OrderStatus.DENIED]
    assert len(denied) and (denied["reason"] == Reason.RISK_CANCEL_TO_ORDER).all()
    assert len(reached_venue(rec)) < len(reached_venue(free)) / 2
    ev = rec.risk_events[rec.risk_events["rule"] == Reason.RISK_CANCEL_TO_ORDER]
    assert (ev["value"] > RATIO).all() and (ev["limit"] == RATIO).all()
    assert "RISK_CANCEL_TO_ORDER" in set(risk_summary(rec)["rule_name"])


def test_python_cancel_stuffer_is_stopped_by_the_cancel_to_order_ratio():
    stuffing(PyCanceller)


def test_compiled_cancel_stuffer_is_stopped_by_the_cancel_to_order_ratio():
    stuffing(lambda: rs.canceller(offset=3, timer_ns=US))


def test_cancel_to_order_limits_are_validated_and_read_from_toml(tmp_path):
    with pytest.raises(ConfigError, match="max_cancel_to_order"):
        RiskLimits(max_cancel_to_order=-1.0)
    with pytest.raises(ConfigError, match="cancel_to_order_grace"):
        RiskLimits(cancel_to_order_grace=1.5)
    p = tmp_path / "risk.toml"
    p.write_text("[risk]\nmax_cancel_to_order = 2.5\ncancel_to_order_grace = 7\n")
    lim = RiskLimits.from_toml(p)
    assert (lim.max_cancel_to_order, lim.cancel_to_order_grace) == (2.5, 7)
    params = lim.to_params(1)
    assert params.limits["max_cancel_to_order"][0] == 2.5
    assert params.limits["cancel_to_order_grace"][0] == 7
