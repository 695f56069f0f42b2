"""The risk desk (hftlab.risk.RiskDesk) acts on a run from outside the strategy: kill,
pause, resume and reset at times, on conditions or from a callback, each a risk event of
source DESK; a hostile strategy (Python and compiled) cannot undo what the desk did."""

import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.risk import RiskDesk, RiskLimits, drawdown_above, loss_above, position_above
from hftlab.risk.layout import KILL_CONFIG_DENIALS, KILL_DESK, KILL_STRATEGY
from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import US, venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import L, book, market, reached_venue, rules, submits

T0 = 0  # the hand-made markets start at t = 0


class Defiant(hftlab.Strategy):
    """Tries to clear any halt: resume (and kill, to reset nothing) on every tick, and buys
    one lot at the ask."""

    timer_ns = US

    def on_timer(self, ctx):
        ctx.resume()
        if ctx.best_ask(0) > 0:
            ctx.submit(1, ctx.best_ask(0), 1, tif="IOC")


def data():
    return market(book(qty=1000) + [(60, L, 1, 90, 1)])


def run(strategy, desk, risk=None):
    return hftlab.backtest(data(), strategy, venues=[venue(entry_us=1, resp_us=1)],
                           sample_ns=US, risk=risk, desk=desk)


def sent_after(rec, t_us):
    """The strategy's buys that reached the venue after t_us (the kill's flatten sells)."""
    s = reached_venue(rec)
    return s[(s["ts_sent"] > t_us * US) & (s["side"] == 1)]


def desk_events(rec, rule):
    ev = rec.risk_events
    return ev[(ev["rule"] == rule) & (ev["value"] == KILL_DESK)]


@pytest.mark.parametrize("make", [Defiant, lambda: rs.defiant(timer_ns=US)],
                         ids=["python", "compiled"])
def test_a_strategy_cannot_clear_the_desks_kill_or_pause(make):
    free = run(make(), None)
    assert len(sent_after(free, 10)) > 20
    rec = run(make(), RiskDesk().kill(at_ns=10 * US))
    assert len(desk_events(rec, Reason.RISK_KILL_SWITCH)) == 1
    assert len(sent_after(rec, 10)) == 0  # the strategy kept trying
    late = submits(rec)
    late = late[late["ts_sent"] > 11 * US]
    assert len(late) > 20 and (late["reason"] == Reason.RISK_KILL_SWITCH).all()
    paused = run(make(), RiskDesk().pause(at_ns=10 * US).resume(at_ns=30 * US))
    assert len(desk_events(paused, Reason.RISK_PAUSED)) == 1
    assert len(desk_events(paused, Reason.RISK_RESUMED)) == 1
    s = submits(paused)
    between = s[(s["ts_sent"] > 10 * US) & (s["ts_sent"] < 30 * US)]
    assert len(between) > 10 and (between["reason"] == Reason.RISK_PAUSED).all()
    assert len(sent_after(paused, 31)) > 10  # the desk's resume ends it


def test_only_the_desk_resets_a_kill_and_the_reset_keeps_peak_and_denials():
    desk = RiskDesk().kill(at_ns=10 * US).reset(at_ns=20 * US)
    rec = run(Defiant(), desk, risk=RiskLimits(kill_after_denials=1000))
    r = rules(rec)
    assert r.index(Reason.RISK_KILL_SWITCH) < r.index(Reason.RISK_RESET)
    reset = rec.risk_events[rec.risk_events["rule"] == Reason.RISK_RESET]
    assert reset["value"].tolist() == [KILL_DESK]
    s = submits(rec)
    assert (s[(s["ts_sent"] > 11 * US) & (s["ts_sent"] < 20 * US)]["status"]
            == OrderStatus.DENIED).all()
    assert len(sent_after(rec, 21)) > 10  # trading again after the desk's reset
    assert [t for t, a, _ in desk.log] == [10 * US, 20 * US]


def denials_until_config_kill(reset_denials: bool) -> int:
    """Position-limit denials after the desk's reset until kill_after_denials fires."""
    desk = RiskDesk().kill(at_ns=10 * US).reset(at_ns=20 * US, denials=reset_denials)
    rec = run(Defiant(), desk, risk=RiskLimits(max_position=3, kill_after_denials=15))
    ev = rec.risk_events
    second = ev[(ev["rule"] == Reason.RISK_KILL_SWITCH) & (ev["order_id"] == -1)
                & (ev["value"] == KILL_CONFIG_DENIALS)]
    assert len(second) == 1  # kill_after_denials fired after the reset
    after = ev[(ev["ts"] > 20 * US) & (ev["ts"] <= second["ts"].iloc[0])
               & (ev["rule"] == Reason.RISK_POSITION_LIMIT)]
    return len(after)


