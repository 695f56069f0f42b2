"""The `hftlab` command.

Each command here declares its options and help and imports what it runs inside its
body, so ``hftlab --help`` and every ``hftlab CMD --help`` load no numba, pandas,
matplotlib or engine. An error the project raises for bad input or a failed run
(ValueError with its ConfigError and DataError, OSError such as a missing file, the
engine's EngineError) ends the command with one line ``error: ...`` on stderr and exit
code 2, never a traceback; so does a usage error (an unknown command or option, a
missing or invalid argument), which names the value and what is allowed in place of
click's usage box.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator

import typer
from typer.core import TyperGroup

try:  # recent typer runs on its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # older typer runs on click itself
    from click import exceptions as click_errors

from hftlab.data.cli import data_app

if TYPE_CHECKING:
    from rich.table import Table


def reported_errors() -> tuple[type[Exception], ...]:
    """The error types a command reports as one line: ValueError (ConfigError, DataError,
    validation), OSError (missing or unreadable files) and, once the engine is loaded,
    EngineError (it can only have been raised if its module is imported)."""
    engine = sys.modules.get("hftlab.engine.backtest")
    return (ValueError, OSError) + ((engine.EngineError,) if engine is not None else ())


def error_line(exc: BaseException) -> str:
    """The error as one line: an OSError as '<file>: <reason>', else its message."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__


def usage_line(exc: click_errors.UsageError) -> str:
    """A usage error as one line: click's message and where the help is."""
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return " ".join(exc.format_message().split()) + where


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn a reported error (see `reported_errors`) or a usage error into 'error: ...' on
    stderr, exit 2."""
    try:
        yield
    except getattr(click_errors, "NoArgsIsHelpError", ()):
        raise  # `hftlab` alone prints the help
    except click_errors.UsageError as exc:
        typer.echo(f"error: {usage_line(exc)}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        if not isinstance(exc, reported_errors()):
            raise
        typer.echo(f"error: {error_line(exc)}", err=True)
        raise typer.Exit(2) from None


class OneLineErrors(TyperGroup):
    """The `hftlab` group: its own options and every subcommand (parsing included) run
    under `one_line_errors`."""

    def make_context(self, *args: Any, **kwargs: Any) -> typer.Context:
        with one_line_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: typer.Context) -> Any:
        with one_line_errors():
            return super().invoke(ctx)


app = typer.Typer(help="hftlab: a tick-level lab for high-frequency trading research.",
                  no_args_is_help=True, cls=OneLineErrors)
app.add_typer(data_app, name="data")


def _summary_table(summary: dict, title: str) -> "Table":
    from rich.table import Table

    t = Table(title=title, show_header=False)
    for k, v in summary.items():
        t.add_row(k, f"{v:,.4f}" if isinstance(v, float) else str(v))
    return t


@app.command()
def demo(out: Path = typer.Option(Path("runs/demo"), help="run folder to write"),
         seconds: float = typer.Option(3600.0, help="length of the simulated session"),
         seed: int = typer.Option(7, help="seed of the market and of latency jitter")) -> None:
    """Five market makers side by side on a simulated informed-episode session."""
    from rich.console import Console

    from hftlab.demo import run_demo

    run_demo(out, seconds=seconds, seed=seed, console=Console())


@app.command()
def warmup() -> None:
    """Compile (first run only) and cache the kernels the first commands need, with progress."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hftlab.warmup import WARMUP_STEPS
    from hftlab.warmup import warmup as run_warmup

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]compiling kernels[/] (first run only; cached after)"),
                  BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("", total=len(WARMUP_STEPS))

        def step_done(k: int, name: str, seconds: float) -> None:
            bar.update(task, advance=1, description=f"{name}: {seconds:.0f} s")

        seconds = run_warmup(step_done)
    console.print(f"kernels ready in {seconds:.1f} s")


