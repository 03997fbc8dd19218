"""nasearch: neural architecture search with pluggable zero-cost proxies."""

__version__ = "0.1.0"

from nasearch.architecture import Architecture  # noqa: E402
from nasearch.interfaces import (  # noqa: E402
    TASKS,
    Batch,
    Benchmark,
    Config,
    Proxy,
    SearchSpace,
    Strategy,
    Task,
    TrainResult,
)
from nasearch.registry import (  # noqa: E402
    register_benchmark,
    register_proxy,
    register_space,
    register_strategy,
)

__all__ = [
    "Architecture", "Batch", "Benchmark", "Config", "Proxy", "SearchSpace", "Strategy", "Task", "TrainResult",
    "TASKS", "register_benchmark", "register_proxy", "register_space", "register_strategy", "__version__",
]
