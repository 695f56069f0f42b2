"""hftlab.stress: market makers through stresses, with and without circuit breakers, and
their tail risk over seeds (the study is hftlab.studies.stress; this face picks the
strategies and writes the report).

``run()`` sends the five built-in makers, with the demo's parameters (hftlab.demo), through
every stress of DEFAULT_STRESSES (all but the slow correlation-spike) on one seed;
``run(["glft", "my_maker.toml"], ["flash-crash"], seeds=20, out="runs/stress")`` picks
strategies by name or TOML config ([strategy] table, as in ``hftlab backtest``), stresses
by name, 20 seeds for the tail risk, and writes the HTML report. Runs go through
hftlab.scale.sweep: a LocalCluster by default, or ``scheduler="tcp://host:8786"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from hftlab.instruments import ConfigError
from hftlab.analytics.tail_risk import tail_risk, var_es
from hftlab.studies.stress import StressResult, run_stress
from hftlab.studies.stresses import DEFAULT_STRESSES, EXCHANGE_HALT, STRESSES, Stress, breakers

__all__ = ["DEFAULT_STRESSES", "EXCHANGE_HALT", "STRESSES", "Stress", "StressResult",
           "breakers", "run", "run_stress", "strategies_from", "tail_risk", "var_es"]


def strategies_from(specs: Sequence[str] | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Strategies by name: None = the five built-in makers with the demo's parameters; a
    list of names of those makers and paths of TOML configs (their [strategy] table); or
    a mapping of name -> strategy object, taken as it is."""
    from hftlab.demo import strategies

    if isinstance(specs, Mapping):
        return dict(specs)
    makers = strategies()
    if specs is None:
        return makers
    out: dict[str, Any] = {}
    for spec in specs:
        if spec in makers:
            out[spec] = makers[spec]
        elif str(spec).endswith(".toml"):
            from hftlab.config import load_config, make_strategy

            cfg = load_config(spec)
            strat, _ = make_strategy(cfg["strategy"])
            out[f"{Path(spec).stem}:{cfg['strategy']['name']}"] = strat
        else:
            raise ConfigError(f"strategy {spec!r}: expected one of {sorted(makers)} or a TOML "
                              "config file (*.toml) with a [strategy] table")
    return out


def run(strategies: Sequence[str] | Mapping[str, Any] | None = None,
        stresses: Sequence[str] | None = None, seeds: int | Sequence[int] = 1,
        seconds: float = 1200.0, limits: Any = None, scheduler: Any = None,
        workers: int | None = None, out: str | Path | None = None, progress: Any = False,
        n_boot: int = 2000, exchange_halt: Sequence[bool] = (False, True)) -> StressResult:
    """Every strategy (strategies_from) through every stress (default: DEFAULT_STRESSES),
    for seeds (a count N: seeds 1..N), with and without the breakers (limits, default
    ``breakers()``) and the exchange's trading halt (exchange_halt: the settings to
    run; EXCHANGE_HALT describes the rule); returns the StressResult and, with out, writes report.html and the
    tables there (runs already in out/stress_runs.parquet are not run again)."""
    from hftlab.studies import stress as study

    strats = strategies_from(strategies)
    table = Path(out) / "stress_runs.parquet" if out is not None else None
    result = study.run(strats, stresses, seeds, seconds, limits, scheduler, workers, table,
                       progress, n_boot, exchange_halt)
    if out is not None:
        from hftlab.report.stress import write_stress_report

        names = list(dict.fromkeys(result.rows["stress"]))
        write_stress_report(result, out, "hftlab stress: market makers under stress",
                            {n: STRESSES[n].description for n in names},
                            [f"Exchange trading halt: {EXCHANGE_HALT}."])
    return result
