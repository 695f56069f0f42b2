"""Built-in market makers, each in a Python and a compiled form, and the closed forms.

Static, InventorySkew, AvellanedaStoikov, GLFT and ToxicityAware share one pattern: a
compiled quote rule (``*_nb`` modules) called by both the Python strategy and its
``compiled()`` form, so the two leave the same record. Prices are ticks, sizes lots.
"""

from hftlab.strategies.avellaneda_stoikov import AvellanedaStoikov
from hftlab.strategies.closed_forms import avellaneda_stoikov_quotes, fit_intensity, glft_quotes
from hftlab.strategies.glft import GLFT
from hftlab.strategies.inventory_skew import InventorySkew
from hftlab.strategies.static import Static
from hftlab.strategies.toxicity import ToxicityAware

__all__ = ["AvellanedaStoikov", "GLFT", "InventorySkew", "Static", "ToxicityAware",
           "avellaneda_stoikov_quotes", "fit_intensity", "glft_quotes"]
