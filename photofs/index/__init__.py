"""Compact in-memory structures built from the catalog, rebuilt when it changes."""
