"""Search spaces: one module per space (the space and its network builder)."""

from nasearch.spaces.nb101 import NB101Space
from nasearch.spaces.nb201 import NB201Space
from nasearch.spaces.nlp import NLPSpace

__all__ = ["NB101Space", "NB201Space", "NLPSpace"]
