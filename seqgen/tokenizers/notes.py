"""``NotesTokenizer``: melodies (note-name text, and MIDI files read as such text) <-> token streams.

Stream of one piece: ``<time:N/D>`` (its meter), then one token per event, each written exactly as
the canonical note-name text writes it (``note_names``): ``C4:1/2`` (a note: pitch and duration in
quarter-note beats), ``C4.E4.G4:1`` (a chord, pitches low to high, one duration), ``R:1`` (a rest),
a trailing ``~`` for a note held over into the next event (a note crossing a bar line); and ``|``
after every bar. Bars are whole (``note_names`` splits and completes them), so the stream alone
tells the sampler where it stands in the bar: ``constraints.BarConstraint`` counts the steps.

``fit`` learns the corpus's meter (the most common ``# time:``), which the spec keeps so that
sampling defaults to it. A MIDI file becomes note-name text in ``corpus`` (via ``notes_midi``)
before it reaches this tokenizer, so one reader serves both.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from seqgen.errors import SeqgenError
from seqgen.tokenizers.base import Document
from seqgen.tokenizers.note_names import (BAR, DEFAULT_TIME, TIME_KEY, BarFiller, Event, Piece, format_pieces,
                                          parse, parse_event, parse_time, time_text)

# Corpus files the notes domain reads: note-name text and standard MIDI files.
FILE_SUFFIXES = (".txt", ".mid", ".midi")


def time_token(time: tuple[int, int]) -> str:
    return f"<time:{time_text(time)}>"


def token_time(token: str) -> tuple[int, int] | None:
    """``(3, 4)`` for ``"<time:3/4>"``, else None."""
    if token.startswith("<time:") and token.endswith(">"):
        return parse_time(token[6:-1])
    return None


class NotesTokenizer:
    """Tokenizer for note-name text (see ``note_names`` for the grammar).

    Args:
        time: the corpus's meter as ``"N/D"`` (what ``fit`` learns and ``spec`` stores).
    """

    name = "notes"
    suffixes = FILE_SUFFIXES

    def __init__(self, time: str | None = None):
        if time is not None and parse_time(time) is None:
            raise SeqgenError(f"notes tokenizer: unknown time signature {time!r}")
        self.time = time
        self._meters: Counter[str] = Counter()

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        return (BAR, time_token(DEFAULT_TIME))

    @property
    def meter(self) -> tuple[int, int]:
        """The corpus's meter (4/4 before ``fit`` has seen a piece)."""
        return parse_time(self.time) if self.time else DEFAULT_TIME

    def fit(self, texts: list[str]) -> None:
        """Count the meters of the corpus's pieces; the most common becomes ``time`` (first seen on a tie)."""
        for text in texts:
            self._meters.update(time_text(piece.time) for piece in parse(text))
        if self._meters:
            self.time = max(self._meters, key=self._meters.__getitem__)

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        return [self.document(piece) for piece in parse(text, source)]

    def document(self, piece: Piece) -> Document:
        return Document(tuple(piece_tokens(piece)), tuple(h for h in piece.headers if h[0] != TIME_KEY))

    def detokenize(self, documents: list[Document]) -> str:
        return format_pieces([self.piece(document) for document in documents])

    def piece(self, document: Document) -> Piece:
        """The piece of a token stream (lenient: see ``tokens_to_piece``), with the document's headers."""
        piece = tokens_to_piece(document.tokens, self.meter)
        piece.headers = list(document.headers)
        return piece

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name}
        if self.time is not None:
            spec["time"] = self.time
        return spec


def piece_tokens(piece: Piece) -> list[str]:
    """``<time:...>``, every event's text and ``|`` after every bar."""
    tokens = [time_token(piece.time)]
    for bar in piece.bars:
        tokens += [event.text for event in bar]
        tokens.append(BAR)
    return tokens


def tokens_to_piece(tokens, time: tuple[int, int] = DEFAULT_TIME) -> Piece:
    """The piece a token stream describes. Lenient, for a model's output: the first ``<time:...>``
    token sets the meter (else ``time``); bars are laid anew from the events' durations, so a
    misplaced ``|`` changes nothing; tokens that are not events (``<unk>``...) and ties that do not
    lead into the same notes are dropped; the last bar is completed with a rest."""
    events: list[Event] = []
    for token in tokens:
        meter = token_time(token)
        if meter is not None and not events:
            time = meter
        elif token != BAR and isinstance(event := parse_event(token), Event):
            if events and events[-1].tie and events[-1].pitches != event.pitches:
                events[-1] = Event(events[-1].pitches, events[-1].steps)
            events.append(event)
    if events and events[-1].tie:
        events[-1] = Event(events[-1].pitches, events[-1].steps)
    filler = BarFiller(Piece(time).bar_steps)
    for event in events:
        filler.add(event)
    return Piece(time, filler.finish())