@app.command()
def backtest(config: Path = typer.Argument(..., help="TOML file (see hftlab.config)"),
             out: Path = typer.Option(None, help="run folder (default: runs/<config>)")) -> None:
    """Run the backtest a TOML file configures into a run folder with its report."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hftlab.config import run_config

    console = Console()
    out = out or Path("runs") / config.stem
    with Progress(TextColumn("[bold]backtest"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("run", total=None)
        s = run_config(config, out, progress=lambda done, total: bar.update(
            task, completed=done, total=total))
    console.print(_summary_table(s["summary"], f"{config.name}"))
    console.print(f"report: {s['report']}")


@app.command("analyze")
def analyze_command(
    path: Annotated[Path, typer.Argument(help="A run folder (run.json), a directory with "
                                              "trades.parquet and quotes.parquet, a "
                                              "canonical events Parquet (MarketData.save), "
                                              "or one Parquet with a kind column "
                                              "(trade/quote).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the HTML report.")]
    = Path("analytics_report"),
    bar: Annotated[str, typer.Option(help="BVC time-bar length for VPIN, e.g. 1min, 1s.")]
    = "1min",
    quote_lag: Annotated[str, typer.Option(help="Match trades to quotes older than this, "
                                                "e.g. 50ms.")] = "0s",
    bucket_volume: Annotated[float | None, typer.Option(help="VPIN bucket volume; default "
                                                              "daily volume / 50.")] = None,
    venue: Annotated[str | None, typer.Option(help="Book of events or run: venue index or "
                                                   "name; default the first with trades.")]
    = None,
    instrument: Annotated[str | None, typer.Option(help="Book of events or run: instrument "
                                                        "index or symbol.")] = None,
    events: Annotated[Path | None, typer.Option(help="For a run folder: the events Parquet "
                                                     "it replayed, for the market's own "
                                                     "trades and book.")] = None,
) -> None:
    """Write an HTML report of toxicity (VPIN) over time and the spread decomposition,
    plus, for a run folder, the adverse selection of the run's fills.

    Also re-exported as hftlab.analytics.cli.analyze_command for apps that register it
    themselves, so it reports its own errors.
    """
    with one_line_errors():
        from hftlab.analytics.cli import analyze_path

        report = analyze_path(path, out, bar=bar, quote_lag=quote_lag,
                              bucket_volume=bucket_volume, venue=venue,
                              instrument=instrument, events=events)
    typer.echo(str(report))


@app.command("simulate")
def simulate_command(
    scenario: Annotated[str, typer.Argument(help="calm, informed-episode, toxicity-regimes, "
                                                 "flash-crash, lagging-venue, "
                                                 "correlated-assets, calibrated, or a TOML "
                                                 "file with scenario = \"<name>\".")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Parquet file to write.")],
    seconds: Annotated[float | None, typer.Option(help="Session length in seconds "
                                                       "(default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of every agent's random stream.")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a MarketParams "
                                                                 "field, e.g. --set "
                                                                 "informed_rate=8")] = None,
) -> None:
    """Simulate a background market (no strategy) and write its canonical events to
    Parquet, for hftlab.backtest, hftlab analyze and the readers' tools."""
    from hftlab.sim.cli import parse_overrides, simulate

    typer.echo(simulate(scenario, out, seconds=seconds, seed=seed,
                        overrides=parse_overrides(set_ or [])))


@app.command("stress")
def stress_command(
    strategy: Annotated[list[str] | None, typer.Option(
        "--strategy", "-s", help="A built-in maker (static, inventory_skew, "
        "avellaneda_stoikov, glft, toxicity_aware) or a TOML config with a [strategy] "
        "table; repeat for several (default: the five makers)")] = None,
    stress: Annotated[list[str] | None, typer.Option(
        "--stress", help="flash-crash, vol-spike, informed-sweep, news-jump, feed-outage, "
        "latency-spike, correlation-spike; repeat for several (default: all but "
        "correlation-spike, slow: a Python maker on each of its ten books)")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds 1..N per stress (tail risk over them).")]
    = 1,
    seconds: Annotated[float, typer.Option(help="Session length in seconds.")] = 1200.0,
    breakers: Annotated[float, typer.Option(help="Scale of the circuit breakers' money "
                                                 "limits (1: REDUCING at 75, HALTED at "
                                                 "150 of loss or drawdown).")] = 1.0,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (default: a "
                                                       "local cluster).")] = None,
    workers: Annotated[int | None, typer.Option(help="Local cluster workers (default: one "
                                                     "per core).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder of the report and "
                                                          "tables.")] = Path("runs/stress"),
    exchange_halt: Annotated[str, typer.Option(
        help="The exchange's own trading halt (a limit-up / limit-down band at the "
             "simulated venue): both (each stress with and without it), on or off.")]
    = "both",
) -> None:
    """Market makers through stresses, with and without circuit breakers and the
    exchange's trading halt, and tail risk.

    Stresses: flash crash, volatility spike, informed sweep, news jump, feed outage,
    latency spike, correlation spike. Per run: P&L impact against the calm session, worst
    inventory, time to halt, loss after the halt; over seeds: VaR / ES with bootstrap
    intervals; an HTML report in OUT."""
    from rich.console import Console

    from hftlab import stress as face

    halts = {"both": (False, True), "on": (True,), "off": (False,)}
    if exchange_halt not in halts:
        raise typer.BadParameter(f"--exchange-halt must be one of {sorted(halts)}, got "
                                 f"{exchange_halt!r}")
    console = Console()
    res = face.run(strategy or None, stress or None, seeds, seconds,
                   face.breakers(breakers), scheduler, workers, out, progress=console,
                   exchange_halt=halts[exchange_halt])
    _print_frame(console, res.table, "stress table (means over seeds)",
                 ["stress", "strategy", "breakers", "exchange_halt", "impact", "max_drawdown",
                  "worst_inventory", "halted", "time_to_halt_s", "loss_after_halt",
                  "exchange_halts", "max_move_bps"])
    tail = res.tail[res.tail["level"] == 0.95]
    _print_frame(console, tail, "tail risk of session P&L (95 %)",
                 ["stress", "strategy", "breakers", "exchange_halt", "n", "var", "es",
                  "worst"])
    if len(res.failed):
        console.print(f"[red]{len(res.failed)} stress task(s) failed[/]: "
                      + "; ".join(sorted(set(res.failed["error"]))))
    console.print(f"report: {out / 'report.html'}")


