"""Short, specific error messages: one line for validation errors (no pydantic URLs, the allowed
keys named) and short lists of names."""

from __future__ import annotations

from typing import Any, Iterable, get_args

from pydantic import BaseModel, ValidationError


def few(names: Iterable[object], limit: int = 6) -> str:
    """The first ``limit`` names, comma-separated, and how many more (keeps messages short)."""
    shown = [str(n) for n in names]
    text = ", ".join(shown[:limit])
    return text + (f", ... ({len(shown) - limit} more)" if len(shown) > limit else "")


def _model_at(model: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that holds the last key of ``loc`` (None when it cannot be told)."""
    for step in loc[:-1]:
        if model is None:
            return None
        if isinstance(step, int):
            continue
        field = model.model_fields.get(step)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def pydantic_message(err: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line for all problems, without pydantic's URLs; unknown keys list the allowed ones."""
    parts = []
    for problem in err.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "value"
        if problem["type"] == "extra_forbidden":
            holder = _model_at(model, tuple(problem["loc"]))
            allowed = ""
            if holder is not None:
                keys = [k for k in holder.model_fields if k != "root"]
                allowed = f" (allowed: {', '.join(keys)})" if keys else " (it takes no options)"
            parts.append(f"unknown key {where!r}{allowed}")
        elif problem["type"] == "missing":
            parts.append(f"missing key {where!r}")
        else:
            parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def allowed_keys(config_cls: type[BaseModel]) -> list[str]:
    return sorted(config_cls.model_fields)


def config_error_line(err: ValidationError, what: str, config_cls: type[BaseModel]) -> str:
    """``err`` as one line naming ``what`` (e.g. "proxy 'epsinas'"), the offending keys and the
    allowed ones, e.g. ``proxy 'epsinas': unknown option 'wieghts' (allowed: dtype, method, ...)``."""
    allowed = ", ".join(allowed_keys(config_cls)) or "none"
    unknown: list[str] = []
    invalid: list[str] = []
    for error in err.errors(include_url=False):
        key = ".".join(str(part) for part in error.get("loc", ())) or "?"
        if error.get("type") == "extra_forbidden":
            unknown.append(repr(key))
        else:
            value: Any = error.get("input")
            invalid.append(f"{key}={value!r}: {error.get('msg', 'invalid')}")
    parts = []
    if unknown:
        parts.append(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    if invalid:
        parts.append("; ".join(invalid))
    return f"{what}: {'; '.join(parts)} (allowed options: {allowed})"
