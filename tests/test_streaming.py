"""Corpora larger than memory: token shards on disk (round trip, cache, damage), the streamed
vocabulary and id streams against the in-memory path, and the tf.data feed's batch order."""

import json

import numpy as np
import pytest

from seqgen import api, shards
from seqgen.data import DataConfig, StreamWindows, build_vocab, id_stream, split_documents, vocab_from_counts, windows
from seqgen.domains import load_documents, tokenizer_for

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "rupak.txt"
TINY = ["--rnn-size", "8", "--embedding-dim", "4", "--seq-length", "16", "--batch-size", "8", "--epochs", "1",
        "--val-frac", "0.1", "--test-frac", "0.1", "--seed", "3", "--quiet"]


@pytest.fixture
def small_shards(monkeypatch):
    """Pieces and shards small enough that a small corpus fills several of each."""
    monkeypatch.setattr(shards, "PIECE_CHARACTERS", 2000)
    monkeypatch.setattr(shards, "SHARD_TOKENS", 3000)


def in_memory(domain, corpus):
    tokenizer = tokenizer_for(domain)
    return tokenizer, [document.tokens for document in load_documents(tokenizer, corpus)]


@pytest.mark.parametrize("domain, corpus", [("tabla", ROOT / "corpora" / "teentaal.txt"),
                                            ("japanese", ROOT / "corpora" / "lyrics_ja_historical")])
def test_shards_round_trip_the_documents_in_corpus_order(small_shards, domain, corpus):
    tokenizer, documents = in_memory(domain, corpus)
    found = shards.open_or_build(tokenizer_for(domain), corpus, workers=2)
    assert list(found.document_tokens()) == documents
    assert len(found.shards) > 1 and found.documents == len(documents)
    assert all(shard.dtype == np.int32 and isinstance(shard, np.memmap) for shard in found.shards)
    if domain == "japanese":  # a streamed corpus's readings are read from its shards, a document at a time
        vocab = build_vocab(documents, DataConfig(), keep=tokenizer.structure_tokens)
        streamed = api._vocab_readings(tokenizer, found.document_tokens(), vocab)
        assert vars(streamed) == vars(api._vocab_readings(tokenizer, documents, vocab))


def test_streamed_vocabulary_and_streams_equal_the_in_memory_ones(small_shards):
    tokenizer, documents = in_memory("tabla", CORPUS)
    found = shards.open_or_build(tokenizer_for("tabla"), CORPUS, workers=1)
    parts = split_documents(len(documents), 0.2, 0.1, seed=4)
    config = DataConfig(min_count=2, vocab_size=72)
    expected = build_vocab([documents[index] for index in parts.train], config, keep=tokenizer.structure_tokens)
    vocab = vocab_from_counts(found.token_counts(parts.train), config, keep=tokenizer.structure_tokens)
    assert vocab.tokens == expected.tokens
    streams = found.streams(vocab, {name: getattr(parts, name) for name in ("train", "val", "test")})
    for name in ("train", "val", "test"):
        assert np.array_equal(streams[name], id_stream([documents[index] for index in getattr(parts, name)], vocab))
    # the windows read from the memory-mapped stream are those of the in-memory arrays
    x, y = windows(np.asarray(streams["train"]), 16, 5)
    read = StreamWindows(streams["train"], 16, 5)
    assert np.array_equal(read.rows(np.arange(read.count))[0], x) and np.array_equal(read.rows([3, 1])[1], y[[3, 1]])


def test_the_second_run_finds_the_shards_in_the_cache(small_shards, monkeypatch):
    first = shards.open_or_build(tokenizer_for("tabla"), CORPUS)

    def no_tokenizing(*args, **kwargs):
        raise AssertionError("tokenized again")

    monkeypatch.setattr(shards, "_build", no_tokenizing)
    again = shards.open_or_build(tokenizer_for("tabla"), CORPUS)
    assert again.folder == first.folder and again.documents == first.documents


def test_a_damaged_shard_is_rebuilt(small_shards):
    first = shards.open_or_build(tokenizer_for("tabla"), CORPUS)
    documents = list(first.document_tokens())
    shard = first.folder / "shard-00000.npy"
    data = bytearray(shard.read_bytes())
    data[-3] ^= 0xFF
    shard.write_bytes(bytes(data))
    assert shards._open(first.folder, first.key) is None  # detected by its checksum
    rebuilt = shards.open_or_build(tokenizer_for("tabla"), CORPUS)
    assert list(rebuilt.document_tokens()) == documents


