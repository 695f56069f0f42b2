"""RiskDesk: the risk desk outside the strategy, acting on a run while it goes.

``backtest(..., desk=RiskDesk().kill(at_ns=t))`` -- the desk can ``kill``, ``pause``,
``resume`` and ``reset`` at any moment of a run: at given times (``at_ns``, host clock,
ns since the epoch), on conditions over the engine's state (``when=drawdown_above(500)``,
``loss_above``, ``position_above``, ``order_rate_above``) or from a callback that receives a
read-only ``DeskSnapshot`` and returns the actions to take (``watch``). Conditions and
callbacks are evaluated every ``check_ns`` of host time (default: the run's sample_ns,
so at the state samples' pace); each rule fires once.

Mechanism: the compiled loop returns to the Python driver at the desk's next time
(``cursor.desk_at``, code RUN_DESK; in a simulated market the agents stop there too, so
what the desk sends meets the market as it is at that time), the driver builds the snapshot from the host's view
(the P&L and positions the strategy knows, the risk state) and writes the desk's requests
into the risk state (``glob.kill = KILL_DESK``, ``glob.desk_pause``, ``glob.reset``), which
the gate carries out before anything else. Each action is a risk event whose value is its
source (5 = KILL_DESK). Only the desk (or the configuration) resets a kill or a hard-loss
halt: strategies have no reset, and their resume ends only their own pause. A reset keeps
the drawdown peak and the denial count unless ``reset(peak=True, denials=True)``.
Without a desk the loop never stops for it (desk_at is never reached).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from hftlab.instruments import ConfigError, check
from hftlab.risk import layout as L
from hftlab.schema import TradingState

ACTIONS = ("kill", "pause", "resume", "reset")
NEVER = L.NEVER


@dataclass(frozen=True)
class DeskSnapshot:
    """What the desk sees at its turn (a copy: changing it changes nothing).

    ts: host time (ns since the epoch); pnl: total P&L the host knows (currency);
    peak / drawdown: the risk engine's P&L peak and the fall from it; positions: lots per
    instrument; state: "ACTIVE" / "REDUCING" / "HALTED"; paused, killed: flags;
    denials: pre-trade denials so far; orders_sent: new orders the gate passed so far;
    order_rate: new orders passed per second since the desk's previous turn.
    """

    ts: int
    pnl: float
    peak: float
    drawdown: float
    positions: tuple[int, ...]
    state: str
    paused: bool
    killed: bool
    denials: int
    orders_sent: int
    order_rate: float


@dataclass(frozen=True)
class Condition:
    """A named predicate over a DeskSnapshot."""

    name: str
    test: Callable[[DeskSnapshot], bool]

    def __call__(self, snap: DeskSnapshot) -> bool:
        return bool(self.test(snap))


def _money(name: str, v: float) -> float:
    check(isinstance(v, (int, float)) and np.isfinite(v) and v > 0, name,
          "a finite amount > 0", v)
    return float(v)


def drawdown_above(amount: float) -> Condition:
    """True once P&L has fallen more than amount (currency > 0) from its peak."""
    a = _money("drawdown_above", amount)
    return Condition(f"drawdown > {a}", lambda s: s.drawdown > a)


def loss_above(amount: float) -> Condition:
    """True once the total P&L is below -amount (currency > 0)."""
    a = _money("loss_above", amount)
    return Condition(f"loss > {a}", lambda s: -s.pnl > a)


def position_above(lots: int, instrument: int | None = None) -> Condition:
    """True once |position| exceeds lots in the instrument (index), or in any."""
    check(isinstance(lots, int) and lots >= 0, "position_above", "an integer lots >= 0", lots)
    if instrument is None:
        return Condition(f"|position| > {lots}",
                         lambda s: any(abs(p) > lots for p in s.positions))
    return Condition(f"|position[{instrument}]| > {lots}",
                     lambda s: abs(s.positions[instrument]) > lots)


def order_rate_above(per_sec: float) -> Condition:
    """True when more than per_sec new orders a second passed since the desk's last turn."""
    r = _money("order_rate_above", per_sec)
    return Condition(f"order rate > {r}/s", lambda s: s.order_rate > r)


@dataclass
class _Rule:
    action: str
    at_ns: int | None
    when: Condition | None
    flags: int
    done: bool = False


