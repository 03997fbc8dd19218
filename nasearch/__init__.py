"""nasearch: neural architecture search with pluggable zero-cost proxies."""

__version__ = "0.1.0"

from nasearch.architecture import Architecture  # noqa: E402
from nasearch.interfaces import (  # noqa: E402
    TASKS,
    Batch,
    FunctionScorer,
    ImageTask,
    LanguageTask,
    NoNetworkError,
    NotEnumerableError,
    Scorer,
    Benchmark,
    Config,
    Proxy,
    SearchSpace,
    Strategy,
    Task,
    TrainResult,
    get_task,
    register_task,
)
from nasearch.registry import (  # noqa: E402
    register_benchmark,
    register_proxy,
    register_space,
    register_strategy,
)

__all__ = [
    "Architecture", "Batch", "Benchmark", "Config", "FunctionScorer", "ImageTask", "LanguageTask",
    "NoNetworkError", "NotEnumerableError", "Proxy", "Scorer", "SearchSpace", "Strategy", "Task", "TrainResult",
    "TASKS", "get_task", "register_task", "register_benchmark", "register_proxy", "register_space", "register_strategy", "__version__",
]
