"""Report numbers on a hand-made record: every value below is computed by hand."""

import numpy as np
import pandas as pd
import pytest

from hftlab.data.market import MarketData
from hftlab.engine.record import RunRecord, empty_frame
from hftlab.instruments import Instrument, Venue
from hftlab.report import markouts, market_trades, metrics, pnl_decomposition, teaching_summary
from hftlab.report.run_metrics import large_moves
from hftlab.schema import EVENT_DTYPE, ORDER_RECORD_DTYPE, Kind

S = 1_000_000_000
T0 = 1_700_000_000 * S
INST = Instrument("T", tick_size=0.01)  # 0.01 currency per tick and lot


def record() -> RunRecord:
    """Buy 2 at 100 (mid 100.5) at 0.2 s, sell 2 at 102 (mid 101.5) at 1.2 s, rebate 0.01 each;
    samples every 0.5 s."""
    t = T0 + np.arange(6) * S // 2
    states = pd.DataFrame({
        "ts": t, "instrument": np.zeros(6, np.uint32), "position": [0, 2, 2, 2, 0, 0],
        "cash": 0.0, "fees": 0.0, "realized_pnl": 0.0, "unrealized_pnl": 0.0,
        "equity": [0.0, 0.0, 0.01, 0.02, 0.03, 0.06],
        "mid": [100.5, 100.5, 101.0, 101.5, 102.0, 103.0],
        "bid": [99, 100, 0, 100, 100, 101], "ask": [102, 101, 102, 102, 104, 103],
        "best_bid": 100, "best_ask": 101})
    fills = pd.DataFrame({
        "order_id": [1, 2], "ts_exchange": [T0 + S // 5, T0 + 6 * S // 5], "ts_local": 0,
        "venue": np.zeros(2, np.uint16), "instrument": np.zeros(2, np.uint32),
        "side": np.array([1, -1], np.int8), "price": [100, 102], "qty": [2, 2],
        "maker": np.ones(2, np.uint8), "fee": [-0.01, -0.01], "mid": [100.5, 101.5]})
    orders = pd.DataFrame(np.zeros(2, ORDER_RECORD_DTYPE))
    orders["qty"] = 4
    return RunRecord(orders, fills, states, empty_frame("risk_events"), [INST], [Venue("X")])


def test_pnl_decomposition_adds_up_by_hand():
    d = pnl_decomposition(record())
    # spread: (+1)(100.5 - 100) 2 + (-1)(101.5 - 102) 2 = 2 ticks x lots -> 0.02
    # inventory: (+1) 2 (103 - 100.5) + (-1) 2 (103 - 101.5) = 5 - 3 = 2 -> 0.02; rebates 0.02
    assert d["spread_capture"] == pytest.approx(0.02)
    assert d["inventory_pnl"] == pytest.approx(0.02)
    assert d["fees_and_rebates"] == pytest.approx(0.02)
    assert d["total_pnl"] == pytest.approx(0.06) and d["unexplained"] == pytest.approx(0.0)


def test_markouts_by_hand():
    mk = markouts(record()).set_index("horizon_s")
    # 1 s: buy at 0.2 s meets the mid of 1.0 s (101): +1 tick = 0.01 per lot; the sell at
    # 1.2 s meets the mid of 2.0 s (102 = its price): 0 -> qty-weighted 0.005
    assert mk.loc[1, "markout_per_lot"] == pytest.approx(0.005)
    assert mk.loc[1, "markout_total"] == pytest.approx(0.02) and mk.loc[1, "fills"] == 2
    assert mk.loc[10, "fills"] == 0 and np.isnan(mk.loc[10, "markout_per_lot"])  # past the end


def test_teaching_summary_by_hand():
    vp = pd.DataFrame({"ts": [T0 + 4 * S // 10, T0 + 16 * S // 10], "vpin": [0.8, 0.5]})
    s = teaching_summary(record(), vp)
    # last sample per second: t = 0.5, 1.5, 2.5 s -> equity 0, 0.02, 0.06; positions 2, 2, 0
    assert s["total_pnl"] == pytest.approx(0.06)
    assert (s["winning_seconds"], s["losing_seconds"], s["win_rate"]) == (2, 0, 1.0)
    assert s["avg_inventory"] == pytest.approx(4 / 3)
    assert (s["max_long"], s["max_short"]) == (2, 0)
    # both quotes up at 5 samples: spreads 3, 1, 2, 4, 2 ticks = cents
    assert s["avg_spread_cents"] == pytest.approx(2.4)
    assert (s["min_spread_cents"], s["max_spread_cents"]) == (1.0, 4.0)
    # VPIN as of 0.5, 1.5, 2.5 s: 0.8, 0.8, 0.5
    assert s["mean_vpin"] == pytest.approx(0.7) and s["seconds_vpin_above_0.7"] == 2


def test_metrics_by_hand():
    m = metrics(record(), position_limit=2)
    assert m["total_pnl"] == pytest.approx(0.06)
    assert m["fill_ratio"] == pytest.approx(4 / 8) and m["maker_share"] == 1.0
    assert m["fees_paid"] == 0.0 and m["rebates_received"] == pytest.approx(0.02)
    assert m["volume_lots"] == 4 and m["seconds_at_position_limit"] == 2
    # 1-s P&L steps 0, 0.02, 0.04: mean 0.02, std 0.016330 -> x sqrt(3)
    assert m["sharpe_run"] == pytest.approx(0.02 / np.std([0, 0.02, 0.04]) * np.sqrt(3))
    assert m["max_drawdown"] == 0.0


def test_market_trades_count_every_print_once_signed_by_aggressor():
    """Visible executions and hidden prints are all trades (LOBSTER's mix); a TRADE print
    repeating the EXECUTE before it from the same record is the same trade."""
    ev = np.zeros(4, EVENT_DTYPE)
    ev["ts"] = [1, 2, 3, 3]
    ev["kind"] = [Kind.EXECUTE, Kind.TRADE, Kind.EXECUTE, Kind.TRADE]
    ev["side"] = [1, -1, -1, 1]  # EXECUTE: the resting order's side; TRADE: the aggressor's
    ev["price"], ev["qty"] = [100, 100, 101, 101], [5, 5, 7, 7]
    data = MarketData(ev, [INST], [Venue("X")], record=np.array([1, 2, 3, 3]))
    tr = market_trades(data)
    assert tr["ts"].tolist() == [1, 2, 3] and tr["side"].tolist() == [-1, -1, 1]
    assert tr["price"].tolist() == [1.0, 1.0, 1.01] and tr["qty"].tolist() == [5, 5, 7]


def test_time_in_reducing_or_halted_from_risk_events():
    rec = record()
    ev = pd.DataFrame(np.zeros(2, empty_frame("risk_events").to_records(index=False).dtype))
    ev["ts"] = [T0 + S // 2, T0 + 2 * S]
    ev["state"] = [1, 0]  # REDUCING at 0.5 s, ACTIVE again at 2.0 s
    ev["rule"] = [43, 43]
    rec.risk_events = ev
    m = metrics(rec)
    assert m["seconds_reducing_or_halted"] == pytest.approx(1.5)
    assert m["risk_events"] == 2 and sum(v for k, v in m.items() if k.startswith("risk: ")) == 2


def test_metrics_state_the_sharpe_sample_and_do_not_annualise():
    m = metrics(record())
    assert m["sharpe_seconds"] == 3 and "sharpe_annualised" not in m


def moving_record(jump_at: int = 40, jump: int = -350) -> RunRecord:
    """A mid of 10,000 ticks wandering +-1 tick a second for 60 s, with one jump of `jump`
    ticks in second `jump_at`."""
    steps = np.tile([1, -1, 1, 0, -1], 12)[:60].astype(float)
    steps[jump_at] = jump
    mid = 10_000 + np.concatenate([[0.0], np.cumsum(steps)])
    n = len(mid)
    states = pd.DataFrame({
        "ts": T0 + np.arange(n) * S, "instrument": np.zeros(n, np.uint32), "position": 0,
        "cash": 0.0, "fees": 0.0, "realized_pnl": 0.0, "unrealized_pnl": 0.0, "equity": 0.0,
        "mid": mid, "bid": 0, "ask": 0, "best_bid": 0, "best_ask": 0})
    return RunRecord(empty_frame("orders"), empty_frame("fills"), states,
                     empty_frame("risk_events"), [INST], [Venue("X")])


def test_large_moves_find_the_jump_and_the_sweep_behind_it():
    rec = moving_record()
    # second 40 -> 41: prints of one sell at T0 + 40.5 s walk the bid down 103.50 -> 100.00;
    # a smaller sell just before moves less, a buy in the same second is the other way
    t = T0 + 40 * S + S // 2
    trades = pd.DataFrame({"ts": [t - 1000, t - 1000, t, t, t, t + 2000],
                           "price": [100.02, 100.01, 103.50, 101.00, 100.00, 100.01],
                           "qty": [5.0, 5.0, 100.0, 80.0, 57.0, 3.0],
                           "side": np.array([-1, -1, -1, -1, -1, 1], np.int8)})
    mv = large_moves(rec, trades)
    assert len(mv) == 1
    row = mv.iloc[0]
    assert row["t_s"] == pytest.approx(40.5) and row["sigmas"] > 100
    assert row["mid_before"] == pytest.approx(mid_at(rec, 40) * 0.01)
    assert row["move"] == pytest.approx(mid_at(rec, 41) / mid_at(rec, 40) - 1)
    assert (row["side"], row["qty"], row["from_price"], row["to_price"]) == (-1, 237.0, 103.5,
                                                                            100.0)
    plain = large_moves(rec)  # no prints: the move without its sweep
    assert plain["side"].tolist() == [0] and np.isnan(plain["from_price"].iloc[0])
    assert plain["t_s"].iloc[0] == pytest.approx(41.0)


def mid_at(rec: RunRecord, second: int) -> float:
    return float(rec.states["mid"].iloc[second])


def test_no_large_moves_in_an_ordinary_session_but_the_largest_on_request():
    rec = moving_record(jump=2)
    assert large_moves(rec).empty and list(large_moves(rec).columns)[:2] == ["t_s", "mid_before"]
    top = large_moves(rec, k=0.0, top=1)
    assert top["move"].iloc[0] == pytest.approx(mid_at(rec, 41) / mid_at(rec, 40) - 1)
