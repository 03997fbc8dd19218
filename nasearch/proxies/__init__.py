"""Zero-cost proxies: one small module per proxy or family, registered by name."""

from nasearch.proxies import epsinas, flops, nparams  # noqa: F401  (registration)
