"""Reports a person can read at a glance: panels, markouts, P&L decomposition, metrics."""

from hftlab.report.run_metrics import (markouts, market_trades, metrics, pnl_decomposition,
                                       teaching_summary, vpin_series)
from hftlab.report.run_report import analyse, run_figure, write_report

__all__ = ["analyse", "markouts", "market_trades", "metrics", "pnl_decomposition", "run_figure",
           "teaching_summary", "vpin_series", "write_report"]
