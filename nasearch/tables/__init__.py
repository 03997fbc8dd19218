"""Score tables: precomputed proxy scores read instead of computed (``TableScorer``), the
team's reference tables by name and third-party presets (``presets``)."""

from nasearch.tables.scorer import TableScorer

__all__ = ["TableScorer"]
