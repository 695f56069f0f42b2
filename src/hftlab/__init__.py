"""hftlab: a tick-level lab for high-frequency trading research."""

__version__ = "0.1.0"
