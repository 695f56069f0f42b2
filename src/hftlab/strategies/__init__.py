"""Built-in strategies, each in a Python and a compiled form."""

from hftlab.strategies.inventory_skew import InventorySkew

__all__ = ["InventorySkew"]
