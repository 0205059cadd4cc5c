"""Taal definitions: matras, vibhag layout, tali/khali marks and theka, as plain data records.

Checking a composition against a taal is ``validator``'s job; enforcing a taal while sampling is
``constraints``'s. This module imports nothing outside the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqgen.errors import SeqgenError


@dataclass(frozen=True)
class Taal:
    """One rhythmic cycle.

    Attributes:
        name: lower-case registry name, e.g. ``"teentaal"``.
        vibhags: matras in each vibhag, in order (their sum is the cycle length).
        marks: the mark written under the first matra of each vibhag: ``X`` for sam,
            ``0`` for khali, numbers for the other talis.
        theka: the basic pattern in canonical line notation, one cycle.
    """

    name: str
    vibhags: tuple[int, ...]
    marks: tuple[str, ...]
    theka: str

    @property
    def matras(self) -> int:
        return sum(self.vibhags)

    @property
    def vibhag_starts(self) -> tuple[int, ...]:
        """1-based matra number where each vibhag begins."""
        starts, position = [], 1
        for size in self.vibhags:
            starts.append(position)
            position += size
        return tuple(starts)

    def vibhag_of(self, matra: int) -> int:
        """0-based vibhag index of a 1-based matra number."""
        for index, start in reversed(list(enumerate(self.vibhag_starts))):
            if matra >= start:
                return index
        raise ValueError(f"matra {matra} is outside {self.name}")


# DESIGN.md section 3. Rupak's sam is khali, so its first mark is 0.
TAALS: dict[str, Taal] = {
    taal.name: taal
    for taal in (
        Taal("teentaal", (4, 4, 4, 4), ("X", "2", "0", "3"),
             "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"),
        Taal("jhaptaal", (2, 3, 2, 3), ("X", "2", "0", "3"),
             "Dhi Na | Dhi Dhi Na | Ti Na | Dhi Dhi Na ||"),
        Taal("ektaal", (2, 2, 2, 2, 2, 2), ("X", "0", "2", "0", "3", "4"),
             "Dhin Dhin | DhaGe TiRaKiTa | Tu Na | Kat Ta | DhaGe TiRaKiTa | Dhi Na ||"),
        Taal("rupak", (3, 2, 2), ("0", "1", "2"),
             "Tin Tin Na | Dhi Na | Dhi Na ||"),
        Taal("keherwa", (4, 4), ("X", "0"),
             "Dha Ge Na Ti | Na Ka Dhi Na ||"),
        Taal("dadra", (3, 3), ("X", "0"),
             "Dha Dhi Na | Dha Tu Na ||"),
        Taal("jhoomra", (3, 4, 3, 4), ("X", "2", "0", "3"),
             "Dhin -Dha TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa | Tin -Ta TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa ||"),
        Taal("deepchandi", (3, 4, 3, 4), ("X", "2", "0", "3"),
             "Dha Dhin - | Dha Dha Tin - | Ta Tin - | Dha Dha Dhin - ||"),
        Taal("dhamar", (5, 2, 3, 4), ("X", "2", "0", "3"),
             "Ka Dhi Ta Dhi Ta | Dha - | Ga Ti Ta | Ti Ta Ta - ||"),
    )
}


class UnknownTaal(SeqgenError):
    """A taal name that is not in the registry."""


def get_taal(name: str) -> Taal:
    """Look a taal up by name, case-insensitively.

    Raises:
        UnknownTaal: naming the valid taals.
    """
    key = name.strip().lower()
    if key not in TAALS:
        raise UnknownTaal(f"unknown taal {name!r}; known taals: {', '.join(TAALS)}")
    return TAALS[key]
