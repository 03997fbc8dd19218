"""Zero-cost proxies: one small module per proxy or family, registered by name."""

from nasearch.proxies import epsinas, flops, nparams  # noqa: F401  (registration)
from nasearch.proxies import jacobian_score, jacov, naswot, param_jacobian_score  # noqa: F401,E402  (activation/Jacobian families)
from nasearch.proxies import saliency, synflow, gradient_stats, compressibility, cv, combined  # noqa: F401,E402
from nasearch.proxies import epsinas_lm  # noqa: F401,E402  (language models)
from nasearch.proxies import az_nas, epe_nas, l2_norm, linear_regions, logsynflow, meco, ntk, plain, swap, zen  # noqa: F401,E402  (issue 14: the field's other proxies)
