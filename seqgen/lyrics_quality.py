"""Honest quality measures of a lyrics bundle's generated songs, for ``seqgen evaluate``.

Songs are generated with fixed seeds (``songs`` songs of ``stanzas`` x ``lines`` lines), once
without a meter and once under each meter (7,5, 8,8,8,6 and 5,7,5 by default), and measured:

- **shape**: the share of songs with exactly the requested stanzas and lines (the stanza
  constraint must make it 1.0);
- **meter**: the share of metered lines whose printed reading, counted again with
  ``kana.mora_count``, has exactly the requested morae (the meter constraint must make it 1.0),
  and the honest figure: the share whose *text*, re-read whole by the analyzer, has them. The
  constraint counts each token with its stored reading; a reader reads the line in context;
- **novelty**: the share of generated lines found verbatim among the training lines, rebuilt from
  the bundle's training split (a training line with a word the vocabulary lacks, ``<unk>``,
  cannot be rebuilt and so cannot be matched);
- **grammar** (a proxy): the share of generated lines whose part-of-speech and conjugation
  transitions (``analyzer.Morpheme.grammar_tag`` bigrams, with a line start and a line end, spaces
  and punctuation skipped) all occur in the training lines; the same share for the held-out lines
  is the ceiling a model that writes like the corpus would reach.

Generating is ``generation``'s job, reading text ``analyzer``'s and counting morae ``kana``'s;
``summary_lines`` words the result for the CLI, which prints it. Not measured: meaning, rhyme, or
whether a native speaker would write a line. A line that passes the grammar proxy uses only
transitions seen in training, which grammar needs but does not guarantee.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from seqgen.errors import SeqgenError
from seqgen.kana import mora_count

DEFAULT_SONGS = 10
DEFAULT_METERS = ("7,5", "8,8,8,6", "5,7,5")
FREE = "free"  # the setting without a meter (the stanza shape alone)
# grammar tags around each line's words: the first and last words count as transitions too
LINE_START, LINE_STOP = ("<line>",), ("</line>",)
# Distinct training lines are counted (and each read once) up to this many; a larger corpus's lines
# are read as they come, repeats again, so that evaluating it stays within a flat memory.
DISTINCT_LINES = 1_000_000
_SPACES = re.compile(r"\s+")


class Reader:
    """The analyzer with a memory for the lines it is asked about again (the generated ones): each is
    read once, whole. Corpus lines are read with ``remember=False``, so that the memory does not grow
    with the corpus."""

    def __init__(self) -> None:
        from seqgen.analyzer import shared_analyzer

        self.analyzer = shared_analyzer()
        self.seen: dict[str, list] = {}

    def words(self, text: str, remember: bool = True) -> list:
        if text in self.seen:
            return self.seen[text]
        words = self.analyzer.analyze(text)
        if remember:
            self.seen[text] = words
        return words

    def transitions(self, text: str, remember: bool = True) -> list[tuple]:
        """Bigrams of grammar tags over the line's sung words, from line start to line end."""
        tags = [LINE_START, *(word.grammar_tag for word in self.words(text, remember) if not word.silent), LINE_STOP]
        return list(zip(tags, tags[1:]))

    def reading(self, text: str) -> str:
        """The line's kana reading as the analyzer gives it (katakana), spaces and punctuation silent."""
        return "".join(word.reading for word in self.words(text) if not word.silent)


