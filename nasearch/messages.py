"""One-line messages for bad configurations (pydantic errors without URLs or nested output)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


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
