"""nasearch: neural architecture search with pluggable zero-cost proxies."""

__version__ = "0.1.0"
