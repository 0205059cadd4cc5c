"""Printing generated compositions for people: the Bhatkhande grid (matra numbers above, bols,
the X 2 0 3 marks under the first matra of each vibhag).

Canonical line notation is ``tokenizers.tabla_notation``'s; this module only lays out columns.
"""

from __future__ import annotations

from seqgen.taals import Taal


def grid(cycles: list[list[str]], taal: Taal, title: str = "") -> str:
    """The grid of a composition, one block of three rows per cycle, vibhags split by ``|``."""
    blocks = [title] if title else []
    for cycle in cycles:
        blocks.append(_cycle_block(cycle, taal))
    return "\n\n".join(blocks) + "\n"


def _cycle_block(matras: list[str], taal: Taal) -> str:
    numbers, bols, marks = [], [], []
    starts = {start - 1: mark for start, mark in zip(taal.vibhag_starts, taal.marks)}
    for index, matra in enumerate(matras):
        width = max(len(matra), len(str(index + 1)))
        if index in starts and index:
            for row in (numbers, bols, marks):
                row.append("|")
        numbers.append(str(index + 1).ljust(width))
        bols.append(matra.ljust(width))
        marks.append(starts.get(index, "").ljust(width))
    return "\n".join(" ".join(row).rstrip() for row in (numbers, bols, marks))
