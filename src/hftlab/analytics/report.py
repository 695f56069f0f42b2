"""Compatibility name for ``hftlab.analytics.cli`` only: the analytics page moved to
``hftlab.report.analytics_report`` (analytics holds pure functions and never imports
report). Remove once analytics/cli.py imports ``hftlab.report`` (tests/test_layers.py
lists this import as a known violation until then)."""

from hftlab.report.analytics_report import analyze

__all__ = ["analyze"]
