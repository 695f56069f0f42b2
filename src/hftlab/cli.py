"""The `hftlab` command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hftlab.analytics.cli import analyze_command
from hftlab.data.cli import data_app
from hftlab.sim.cli import simulate_command

app = typer.Typer(help="hftlab: a tick-level lab for high-frequency trading research.",
                  no_args_is_help=True)
app.command("analyze")(analyze_command)
app.add_typer(data_app, name="data")
app.command("simulate")(simulate_command)
console = Console()


def _summary_table(summary: dict, title: str) -> Table:
    t = Table(title=title, show_header=False)
    for k, v in summary.items():
        t.add_row(k, f"{v:,.4f}" if isinstance(v, float) else str(v))
    return t


@app.command()
def demo(out: Path = typer.Option(Path("runs/demo"), help="run folder to write"),
         seconds: float = typer.Option(3600.0, help="length of the simulated session"),
         seed: int = typer.Option(7, help="seed of the market and of latency jitter")) -> None:
    """Five market makers side by side on a simulated informed-episode session."""
    from hftlab.demo import run_demo

    run_demo(out, seconds=seconds, seed=seed, console=console)


@app.command()
def backtest(config: Path = typer.Argument(..., help="TOML file (see hftlab.config)"),
             out: Path = typer.Option(None, help="run folder (default: runs/<config>)")) -> None:
    """Run the backtest a TOML file configures into a run folder with its report."""
    from hftlab.config import run_config
    from hftlab.instruments import ConfigError

    out = out or Path("runs") / config.stem
    try:
        with Progress(TextColumn("[bold]backtest"), BarColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("run", total=None)
            s = run_config(config, out, progress=lambda done, total: bar.update(
                task, completed=done, total=total))
    except ConfigError as e:
        console.print(f"[red]config error:[/red] {e}")
        raise typer.Exit(2) from None
    console.print(_summary_table(s["summary"], f"{config.name}"))
    console.print(f"report: {s['report']}")
