"""Compatibility name for ``hftlab.analytics.cli`` only: the run's analytics page moved
to ``hftlab.report.analytics_run`` (analytics holds pure functions and never imports
report). Remove once analytics/cli.py imports ``hftlab.report`` (tests/test_layers.py
lists this import as a known violation until then)."""

from hftlab.report.analytics_run import analyze_run

__all__ = ["analyze_run"]
