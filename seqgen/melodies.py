"""Generating melodies from a ``notes`` bundle, every bar filled to its meter while sampling.

Checks the arguments, builds the prime (``<s>``, the ``<time:...>`` token when the model knows the
meter, the user's note-name prime), walks the prime through ``constraints.BarConstraint`` so a prime
that breaks the bars is refused before sampling, and turns the sampled ids into ``Melody`` dicts.
The meter is the one asked for, else the prime's, else the corpus's (the tokenizer's ``time``).
Sound and MIDI are ``notes_audio``'s and ``notes_midi``'s jobs.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from seqgen.constraints import BarConstraint
from seqgen.errors import SeqgenError
from seqgen.generation import PrimeWarning, _require_domain, _sampler, encode_prime
from seqgen.sampling import SamplingConfig, flag, optional_text, whole_number
from seqgen.tokenizers import Document
from seqgen.tokenizers.note_names import GRID, Piece, check_time, format_piece, open_tokens, pitch_name, time_text
from seqgen.tokenizers.notes import time_token

DEFAULT_BARS = 8


class Melody(dict):
    """One generated melody as a JSON-ready dict, plus ``to_midi`` and ``to_wav``.

    Keys: ``time`` (``"4/4"``), ``bars`` (each a list of its event tokens, ``"C4:1/2"``), ``notes``
    (each sounding note, ties joined: ``pitch`` (MIDI number), ``name``, ``start`` and ``duration``
    in beats) and ``text`` (canonical note-name text, which ``seqgen train notes`` reads back).
    """

    def __init__(self, piece: Piece):
        from seqgen.notes_midi import sounding_notes

        notes = [{"pitch": pitch, "name": pitch_name(pitch), "start": start / GRID, "duration": length / GRID}
                 for start, length, pitch in sounding_notes(piece)]
        super().__init__(time=time_text(piece.time), bars=[[event.text for event in bar] for bar in piece.bars],
                         notes=notes, text=format_piece(piece))
        self.piece = piece

    def to_midi(self, path: str | Path | None = None, *, bpm: float | None = None) -> bytes:
        """The MIDI file's bytes at ``bpm`` beats a minute (default 100); also written to ``path``."""
        from seqgen.notes_midi import DEFAULT_BPM, write_midi

        return write_midi(self.piece, path, DEFAULT_BPM if bpm is None else bpm)

    def to_wav(self, path: str | Path | None = None, *, bpm: float | None = None, sample_rate: int = 44100) -> bytes:
        """The WAV file's bytes (``notes_audio``'s synth) at ``bpm`` beats a minute; also written to ``path``."""
        from seqgen.notes_audio import render_wav
        from seqgen.notes_midi import DEFAULT_BPM

        return render_wav(self.piece, path, DEFAULT_BPM if bpm is None else bpm, sample_rate)


def melodies(bundle, bars: int = DEFAULT_BARS, n: int = 1, time: str | None = None, prime: str | None = None,
             allow_unknown: bool = False, sampling: SamplingConfig = SamplingConfig()) -> list[Melody]:
    """``n`` melodies of exactly ``bars`` bars, each bar exactly as long as the meter.

    Raises:
        SeqgenError: a wrong argument, a meter the model's note lengths cannot fill, a prime that
            breaks the bars, or a request too long to generate.
    """
    _require_domain(bundle, "notes")
    bars = whole_number(bars, "bars", minimum=1)
    n = whole_number(n, "the number of melodies", minimum=1)
    time, prime = optional_text(time, "time"), optional_text(prime, "prime")
    allow_unknown = flag(allow_unknown, "allow_unknown")
    if not isinstance(sampling, SamplingConfig):
        raise SeqgenError(f"sampling must be a SamplingConfig, got {type(sampling).__name__}")
    vocab, tokenizer = bundle.vocab, bundle.tokenizer
    asked = check_time(time) if time is not None else None
    named, prime_tokens = open_tokens(prime) if prime and prime.strip() else (None, [])
    if asked and named and asked != named:
        raise SeqgenError(f"the prime says '# time: {time_text(named)}', but {time_text(asked)} was asked for")
    meter = asked or named or tokenizer.meter
    header = [time_token(meter)] if time_token(meter) in vocab else []
    if not header:
        warnings.warn(f"this model never saw {time_text(meter)}; its bars are filled to it all the same",
                      PrimeWarning, stacklevel=2)
    constraint = BarConstraint(vocab, bars, meter)
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    state = constraint.read_prefix(prime_ids)
    generated = _sampler(bundle).generate([vocab.start_id, *vocab.encode(header), *prime_ids], n, sampling,
                                          constraint, state)
    return [Melody(tokenizer.piece(Document(tuple([time_token(meter), *prime_tokens, *vocab.decode(ids)]))))
            for ids in generated]
