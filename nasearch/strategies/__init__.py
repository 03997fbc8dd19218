"""Search strategies (ask/tell)."""

from nasearch.strategies import evolution, random_search  # noqa: F401  (registration)