class RiskDesk:
    """The risk desk: actions at times, on conditions, or from a callback (module doc)."""

    def __init__(self, check_ns: int | None = None) -> None:
        check(check_ns is None or (isinstance(check_ns, int) and check_ns > 0), "check_ns",
              "None (the run's sample_ns) or an integer number of ns > 0", check_ns)
        self.check_ns = check_ns
        self.rules: list[_Rule] = []
        self.callbacks: list[Callable[[DeskSnapshot], Iterable[str] | str | None]] = []
        self.log: list[tuple[int, str, str]] = []  # (ts, action, why) as the desk decided
        self._last: tuple[int, int] | None = None  # (ts, orders_sent) at the previous turn

    def _add(self, action: str, at_ns: int | None, when: Condition | None, flags: int = 0
             ) -> RiskDesk:
        check((at_ns is None) != (when is None), f"RiskDesk.{action}",
              "exactly one of at_ns (a time) or when (a Condition)", (at_ns, when))
        if at_ns is not None:
            check(isinstance(at_ns, (int, np.integer)) and 0 <= at_ns < NEVER,
                  f"RiskDesk.{action}.at_ns", "an integer time in ns since the epoch", at_ns)
            at_ns = int(at_ns)
        else:
            check(isinstance(when, Condition), f"RiskDesk.{action}.when",
                  "a Condition (drawdown_above, loss_above, position_above, order_rate_above)",
                  when)
        self.rules.append(_Rule(action, at_ns, when, flags))
        return self

    def kill(self, at_ns: int | None = None, when: Condition | None = None) -> RiskDesk:
        """Fire the kill switch: cancel all, flatten, deny every new order until a reset."""
        return self._add("kill", at_ns, when)

    def pause(self, at_ns: int | None = None, when: Condition | None = None) -> RiskDesk:
        """Deny new orders and size increases (open orders stay) until the desk resumes."""
        return self._add("pause", at_ns, when)

    def resume(self, at_ns: int | None = None, when: Condition | None = None) -> RiskDesk:
        """End the desk's pause (a strategy's own pause stays)."""
        return self._add("resume", at_ns, when)

    def reset(self, at_ns: int | None = None, when: Condition | None = None, *,
              peak: bool = False, denials: bool = False) -> RiskDesk:
        """Back to ACTIVE from a kill, a loss or drawdown halt or REDUCING; peak=True also
        restarts the drawdown peak at the current P&L, denials=True zeroes the denial count."""
        flags = L.RESET_STATE | (L.RESET_PEAK if peak else 0) | (L.RESET_DENIALS if denials else 0)
        return self._add("reset", at_ns, when, flags)

    def watch(self, callback: Callable[[DeskSnapshot], Iterable[str] | str | None]) -> RiskDesk:
        """Call callback(snapshot) at every check; it returns None, an action name or a list
        of them ("kill", "pause", "resume", "reset")."""
        check(callable(callback), "RiskDesk.watch", "a callable(DeskSnapshot)", callback)
        self.callbacks.append(callback)
        return self

    # -- the driver's side ---------------------------------------------------------------
    def _polls(self) -> bool:
        return bool(self.callbacks) or any(r.when is not None and not r.done for r in self.rules)

    def next_time(self, now: int, sample_ns: int) -> int:
        """The desk's next turn after now (host ns), NEVER when it has nothing left to do."""
        times = [r.at_ns for r in self.rules if not r.done and r.at_ns is not None]
        t = min([max(x, now + 1) for x in times], default=NEVER)
        if self._polls():
            t = min(t, now + (self.check_ns or sample_ns))
        return t

    def snapshot(self, now: int, lacct: np.ndarray, rstate: L.RiskState) -> DeskSnapshot:
        """The read-only view the desk decides on (host account, risk state)."""
        g = rstate.glob[0]
        pnl = float(lacct["equity"].sum())
        sent = int(rstate.instruments["orders"].sum())
        rate = 0.0
        if self._last is not None and now > self._last[0]:
            rate = (sent - self._last[1]) * 1e9 / (now - self._last[0])
        self._last = (now, sent)
        peak = max(float(g["peak"]), pnl)
        return DeskSnapshot(int(now), pnl, peak, peak - pnl,
                            tuple(int(p) for p in lacct["position"]),
                            TradingState(int(g["state"])).name,
                            bool(g["paused"] & L.PAUSE_DESK or g["paused"] & L.PAUSE_STRATEGY),
                            bool(g["killed"]), int(g["denials"]), sent, rate)

    def decide(self, snap: DeskSnapshot) -> list[tuple[str, int]]:
        """The actions (name, reset flags) due at this turn, in the order given."""
        out: list[tuple[str, int]] = []
        for r in self.rules:
            if r.done:
                continue
            due = r.at_ns <= snap.ts if r.at_ns is not None else r.when(snap)
            if due:
                r.done = True
                out.append((r.action, r.flags))
                self.log.append((snap.ts, r.action, f"at {r.at_ns}" if r.when is None
                                 else r.when.name))
        for cb in self.callbacks:
            got = cb(snap)
            names = [got] if isinstance(got, str) else list(got or ())
            for name in names:
                if name not in ACTIONS:
                    raise ConfigError(f"RiskDesk callback {cb!r} returned {name!r}; allowed: "
                                      f"{list(ACTIONS)}")
                out.append((name, L.RESET_STATE if name == "reset" else 0))
                self.log.append((snap.ts, name, getattr(cb, "__name__", "callback")))
        return out

    @staticmethod
    def apply(actions: list[tuple[str, int]], rstate: L.RiskState) -> None:
        """Write the desk's requests into the risk state the gate reads."""
        g = rstate.glob
        for name, flags in actions:
            if name == "kill" and g["kill"][0] == 0 and g["killed"][0] == 0:
                g["kill"] = L.KILL_DESK
            elif name == "pause":
                g["desk_pause"] = 1
            elif name == "resume":
                g["desk_pause"] = -1
            elif name == "reset":
                g["reset"] = g["reset"][0] | flags
