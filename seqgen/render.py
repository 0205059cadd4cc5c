"""Printing compositions for people: the Bhatkhande grid (matra numbers above, bols, the X 2 0 3
marks under the first matra of each vibhag).

Where each matra stands in its cycle comes from the taal automaton (``rhythm``), so a piece that
starts after sam shows its first matras under their true numbers, and a landing on sam opens a
row of its own. Canonical line notation is ``tokenizers.tabla_notation``'s; this module only lays
out columns.
"""

from __future__ import annotations

from seqgen.rhythm import Beat, Meter
from seqgen.taals import Taal


def grid(cycles: list[list[str]], taal: Taal, title: str = "", start: int = 1,
         sections: list[dict] | None = None) -> str:
    """The grid of a composition, one block of three rows per cycle, vibhags split by ``|``.

    Args:
        cycles: the written cycles, each a list of matra texts (``DhaGe``, ``TiRaKiTa,DhaGe``).
        taal: the taal record.
        title: a first line, when given.
        start: the 1-based matra the composition begins on (a pickup when > 1).
        sections: ``{"kind", "matras": [first, last]}`` spans (counted from the piece's first
            matra); each is named above the row where it begins.
    """
    meter = Meter(taal, start=start)
    rows: list[list[tuple[int, str]]] = []
    labels: list[list[str]] = []
    begins = _section_starts(sections or [], meter)
    matras = [matra for cycle in cycles for matra in cycle]
    for done, matra in enumerate(matras):
        position = meter.matra_of(Beat(done=done))
        if not rows or position == 0:
            rows.append([])
            labels.append([])
        rows[-1].append((position, matra))
        labels[-1] += begins.get(done, [])
    blocks = [title] if title else []
    blocks += [_labelled(_row_block(row, taal), names) for row, names in zip(rows, labels)]
    return "\n\n".join(blocks) + "\n"


def _section_starts(sections: list[dict], meter: Meter) -> dict[int, list[str]]:
    """Section names by the index of the matra they begin on, with that matra's number in the cycle."""
    begins: dict[int, list[str]] = {}
    for section in sections:
        done = section["matras"][0] - 1
        number = meter.matra_of(Beat(done=done)) + 1
        begins.setdefault(done, []).append(f"{section['kind']} (from matra {number})")
    return begins


def _labelled(block: str, names: list[str]) -> str:
    return f"[{'; '.join(names)}]\n{block}" if names else block


def _row_block(row: list[tuple[int, str]], taal: Taal) -> str:
    """Three lines for one cycle (or part of one): numbers, bols, marks; empty cells before a pickup."""
    written = dict(row)
    last = max(written)
    numbers, bols, marks = [], [], []
    starts = {start - 1: mark for start, mark in zip(taal.vibhag_starts, taal.marks)}
    for position in range(0, last + 1):
        matra = written.get(position, "")
        width = max(len(matra), len(str(position + 1)))
        if position in starts and position:
            for line in (numbers, bols, marks):
                line.append("|")
        numbers.append(str(position + 1).ljust(width) if position in written else " " * width)
        bols.append(matra.ljust(width))
        marks.append(starts.get(position, "").ljust(width) if position in written else " " * width)
    return "\n".join(" ".join(line).rstrip() for line in (numbers, bols, marks))