@app.command("sweep")
def sweep_command(
    config: Annotated[Path, typer.Argument(help="TOML backtest config (as for hftlab "
                                                "backtest).")],
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "-g", help="name=v1,v2,... ; name is a strategy parameter (gamma) or a "
        "dotted path into the config (market.overrides.informed_rate, risk.hard_loss); "
        "repeat for several")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 per parameter set (market and "
                                            "engine).")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. "
                                                       "tcp://10.0.0.5:8786 (default: a "
                                                       "local cluster).")] = None,
    workers: Annotated[int | None, typer.Option(help="Local cluster workers (default: one "
                                                     "per core).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder of sweep.parquet "
                                                                 "and report.html "
                                                                 "(default: runs/sweep-"
                                                                 "<config>).")] = None,
) -> None:
    """Run a backtest config over a parameter grid and seeds on Dask.

    One task per run; results in OUT/sweep.parquet (runs already there are skipped; failed
    ones are recorded with their error and run again next time); heat-maps of P&L and
    Sharpe in OUT/report.html."""
    from rich.console import Console

    from hftlab.report.sweep import means, write_sweep_report
    from hftlab.scale.cli import ConfigTask, config_path
    from hftlab.scale.grid import parse_grid
    from hftlab.scale.sweeper import sweep

    console = Console()
    out = out or Path("runs") / f"sweep-{config.stem}"
    task = ConfigTask(config)
    grid_values = parse_grid(grid or [])
    for name in grid_values:  # a name that points nowhere fails here, not in every run
        config_path(name)
    res = sweep(task, grid_values, seeds, table=out / "sweep.parquet",
                scheduler=scheduler, workers=workers, warm=task.warm, progress=console)
    report = write_sweep_report(res.table, out, f"hftlab sweep: {config.name}")
    m = means(res.table, ["total_pnl", "sharpe_run", "max_drawdown"]).reset_index()
    _print_frame(console, m, "means over seeds", list(m.columns))
    console.print(f"{res.ran} run(s), {res.skipped} already in the table, {res.failed} "
                  f"failed; {res.seconds:.1f} s on {res.workers} worker(s)")
    console.print(f"table: {out / 'sweep.parquet'}\nreport: {report}")


def _print_frame(console: Any, frame: Any, title: str, columns: list[str]) -> None:
    """A DataFrame's columns as a Rich table (numbers through report.page.fmt)."""
    from rich.table import Table

    from hftlab.report.page import fmt

    t = Table(title=title)
    cols = [c for c in columns if c in frame.columns]
    for c in cols:
        t.add_column(str(c), justify="left" if frame[c].dtype == object else "right")
    for _, row in frame[cols].iterrows():
        t.add_row(*[fmt(v.item() if hasattr(v, "item") else v) for v in row])
    console.print(t)


@app.command("playbook")
def playbook_command(
    seconds: Annotated[float, typer.Option(help="Simulated seconds per scenario.")] = 600.0,
    seed: Annotated[int, typer.Option(help="Seed of every scenario.")] = 1,
    lobster: Annotated[Path | None, typer.Option(help="A LOBSTER message CSV (its "
                                                      "orderbook file beside it, by name) "
                                                      "for the iceberg follower; without "
                                                      "it liquidity detection is not "
                                                      "measured.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder of index.html and "
                                                          "playbook.csv.")] = Path(
        "runs/playbook"),
) -> None:
    """Run each HFT subtype that exists on its scenario and print the seed's comparative
    table with measured columns (entry signal, median hold, P&L per trade in bps, worst
    drawdown, main risk) beside the seed's ranges; the page goes to OUT/index.html."""
    from rich.console import Console

    from hftlab.report.playbook import rich_table
    from hftlab.studies import playbook

    console = Console()
    l3, follower = None, {}
    if lobster is not None:
        l3, follower = playbook.lobster_day(lobster)
    tab, missing = playbook.run(seconds=seconds, seed=seed, iceberg_data=l3,
                                iceberg_name=lobster.name if lobster else "",
                                follower=follower)
    console.print(rich_table(tab, missing))
    console.print(f"report: {playbook.write(tab, missing, out)}")


if __name__ == "__main__":
    app()
