"""Reports a person can read at a glance."""

from hftlab.report.run_report import run_figure, write_report

__all__ = ["run_figure", "write_report"]
