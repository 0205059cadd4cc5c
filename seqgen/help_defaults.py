"""Default values of the training settings, per domain, as ``seqgen train --help`` shows them.

They are read from the source of the settings dataclasses (``ModelConfig``, ``TrainConfig``,
``DataConfig``) and of ``api.DOMAIN_DEFAULTS`` with ``ast``, never by importing those modules:
``model`` and ``training`` import TensorFlow, which ``--help`` must not wait for. Reading the
source keeps the help in step with the code without copying a single value by hand.

What the values mean and how they are applied stays with those modules; this one only reads
them. Anything it cannot read is left out of the help rather than breaking the CLI (a test holds
the help to the real defaults). Standard library only.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from typing import Any

# Each settings class and the modules that may define it, first match wins (ModelConfig is
# moving out of `model` so that it can be used without TensorFlow).
_CLASSES = {
    "ModelConfig": ("seqgen.model_config", "seqgen.model"),
    "TrainConfig": ("seqgen.training",),
    "DataConfig": ("seqgen.data",),
}
_DOMAIN_DEFAULTS = ("seqgen.api", "DOMAIN_DEFAULTS")


def default_text(name: str) -> str | None:
    """How help shows setting ``name``'s default: ``40``, or ``tabla 64, japanese 128`` where the
    domains differ; None where no default is known."""
    per_domain = {domain: values[name] for domain, values in domain_defaults().items() if name in values}
    if not per_domain:
        return None
    shown = {domain: _show(value) for domain, value in per_domain.items()}
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    return ", ".join(f"{domain} {value}" for domain, value in shown.items())


@functools.cache
def domain_defaults() -> dict[str, dict[str, Any]]:
    """domain -> every setting's default for it: the dataclass defaults, then the domain's own."""
    base: dict[str, Any] = {}
    for class_name, modules in _CLASSES.items():
        base.update(dataclass_defaults(class_name, modules))
    domains = _module_constant(*_DOMAIN_DEFAULTS) or {}
    return {domain: {**base, **overrides} for domain, overrides in domains.items()}


def dataclass_defaults(class_name: str, modules: tuple[str, ...]) -> dict[str, Any]:
    """``{field: default}`` of the fields of ``class_name`` whose default is a literal."""
    for module in modules:
        tree = _parse(module)
        classes = [node for node in getattr(tree, "body", []) if isinstance(node, ast.ClassDef)]
        for node in classes:
            if node.name == class_name:
                return {field.target.id: value for field, value in _literal_fields(node)}
    return {}


def _literal_fields(node: ast.ClassDef):
    for field in node.body:
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name) and field.value is not None:
            try:
                yield field, ast.literal_eval(field.value)
            except ValueError:  # field(default_factory=...) and other non-literals: not shown
                continue


def _module_constant(module: str, name: str) -> Any:
    for node in getattr(_parse(module), "body", []):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


def _parse(module: str) -> ast.Module | None:
    try:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            return None
        with open(spec.origin, encoding="utf-8") as file:
            return ast.parse(file.read(), spec.origin)
    except (OSError, SyntaxError, ValueError, ImportError):
        return None


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value == "":
        return "none"
    return str(value)
