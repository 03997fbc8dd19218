"""Name -> class registries for spaces, proxies, strategies and benchmarks.

Built-in parts register with a decorator (``@register_proxy("epsinas")``). Third-party
packages add parts without touching nasearch by declaring an entry point in one of the
groups ``nasearch.proxies``, ``nasearch.spaces``, ``nasearch.strategies`` or
``nasearch.benchmarks`` whose value is the class, e.g. in their pyproject.toml::

    [project.entry-points."nasearch.proxies"]
    my_proxy = "my_package.module:MyProxy"
"""

from __future__ import annotations

import difflib
import importlib
import warnings
from importlib.metadata import entry_points
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> class for one kind of part (``kind`` is the plural: "proxies", "strategies")."""

    def __init__(self, kind: str, builtin_modules: tuple[str, ...]):
        self.kind = kind
        # one of the kind, for messages: "strategies" -> "strategy", "spaces" -> "space"
        self.noun = kind[:-3] + "y" if kind.endswith("ies") else kind.removesuffix("s")
        self.group = f"nasearch.{kind}"
        self._builtin_modules = builtin_modules
        self._classes: dict[str, type[T]] = {}
        self._broken: dict[str, str] = {}  # plug-in name -> why its entry point failed to load
        self._loaded = False

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        """Decorator registering a class under ``name``. The first name a class is registered
        under is its own (``cls.name``, used in stores and manifests); registering it again
        under another name adds an alias that builds the same class."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a {self.noun} needs a non-empty name, got {name!r}")

        def decorate(cls: type[T]) -> type[T]:
            existing = self._classes.get(name)
            if existing is not None and existing is not cls:
                raise ValueError(f"{self.noun} {name!r} is registered twice ({existing} and {cls})")
            if cls not in self._classes.values():
                cls.name = name  # type: ignore[attr-defined]
            self._classes[name] = cls
            return cls

        return decorate

    def aliases(self, name: str) -> list[str]:
        """The other names the class registered as ``name`` answers to."""
        cls = self.get_class(name)
        return [other for other, c in self._classes.items() if c is cls and other != name]

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in self._builtin_modules:
            importlib.import_module(module)
        for ep in entry_points(group=self.group):
            if ep.name in self._classes:
                continue
            try:
                cls = ep.load()
            except Exception as err:  # one broken plug-in must not break every command
                self._broken[ep.name] = (f"{self.noun} {ep.name!r} (entry point {ep.value!r} of group {self.group}) "
                                         f"could not be loaded: {type(err).__name__}: {err}")
                warnings.warn(self._broken[ep.name] + "; it is skipped", stacklevel=2)
                continue
            self.register(ep.name)(cls)

    def available(self) -> list[str]:
        self._load()
        return sorted(self._classes)

    def get_class(self, name: str) -> type[T]:
        self._load()
        try:
            return self._classes[name]
        except KeyError:
            if name in self._broken:
                raise KeyError(self._broken[name]) from None
            close = difflib.get_close_matches(name, self._classes, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise KeyError(
                f"unknown {self.noun} {name!r}.{hint} Available: {', '.join(self.available())}"
            ) from None

    def get(self, name: str, **kwargs: Any) -> T:
        cls = self.get_class(name)
        try:
            return cls(**kwargs)
        except ValidationError as err:  # one line naming each bad option and the allowed ones
            from nasearch.messages import config_error_line

            config = getattr(cls, "Config", None)  # proxies and strategies declare one; spaces need not
            if not (isinstance(config, type) and issubclass(config, BaseModel)):
                config = type(err.title, (BaseModel,), {})
            raise ValueError(config_error_line(err, f"{self.noun} {name!r}", config)) from None

    def __contains__(self, name: str) -> bool:
        self._load()
        return name in self._classes


# The space used where a user names none (the command line, experiment files, tables): the
# one place a generic module learns of a concrete space.
DEFAULT_SPACE = "nb201"

spaces: Registry = Registry("spaces", ("nasearch.spaces",))
proxies: Registry = Registry("proxies", ("nasearch.proxies",))
strategies: Registry = Registry("strategies", ("nasearch.strategies",))
benchmarks: Registry = Registry("benchmarks", ("nasearch.benchmarks",))

register_space = spaces.register
register_proxy = proxies.register
register_strategy = strategies.register
register_benchmark = benchmarks.register