def test_a_reset_keeps_the_denial_count_unless_the_desk_says_so():
    kept, zeroed = denials_until_config_kill(False), denials_until_config_kill(True)
    assert kept < zeroed and zeroed >= 15


def test_desk_acts_on_conditions_and_callbacks():
    seen = []

    def cb(snap):
        seen.append(snap)
        return "pause" if snap.positions[0] >= 5 and not snap.paused else None

    rec = run(Defiant(), RiskDesk().watch(cb))
    assert desk_events(rec, Reason.RISK_PAUSED).shape[0] == 1
    assert seen[0].state == "ACTIVE" and seen[-1].paused
    with pytest.raises(Exception):
        seen[0].pnl = 1.0  # the snapshot is read-only
    rec2 = run(Defiant(), RiskDesk().kill(when=position_above(7)))
    assert len(desk_events(rec2, Reason.RISK_KILL_SWITCH)) == 1
    assert abs(int(rec2.meta["final_position"][0])) <= 7 + 2  # stopped within its latency


def test_desk_arguments_are_checked():
    with pytest.raises(ConfigError, match="exactly one"):
        RiskDesk().kill()
    with pytest.raises(ConfigError, match="drawdown_above"):
        drawdown_above(-1.0)
    with pytest.raises(ConfigError, match="loss_above"):
        loss_above(0)
    with pytest.raises(ConfigError, match="desk"):
        run(Defiant(), desk="kill")
    assert KILL_STRATEGY != KILL_DESK



MS = 1_000_000


class SlowDefiant(Defiant):
    timer_ns = 50 * MS


@pytest.fixture(scope="module")
def calm():
    return hftlab.sim.market("calm", seconds=8, seed=3)


@pytest.mark.parametrize("make", [SlowDefiant, lambda: rs.defiant(timer_ns=50 * MS)],
                         ids=["python", "compiled"])
def test_the_desk_kills_resets_pauses_and_resumes_in_a_simulated_market(make, calm):
    t0 = calm.simulation.params.start_ns
    # kill, reset, pause, resume; 13 ms past the strategy's timer and the state samples,
    # so the agents must stop for the desk's turn itself (sim_venue_nb.horizon)
    at = [t0 + k * 1_000 * MS + 13 * MS for k in (2, 4, 5, 6)]
    desk = RiskDesk().kill(at_ns=at[0]).reset(at_ns=at[1]).pause(at_ns=at[2]).resume(at_ns=at[3])
    rec = hftlab.backtest(calm, make(), desk=desk, mode="simulate")
    assert rec.meta["mode"] == "simulate"
    assert [t for t, _, _ in desk.log] == at  # each turn at its time
    ts = rec.market.events["ts"]
    assert (ts[1:] >= ts[:-1]).all()  # the kill's flatten did not land in the agents' past
    for rule in (Reason.RISK_KILL_SWITCH, Reason.RISK_PAUSED, Reason.RISK_RESUMED):
        assert len(desk_events(rec, rule)) == 1
    reset = rec.risk_events[rec.risk_events["rule"] == Reason.RISK_RESET]
    assert reset["value"].tolist() == [KILL_DESK]
    s = submits(rec)
    buys = s[s["side"] == 1]

    def sent(lo, hi):
        return buys[(buys["ts_sent"] > lo) & (buys["ts_sent"] < hi)]

    killed, paused = sent(at[0], at[1]), sent(at[2], at[3])
    assert len(killed) > 20 and (killed["reason"] == Reason.RISK_KILL_SWITCH).all()
    assert len(paused) > 10 and (paused["reason"] == Reason.RISK_PAUSED).all()
    for lo, hi in ((t0, at[0]), (at[1], at[2]), (at[3], t0 + 8_000 * MS)):
        assert (sent(lo, hi)["status"] != OrderStatus.DENIED).sum() > 10  # trading
    f = rec.fills
    bought = f[f["side"] == 1]["ts_exchange"]
    late = 10 * MS  # orders sent before a turn may still arrive after it
    assert not (((bought > at[0] + late) & (bought < at[1]))
                | ((bought > at[2] + late) & (bought < at[3]))).any()
    assert ((bought > at[1]) & (bought < at[2])).sum() > 5  # trading again after the reset
    assert (bought > at[3]).sum() > 5  # and after the resume
