"""Type checks shared by the settings dataclasses (``ModelConfig``, ``DataConfig``, ...).

Settings arrive from three places: CLI options, Python keywords and a bundle's ``config.json``.
Each dataclass calls ``check_types`` first in its ``__post_init__``, so a string, a bool or a
non-finite number is refused with one line whatever the source; its own range rules come after.
``from_dict`` rebuilds a dataclass from a JSON section, refusing unknown and missing keys. The
meaning of each value is the dataclass's business. Standard library only.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import MISSING, fields
from typing import Any, TypeVar

from seqgen.errors import SeqgenError

T = TypeVar("T")
_KINDS = {"int": "a whole number", "float": "a number", "str": "a string"}


def shown(value: Any, limit: int = 60) -> str:
    """``repr`` of a value, cut short so one message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def check_types(instance: Any) -> None:
    """Check every field of a frozen dataclass against its annotation (``int``, ``float``, ``str``).

    Whole numbers of any integral type become ``int`` and whole numbers given for a float field
    become ``float`` (so ``dropout=0`` and NumPy integers are fine); bools are refused everywhere,
    because ``True`` is an ``int`` in Python but never a meaningful size or rate.

    Raises:
        SeqgenError: naming the field, the expected kind and the value.
    """
    for field in fields(instance):
        value = getattr(instance, field.name)
        kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
        if kind not in _KINDS:
            continue
        converted = _convert(value, kind)
        if converted is None:
            raise SeqgenError(f"{field.name} must be {_KINDS[kind]}, got {shown(value)}")
        object.__setattr__(instance, field.name, converted)  # frozen: normalise in place once


def _convert(value: Any, kind: str):
    if isinstance(value, bool):
        return None
    if kind == "str":
        return value if isinstance(value, str) else None
    if isinstance(value, numbers.Integral):
        if kind == "int":
            return int(value)
        value = int(value)
        return float(value) if abs(value) < 2 ** 1000 else None  # float() overflows past ~1.8e308
    if kind == "float" and isinstance(value, numbers.Real) and math.isfinite(value):
        return float(value)
    return None


def from_dict(cls: type[T], data: Any, what: str) -> T:
    """Rebuild ``cls`` from a dict of its fields; ``what`` names the section in messages.

    Raises:
        SeqgenError: not a dict, unknown or missing settings, or a value the dataclass refuses.
    """
    if not isinstance(data, dict):
        raise SeqgenError(f"{what} must be an object of settings, got {type(data).__name__}")
    known = {field.name for field in fields(cls)}
    unknown = sorted(map(str, set(data) - known))
    if unknown:
        raise SeqgenError(f"{what} has unknown settings: {', '.join(shown(key, 30) for key in unknown[:5])}")
    required = [field.name for field in fields(cls)
                if field.default is MISSING and field.default_factory is MISSING and field.name not in data]
    if required:
        raise SeqgenError(f"{what} lacks required settings: {', '.join(required)}")
    return cls(**data)
