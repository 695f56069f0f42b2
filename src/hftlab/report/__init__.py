"""Reports a person can read at a glance: panels, markouts, P&L decomposition, metrics,
and the analytics pages of ``hftlab analyze`` (`analyze`, `analyze_run`). Every page is
built with ``report.page`` and every figure with ``report.figures``."""

from hftlab.report.analytics_report import analyze
from hftlab.report.analytics_run import analyze_run
from hftlab.report.run_metrics import (markouts, market_trades, metrics, pnl_decomposition,
                                       teaching_summary, vpin_series)
from hftlab.report.run_report import analyse, run_figure, write_report

__all__ = ["analyse", "analyze", "analyze_run", "markouts", "market_trades", "metrics",
           "pnl_decomposition", "run_figure", "teaching_summary", "vpin_series",
           "write_report"]
