"""Search strategies (ask/tell)."""

from nasearch.strategies import evolution, free, move, random_search  # noqa: F401  (registration)
