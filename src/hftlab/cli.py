"""The `hftlab` command.

Each command here declares its options and help and imports what it runs inside its
body, so ``hftlab --help`` and every ``hftlab CMD --help`` load no numba, pandas,
matplotlib or engine. An error the project raises for bad input or a failed run
(ValueError with its ConfigError and DataError, OSError such as a missing file, the
engine's EngineError) ends the command with one line ``error: ...`` on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator

import typer
from typer.core import TyperGroup

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


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn a reported error (see `reported_errors`) into 'error: ...' on stderr, exit 2."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, reported_errors()):
            raise
        typer.echo(f"error: {error_line(exc)}", err=True)
        raise typer.Exit(2) from None


class OneLineErrors(TyperGroup):
    """The `hftlab` group: every subcommand runs under `one_line_errors`."""

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
        task = bar.add_task(WARMUP_STEPS[0][0], total=len(WARMUP_STEPS))

        def step_done(k: int, name: str, seconds: float) -> None:
            nxt = WARMUP_STEPS[k + 1][0] if k + 1 < len(WARMUP_STEPS) else "done"
            bar.update(task, advance=1, description=nxt)

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


if __name__ == "__main__":
    app()