def test_feed_batches_follow_seed_and_epoch_and_resume_alike():
    from seqgen.feed import TrainingFeed

    stream = np.arange(500, dtype=np.int32) % 37
    x, y = windows(stream, 10, 10)
    feed = TrainingFeed(StreamWindows(stream, 10, 10), batch_size=8, seed=9)
    assert feed.steps == len(x) // 8  # the partial batch is dropped
    for epoch in (0, 3):
        order = np.random.default_rng([9, epoch]).permutation(len(x))  # the order seqgen always used
        got_x, got_y = feed.batch(2, epoch)
        assert np.array_equal(got_x, x[order[16:24]]) and np.array_equal(got_y, y[order[16:24]])
    resumed = TrainingFeed(StreamWindows(stream, 10, 10), batch_size=8, seed=9, first_epoch=3)
    served = [batch[0] for batch in resumed.dataset().as_numpy_iterator()]
    assert len(served) == feed.steps
    assert all(np.array_equal(served[index], feed.batch(index, 3)[0]) for index in range(feed.steps))


def test_streamed_training_gives_the_in_memory_result_and_evaluates(tmp_path, monkeypatch):
    streamed, whole = tmp_path / "streamed", tmp_path / "whole"
    for out, flag in ((streamed, "on"), (whole, "off")):
        result = invoke("train", "tabla", CORPUS, "--out", out, "--stream", flag, *TINY)
        assert result.exit_code == 0, result.output
    assert (whole / "splits.npz").exists() and not (streamed / "splits.npz").exists()
    assert (streamed / "history.csv").read_text() == (whole / "history.csv").read_text()
    assert json.loads((streamed / "config.json").read_text())["corpus"]["shards"]
    assert invoke("evaluate", streamed, "--samples", "1").exit_code == 0
    # the shards live in the cache: without them, evaluating the held-out split is one clear line
    monkeypatch.setenv("SEQGEN_CACHE_DIR", str(tmp_path / "another-cache"))
    assert_clean_error(invoke("evaluate", streamed, "--samples", "1"), "streamed corpus", "train again")


@pytest.mark.parametrize("flags, fragment", [
    (["--stream", "sometimes"], "stream must be one of auto, on, off"),
    (["--stream", "on", "--tokenizer", "sentencepiece"], "cannot use the sentencepiece tokenizer"),
])
def test_bad_stream_settings_are_one_line_errors(tmp_path, flags, fragment):
    domain, corpus = ("japanese", ROOT / "corpora" / "lyrics_ja_historical") if "sentencepiece" in flags \
        else ("tabla", CORPUS)
    assert_clean_error(invoke("train", domain, corpus, "--out", tmp_path / "m", *flags), fragment)
    assert not (tmp_path / "m").exists()


def test_a_notation_error_in_a_streamed_corpus_names_its_line(tmp_path, small_shards):
    corpus = tmp_path / "bad.txt"
    good = CORPUS.read_text(encoding="utf-8")
    corpus.write_text(good + "\n# taal: rupak\nTin Tin Na | Dhi Na | Dhi ||\n", encoding="utf-8")
    line = good.count("\n") + 3
    result = invoke("train", "tabla", corpus, "--out", tmp_path / "m", "--stream", "on", *TINY)
    assert_clean_error(result, f"bad.txt:{line}")


def test_pruning_removes_the_least_recently_used_shard_folders_only_until_the_rest_fit(tmp_path):
    import os
    import time

    now = time.time()
    folders = []
    for index, age in enumerate((400, 300, 200, 100)):  # oldest first
        folder = tmp_path / (f"{index}" * 64)
        folder.mkdir()
        (folder / "shard.npy").write_bytes(b"x" * 1000)
        os.utime(folder, (now - age, now - age))
        folders.append(folder)
    shards.prune(tmp_path, limit=2500, keep=folders[0].name)  # 4,000 bytes: two must go, never the kept one
    assert [folder.exists() for folder in folders] == [True, False, False, True]
    shards.prune(tmp_path, limit=0)
    assert not any(folder.exists() for folder in folders)


