"""Python names for policy names in generated code: safe, predictable, readable."""

from __future__ import annotations

import keyword

_RESERVED = {"D", "b", "np", "on", "case", "problems", "failed", "min", "max", "date", "result"}


def local(name: str) -> str:
    """A formula or input name as a safe Python local."""
    return name + "_" if keyword.iskeyword(name) or name in _RESERVED else name


def constant(name: str) -> str:
    """The module-level constant holding a parameter's dated values."""
    return "P_" + name.upper()
