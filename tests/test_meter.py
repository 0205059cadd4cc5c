"""The mora meter constraint with fake logits: every line has exactly its morae, whatever the model
says; impossible meters are refused up front; primes are walked through the meter."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.constraints import MAX_LINE_MORAE, MeterConstraint, PrimeError, parse_meter
from seqgen.errors import SeqgenError
from seqgen.readings import Readings, TokenReading
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.tokenizers import create
from seqgen.tokenizers.lyrics import LINE_END, SPACE, STANZA_END
from seqgen.vocab import PAD, Vocab

from fakes import RandomLogitsModel

# word -> (reading, morae, certainty)
WORDS = {"春": ("はる", 2, 1.0), "夕焼け": ("ゆうやけ", 4, 1.0), "を": ("を", 1, 1.0), "待つ": ("まつ", 2, 1.0),
         "君": ("きみ", 2, 1.0), "が": ("が", 1, 1.0), "ふるさと": ("ふるさと", 4, 1.0), "、": ("", 0, 1.0),
         "日": ("ひ", 1, 0.6), "LOVE": ("LOVE", None, 1.0), SPACE: ("", 0, 1.0), "しょう": ("しょう", 2, 1.0),
         "「": ("", 0, 1.0), "」": ("", 0, 1.0), "。": ("", 0, 1.0)}
PUNCTUATION = ("、", "「", "」", "。")
READINGS = Readings({word: TokenReading(*entry) for word, entry in WORDS.items()})
VOCAB = Vocab.build([list(WORDS)], keep=create("japanese").structure_tokens)
MORAE = READINGS.meter_morae(VOCAB.tokens)


def sample(meter, stanzas=2, lines=4, seed=0, vocab=VOCAB, morae=MORAE, prime=(), junctions=None):
    constraint = MeterConstraint(vocab, stanzas, lines, meter, morae, junctions)
    sampler = Sampler(RandomLogitsModel(len(vocab), seed), vocab.end_id, [vocab.id(PAD), vocab.unk_id, vocab.start_id])
    ids = [vocab.id(token) for token in prime]
    [out] = sampler.generate([vocab.start_id, *ids], 1, SamplingConfig(seed=seed), constraint,
                             constraint.read_prefix(ids))
    return list(prime) + vocab.decode(out)


def line_morae(tokens):
    counts, line = [], 0
    for token in tokens:
        if token in (LINE_END, STANZA_END):
            counts.append(line)
            line = 0
        else:
            line += READINGS.get(token).morae
    return counts


@settings(max_examples=80, deadline=None)
@given(meter=st.lists(st.integers(1, 12), min_size=1, max_size=4), stanzas=st.integers(1, 3),
       lines=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_every_line_has_exactly_its_morae(meter, stanzas, lines, seed):
    tokens = sample(tuple(meter), stanzas, lines, seed)
    expected = [meter[index % len(meter)] for index in range(lines)] * stanzas
    assert line_morae(tokens) == expected
    assert tokens.count(STANZA_END) == stanzas


def test_uncertain_and_unreadable_words_never_appear_in_metered_lines():
    for seed in range(20):
        tokens = sample((7, 5), seed=seed)
        assert "日" not in tokens and "LOVE" not in tokens


def test_spaces_and_punctuation_are_bounded_and_never_start_or_end_a_line():
    for seed in range(30):
        lines = create("japanese").lines(sample((7, 5), seed=seed))
        for line in lines:
            assert line[0] not in (SPACE, *PUNCTUATION) and line[-1] not in (SPACE, "「")
            assert sum(token in (SPACE, *PUNCTUATION) for token in line) <= 2


def test_punctuation_comes_one_mark_at_a_time_and_an_opening_bracket_is_followed_by_a_word():
    seen = set()
    for seed in range(60):
        for line in create("japanese").lines(sample((7, 5), seed=seed)):
            for first, second in zip(line, line[1:]):
                assert not (first in PUNCTUATION and second in PUNCTUATION), line
                assert first != "「" or second not in (SPACE, *PUNCTUATION), line
            seen |= set(line) & set(PUNCTUATION)
    assert "「" in seen  # the bracket is used, just never left open at a line's end


def test_a_meter_the_words_cannot_fill_is_refused_up_front():
    # only two-mora words: odd lines are impossible
    morae = np.where(np.isin(np.arange(len(VOCAB)), [VOCAB.id(word) for word in ("春", "待つ", "君")]), 2, -1)
    with pytest.raises(SeqgenError, match="no line of 5, 7 morae"):
        MeterConstraint(VOCAB, 1, 2, (7, 5), morae)
    assert sample((8, 6), morae=morae)  # even ones are fine


def test_a_vocabulary_without_readings_cannot_meet_any_meter():
    with pytest.raises(SeqgenError, match="their mora counts: none"):
        MeterConstraint(VOCAB, 1, 2, (7, 5), np.full(len(VOCAB), -1))


def test_a_prime_is_walked_through_the_meter():
    tokens = sample((7, 5), prime=("夕焼け", "を", "待つ", LINE_END, "春", "が"))
    assert line_morae(tokens)[:2] == [7, 5]
    with pytest.raises(PrimeError, match="line 1 of the prime's stanza 1 has 5 morae; the meter asks for 7"):
        sample((7, 5), prime=("夕焼け", "を", LINE_END))
    with pytest.raises(PrimeError, match="would run past its 5 morae"):
        sample((5,), prime=("夕焼け", "ふるさと"))
    with pytest.raises(PrimeError, match="does not know for sure how '日' is read"):
        sample((7, 5), prime=("日",))


@pytest.mark.parametrize("text, meter", [("7,5", (7, 5)), (" 8, 8,8 ,6", (8, 8, 8, 6)), ("5", (5,)), ("７，５", (7, 5)),
                                         ([7, 7, 7, 5], (7, 7, 7, 5))])
def test_meters_are_read(text, meter):
    assert parse_meter(text) == meter


@pytest.mark.parametrize("text", ["", "7,", "7,five", "0,5", "-7", f"{MAX_LINE_MORAE + 1}", "7.5", [True],
                                  7, None])
def test_bad_meters_are_refused(text):
    with pytest.raises(SeqgenError):
        parse_meter(text)


KANJI_WORDS = {"一": ("いち", 2, 1.0), "人": ("ひと", 2, 1.0), "夜": ("よる", 2, 1.0), "の": ("の", 1, 1.0),
               "空": ("そら", 2, 1.0), "に": ("に", 1, 1.0)}
KANJI_READINGS = Readings({word: TokenReading(*entry) for word, entry in KANJI_WORDS.items()},
                          {("夜", "空"), ("夜", "の"), ("空", "に"), ("人", "の"), ("一", "の")})
KANJI_VOCAB = Vocab.build([list(KANJI_WORDS)], keep=create("japanese").structure_tokens)


def test_kanji_are_followed_only_as_the_corpus_follows_them():
    # 一 + 人 would be read ひとり (3 morae), not いちひと (4): the corpus never has it
    morae = KANJI_READINGS.meter_morae(KANJI_VOCAB.tokens)
    for seed in range(40):
        tokens = sample((7, 5), vocab=KANJI_VOCAB, morae=morae, seed=seed, junctions=KANJI_READINGS.junctions)
        for first, second in zip(tokens, tokens[1:]):
            if first in ("一", "人", "夜", "空") and second in KANJI_WORDS:
                assert (first, second) in KANJI_READINGS.junctions
    with pytest.raises(PrimeError, match="the corpus never has '人' after '一'"):
        sample((7, 5), vocab=KANJI_VOCAB, morae=morae, prime=("一", "人"), junctions=KANJI_READINGS.junctions)


def test_junctions_are_read_from_the_corpus():
    from seqgen.analyzer import shared_analyzer
    from seqgen.readings import compute_readings

    readings = compute_readings([["夜", "空", "に", "星"], ["春", "の", "夜"]], lambda token: token, shared_analyzer())
    assert readings.junctions == {("夜", "空"), ("空", "に"), ("春", "の")}
    assert Readings.from_json(readings.to_json()).junctions == readings.junctions
