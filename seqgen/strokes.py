"""What each bol is made of: its dayan (treble) and bayan (bass) parts, the unit audio and MIDI share.

Parts (DESIGN.md section 3, "Sound"):

- dayan ``na``: Na/Ta on the rim, ringing at the tonic with inharmonic overtones;
- dayan ``tin``: Tin, ringing a step above the tonic;
- dayan ``tu``: Tu, open and sustained;
- dayan ``dry``: Te/Ti/Ra/Tit and the like, damped at once;
- bayan ``ge``: Ge/Ga/Gi, a low tone whose pitch rises as the palm presses;
- bayan ``ka``: Ka/Ke/Kat, a flat slap.

A combined bol is the sum of its parts: a ``both`` syllable is ``ge`` plus the dayan part of its
khali counterpart (Dha = Ge + Ta, Dhin = Ge + Tin, Dhi = Ge + Ti), which is exactly the relation
the lexicon records. Flams (Kda, Kra, Kran...) sound their parts together. A syllable declared by a
user sounds by its class: ``bass`` as ``ge``, ``closed`` as ``dry``, ``both`` as ``ge`` plus its
khali counterpart's dayan part (``na`` when it names none). Synthesis is ``audio``'s job; notes are
``midi``'s.
"""

from __future__ import annotations

from seqgen.tokenizers.bols import DEFAULT_LEXICON, REST, Lexicon

DAYAN_PARTS = ("na", "tin", "tu", "dry")
BAYAN_PARTS = ("ge", "ka")

# The built-in syllables without bass-and-treble pairing; ``both`` syllables derive from their
# khali counterparts (see the module docstring).
_PARTS: dict[str, tuple[str, ...]] = {
    # bayan alone
    "Ge": ("ge",), "Ga": ("ge",), "Gi": ("ge",), "Ghi": ("ge",), "Ghen": ("ge",),
    "Ke": ("ka",), "Ka": ("ka",), "Ki": ("ka",), "Kii": ("ka",), "Kat": ("ka",), "Kar": ("ka",),
    # dayan alone
    "Ta": ("na",), "Taa": ("na",), "Na": ("na",), "Ne": ("na",),
    "Tin": ("tin",), "Tu": ("tu",), "Tun": ("tu",),
    "Te": ("dry",), "Ti": ("dry",), "Tii": ("dry",), "Tit": ("dry",), "Ra": ("dry",), "Re": ("dry",),
    "Tra": ("dry",), "Chap": ("dry",),
    # flams: a bayan slap under a dayan stroke
    "Kran": ("ka", "na"), "Kra": ("ka", "dry"), "Kri": ("ka", "dry"), "Kru": ("ka", "tu"),
}


def parts(bol: str, lexicon: Lexicon = DEFAULT_LEXICON) -> tuple[str, ...]:
    """The parts ``bol`` sounds (empty for a rest), dayan parts before bayan parts."""
    if bol == REST:
        return ()
    found = _PARTS.get(bol)
    if found is None:
        found = _by_class(bol, lexicon)
    return tuple(sorted(found, key=lambda part: part in BAYAN_PARTS))


def _by_class(bol: str, lexicon: Lexicon) -> tuple[str, ...]:
    kind = lexicon.kind(bol)
    if kind == "bass":
        return ("ge",)
    if kind == "both":
        counterpart = lexicon.khali(bol)
        treble = [part for part in _PARTS.get(counterpart, ()) if part in DAYAN_PARTS] if counterpart != bol else []
        return ("ge", *(treble or ["na"]))
    return ("dry",)  # closed, or a bol this lexicon does not know: a plain damped stroke


def dayan_part(bol: str, lexicon: Lexicon = DEFAULT_LEXICON) -> str | None:
    return next((part for part in parts(bol, lexicon) if part in DAYAN_PARTS), None)


def bayan_part(bol: str, lexicon: Lexicon = DEFAULT_LEXICON) -> str | None:
    return next((part for part in parts(bol, lexicon) if part in BAYAN_PARTS), None)