def test_one_large_file_is_read_in_pieces_and_never_whole(tmp_path, small_shards, monkeypatch):
    # a lyrics corpus as one file: read a few hundred bytes at a time, cut at song boundaries
    monkeypatch.setattr(shards, "READ_BYTES", 512)
    monkeypatch.setattr(shards, "_CUT_MARGIN", 64)
    songs = [path.read_text(encoding="utf-8").strip() for path in sorted((ROOT / "corpora" / "lyrics_ja_historical").glob("*.txt"))]
    corpus = tmp_path / "all_songs.txt"
    corpus.write_text("\n---\n".join(songs * 3) + "\n", encoding="utf-8")
    read_at_first_piece, read = [], [0]

    def count(data):
        read[0] += len(data)

    pieces = shards.file_pieces(corpus, None, "japanese", count)
    first = next(pieces)
    read_at_first_piece.append(read[0])
    rest = list(pieces)
    assert read_at_first_piece[0] < corpus.stat().st_size / 4  # the first piece came long before the end
    assert "".join([first, *rest]) == corpus.read_text(encoding="utf-8") and len(rest) > 5
    assert all(piece.endswith("\n---\n") for piece in [first, *rest[:-1]])  # each cut after a song's end
    tokenizer, documents = in_memory("japanese", corpus)
    assert list(shards.open_or_build(tokenizer_for("japanese"), corpus, workers=2).document_tokens()) == documents


def test_a_file_without_document_boundaries_streams_whole(tmp_path, small_shards):
    # the text tokenizer has no boundaries to cut at: its file is one piece, as in memory
    corpus = tmp_path / "story.txt"
    corpus.write_text("The cat sat on the mat.\r\nThe dog sat on the log.\n\n" * 200, encoding="utf-8")
    tokenizer, documents = in_memory("text", corpus)
    assert list(shards.file_pieces(corpus, None, "text")) == [corpus.read_text(encoding="utf-8").replace("\r\n", "\n")]
    assert list(shards.open_or_build(tokenizer_for("text"), corpus, workers=2).document_tokens()) == documents


class _CountingCut:
    """A boundary pattern that counts the characters each search looks at."""

    def __init__(self, pattern):
        self.pattern, self.searched = pattern, 0

    def finditer(self, text, start, end):
        self.searched += end - start
        return self.pattern.finditer(text, start, end)


@pytest.mark.parametrize("name, separator", [("japanese", "\n---\n"), ("tabla", "\n\n# taal: teentaal\n")])
def test_cutting_a_file_looks_at_each_character_a_bounded_number_of_times(tmp_path, monkeypatch, name, separator):
    # one document far longer than a piece, then a few short ones: the long one must not be rescanned
    # from its start at every chunk (quadratic in its length)
    monkeypatch.setattr(shards, "READ_BYTES", 300)
    monkeypatch.setattr(shards, "PIECE_CHARACTERS", 1000)
    monkeypatch.setattr(shards, "_CUT_MARGIN", 32)
    counting = _CountingCut(shards._CUTS[name])
    monkeypatch.setitem(shards._CUTS, name, counting)
    text = "".join(["ka ta ge na\n" * 5000, *(separator + "dha dhin\n" * 30) * 20])
    corpus = tmp_path / "long.txt"
    corpus.write_text(text, encoding="utf-8")
    pieces = list(shards.file_pieces(corpus, None, name))
    assert "".join(pieces) == text
    assert len(pieces) > 3 and pieces[0].startswith("ka ta") and pieces[0].endswith(separator.split("#")[0])
    assert counting.searched < 3 * len(text)  # the rescanning version looked at about 90 times as many


@pytest.mark.parametrize("seed", range(6))
def test_pieces_end_at_boundaries_wherever_the_chunks_fall(tmp_path, monkeypatch, seed):
    # random songs and random chunk sizes: boundaries split between chunks, CRLF endings, a boundary
    # at the very start; every piece but the last ends just after a song's --- line
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(shards, "READ_BYTES", int(rng.integers(5, 200)))
    monkeypatch.setattr(shards, "PIECE_CHARACTERS", int(rng.integers(1, 400)))
    monkeypatch.setattr(shards, "_CUT_MARGIN", int(rng.integers(8, 40)))
    songs = ["".join(rng.choice(["夜", "の", "海", "\n", " "], size=int(rng.integers(0, 120)))) for _ in range(40)]
    text = "---\n" + "\n  --- \n".join(songs) + "\n"
    corpus = tmp_path / "songs.txt"
    corpus.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    pieces = list(shards.file_pieces(corpus, None, "japanese"))
    assert "".join(pieces) == text and len(pieces) > 1
    assert all(piece.endswith("---\n") or piece.endswith("--- \n") for piece in pieces[:-1])
    # a song ends every 130 characters or so: no piece holds much more than a piece's worth and a chunk
    assert max(map(len, pieces)) < shards.PIECE_CHARACTERS + shards.READ_BYTES + 200
