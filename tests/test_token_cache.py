"""The token cache (``seqgen.token_cache``) and tokenizing on several cores (``tokenizers.parallel``).

Real files on disk and real tokenizers; the tokenizers that count their calls are subclasses that
do the real work and add one to a counter.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqgen import token_cache
from seqgen.corpus import read_corpus
from seqgen.domains import load_documents, tokenizer_for
from seqgen.errors import SeqgenError
from seqgen.tokenizers import create, parallel
from seqgen.tokenizers.japanese import JapaneseTokenizer
from seqgen.tokenizers.sentencepiece_tokenizer import SentencePieceTokenizer

ROOT = Path(__file__).resolve().parent.parent
LYRICS = ROOT / "corpora" / "lyrics_ja"

SONG_A = "春の風が吹いて\n君の声が聞こえた\n\n夏の空は青く\n遠くまで続いてる\n"
SONG_B = "冬の夜は長くて\n星がひとつ光る\n---\n雨の日の約束を\n今も覚えている\n"


class CountingJapanese(JapaneseTokenizer):
    """TinySegmenter, counting the lines it segments."""

    lines = 0

    def segment(self, line: str) -> list[str]:
        CountingJapanese.lines += 1
        return super().segment(line)


class CountingSentencePiece(SentencePieceTokenizer):
    """sentencepiece, counting how often it learns a model."""

    fits = 0

    def fit(self, texts: list[str]) -> None:
        CountingSentencePiece.fits += 1
        super().fit(texts)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SEQGEN_CACHE_DIR", str(folder))
    CountingJapanese.lines = 0
    CountingSentencePiece.fits = 0
    return folder


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "songs"
    folder.mkdir()
    (folder / "a.txt").write_text(SONG_A, encoding="utf-8")
    (folder / "b.txt").write_text(SONG_B, encoding="utf-8")
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json.gz"))


def test_second_load_is_a_hit_that_segments_nothing(cache, corpus):
    first = load_documents(CountingJapanese(), corpus)
    assert token_cache.stats.last == "miss" and CountingJapanese.lines > 0
    assert len(entries(cache)) == 1
    CountingJapanese.lines = 0
    second = load_documents(CountingJapanese(), corpus)
    assert token_cache.stats.last == "hit"
    assert CountingJapanese.lines == 0
    assert second == first
    # the plain tokenizer is another kind: its own entry, and the same documents
    assert load_documents(JapaneseTokenizer(), corpus) == first


def test_a_hit_skips_sentencepiece_fit_and_rebuilds_the_same_model(cache, corpus):
    fitted = CountingSentencePiece(vocab_size=40)
    first = load_documents(fitted, corpus)
    assert CountingSentencePiece.fits == 1
    again = CountingSentencePiece(vocab_size=40)
    second = load_documents(again, corpus)
    assert token_cache.stats.last == "hit" and CountingSentencePiece.fits == 1
    assert second == first
    assert again.spec() == fitted.spec()  # the very model, so the bundle and sampling agree
    assert again.segment("新しい歌を歌おう") == fitted.segment("新しい歌を歌おう")


def test_a_hit_restores_the_syllables_a_tabla_corpus_declares(cache, tmp_path):
    corpus = ROOT / "tests" / "data" / "real_repertoire"
    fitted = tokenizer_for("tabla")
    first = load_documents(fitted, corpus)
    assert fitted.spec().get("bols")  # the corpus declares syllables in "# bols:" headers
    again = tokenizer_for("tabla")
    assert load_documents(again, corpus) == first
    assert token_cache.stats.last == "hit"
    assert again.spec() == fitted.spec() and again.lexicon.bols == fitted.lexicon.bols
    assert any(document.headers for document in first)  # headers travel through the cache


@pytest.mark.parametrize("change", ["byte", "crlf", "new file", "renamed file"])
def test_changing_the_corpus_misses(cache, corpus, change):
    before = load_documents(JapaneseTokenizer(), corpus)
    if change == "byte":
        (corpus / "a.txt").write_text(SONG_A.replace("春", "秋"), encoding="utf-8")
    elif change == "crlf":
        (corpus / "a.txt").write_bytes(SONG_A.replace("\n", "\r\n").encode("utf-8"))
    elif change == "new file":
        (corpus / "c.txt").write_text("朝の光\n", encoding="utf-8")
    else:
        (corpus / "a.txt").rename(corpus / "a2.txt")
    after = load_documents(JapaneseTokenizer(), corpus)
    assert token_cache.stats.last == "miss"
    assert len(entries(cache)) == 2
    if change == "byte":
        assert after != before and "秋" in after[0].tokens


def test_changing_a_setting_misses(cache, corpus, tmp_path):
    load_documents(SentencePieceTokenizer(vocab_size=40), corpus)
    load_documents(SentencePieceTokenizer(vocab_size=41), corpus)
    assert token_cache.stats.last == "miss"
    load_documents(SentencePieceTokenizer(vocab_size=40, model_type="bpe"), corpus)
    assert token_cache.stats.last == "miss"
    load_documents(JapaneseTokenizer(), corpus)
    assert token_cache.stats.last == "miss"
    load_documents(JapaneseTokenizer(), corpus, encoding="utf-8")  # decodes differently (a BOM stays)
    assert token_cache.stats.last == "miss"
    assert len(entries(cache)) == 5


def test_a_lexicon_declaration_changes_the_key(cache, tmp_path):
    corpus = ROOT / "corpora" / "keherwa.txt"
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("Tak:closed\n", encoding="utf-8")
    plain = load_documents(tokenizer_for("tabla"), corpus)
    declared = tokenizer_for("tabla", lexicon=lexicon)
    assert load_documents(declared, corpus) == plain
    assert token_cache.stats.last == "miss"
    assert declared.spec()["bols"] == [{"name": "Tak", "class": "closed"}]


def damage_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"not gzip at all")


def damage_other_key(path: Path) -> None:
    payload = json.loads(gzip.decompress(path.read_bytes()))
    payload["key"] = "0" * 64
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))


def damage_id_out_of_range(path: Path) -> None:
    payload = json.loads(gzip.decompress(path.read_bytes()))
    payload["documents"][0][0][0] = len(payload["tokens"])
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))


def damage_shape(path: Path) -> None:
    payload = json.loads(gzip.decompress(path.read_bytes()))
    payload["documents"] = {"0": payload["documents"]}
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))


def damage_tokenizer(path: Path) -> None:
    payload = json.loads(gzip.decompress(path.read_bytes()))
    payload["tokenizer"] = {"name": "sentencepiece", "vocab_size": 40, "model": "AAAA"}
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))


def damage_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # opening it for reading would wait for a writer forever


def damage_bomb(path: Path) -> None:
    path.write_bytes(gzip.compress(b" " * (80 << 20)))  # inflates far past what the corpus could need


@pytest.mark.parametrize("damage", [damage_truncated, damage_garbage, damage_other_key, damage_id_out_of_range,
                                    damage_shape, damage_tokenizer, damage_bomb,
                                    pytest.param(damage_fifo, marks=pytest.mark.skipif(
                                        not hasattr(os, "mkfifo"), reason="no named pipes"))])
def test_a_damaged_entry_is_ignored_and_rewritten(cache, corpus, damage):
    tokenizer = SentencePieceTokenizer(vocab_size=40)
    first = load_documents(tokenizer, corpus)
    [entry] = entries(cache)
    damage(entry)
    again = SentencePieceTokenizer(vocab_size=40)
    assert load_documents(again, corpus) == first
    assert token_cache.stats.last == "miss"
    assert again.spec() == tokenizer.spec()  # learnt again (sentencepiece training is deterministic)
    assert load_documents(SentencePieceTokenizer(vocab_size=40), corpus) == first
    assert token_cache.stats.last == "hit"  # the entry was written anew


@pytest.mark.parametrize("where", ["under a file", "off", "no cache"])
def test_no_usable_cache_folder_still_tokenizes(tmp_path, monkeypatch, corpus, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    if where == "under a file":  # cannot be made, whoever runs the tests (root included)
        monkeypatch.setenv("SEQGEN_CACHE_DIR", str(blocker / "cache"))
    elif where == "off":
        monkeypatch.setenv("SEQGEN_CACHE_DIR", "OFF")
    else:
        monkeypatch.setenv("SEQGEN_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("SEQGEN_NO_CACHE", "1")
    first = load_documents(JapaneseTokenizer(), corpus)
    second = load_documents(JapaneseTokenizer(), corpus)
    assert first == second and first
    assert token_cache.stats.last == ("miss" if where == "under a file" else "off")
    assert not (tmp_path / "cache").exists()


def test_errors_are_not_cached(cache, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("# taal: teentaal\nDha Dhin Dhin Dha | Dha Dhin Dhin ||\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SeqgenError):
            load_documents(tokenizer_for("tabla"), broken)
    assert not entries(cache)


def test_where_the_cache_lies(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert token_cache.cache_dir() == tmp_path / "xdg" / "seqgen" / "tokens"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert token_cache.cache_dir() == tmp_path / "home" / ".cache" / "seqgen" / "tokens"
    monkeypatch.setenv("SEQGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert token_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("SEQGEN_NO_CACHE", "0")
    assert token_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("SEQGEN_NO_CACHE", "yes")
    assert token_cache.cache_dir() is None


def test_the_least_recently_used_entries_go_first(cache, tmp_path):
    corpora, made = [], []
    for number in range(3):
        folder = tmp_path / f"corpus{number}"
        folder.mkdir()
        (folder / "song.txt").write_text(SONG_A * (number + 1), encoding="utf-8")
        before = set(entries(cache))
        load_documents(JapaneseTokenizer(), folder)
        [entry] = set(entries(cache)) - before
        corpora.append(folder)
        made.append(entry)
    now = time.time()
    for age, path in zip((300, 200, 100), made):
        os.utime(path, (now - age, now - age))
    load_documents(JapaneseTokenizer(), corpora[0])  # a hit: the oldest entry is now the most recently used
    assert token_cache.stats.last == "hit"
    first, second, third = made
    foreign = cache / "notes.txt"
    foreign.write_text("not ours")
    stale = cache / f".{'a' * 64}.xyz.tmp"
    stale.write_text("left by a writer that died")
    os.utime(stale, (now - 7200, now - 7200))
    token_cache.prune(cache, limit=first.stat().st_size + third.stat().st_size)
    assert first.exists() and third.exists() and not second.exists()
    assert foreign.exists() and not stale.exists()
    token_cache.prune(cache, limit=0)
    assert not entries(cache) and foreign.exists()


def test_an_entry_over_the_limit_is_not_stored(cache, corpus):
    tokenizer = JapaneseTokenizer()
    key = token_cache.CorpusKey.start(tokenizer, None)
    key.add("a.txt", SONG_A.encode())
    documents = [doc for source, text in read_corpus(corpus) for doc in tokenizer.tokenize(text, source)]
    assert not token_cache.store(key, tokenizer, documents, limit=10)
    assert token_cache.store(key, tokenizer, documents)
    assert token_cache.load(key, JapaneseTokenizer()) == documents


# --- several cores -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lyrics() -> list[tuple[str, str]]:
    return read_corpus(LYRICS)[:30]


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_parallel_tokenization_equals_one_process(lyrics, method):
    if method not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip(f"no {method} here")
    tokenizer = create("japanese")
    serial = parallel.tokenize_texts(tokenizer, lyrics, workers=1)
    assert parallel.last_run.workers == 1
    several = parallel.tokenize_texts(tokenizer, lyrics, workers=2, min_characters=0, method=method)
    assert parallel.last_run.workers == 2 and parallel.last_run.method == method
    assert several == serial


def test_parallel_sentencepiece_equals_one_process(lyrics):
    tokenizer = create("sentencepiece", vocab_size=1200)
    tokenizer.fit([text for _, text in lyrics])
    serial = parallel.tokenize_texts(tokenizer, lyrics, workers=1)
    several = parallel.tokenize_texts(tokenizer, lyrics, workers=2, min_characters=0)
    assert parallel.last_run.workers == 2
    assert several == serial


def test_load_documents_uses_the_workers_past_the_threshold(monkeypatch):
    if parallel.available_cores() < 2:
        pytest.skip("one core")
    monkeypatch.setenv("SEQGEN_NO_CACHE", "1")
    thresholds = parallel.MIN_CHARACTERS["japanese"]
    method = parallel.start_method()
    monkeypatch.setitem(thresholds, method, 10 ** 12)
    serial = load_documents(JapaneseTokenizer(), LYRICS)
    assert parallel.last_run.workers == 1
    monkeypatch.setitem(thresholds, method, 0)
    several = load_documents(JapaneseTokenizer(), LYRICS)
    assert parallel.last_run.workers >= 2 and parallel.last_run.method == method
    assert several == serial


def test_a_subclass_stays_in_one_process(lyrics):
    # workers rebuild the tokenizer from its spec: that would lose what the subclass changes
    parallel.tokenize_texts(CountingJapanese(), lyrics, workers=2, min_characters=0)
    assert parallel.last_run.workers == 1


def test_workers_that_cannot_start_fall_back_to_one_process(lyrics):
    tokenizer = create("japanese")
    result = parallel.tokenize_texts(tokenizer, lyrics[:3], workers=2, min_characters=0, method="no-such-method")
    assert parallel.last_run.fell_back and parallel.last_run.workers == 1
    assert result == parallel.tokenize_texts(tokenizer, lyrics[:3], workers=1)


SCRIPT = """
import sys
from seqgen.corpus import read_corpus
from seqgen.tokenizers import create, parallel

{body}
"""
WORK = """texts = read_corpus(sys.argv[1])[:3]
parallel.tokenize_texts(create("japanese"), texts, workers=2, min_characters=0, method="spawn")
print("workers", parallel.last_run.workers, parallel.main_imports_safely())"""


@pytest.mark.parametrize("guarded", [True, False])
def test_spawned_workers_never_rerun_a_scripts_top_level_work(tmp_path, guarded):
    body = ("def main():\n" + "".join(f"    {line}\n" for line in WORK.splitlines())
            + 'if __name__ == "__main__":\n    main()\n') if guarded else WORK
    script = tmp_path / "script.py"
    script.write_text(SCRIPT.format(body=body), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), str(LYRICS)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # a script working at its top level would run again in every spawned worker: it stays in one process
    assert result.stdout.splitlines() == (["workers 2 True"] if guarded else ["workers 1 False"])
