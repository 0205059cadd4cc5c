"""Small pretrained bundles shipped inside the package, so sampling works right after install.

Rebuilt reproducibly from the corpora by ``scripts/make_pretrained.py`` (``make pretrained``).
"""

from __future__ import annotations

from pathlib import Path

from seqgen.errors import SeqgenError

HERE = Path(__file__).resolve().parent


def pretrained_path(domain: str) -> Path:
    """The folder of the shipped bundle for ``domain``."""
    path = HERE / domain
    if not (path / "config.json").exists():
        raise SeqgenError(f"no pretrained {domain} model is shipped in this installation; "
                          f"train one with `seqgen train {domain} CORPUS` or pass --model")
    return path