@dataclass
class CorpusLines:
    """A bundle's corpus lines as text, rebuilt from its splits a line at a time: the grammar
    transitions of the training lines, which of the ``candidates`` (the generated lines) are training
    lines, and the held-out lines' grammar figures. A line holding ``<unk>`` cannot be rebuilt: it is
    counted, never matched. What it keeps does not grow with the corpus, except the count of distinct
    training lines, kept up to ``DISTINCT_LINES`` (a corpus of hundreds of MB has millions)."""

    candidates: frozenset[str]
    copied_lines: set[str]              # the candidates found among the training lines
    train_lines: int                    # every training line, with repeats
    train_unknown: int                  # of them, lines holding <unk>
    distinct_train: int | None          # distinct training lines without <unk>; None past DISTINCT_LINES
    reader: Reader
    transitions: set[tuple] = field(default_factory=set)
    held_out: HeldOutGrammar | None = None

    @classmethod
    def of(cls, bundle, candidates=(), reader: Reader | None = None) -> "CorpusLines":
        splits = bundle.splits()
        corpus = cls(frozenset(candidates), set(), 0, 0, 0, reader or Reader())
        distinct: set[str] | None = set()
        for text in _split_lines(bundle, splits["train"]):  # a line at a time: the split may be large
            corpus.train_lines += 1
            if text is None:
                corpus.train_unknown += 1
                continue
            if text in corpus.candidates:
                corpus.copied_lines.add(text)
            if distinct is not None:
                if text in distinct:
                    continue  # read already
                distinct.add(text)
                if len(distinct) > DISTINCT_LINES:
                    distinct = None  # stop counting; lines seen again are read again
            corpus.transitions.update(corpus.reader.transitions(text, remember=False))
        corpus.distinct_train = None if distinct is None else len(distinct)
        held_out = [_split_lines(bundle, splits.get(name, [])) for name in ("val", "test")]
        corpus.held_out = HeldOutGrammar.of(corpus, held_out)
        return corpus

    def copied(self, text: str) -> bool:
        """Whether ``text`` (one of the candidates) is a training line, verbatim."""
        if text not in self.candidates:
            raise ValueError(f"{text!r} was not among the candidates the training lines were checked for")
        return text in self.copied_lines

    def unseen_transitions(self, text: str, remember: bool = True) -> list[tuple]:
        """The grammar transitions of ``text`` that no training line has (empty: the line passes)."""
        return [pair for pair in self.reader.transitions(text, remember) if pair not in self.transitions]


@dataclass
class HeldOutGrammar:
    """The grammar proxy over the held-out (validation and test) lines: the ceiling a model that writes
    like the corpus would reach. Counted as the lines go by; no line is kept."""

    lines: int = 0              # held-out lines without <unk>
    passing: int = 0            # of them, lines whose transitions all occur in training
    transitions: int = 0
    unseen: int = 0             # transitions no training line has
    unknown: int = 0            # held-out lines with <unk>

    @classmethod
    def of(cls, corpus: CorpusLines, streams) -> "HeldOutGrammar":
        result = cls()
        for stream in streams:
            for text in stream:
                if text is None:
                    result.unknown += 1
                    continue
                unseen = len(corpus.unseen_transitions(text, remember=False))
                result.lines += 1
                result.passing += unseen == 0
                result.transitions += len(corpus.reader.transitions(text, remember=False))
                result.unseen += unseen
        return result


def lyric_metrics(bundle, songs: int = DEFAULT_SONGS, meters: tuple[str, ...] = DEFAULT_METERS,
                  stanzas: int = 3, lines: int = 4, seed: int = 0, sampling: dict | None = None) -> dict:
    """Shape, meter, novelty and grammar-proxy measures of songs generated from ``bundle``.

    Args:
        songs: songs per setting (without a meter, and under each of ``meters``); song ``i`` of
            every setting is sampled with seed ``seed + i``.
        meters: the meters tried, as ``seqgen lyrics --meter`` takes them. A bundle without kana
            readings skips them (with a note); a meter its words cannot fill is noted and skipped.
        sampling: sampler options for every song (``temperature``, ``top_k``, ``greedy``...);
            default: the sampler's own (temperature 1, no cut-off), as ``seqgen lyrics`` samples.

    Returns:
        ``shape``, ``meter``, ``novelty`` and ``grammar`` summaries, and ``lines``: one dict per
        generated line (its setting, place, text, readings, verdicts and unseen transitions).
    """
    generated, notes = _generate(bundle, songs, meters, stanzas, lines, seed, sampling or {})
    texts = {line["text"] for _, _, _, song in generated for stanza in song for line in stanza}
    corpus = CorpusLines.of(bundle, texts)
    records = [_line_record(corpus, setting, number, stanza_index, line_index, line, meter)
               for setting, meter, number, song in generated
               for stanza_index, stanza in enumerate(song)
               for line_index, line in enumerate(stanza)]
    settings = [FREE, *(meter for meter in meters if meter not in notes)]
    return {
        "songs_per_setting": songs, "stanzas": stanzas, "lines_per_stanza": lines, "seed": seed,
        "sampling": sampling or {}, "settings": settings,
        "shape": _shape(generated, stanzas, lines, settings),
        "meter": _meter(records, meters, notes, bundle.readings is not None),
        "novelty": _novelty(records, corpus, settings),
        "grammar": _grammar(records, corpus, settings),
        "lines": records,
    }


