"""The lyric measures of ``seqgen evaluate`` on a real (tiny) Japanese model: exact stanza shape
and meter, copied lines found, a line with a part-of-speech transition the corpus never has counted
as failing; through the API and the CLI (text and JSON). A bundle without readings skips the meter."""

import json

import pytest

import seqgen
from seqgen.kana import mora_count
from seqgen import lyrics_quality
from seqgen.lyrics_quality import CorpusLines, lyric_metrics
from seqgen.tokenizers import create

from cli_helpers import assert_clean_error, invoke

# One song of nouns, particles and adjectives only: no verb anywhere, so a line with a verb has
# transitions the corpus lacks. Every song of the corpus is this one, so held-out lines are
# training lines too.
SONG = [
    ["春の空が青い", "桜の花が白い", "風の歌が優しい", "夜の月が丸い"],
    ["海の色が青い", "山の雪が白い", "君の声が優しい", "秋の月が丸い"],
    ["冬の空が高い", "虹の橋が遠い", "花の道が長い", "夏の海が広い"],
]
SONGS = 10
LINES = {line for stanza in SONG for line in stanza}
FIXED_TOKENS = 7  # <pad> <unk> <s> </s> <nl> <stanza> <sp>


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lyrics_quality")
    corpus = folder / "songs.txt"
    song = "\n\n".join("\n".join(stanza) for stanza in SONG)
    corpus.write_text("\n---\n".join([song] * SONGS) + "\n", encoding="utf-8")
    words = {token for document in create("japanese").tokenize(corpus.read_text(encoding="utf-8"))
             for token in document.tokens if not token.startswith("<")}
    # one word short of the whole vocabulary: the lines with the word left out hold <unk>
    generator = seqgen.train("japanese", corpus, out=folder / "model", epochs=40, rnn_size=32, embedding_dim=16,
                             seq_length=10, stride=2, batch_size=8, learning_rate=0.01, val_frac=0.2, seed=1,
                             vocab_size=FIXED_TOKENS + len(words) - 1, verbose="quiet")
    return generator.bundle


@pytest.fixture(scope="module")
def old_bundle(bundle, tmp_path_factory):
    """The bundle as seqgen wrote it before it stored kana readings."""
    import shutil

    folder = tmp_path_factory.mktemp("old") / "model"
    shutil.copytree(bundle.path, folder)
    (folder / "readings.json").unlink()
    return folder


@pytest.fixture(scope="module")
def dropped(bundle):
    """The corpus lines holding the word the vocabulary left out."""
    words = {token for line in LINES for token in create("japanese").segment(line)}
    [word] = [token for token in words if token not in bundle.vocab]
    return {line for line in LINES if word in create("japanese").segment(line)}


@pytest.fixture(scope="module")
def sampled(bundle):
    return lyric_metrics(bundle, songs=3)


@pytest.fixture(scope="module")
def greedy(bundle):
    return lyric_metrics(bundle, songs=1, sampling={"greedy": True})


def test_every_song_has_its_shape_and_every_metered_line_its_morae(sampled):
    assert sampled["settings"] == ["free", "7,5", "8,8,8,6", "5,7,5"]
    assert sampled["shape"]["songs"] == 12 and sampled["shape"]["exact"] == 1.0
    meter = sampled["meter"]
    assert meter["lines"] == 3 * 3 * 12 and meter["printed_exact"] == 1.0 and not meter["notes"]
    for record in sampled["lines"]:
        if record["setting"] == "free":
            assert "target_morae" not in record
            continue
        pattern = [int(part) for part in record["setting"].split(",")]
        assert record["target_morae"] == pattern[record["line"] % len(pattern)]
        assert mora_count(record["reading"].replace(" ", "")) == record["target_morae"]
        assert record["reread_exact"] == (mora_count(record["reread_reading"]) == record["target_morae"])
    # the words of this corpus have one reading each: re-reading the lines agrees
    assert meter["reread_exact"] == 1.0


def test_lines_copied_from_the_corpus_are_found(greedy, sampled, dropped):
    # the greedy model has learnt the song by heart and sings it back
    novelty = greedy["novelty"]
    assert novelty["per_setting"]["free"] >= 0.5
    for record in greedy["lines"] + sampled["lines"]:
        assert record["copied"] == (record["text"] in LINES - dropped), record
    # every training document is the same song; lines with the word left out cannot be rebuilt
    training_songs = SONGS - 2
    assert novelty["training_lines"] == training_songs * 12
    assert novelty["training_lines_with_unk"] == training_songs * len(dropped)
    assert novelty["distinct_training_lines"] == 12 - len(dropped)


