"""Constraints with fake logits: every constrained sample is valid, whatever the model says."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.constraints import AllOf, StanzaConstraint, TaalConstraint, allowed_after
from seqgen.errors import SeqgenError
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers import Document, create
from seqgen.tokenizers.bols import BASS_BOLS
from seqgen.tokenizers.lyrics import LINE_END, STANZA_END
from seqgen.tokenizers.tabla import taal_token
from seqgen.validator import validate
from seqgen.vocab import PAD, Vocab

from fakes import RandomLogitsModel

tabla = create("tabla")
TABLA_VOCAB = Vocab.build([], keep=tabla.structure_tokens)
LYRIC_WORDS = ["春", "夏", "君", "を", "待つ", "夜", "が", "来る"]
LYRIC_VOCAB = Vocab.build([LYRIC_WORDS], keep=create("japanese").structure_tokens)


def sample_tabla(taal, cycles, form=None, khali=None, seed=0, n=3, layakaris=(1, 2, 3, 4), beam=0):
    constraint = TaalConstraint(TABLA_VOCAB, get_taal(taal), cycles, form, khali, layakaris)
    sampler = Sampler(RandomLogitsModel(len(TABLA_VOCAB), seed), TABLA_VOCAB.end_id,
                      [TABLA_VOCAB.id(PAD), TABLA_VOCAB.unk_id, TABLA_VOCAB.start_id])
    prime = [TABLA_VOCAB.start_id, TABLA_VOCAB.id(taal_token(taal))]
    results = sampler.generate(prime, n, SamplingConfig(seed=seed, beam=beam), constraint)
    header = [taal_token(taal)] + ([f"<form:{form}>"] if form else [])
    return [tabla.composition(Document(tuple(header + TABLA_VOCAB.decode(ids)))) for ids in results]


@settings(max_examples=60, deadline=None)
@given(taal=st.sampled_from(sorted(TAALS)), cycles=st.integers(1, 4), seed=st.integers(0, 10_000),
       form=st.sampled_from([None, "theka", "kaida", "rela", "tihai"]))
def test_random_logits_always_give_valid_compositions(taal, cycles, seed, form):
    for composition in sample_tabla(taal, cycles, form, seed=seed):
        assert validate(composition) == []
        assert len(composition.cycles) == cycles
        counts = {len(matra.bols) for cycle in composition.cycles for matra in cycle.matras}
        assert len(counts) == 1  # uniform layakari


def test_hard_khali_keeps_bass_out_of_the_khali_quarter():
    for composition in sample_tabla("teentaal", 3, "kaida", seed=5, n=5):
        for cycle in composition.cycles:
            for matra in cycle.matras[8:12]:
                assert not set(matra.bols) & BASS_BOLS


def test_soft_khali_only_penalises():
    constraint = TaalConstraint(TABLA_VOCAB, get_taal("teentaal"), 1, "theka")
    two_vibhags = (["Dha", "_"] * 4 + ["|"]) * 2  # matra 9 comes next: the khali vibhag
    state = constraint.start()
    for token in TABLA_VOCAB.encode(two_vibhags):
        state = constraint.advance(state, token)
    bias = constraint.bias(state)
    assert np.isfinite(bias[TABLA_VOCAB.id("Dha")]) and bias[TABLA_VOCAB.id("Dha")] < 0
    assert bias[TABLA_VOCAB.id("Ta")] == 0


def test_fixed_layakari_and_bars():
    [composition] = sample_tabla("dadra", 2, seed=1, n=1, layakaris=(2,))
    assert all(len(matra.bols) == 2 for cycle in composition.cycles for matra in cycle.matras)
    mask = allowed_after(TaalConstraint(TABLA_VOCAB, get_taal("dadra"), 1), TABLA_VOCAB.encode(["Dha", "_"] * 3))
    assert np.flatnonzero(mask).tolist() == [TABLA_VOCAB.id("|")]


def test_beam_search_respects_the_taal():
    for composition in sample_tabla("jhaptaal", 2, seed=2, n=2, beam=3):
        assert validate(composition) == []


def test_non_tabla_vocabulary_is_refused():
    with pytest.raises(SeqgenError, match="not a tabla model"):
        TaalConstraint(LYRIC_VOCAB, get_taal("teentaal"), 1)


def sample_song(stanzas, lines, seed, min_tokens=2, max_tokens=5):
    constraint = StanzaConstraint(LYRIC_VOCAB, stanzas, lines, min_tokens, max_tokens)
    sampler = Sampler(RandomLogitsModel(len(LYRIC_VOCAB), seed), LYRIC_VOCAB.end_id,
                      [LYRIC_VOCAB.id(PAD), LYRIC_VOCAB.unk_id, LYRIC_VOCAB.start_id])
    [ids] = sampler.generate([LYRIC_VOCAB.start_id], 1, SamplingConfig(seed=seed), constraint)
    return LYRIC_VOCAB.decode(ids)


@settings(max_examples=60, deadline=None)
@given(stanzas=st.integers(1, 5), lines=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_stanza_shape_is_exact_with_random_logits(stanzas, lines, seed):
    tokens = sample_song(stanzas, lines, seed)
    assert tokens.count(STANZA_END) == stanzas
    assert tokens.count(LINE_END) == stanzas * (lines - 1)
    song = create("japanese").stanzas(tokens)
    assert [len(stanza) for stanza in song] == [lines] * stanzas
    line, lengths = 0, []
    for token in tokens:
        if token in (LINE_END, STANZA_END):
            lengths.append(line)
            line = 0
        else:
            line += 1
    assert min(lengths) >= 2 and max(lengths) <= 5


def test_all_of_combines_constraints():
    a = StanzaConstraint(LYRIC_VOCAB, 1, 1, 1, 3)
    b = StanzaConstraint(LYRIC_VOCAB, 1, 1, 2, 3)
    combined = AllOf(a, b)
    state = combined.advance(combined.start(), LYRIC_VOCAB.id("春"))
    allowed = np.isfinite(combined.bias(state))
    assert not allowed[LYRIC_VOCAB.id(STANZA_END)]  # a allows ending after one word, b does not
