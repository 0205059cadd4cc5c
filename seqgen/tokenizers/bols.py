"""The tabla bol lexicon: canonical spellings, aliases, the bass (bayan) set and khali counterparts.

This module only knows single words. Splitting a joined matra such as ``DhaGeTiRaKiTa`` into bols
is done here too (longest match against the lexicon, with backtracking), because it depends on
nothing but the lexicon. Reading whole compositions is left to ``tabla_notation``.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

REST = "-"

# Canonical bols, as the output spells them. Each is one stroke (or one rest).
CANONICAL_BOLS: tuple[str, ...] = (
    "Dha", "Dhin", "Dhi", "Dhe", "Dhet", "Ge", "Ga", "Gi",
    "Ta", "Tin", "Ti", "Tu", "Te", "Tit", "Na", "Ne", "Ra", "Re",
    "Ke", "Ka", "Ki", "Kat", "Kran", "Tra",
    REST,
)

# Other spellings found in printed notation. A value with several bols is a joined stroke group:
# ``Tirkit`` and ``Tir Kit`` are both written ``TiRaKiTa`` in canonical form.
ALIASES: dict[str, tuple[str, ...]] = {
    "dhaa": ("Dha",), "dheen": ("Dhin",), "din": ("Dhin",), "dhee": ("Dhi",), "dhit": ("Dhet",),
    "ghe": ("Ge",), "gay": ("Ge",), "gha": ("Ga",),
    "taa": ("Ta",), "tha": ("Ta",), "teen": ("Tin",), "tee": ("Ti",), "tun": ("Tu",),
    "tet": ("Tit",), "naa": ("Na",), "kath": ("Kat",), "kra": ("Kran",),
    "tir": ("Ti", "Ra"), "kit": ("Ki", "Ta"), "tirkit": ("Ti", "Ra", "Ki", "Ta"),
    "s": (REST,), "ऽ": (REST,),
}

# Bass-resonant bols (the bayan rings) and their closed, khali counterparts (DESIGN.md section 3).
BASS_BOLS: frozenset[str] = frozenset({"Dha", "Dhin", "Dhi", "Dhe", "Dhet", "Ge", "Ga", "Gi"})
KHALI_OF: dict[str, str] = {
    "Dha": "Ta", "Dhin": "Tin", "Dhi": "Ti", "Dhe": "Te", "Dhet": "Tit",
    "Ge": "Ke", "Ga": "Ka", "Gi": "Ki",
}


def _build_lexicon() -> dict[str, tuple[str, ...]]:
    lexicon = {bol.lower(): (bol,) for bol in CANONICAL_BOLS}
    lexicon.update(ALIASES)
    return lexicon


# lower-cased spelling -> canonical bols it stands for
LEXICON: dict[str, tuple[str, ...]] = _build_lexicon()
_LONGEST_SPELLING = max(len(spelling) for spelling in LEXICON)


class UnknownBol(ValueError):
    """A word holds letters that no sequence of known bols spells."""

    def __init__(self, word: str, offset: int, suggestions: list[str]):
        self.word = word
        self.offset = offset  # index in ``word`` of the first character that could not be read
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown bol {word!r}{hint}")


def split_word(word: str) -> tuple[str, ...]:
    """Split one matra word (``DhaGe``, ``tirkit``, ``Dha-``) into canonical bols.

    Args:
        word: a whitespace-free word without bar markers.

    Returns:
        The canonical bols, in order.

    Raises:
        UnknownBol: when no sequence of lexicon entries spells the word.
    """
    bols = _segment_by_capitals(word)
    if bols is None:
        bols = _segment(word.lower())
    if bols is None:
        raise UnknownBol(word, _first_unreadable(word.lower()), suggest(word))
    return bols


# Canonical joins capitalise each bol ("DhiTra"); a rest or a run of other characters is its own chunk.
_CAPITAL_CHUNK = re.compile(r"[A-Z][a-z]*|[a-z]+|-|[^A-Za-z-]+")


def _segment_by_capitals(word: str) -> tuple[str, ...] | None:
    # Capitals mark bol boundaries where the writer gave them, which keeps canonical text
    # unambiguous: "DhiTra" is Dhi Tra, though "dhitra" would read longest-first as Dhit Ra.
    bols: tuple[str, ...] = ()
    for chunk in _CAPITAL_CHUNK.findall(word):
        part = _segment(chunk.lower())
        if part is None:
            return None  # e.g. "TiT": capitals that split a bol; read the word as a whole
        bols += part
    return bols


@lru_cache(maxsize=4096)
def _segment(lowered: str) -> tuple[str, ...] | None:
    # Longest match first, backtracking when the rest cannot be read: "TiRaKiTa" must not
    # take "tir" and then fail on "akita"; "TiTTiT" reads as Tit Tit, not Ti T...
    if not lowered:
        return ()
    for length in range(min(_LONGEST_SPELLING, len(lowered)), 0, -1):
        head = LEXICON.get(lowered[:length])
        if head is None:
            continue
        rest = _segment(lowered[length:])
        if rest is not None:
            return head + rest
    return None


def _first_unreadable(lowered: str) -> int:
    # The longest prefix that still segments tells the user where reading stopped.
    for end in range(len(lowered), 0, -1):
        if _segment(lowered[:end]) is not None:
            return end
    return 0


def suggest(word: str, limit: int = 3) -> list[str]:
    """The closest known spellings of ``word`` (canonical forms), best first."""
    spellings = list(LEXICON)
    close = difflib.get_close_matches(word.lower(), spellings, n=limit * 2, cutoff=0.5)
    suggestions: list[str] = []
    for spelling in close:
        canonical = "".join(LEXICON[spelling])
        if canonical not in suggestions:
            suggestions.append(canonical)
    return suggestions[:limit]


def is_bass(bol: str) -> bool:
    """Whether ``bol`` (canonical) lets the bayan ring."""
    return bol in BASS_BOLS


def khali(bol: str) -> str:
    """The closed counterpart of ``bol``; bols without bass are returned unchanged."""
    return KHALI_OF.get(bol, bol)