def _split_lines(bundle, stream):
    """Each line of an id stream as its text, in order; None for a line holding ``<unk>``."""
    from seqgen.tokenizers.lyrics import LINE_END, STANZA_END
    from seqgen.vocab import END, START, UNK

    breaks = {LINE_END, STANZA_END, START, END}
    line: list[str] = []
    for token in _decoded(bundle.vocab, stream):
        if token not in breaks:
            line.append(token)
            continue
        if line:
            yield None if UNK in line else bundle.tokenizer.join(line)
        line = []


def _decoded(vocab, stream):
    """The tokens of an id stream (memory-mapped for a streamed corpus), decoded a block at a time,
    then ``</s>`` to end the last line."""
    from seqgen.evaluation import stream_blocks
    from seqgen.vocab import END

    for block in stream_blocks(stream):
        yield from vocab.decode(block.tolist())
    yield END


def _generate(bundle, songs: int, meters, stanzas: int, lines: int, seed: int, sampling: dict):
    """[(setting, meter, song number, song)] with each song as stanzas of line dicts; and a note
    per meter that could not be tried."""
    from seqgen.constraints import parse_meter
    from seqgen.generation import stanzas as generate_stanzas
    from seqgen.sampling import SamplingConfig

    notes: dict[str, str] = {}
    generated = []
    for meter in (None, *meters):
        if meter is not None and bundle.readings is None:
            notes[meter] = "the bundle has no kana readings (trained before seqgen stored them)"
            continue
        for number in range(songs):
            config = SamplingConfig.from_options({**sampling, "seed": seed + number})
            try:
                song = generate_stanzas(bundle, stanzas, lines, sampling=config, meter=meter, with_readings=True)
            except SeqgenError as error:  # a meter this vocabulary cannot fill
                if meter is None:
                    raise
                notes[meter] = str(error)
                break
            generated.append((meter or FREE, meter and parse_meter(meter), number, song))
    generated = [entry for entry in generated if entry[0] not in notes]
    return generated, notes


def _line_record(corpus: CorpusLines, setting: str, song: int, stanza: int, index: int,
                 line: dict, meter: tuple[int, ...] | None) -> dict:
    """One generated line with its verdicts: copied, grammar, and for a metered line its morae."""
    text = line["text"]
    unseen = corpus.unseen_transitions(text)
    record = {"setting": setting, "song": song, "stanza": stanza, "line": index, "text": text,
              "copied": corpus.copied(text), "grammar_ok": not unseen,
              "transitions": len(corpus.reader.transitions(text)),
              "unseen_transitions": [f"{_tag_text(first)} -> {_tag_text(second)}" for first, second in unseen]}
    if meter is not None:
        target = meter[index % len(meter)]
        printed = _morae(line["reading"])
        reread = corpus.reader.reading(text)
        reread_morae = mora_count(reread)
        record.update({"target_morae": target, "reading": line["reading"], "stated_morae": line["morae"],
                       "printed_morae": printed, "printed_exact": printed == target,
                       "reread_reading": reread, "reread_morae": reread_morae,
                       "reread_exact": reread_morae == target})
    return record


def _morae(reading: str | None) -> int | None:
    """Morae of a printed reading (spaces between words are not sung); None if it is not all kana."""
    return None if reading is None else mora_count(_SPACES.sub("", reading))


def _tag_text(tag: tuple) -> str:
    return ",".join(tag)


def _shape(generated, stanzas: int, lines: int, settings: list[str]) -> dict:
    """Share of songs with exactly ``stanzas`` stanzas of exactly ``lines`` non-empty lines."""
    exact = Counter()
    total = Counter()
    for setting, _, _, song in generated:
        total[setting] += 1
        exact[setting] += len(song) == stanzas and all(
            len(stanza) == lines and all(line["text"].strip() for line in stanza) for stanza in song)
    return {"songs": sum(total.values()), "exact": _ratio(sum(exact.values()), sum(total.values())),
            "per_setting": {setting: _ratio(exact[setting], total[setting]) for setting in settings}}


def _meter(records: list[dict], meters, notes: dict[str, str], has_readings: bool) -> dict:
    """Printed and re-read mora exactness of the metered lines, per meter and in all."""
    metered = [record for record in records if "target_morae" in record]
    result = {"meters": list(meters), "lines": len(metered),
              "printed_exact": _share(metered, "printed_exact"), "reread_exact": _share(metered, "reread_exact"),
              "per_meter": {}, "notes": notes}
    if not has_readings:
        result["skipped"] = "the bundle has no kana readings (trained before seqgen stored them); retrain it"
    for meter in meters:
        if meter in notes:
            continue
        mine = [record for record in metered if record["setting"] == meter]
        result["per_meter"][meter] = {"lines": len(mine), "printed_exact": _share(mine, "printed_exact"),
                                      "reread_exact": _share(mine, "reread_exact"),
                                      "reread_unreadable": sum(record["reread_morae"] is None for record in mine)}
    return result


