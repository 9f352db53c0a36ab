"""The catalog: the only code that writes catalog.sqlite."""

from photofs.catalog.store import Catalog

__all__ = ["Catalog"]
