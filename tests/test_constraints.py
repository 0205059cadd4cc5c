"""Constraints with fake logits: every constrained sample is valid, whatever the model says."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.constraints import (MAX_PIECE_TOKENS, PULSE, AllOf, PrimeError, StanzaConstraint, TaalConstraint,
                                allowed_after, bol_tokens)
from seqgen.errors import SeqgenError
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers import Document, create
from seqgen.tokenizers.bols import BASS_BOLS, is_bass, split_word
from seqgen.tokenizers.lyrics import LINE_END, SPACE, STANZA_END
from seqgen.tokenizers.tabla import taal_token
from seqgen.validator import validate
from seqgen.vocab import PAD, Vocab

from fakes import RandomLogitsModel

tabla = create("tabla")
TABLA_VOCAB = Vocab.build([], keep=tabla.structure_tokens)
NO_PULSE_VOCAB = Vocab.build([], keep=tuple(token for token in tabla.structure_tokens if token != ","))
LYRIC_WORDS = ["春", "夏", "君", "を", "待つ", "夜", "が", "来る"]
LYRIC_VOCAB = Vocab.build([LYRIC_WORDS], keep=create("japanese").structure_tokens)


def sample_tabla(taal, cycles, form=None, khali=None, seed=0, n=3, layakaris=(1, 2, 3, 4), beam=0, vocab=TABLA_VOCAB):
    return [generated(tokens, form)
            for tokens in sample_tabla_tokens(taal, cycles, form, khali, seed, n, layakaris, beam, vocab)]


def sample_tabla_tokens(taal, cycles, form=None, khali=None, seed=0, n=3, layakaris=(1, 2, 3, 4), beam=0,
                        vocab=TABLA_VOCAB, constraint=None):
    constraint = constraint or TaalConstraint(vocab, get_taal(taal), cycles, form, khali, layakaris)
    sampler = Sampler(RandomLogitsModel(len(vocab), seed), vocab.end_id, [vocab.id(PAD), vocab.unk_id, vocab.start_id])
    prime = [vocab.start_id, vocab.id(taal_token(taal))]
    results = sampler.generate(prime, n, SamplingConfig(seed=seed, beam=beam), constraint)
    header = [taal_token(taal)] + ([f"<form:{form}>"] if form else [])
    return [header + vocab.decode(ids) for ids in results]


def generated(tokens, form=None):
    """A sampled piece as generation hands it out: kaida and rela name their theme length."""
    composition = tabla.composition(Document(tuple(tokens)))
    if form in ("kaida", "rela"):
        composition.headers.append(("theme-cycles", "1"))
    return composition


@settings(max_examples=60, deadline=None)
@given(taal=st.sampled_from(sorted(TAALS)), cycles=st.integers(1, 4), seed=st.integers(0, 10_000),
       form=st.sampled_from([None, "theka", "kaida", "rela", "tihai"]))
def test_random_logits_always_give_valid_compositions(taal, cycles, seed, form):
    for composition in sample_tabla(taal, cycles, form, seed=seed):
        assert validate(composition) == []
        closed = [cycle for cycle in composition.cycles if cycle.closed]
        assert len(closed) == cycles
        if form == "tihai":  # a cadential form ends with its stroke on sam, after the last '||'
            [landing] = composition.cycles[cycles:]
            assert len(landing.matras) == 1
        else:
            assert composition.cycles == closed
        counts = {len(matra.bols) for cycle in closed for matra in cycle.matras}
        assert len(counts) == 1  # uniform layakari (the landing on sam is a stroke or a few, whatever it is)


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


def test_a_long_piece_is_never_cut():
    # 80 cycles of teentaal at up to 4 bols a matra need more than the old fixed 4,000-token limit
    [composition] = sample_tabla("teentaal", 80, seed=3, n=1, layakaris=(4,))
    assert len(composition.cycles) == 80 and validate(composition) == []


def test_beam_search_finishes_a_piece_longer_than_4000_tokens():
    [composition] = sample_tabla("dadra", 130, seed=1, n=1, layakaris=(4,), beam=2)
    assert len(composition.cycles) == 130 and validate(composition) == []


@pytest.mark.parametrize("taal, cycles, layakari", [("teentaal", 3, 4), ("rupak", 2, 1), ("dhamar", 1, 3)])
def test_longest_is_the_exact_length_of_the_fullest_piece(taal, cycles, layakari):
    # without a pulse token every matra of a fixed layakari is as full as it can be
    constraint = TaalConstraint(NO_PULSE_VOCAB, get_taal(taal), cycles, layakaris=(layakari,))
    [tokens] = sample_tabla_tokens(taal, cycles, seed=2, n=1, constraint=constraint, vocab=NO_PULSE_VOCAB)
    assert len(tokens) - 1 == constraint.longest  # the taal header token is the prime's, not generated
    with_pulses = TaalConstraint(TABLA_VOCAB, get_taal(taal), cycles, layakaris=(layakari,))
    assert with_pulses.longest == constraint.longest + cycles * get_taal(taal).matras * (layakari - 1)


def test_a_landing_piece_has_room_for_its_stroke_on_sam():
    plain = TaalConstraint(NO_PULSE_VOCAB, get_taal("teentaal"), 2, layakaris=(2,))
    tihai = TaalConstraint(NO_PULSE_VOCAB, get_taal("teentaal"), 2, "tihai", layakaris=(2,))
    assert tihai.longest == plain.longest + 3
    [tokens] = sample_tabla_tokens("teentaal", 2, "tihai", seed=4, n=1, constraint=tihai, vocab=NO_PULSE_VOCAB)
    assert len(tokens) - 2 == tihai.longest  # taal and form header tokens are the prime's


def test_longest_stanza_song_is_exact():
    constraint = StanzaConstraint(LYRIC_VOCAB, 2, 3, 4, 4)
    assert constraint.longest == 2 * 3 * 5
    sampler = Sampler(RandomLogitsModel(len(LYRIC_VOCAB), 0), LYRIC_VOCAB.end_id,
                      [LYRIC_VOCAB.id(PAD), LYRIC_VOCAB.unk_id, LYRIC_VOCAB.start_id, LYRIC_VOCAB.id(SPACE)])
    [ids] = sampler.generate([LYRIC_VOCAB.start_id], 1, SamplingConfig(seed=0), constraint)
    assert len(ids) == constraint.longest


def test_requests_too_long_to_generate_are_refused_up_front():
    with pytest.raises(SeqgenError, match=r"3,000 cycles|3000 cycles") as error:
        TaalConstraint(TABLA_VOCAB, get_taal("teentaal"), 3000)
    message = str(error.value)
    assert f"at most {MAX_PIECE_TOKENS:,}" in message and "at most 387 cycles of teentaal at 16 bols" in message
    # at one bol a matra the same number of cycles fits
    assert TaalConstraint(TABLA_VOCAB, get_taal("teentaal"), 3000, layakaris=(1,)).longest <= MAX_PIECE_TOKENS
    with pytest.raises(SeqgenError, match="3 stanzas of 20000 lines"):
        StanzaConstraint(LYRIC_VOCAB, 3, 20000)


def test_bias_cache_does_not_grow_with_the_number_of_cycles():
    sizes = []
    for cycles in (2, 40):
        constraint = TaalConstraint(TABLA_VOCAB, get_taal("keherwa"), cycles)
        sample_tabla_tokens("keherwa", cycles, seed=4, n=4, constraint=constraint)
        sizes.append(constraint._bias_of_key.cache_info().currsize)
    assert sizes[1] <= sizes[0] + 1  # one more key: "the last cycle is done" was met in both


OPEN_VOCAB = Vocab.build([["Kda", "Ghen", "Dha", PULSE]], keep=tabla.structure_tokens + ("<taal:tilwada>",))


def test_any_vocabulary_syllable_is_a_bol_but_structure_and_headers_are_not():
    bols = bol_tokens(OPEN_VOCAB)
    assert "Kda" in bols and "Ghen" in bols and "Dha" in bols
    assert not {PULSE, "_", "|", "||", "<taal:tilwada>", "<form:kaida>", "<unk>", "</s>"} & set(bols)
    allowed = allowed_after(TaalConstraint(OPEN_VOCAB, get_taal("dadra"), 1), [])
    assert allowed[OPEN_VOCAB.id("Kda")] and allowed[OPEN_VOCAB.id("Ghen")]
    assert not allowed[OPEN_VOCAB.id(PULSE)] and not allowed[OPEN_VOCAB.id("<taal:tilwada>")]
    for composition in sample_tabla("dadra", 3, seed=8, n=3, vocab=OPEN_VOCAB):
        assert validate(composition) == []
        assert PULSE not in {bol for cycle in composition.cycles for matra in cycle.matras for bol in matra.bols}


def test_hard_khali_closes_every_bass_bol_of_the_lexicon():
    constraint = TaalConstraint(OPEN_VOCAB, get_taal("teentaal"), 1, "kaida")
    eight_matras = OPEN_VOCAB.encode((["Kda", "_"] * 4 + ["|"]) * 2)
    allowed = allowed_after(constraint, eight_matras)
    for token in bol_tokens(OPEN_VOCAB):
        assert allowed[OPEN_VOCAB.id(token)] != is_bass(token), token


def read_tabla_prime(text_tokens, taal="teentaal", cycles=2, form=None, layakaris=(1, 2, 3, 4)):
    constraint = TaalConstraint(TABLA_VOCAB, get_taal(taal), cycles, form, None, layakaris)
    return constraint.read_prefix(TABLA_VOCAB.encode(text_tokens.split()))


def matras(*words):
    """Tokens of matras, ``DhaGe`` as ``Dha Ge _``; ``|`` and ``||`` pass through."""
    tokens = []
    for word in words:
        tokens += [word] if word in ("|", "||") else [*split_word(word), "_"]
    return " ".join(tokens)


@pytest.mark.parametrize("prime, settings, message", [
    (matras("Dha", "Dha", "Dha", "Dha", "Dha", "|"), {},
     "the prime has 5 matras before its first '|'; teentaal's first vibhag has 4 ('|' belongs after matra 4)"),
    (matras("Dha", "Dha", "Dha", "|"), {},
     "the prime has 3 matras before its first '|'; teentaal's first vibhag has 4"),
    (matras(*["Dha"] * 4, "|", *["Dha"] * 3, "|"), {},
     "the prime has 3 matras in vibhag 2 of cycle 1; teentaal's second vibhag has 4"),
    (matras(*(["Dha"] * 4 + ["|"]) * 3, *["Dha"] * 4, "|"), {},
     "the prime closes cycle 1 with '|' after its 16 matras; a teentaal cycle ends there: write '||'"),
    (matras(*["Dha"] * 4, "|", *["Dha"] * 4, "||"), {}, "the prime writes '||' after 8 matras of cycle 1"),
    (matras("Dhi", "Na", "|", "Dhi", "Dhi", "Na", "|"), {}, "the prime has 2 matras before its first '|'"),
    (matras(*(["Dha"] * 4 + ["|"]) * 3, *["Dha"] * 4, "||", "Dha"), dict(cycles=1),
     "the prime has 2 cycles of teentaal, more than the 1 asked for"),
    (matras("DhaGe"), dict(layakaris=(1,)),
     "the prime's matra 1 of cycle 1 (DhaGe) has 2 bols; layakari 1 means 1 bol in every matra"),
    (matras("Dha"), dict(layakaris=(2,)), "(Dha) has 1 bol; layakari 2 means 2 bols in every matra"),
    (matras("Dha", "DhaGe"), {}, "the prime's matra 2 of cycle 1 (DhaGe) has 2 bols, but its first matra has 1"),
    (matras("TiRaKiTaDha"), {}, "(TiRaKiTaDha) has 5 bols; seqgen writes 1 to 4 bols per matra"),
    (matras(*(["TaNa"] * 4 + ["|"]) * 2, "TaGe"), dict(form="kaida"),
     "the prime's matra 9 of cycle 1 (TaGe) falls in the kaida's khali quarter (matras 9-12) but keeps its bass (Ge); "
     "play it closed (Ke)"),
])
def test_a_prime_that_breaks_the_shape_is_refused_in_a_players_words(prime, settings, message):
    with pytest.raises(PrimeError) as error:
        read_tabla_prime(prime, **settings)
    assert message in str(error.value)


def test_a_prime_that_keeps_the_shape_gives_the_state_to_continue_from():
    constraint = TaalConstraint(TABLA_VOCAB, get_taal("dadra"), 1, "kaida")
    prime = TABLA_VOCAB.encode(matras("Dha", "Dha", "Dha", "|", "Ta", "Ta").split())
    state = constraint.read_prefix(prime)
    assert state.done == 5 and state.cycle_bars == 0
    full = TABLA_VOCAB.encode(matras("Dha", "Dha", "Dha", "|", "Ta", "Ta", "Dha", "||").split())
    assert np.flatnonzero(np.isfinite(constraint.bias(constraint.read_prefix(full)))).tolist() == [TABLA_VOCAB.end_id]


def test_an_unknown_prime_word_passes_where_a_bol_may_stand():
    constraint = TaalConstraint(TABLA_VOCAB, get_taal("dadra"), 1)
    unk, bar = TABLA_VOCAB.unk_id, TABLA_VOCAB.id("|")
    underscore = TABLA_VOCAB.id("_")
    assert constraint.read_prefix([unk, underscore]).done == 1
    with pytest.raises(PrimeError):
        constraint.read_prefix([unk, underscore] * 3 + [unk])  # a bol where the '|' belongs
    assert constraint.read_prefix([unk, underscore] * 3 + [bar]).done == 3


def read_lyric_prime(words, stanzas=2, lines=2, min_tokens=1, max_tokens=4):
    constraint = StanzaConstraint(LYRIC_VOCAB, stanzas, lines, min_tokens, max_tokens)
    return constraint.read_prefix(LYRIC_VOCAB.encode(words.split()))


@pytest.mark.parametrize("prime, settings, message", [
    (f"春 {LINE_END} 夏 {LINE_END} 君", {}, "the prime's stanza 1 has 3 lines; 2 lines per stanza were asked for"),
    (f"春 {STANZA_END} 夏", {}, "the prime's stanza 1 has 1 line; every stanza needs exactly 2"),
    (f"春 {LINE_END} 夏 {STANZA_END} 君 {LINE_END} 夜 {STANZA_END} 春", {},
     "the prime has 3 stanzas, more than the 2"),
    ("春 夏 君 を 待つ 夜", {}, "line 1 of the prime's stanza 1 has 6 words; a line holds at most 4"),
    (f"春 {LINE_END} 夏", dict(min_tokens=2),
     "line 1 of the prime's stanza 1 has 1 word; every line needs at least 2"),
])
def test_a_lyric_prime_that_breaks_the_stanza_shape_is_refused(prime, settings, message):
    with pytest.raises(PrimeError) as error:
        read_lyric_prime(prime, **settings)
    assert message in str(error.value)


def test_all_of_reads_a_prefix_through_each_constraint():
    combined = AllOf(StanzaConstraint(LYRIC_VOCAB, 1, 2, 1, 3), StanzaConstraint(LYRIC_VOCAB, 1, 2, 2, 3))
    assert combined.longest == 8
    combined.read_prefix(LYRIC_VOCAB.encode(["春", "夏", LINE_END, "君"]))
    with pytest.raises(PrimeError, match="at least 2"):
        combined.read_prefix(LYRIC_VOCAB.encode(["春", LINE_END]))
