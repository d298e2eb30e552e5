"""Engines other than this process that score the store's series with the same detector."""
