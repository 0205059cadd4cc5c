"""Compositions as the library hands them out: plain dicts that can also be heard and drawn.

A ``Piece`` is the dict ``Generator.compositions`` has always returned (``taal``, ``form``,
``start``, ``cycles``, ``sections``, ``text``; JSON-ready) with ``to_wav``, ``to_midi``, ``to_svg``
and ``to_png`` added. ``read_compositions(path)`` gives the same objects for the compositions of a
notation file, so a piece from a file and a generated one are rendered the same way. Sound, MIDI and
pictures are ``audio``'s, ``midi``'s and ``picture``'s jobs; this module only connects them.
"""

from __future__ import annotations

import re
from pathlib import Path

from seqgen.errors import SeqgenError
from seqgen.tokenizers.bols import Lexicon
from seqgen.tokenizers.tabla_notation import Composition, parse

_SECTION = re.compile(r"(.*\S)\s+(\d+)\s*-\s*(\d+)")


class Piece(dict):
    """One composition as a dict, plus ``to_wav``/``to_midi``/``to_svg``/``to_png``."""

    def __init__(self, data: dict, composition: Composition | None = None):
        super().__init__(data)
        self._composition = composition

    def composition(self) -> Composition:
        """The parsed composition (read back from ``text`` when the piece was generated)."""
        if self._composition is None:
            pieces = [piece for piece in parse(self["text"], "<generated>") if piece.cycles]
            if len(pieces) != 1:
                raise SeqgenError("this piece's text does not hold exactly one composition")
            self._composition = pieces[0]
        return self._composition

    def to_wav(self, path: str | Path | None = None, *, bpm: float | None = None, laya: str | None = None,
               sa: str = "C#", click: bool = False, loop: int = 1, theka: bool = False,
               sample_rate: int = 44100) -> bytes:
        """The WAV file's bytes at ``bpm`` matras a minute or a named ``laya`` (default madhya, 90);
        also written to ``path`` when given. See ``audio.render_wav``."""
        from seqgen.audio import render_wav
        from seqgen.timing import tempo

        path = _output_path(path)
        from seqgen.sampling import flag

        click, theka = flag(click, "click"), flag(theka, "theka")
        return render_wav(self.composition(), path, tempo(bpm, laya), sa=sa, click=click, loop=loop,
                          theka=theka, sample_rate=sample_rate, taal=self["taal"])

    def to_midi(self, path: str | Path | None = None, *, bpm: float | None = None, laya: str | None = None,
                loop: int = 1) -> bytes:
        """The MIDI file's bytes (dayan and bayan tracks, tempo set); also written to ``path``."""
        from seqgen.midi import render_midi
        from seqgen.timing import tempo

        path = _output_path(path)
        return render_midi(self.composition(), path, tempo(bpm, laya), loop=loop, taal=self["taal"])

    def sheet(self):
        """The grid picture's description of this piece."""
        from seqgen.picture import Sheet
        from seqgen.taals import get_taal

        taal = get_taal(self["taal"])
        title = self.get("title") or f"{taal.name} ({taal.matras} matras)" + (f" - {self['form']}" if self["form"] else "")
        return Sheet(title, self["cycles"], taal, self["start"], tuple(self["sections"]))

    def to_svg(self, path: str | Path | None = None) -> str:
        """The Bhatkhande grid as SVG text; also written to ``path``."""
        from seqgen.picture import svg

        return _written(path, lambda: svg([self.sheet()]))

    def to_png(self, path: str | Path | None = None) -> bytes:
        """The Bhatkhande grid as a PNG image; also written to ``path``."""
        from seqgen.picture import png

        return _written(path, lambda: png([self.sheet()]))


def from_composition(composition: Composition, taal: str | None = None) -> Piece:
    """A ``Piece`` of a parsed composition (its taal checked, its ``# sections:`` header read)."""
    from seqgen.taals import get_taal
    from seqgen.validator import errors, start_matra, validate

    name = taal or composition.taal
    if name is None:
        raise SeqgenError(f"{composition.source}:{composition.line}: {composition.describe()} names no taal: "
                          f"add a '# taal: NAME' header or pass a taal")
    record = get_taal(name)
    broken = errors(validate(composition, record.name))
    if broken:  # what check refuses is not drawn or played either
        raise SeqgenError(f"{broken[0]}; `seqgen check` lists every problem")
    data = {"taal": record.name, "form": composition.form, "start": start_matra(composition, record),
            "cycles": [[matra.text for matra in cycle.matras] for cycle in composition.cycles],
            "sections": sections_of(composition), "text": composition.text()}
    if composition.title:
        data["title"] = composition.title
    return Piece(data, composition)


def read_compositions(path: str | Path, lexicon: Lexicon | None = None, encoding: str | None = None,
                      taal: str | None = None) -> list[Piece]:
    """Every composition of a notation file (header-only blocks skipped) as ``Piece`` objects.

    Raises:
        SeqgenError: an unreadable file, notation problems (file:line:col), no composition, or a
            composition without a taal.
    """
    from seqgen.corpus import read_text

    if not isinstance(path, (str, Path)):
        raise SeqgenError(f"read_compositions needs a file path, got {path!r}")
    compositions = [piece for piece in parse(read_text(Path(path), encoding), str(path), lexicon) if piece.cycles]
    if not compositions:
        raise SeqgenError(f"{path}: no composition to read (no lines of bols)")
    return [from_composition(composition, taal) for composition in compositions]


def sections_of(composition: Composition) -> list[dict]:
    """The ``# sections: theme 1-16; tihai 20-33`` header as ``{"kind", "matras": [first, last]}``."""
    value = composition.header("sections")
    if not value:
        return []
    count = sum(len(cycle.matras) for cycle in composition.cycles)
    sections = []
    for item in filter(None, (part.strip() for part in value.split(";"))):
        match = _SECTION.fullmatch(item)
        if match is None or not 1 <= int(match.group(2)) <= int(match.group(3)) <= count:
            raise SeqgenError(f"{composition.source}:{composition.line}: {composition.describe()}: '# sections:' "
                              f"item {item!r} is not NAME FIRST-LAST with matras from 1 to {count}")
        sections.append({"kind": match.group(1), "matras": [int(match.group(2)), int(match.group(3))]})
    return sections


def _output_path(path) -> Path | None:
    """A file path to write to, or None; anything else is a SeqgenError (not a TypeError)."""
    if path is None:
        return None
    if not isinstance(path, (str, Path)) or not str(path):
        raise SeqgenError(f"the output must be a file path, got {path!r}")
    return Path(path)




def _written(path, render):
    """``render()``'s text or bytes, also written atomically to ``path`` when given (checked first)."""
    from seqgen.bundle import atomic_write

    path = _output_path(path)
    data = render()
    if path is not None:
        atomic_write(path, data)
    return data
