"""Kana readings and mora counts of a lyric vocabulary, read in context from the corpus.

At training time every corpus line is read by the analyzer (``analyzer``), and each token's span
of the line gets the reading of the characters it covers. A token's reading is the one it has most
often in the corpus; its *certainty* is the share of its occurrences read with that many morae
(日 is ひ, にち or び; 今日 is nearly always きょう). The readings travel in the bundle as
``readings.json``, so sampling, the meter constraint and the singer's output need no analyzer.

A kanji is read by what follows it (一 + 人 is ひとり, not いちにん; 読 before み is よ, before
お it may read よみ), so the readings also record every *junction* the corpus has: a token ending
in a kanji and the word that follows it. A junction the corpus never has is a reading nobody has
checked.

Counting morae and spelling romaji is ``kana``'s job; which tokens a metered line may use is the
meter constraint's (``constraints``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Container, Iterable

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.kana import is_kana, is_kanji, mora_count, morae, romaji, to_hiragana, to_katakana

FORMAT = 1
FILE_NAME = "readings.json"
# A metered line uses only tokens read with the same number of morae in at least this share of
# their corpus occurrences: a line counted with a token's other reading would miss its meter.
METER_CERTAINTY = 0.9
# Words whose dictionary reading is one of several that songs use, with different mora counts
# (私 is わたくし to the analyzers, わたし or あたし when sung; 明日 is あす or あした). The analyzer
# always gives the same one, so the corpus cannot show the doubt: these words are shown with their
# first (sung) reading and count as uncertain, so a metered line never relies on them.
VARIANT_READINGS: dict[str, tuple[str, ...]] = {
    "私": ("わたし", "わたくし", "あたし"), "明日": ("あした", "あす"), "何": ("なに", "なん"),
    "日本": ("にほん", "にっぽん"), "一日": ("いちにち", "ついたち"), "故郷": ("ふるさと", "こきょう"),
    "何処": ("どこ", "いずこ"), "背": ("せ", "せい"), "他": ("ほか", "た"), "上手": ("じょうず", "うわて"),
}
UNCERTAIN = 0.5  # the certainty given to those words: below METER_CERTAINTY
# Corpus lines counted together, each distinct one of them analysed once (``compute_readings``): the
# count of 200,000 distinct lines of 8 words takes 34 MB, however large the corpus.
LINES_PER_BATCH = 200_000


@dataclass(frozen=True)
class TokenReading:
    """How a token is read: ``reading`` in hiragana ("" for spaces and punctuation)."""

    reading: str
    morae: int | None      # None: the analyzer gave no kana reading (Latin letters, symbols)
    certainty: float       # share of occurrences read with ``morae`` morae
    particle: bool = False  # は, へ, を as particles: sung wa, e, o

    @property
    def romaji(self) -> str:
        return romaji(self.reading, particle=self.particle)


@dataclass(frozen=True)
class LineReading:
    """A generated line for a singer: its text, its reading, its romaji and its morae."""

    text: str
    reading: str
    romaji: str
    morae: int | None

    def to_dict(self) -> dict:
        return {"text": self.text, "reading": self.reading, "romaji": self.romaji, "morae": self.morae}


class Readings:
    """Token -> ``TokenReading`` for one vocabulary, and the kanji junctions its corpus holds."""

    def __init__(self, by_token: dict[str, TokenReading], junctions: set[tuple[str, str]] = frozenset()):
        self.by_token = by_token
        self.junctions = frozenset(junctions)

    def restricted_to(self, tokens) -> "Readings":
        """Only the entries and junctions of ``tokens`` (a vocabulary)."""
        return Readings({token: entry for token, entry in self.by_token.items() if token in tokens},
                        {pair for pair in self.junctions if pair[0] in tokens and pair[1] in tokens})

    def __len__(self) -> int:
        return len(self.by_token)

    def get(self, token: str) -> TokenReading | None:
        return self.by_token.get(token)

    def meter_morae(self, tokens: list[str], min_certainty: float = METER_CERTAINTY) -> np.ndarray:
        """Morae of each token for the meter constraint: -1 where the count is unknown or uncertain."""
        counts = np.full(len(tokens), -1, dtype=np.int64)
        for index, token in enumerate(tokens):
            entry = self.by_token.get(token)
            if entry is not None and entry.morae is not None and entry.certainty >= min_certainty:
                counts[index] = entry.morae
        return counts

    def line(self, tokens: list[str], text: str, space: str) -> LineReading:
        """The reading of a line of tokens (``space`` is the tokenizer's space token)."""
        readings, romajis, total = [], [], 0
        for token in tokens:
            if token == space:
                readings.append(" ")
                continue
            entry = self.by_token.get(token)
            if entry is None or entry.morae is None:
                readings.append(token)
                romajis.append(token)
                total = None
                continue
            readings.append(entry.reading)
            if entry.reading:
                romajis.append(entry.romaji)
            if total is not None:
                total += entry.morae
        return LineReading(text, "".join(readings).strip(), " ".join(romajis), total)

    def to_json(self) -> str:
        tokens = {token: [entry.reading, entry.morae, round(entry.certainty, 4), entry.particle]
                  for token, entry in self.by_token.items()}
        junctions = sorted([first, second] for first, second in self.junctions)
        return json.dumps({"format": FORMAT, "tokens": tokens, "junctions": junctions}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Readings":
        """Readings from ``to_json``'s text, every entry checked.

        Raises:
            SeqgenError: not JSON, another format, or an entry that is not a reading.
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise SeqgenError(f"readings are not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tokens"), dict):
            raise SeqgenError(f"readings must be an object with format {FORMAT} and a 'tokens' object")
        junctions = data.get("junctions", [])
        if not isinstance(junctions, list) or not all(
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(token, str) for token in pair)
                for pair in junctions):
            raise SeqgenError("readings: 'junctions' must be a list of token pairs")
        return cls({token: _checked_entry(token, entry) for token, entry in data["tokens"].items()},
                   {tuple(pair) for pair in junctions})


def _checked_entry(token, entry) -> TokenReading:
    if not isinstance(entry, list) or len(entry) != 4:
        raise SeqgenError(f"reading of {token!r} must be [reading, morae, certainty, particle]")
    reading, count, certainty, particle = entry
    if not isinstance(reading, str) or not isinstance(particle, bool):
        raise SeqgenError(f"reading of {token!r} is damaged")
    if isinstance(certainty, bool) or not isinstance(certainty, (int, float)) or not 0.0 <= certainty <= 1.0:
        raise SeqgenError(f"certainty of {token!r} must be a number from 0 to 1, got {certainty!r}")
    if count != mora_count(reading) or isinstance(count, bool):
        raise SeqgenError(f"reading of {token!r}: {reading!r} does not have {count!r} morae")
    return TokenReading(reading, count, float(certainty), particle)


def compute_readings(lines: Iterable[list[str]], surface: Callable[[str], str], analyzer,
                     keep: Container[str] | None = None) -> Readings:
    """Readings of every token in ``lines`` (lists of word tokens, no line-break tokens), read in
    context: each distinct line of a batch of ``LINES_PER_BATCH`` is analysed once and its readings
    counted as often as it occurs. The lines are taken a batch at a time, so that a corpus of millions
    of lines (streamed from shards) is never held whole; a line repeated across batches is analysed
    once per batch, to the same counts.

    Args:
        surface: the text a token stands for in the line (a space token is " ").
        analyzer: an ``analyzer.Analyzer``.
        keep: the tokens whose readings (and junctions) are gathered, a vocabulary; None: all. Lines are
            still read whole, so each kept token is read in its context. A large corpus has far more
            distinct tokens than a vocabulary keeps, and their counts would grow with it.
    """
    kept = (lambda token: True) if keep is None else keep.__contains__
    seen: dict[str, Counter] = defaultdict(Counter)
    particles: Counter = Counter()
    junctions: set[tuple[str, str]] = set()
    for line, count in _counted_in_batches(lines):
        texts = [surface(token) for token in line]
        junctions |= {(first, second) for first, second, before, after in zip(line, line[1:], texts, texts[1:])
                      if before and after.strip() and is_kanji(before[-1]) and kept(first) and kept(second)}
        words = analyzer.analyze("".join(texts))
        for token, reading, is_particle in _token_readings(line, texts, words, analyzer):
            if not kept(token):
                continue
            seen[token][reading] += count
            particles[token] += count if is_particle else 0
    by_token = {}
    for token, counts in seen.items():
        reading, _ = counts.most_common(1)[0]
        morae_count = mora_count(reading)
        agreeing = sum(n for other, n in counts.items() if mora_count(other) == morae_count)
        particle = to_hiragana(token) in ("は", "へ", "を") and particles[token] * 2 > sum(counts.values())
        by_token[token] = _sung(token, TokenReading(to_hiragana(reading), morae_count,
                                                    agreeing / sum(counts.values()), particle))
    return Readings(by_token, junctions)


def _counted_in_batches(lines: Iterable[list[str]]) -> Iterable[tuple[tuple[str, ...], int]]:
    """(line, how often it occurs) per distinct line of each batch of ``LINES_PER_BATCH`` lines."""
    batch: Counter = Counter()
    taken = 0
    for line in lines:
        batch[tuple(line)] += 1
        taken += 1
        if taken == LINES_PER_BATCH:
            yield from batch.items()
            batch, taken = Counter(), 0
    yield from batch.items()


def _sung(token: str, found: TokenReading) -> TokenReading:
    """``found``, or for a word of ``VARIANT_READINGS`` its sung reading, marked uncertain when the
    variants differ in morae."""
    variants = VARIANT_READINGS.get(token)
    if not variants:
        return found
    certainty = UNCERTAIN if len({mora_count(variant) for variant in variants}) > 1 else found.certainty
    return TokenReading(variants[0], mora_count(variants[0]), min(found.certainty, certainty), found.particle)


def _token_readings(tokens: tuple[str, ...], texts: list[str], words, analyzer) -> Iterable[tuple[str, str, bool]]:
    """(token, its katakana reading in this line, whether it is exactly one particle) per token."""
    bounds, begin = [], 0
    for text in texts:
        bounds.append((begin, begin + len(text)))
        begin += len(text)
    cuts = {begin for begin, _ in bounds}
    chars: list[str] = []
    particle_spans = set()
    for word in words:
        inner = sorted(cut - word.begin for cut in cuts if word.begin < cut < word.end)
        chars += _cut_word_readings(word, inner, analyzer) if inner else char_readings(word.surface, word.reading)
        if word.pos[0] == "助詞":
            particle_spans.add((word.begin, word.end))
    for token, (begin, end) in zip(tokens, bounds):
        yield token, "".join(chars[begin:end]), (begin, end) in particle_spans


def _cut_word_readings(word, cuts: list[int], analyzer) -> list[str]:
    """Per-character readings of a word that token boundaries cut (TinySegmenter's 金曜|日 is
    Sudachi's one 金曜日/キンヨウビ): each piece but the last takes its own reading when the word's
    reading starts with it (金曜 -> キンヨウ), the last piece the rest (日 -> ビ). Where that fails,
    ``char_readings`` shares the reading out by position and mora."""
    pieces = [word.surface[start:end] for start, end in zip([0, *cuts], [*cuts, len(word.surface)])]
    rest, shares = to_katakana(word.reading), []
    for piece in pieces[:-1]:
        own = "".join(morpheme.reading for morpheme in analyzer.analyze(piece)) if not word.silent else ""
        own = to_katakana(own)
        if not own or not rest.startswith(own) or len(own) >= len(rest):
            return char_readings(word.surface, word.reading)
        shares.append(own)
        rest = rest[len(own):]
    shares.append(rest)
    out: list[str] = []
    for piece, share in zip(pieces, shares):
        out += [share] + [""] * (len(piece) - 1)  # a token takes whole pieces, so the share may sit on one character
    return out


def char_readings(surface: str, reading: str) -> list[str]:
    """The reading of a word shared out over its characters.

    Kana keep their own sound; a run of kanji takes what the reading has between the kana
    around it (光って/ヒカッテ: 光 -> ヒカ), shared by mora among the run's characters when a
    token boundary falls inside it. A word whose kana do not match its reading (historical
    spellings: 考へ/カンガエ) is matched kana for kana by position instead.
    """
    if not reading:
        return [""] * len(surface)
    reading = to_katakana(reading)
    if all(is_kana(char) for char in surface):
        return list(reading) if len(reading) == len(surface) else list(to_katakana(surface))
    runs = [(match.group(), is_kana(match.group()[0])) for match in re.finditer(r"[ぁ-ゖァ-ヺー]+|[^ぁ-ゖァ-ヺー]+", surface)]
    for strict in (True, False):
        pattern = "".join(
            ("(" + re.escape(to_katakana(text)) + ")" if strict else f"(.{{{len(text)}}})") if kana else "(.+?)"
            for text, kana in runs)
        match = re.fullmatch(pattern, reading)
        if match:
            out: list[str] = []
            for (text, kana), part in zip(runs, match.groups()):
                out += list(part) if kana else share_by_mora(part, len(text))
            return out
    return share_by_mora(reading, len(surface))


def share_by_mora(reading: str, count: int) -> list[str]:
    """``reading`` cut into ``count`` consecutive parts of about equal morae."""
    units = morae(reading)
    bounds = [round(index * len(units) / count) for index in range(count + 1)]
    return ["".join(units[bounds[index]:bounds[index + 1]]) for index in range(count)]