def _novelty(records: list[dict], corpus: CorpusLines, settings: list[str]) -> dict:
    return {"lines": len(records), "copied_from_corpus": _share(records, "copied"),
            "per_setting": {setting: _share([record for record in records if record["setting"] == setting],
                                            "copied") for setting in settings},
            "training_lines": corpus.train_lines, "distinct_training_lines": corpus.distinct_train,
            "training_lines_with_unk": corpus.train_unknown,
            "note": (f"{corpus.train_unknown} of {corpus.train_lines} training lines hold a word the vocabulary "
                     "lacks (<unk>); they cannot be rebuilt from the bundle, so no generated line can match them")}


def _grammar(records: list[dict], corpus: CorpusLines, settings: list[str]) -> dict:
    held_out = corpus.held_out
    generated_transitions = sum(record["transitions"] for record in records)
    return {"lines": len(records), "passing": _share(records, "grammar_ok"),
            "per_setting": {setting: _share([record for record in records if record["setting"] == setting],
                                            "grammar_ok") for setting in settings},
            # per transition rather than per line: long lines have more chances to fail
            "transitions_seen": _ratio(generated_transitions - sum(len(record["unseen_transitions"])
                                                                   for record in records), generated_transitions),
            "training_transitions": len(corpus.transitions),
            "held_out": {"lines": held_out.lines, "passing": _ratio(held_out.passing, held_out.lines),
                         "transitions_seen": _ratio(held_out.transitions - held_out.unseen, held_out.transitions),
                         "lines_with_unk": held_out.unknown},
            "note": "transitions are bigrams of (part of speech, sub-part, conjugation type, conjugation form) as "
                    "SudachiPy reads each whole line, from line start to line end, spaces and punctuation "
                    "skipped; the set comes from the training lines without <unk>; held-out lines (without "
                    "<unk>) give the ceiling"}


def _share(records: list[dict], key: str) -> float | None:
    return _ratio(sum(bool(record[key]) for record in records), len(records)) if records else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summary_lines(measures: dict) -> list[str]:
    """``lyric_metrics``'s result in a few lines for people (``seqgen evaluate``'s text output)."""
    shape, meter, novelty, grammar = (measures[key] for key in ("shape", "meter", "novelty", "grammar"))
    out = [f"lyrics           {measures['songs_per_setting']} songs of {measures['stanzas']} x "
           f"{measures['lines_per_stanza']} lines per setting ({', '.join(measures['settings'])}), "
           f"seeds {measures['seed']} to {measures['seed'] + measures['songs_per_setting'] - 1}",
           f"stanza shape     {_shown(shape['exact'])} of {shape['songs']} songs exactly as asked"]
    if "skipped" in meter:
        out.append(f"meter            skipped: {meter['skipped']}")
    else:
        if meter["lines"]:
            per_meter = ", ".join(f"{name} {_shown(part['reread_exact'])}" for name, part in meter["per_meter"].items())
            out.append(f"meter            {_shown(meter['printed_exact'])} of {meter['lines']} metered lines have "
                       f"their morae by the printed reading; re-read whole by SudachiPy: "
                       f"{_shown(meter['reread_exact'])} ({per_meter})")
        out += [f"  meter {name} not tried: {note}" for name, note in meter["notes"].items()]
    out.append(f"novelty          {_shown(novelty['copied_from_corpus'])} of {novelty['lines']} generated lines are "
               f"training lines verbatim ({_per_setting(novelty['per_setting'])}); "
               f"{novelty['training_lines_with_unk']} of {novelty['training_lines']} training lines hold <unk> "
               f"and cannot match")
    held_out = grammar["held_out"]
    out.append(f"grammar proxy    {_shown(grammar['passing'])} of {grammar['lines']} generated lines use only "
               f"part-of-speech transitions seen in training ({_per_setting(grammar['per_setting'])}); "
               f"held-out lines (the ceiling): {_shown(held_out['passing'])} of {held_out['lines']}")
    out.append(f"                 per transition: {_shown(grammar['transitions_seen'])} seen "
               f"(held-out lines {_shown(held_out['transitions_seen'])})")
    return out


def _shown(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def _per_setting(shares: dict) -> str:
    return ", ".join(f"{setting} {_shown(share)}" for setting, share in shares.items())