def test_a_line_with_a_transition_the_corpus_lacks_fails_the_grammar_proxy(bundle):
    corpus = CorpusLines.of(bundle, candidates={"花が青い", "春の空が青い"})
    verb_line = "走った"  # a verb and the past auxiliary: the corpus has neither
    unseen = corpus.unseen_transitions(verb_line)
    assert unseen and unseen[0][0] == ("<line>",) and unseen[0][1][0] == "動詞"
    # a new line made only of transitions the corpus has passes, without being copied
    assert corpus.unseen_transitions("花が青い") == [] and not corpus.copied("花が青い")
    assert corpus.unseen_transitions("春の空が青い") == [] and corpus.copied("春の空が青い")
    # spaces and punctuation are skipped: they add no transition
    assert corpus.unseen_transitions("花が、 青い。") == []


def test_the_corpus_is_read_without_keeping_its_lines(bundle, monkeypatch, dropped):
    # a corpus of hundreds of MB has millions of lines: none is remembered with its analysis, and past
    # DISTINCT_LINES they are no longer counted, with the same transitions and copied lines found
    candidates = {"春の空が青い", "花が青い"}
    whole = CorpusLines.of(bundle, candidates)
    assert whole.reader.seen == {} and whole.distinct_train == 12 - len(dropped)
    assert whole.held_out.lines > 0 and whole.held_out.passing == whole.held_out.lines
    monkeypatch.setattr(lyrics_quality, "DISTINCT_LINES", 3)
    capped = CorpusLines.of(bundle, candidates)
    assert capped.distinct_train is None and capped.reader.seen == {}
    assert capped.transitions == whole.transitions and capped.copied_lines == whole.copied_lines == {"春の空が青い"}
    assert capped.held_out == whole.held_out
    with pytest.raises(ValueError, match="candidates"):
        capped.copied("夏の海が広い")  # asked of a line it was not built to check: no silent False


def test_grammar_shares_agree_with_the_lines_and_held_out_lines_are_the_ceiling(sampled):
    grammar = sampled["grammar"]
    records = sampled["lines"]
    for record in records:
        assert record["grammar_ok"] == (not record["unseen_transitions"])
    assert grammar["passing"] == sum(record["grammar_ok"] for record in records) / len(records)
    # the held-out songs are the training song: all their lines pass
    assert grammar["held_out"]["lines"] > 0 and grammar["held_out"]["passing"] == 1.0


def test_cli_text_and_json(bundle):
    result = invoke("evaluate", bundle.path, "--samples", "2")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for heading in ("stanza shape     100.0% of 8 songs", "meter            100.0% of 72 metered lines",
                    "novelty", "grammar proxy", "held-out lines (the ceiling): 100.0%"):
        assert heading in text, text
    result = invoke("evaluate", bundle.path, "--samples", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"perplexity", "baseline", "lyrics"} <= set(data) and "structure" not in data
    lyrics = data["lyrics"]
    assert lyrics["songs_per_setting"] == 1 and len(lyrics["lines"]) == 4 * 12
    assert lyrics["shape"]["exact"] == 1.0 and lyrics["meter"]["printed_exact"] == 1.0
    assert any(line["text"] in LINES or not line["copied"] for line in lyrics["lines"])


def test_a_bundle_without_readings_skips_the_meter_with_a_note(old_bundle):
    result = invoke("evaluate", old_bundle, "--samples", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    lyrics = json.loads(result.stdout)["lyrics"]
    assert lyrics["settings"] == ["free"] and lyrics["meter"]["lines"] == 0
    assert "no kana readings" in lyrics["meter"]["skipped"]
    assert lyrics["shape"]["exact"] == 1.0 and lyrics["grammar"]["passing"] is not None
    text = invoke("evaluate", old_bundle, "--samples", "1").stdout
    assert "meter            skipped: the bundle has no kana readings" in text


@pytest.mark.parametrize("samples, message", [("0", "samples must be at least 1"),
                                              ("1001", "samples must be at most 1,000"), ("2.5", "'--samples'")])
def test_samples_is_bounded(old_bundle, samples, message):
    assert_clean_error(invoke("evaluate", old_bundle, "--samples", samples), message)
