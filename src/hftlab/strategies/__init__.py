"""Built-in market makers, each in a Python and a compiled form, and the closed forms."""

from hftlab.strategies.closed_forms import avellaneda_stoikov_quotes, fit_intensity, glft_quotes
from hftlab.strategies.inventory_skew import InventorySkew
from hftlab.strategies.static import Static

__all__ = ["InventorySkew", "Static", "avellaneda_stoikov_quotes", "fit_intensity",
           "glft_quotes"]
