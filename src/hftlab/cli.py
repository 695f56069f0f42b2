"""The `hftlab` command."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hftlab.analytics.cli import analyze_command

app = typer.Typer(help="hftlab: a tick-level lab for high-frequency trading research.",
                  no_args_is_help=True)
app.command("analyze")(analyze_command)
console = Console()


def _progress_run(data, strategy, **kw):
    """Backtest with a Rich progress bar over the events."""
    import hftlab

    with Progress(TextColumn("[bold]backtest"), BarColumn(), TextColumn("{task.completed:,} events"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("run", total=len(data))
        return hftlab.backtest(data, strategy, progress=lambda done, total: bar.update(
            task, completed=done), **kw)


def _summary_table(summary: dict, title: str) -> Table:
    t = Table(title=title, show_header=False)
    for k, v in summary.items():
        t.add_row(k, f"{v:,.4f}" if isinstance(v, float) else str(v))
    return t


@app.command()
def demo(out: Path = typer.Option(Path("runs/demo"), help="run folder to write"),
         events: int = typer.Option(2_000_000, help="events of the generated L2 stream"),
         seed: int = typer.Option(7, help="seed of the stream and of latency jitter")) -> None:
    """Backtest InventorySkew (compiled) on a generated L2 stream and write a report."""
    from hftlab.data.synthetic import l2_stream
    from hftlab.instruments import FeeSchedule, LatencyProfile, Venue
    from hftlab.report import write_report
    from hftlab.strategies import InventorySkew

    data = l2_stream(events, seed=seed)
    venue = Venue("SYNX", FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit"),
                  LatencyProfile.named("colocated"))
    strat = InventorySkew(half_spread=1.0, skew=2.0, capacity=20, qty=2).compiled()
    rec = _progress_run(data, strat, venues=[venue], seed=seed, queue="power:2")
    rec.save(out)
    summary = rec.summary()
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    report = write_report(rec, out, "hftlab demo: InventorySkew on a synthetic L2 stream")
    console.print(_summary_table(summary, "InventorySkew on synthetic L2"))
    console.print(f"report: {report}")

