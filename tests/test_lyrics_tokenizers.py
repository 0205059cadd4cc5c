import pytest

from seqgen.errors import SeqgenError
from seqgen.tokenizers import create, from_spec
from seqgen.tokenizers.lyrics import LINE_END, STANZA_END, split_songs

from conftest import GOLDEN, ROOT


def test_japanese_golden_tokens_and_text():
    japanese = create("japanese")
    documents = japanese.tokenize((GOLDEN / "japanese_input.txt").read_text())
    tokens = "".join(" ".join(document.tokens) + "\n" for document in documents)
    assert tokens == (GOLDEN / "japanese_tokens.txt").read_text()
    assert japanese.detokenize(documents) == (GOLDEN / "japanese_canonical.txt").read_text()


def test_split_songs_on_separator_and_blank_lines():
    songs = split_songs("a\nb\n\n\nc\n---\nd\n")
    assert songs == [[["a", "b"], ["c"]], [["d"]]]


def test_stanza_and_line_tokens_mark_the_shape():
    [document] = create("japanese").tokenize("春が来た\n花が咲く\n\n夏が来た\n")
    assert document.tokens.count(LINE_END) == 1
    assert document.tokens.count(STANZA_END) == 2
    assert document.tokens[-1] == STANZA_END


def test_nfkc_normalises_width():
    [document] = create("japanese").tokenize("ＡＢＣ ｶﾀｶﾅ")
    assert "ABC" in document.tokens and "カタカナ" in document.tokens


@pytest.fixture(scope="module")
def lyrics_text():
    files = sorted((ROOT / "corpora" / "lyrics_ja").glob("*.txt"))[:20]
    text = "\n---\n".join(file.read_text() for file in files)
    return text or (GOLDEN / "japanese_input.txt").read_text() * 20


@pytest.mark.parametrize("model_type", ["unigram", "bpe"])
def test_sentencepiece_trains_in_memory_and_round_trips(lyrics_text, model_type):
    pieces = create("sentencepiece", vocab_size=1500, model_type=model_type)
    pieces.fit([lyrics_text])
    documents = pieces.tokenize(lyrics_text)
    assert pieces.detokenize(documents) == create("japanese").detokenize(create("japanese").tokenize(lyrics_text))
    rebuilt = from_spec(pieces.spec())
    assert rebuilt.tokenize(lyrics_text) == documents


def test_untrained_sentencepiece_says_so():
    with pytest.raises(SeqgenError, match="not trained"):
        create("sentencepiece").tokenize("歌")


def test_unknown_tokenizer_lists_valid_names():
    with pytest.raises(SeqgenError, match="tabla, japanese, sentencepiece"):
        create("mecab")


def test_sentencepiece_too_small_for_the_characters_is_a_clear_error(lyrics_text):
    with pytest.raises(SeqgenError, match="Increase vocab_size"):
        create("sentencepiece", vocab_size=50).fit([lyrics_text])
