"""The ``text`` domain: words or characters of any text, documents at blank lines, lines kept as ``<nl>``;
bad corpora are one line and exit code 2. Training and sampling it is tested with the bundles that
``test_compare`` trains (one training run serves both)."""

from __future__ import annotations

import pytest

from cli_helpers import assert_clean_error, invoke
from seqgen.domains import tokenizer_for
from seqgen.errors import SeqgenError
from seqgen.tokenizers import Document, create, from_spec
from seqgen.tokenizers.text import LINE_END, SPACE, TextTokenizer, split_documents

POEM = "the cat sat\n  on the mat\n\n\nand the dog\nran  away \n"


def test_a_blank_line_ends_a_document_and_lines_are_kept():
    assert split_documents(POEM) == [["the cat sat", "  on the mat"], ["and the dog", "ran  away"]]
    assert split_documents("\n \n\t\n") == []
    [first, second] = TextTokenizer("words").tokenize(POEM)
    assert first.tokens == ("the", "cat", "sat", LINE_END, "on", "the", "mat")
    assert second.tokens == ("and", "the", "dog", LINE_END, "ran", "away")


def test_words_round_trip_with_spacing_made_single():
    tokenizer = TextTokenizer("words")
    assert tokenizer.detokenize(tokenizer.tokenize(POEM)) == "the cat sat\non the mat\n\nand the dog\nran away\n"


def test_chars_keep_indentation_and_round_trip():
    tokenizer = TextTokenizer("chars")
    [first, _] = tokenizer.tokenize(POEM)
    assert first.tokens[:5] == ("t", "h", "e", SPACE, "c")
    assert first.tokens[11:15] == (LINE_END, SPACE, SPACE, "o")
    assert tokenizer.detokenize(tokenizer.tokenize(POEM)) == "the cat sat\n  on the mat\n\nand the dog\nran  away\n"


def test_words_that_spell_structure_tokens_are_escaped_and_come_back():
    text = "say <nl> and <s> then \\<unk> or <b>"
    tokenizer = TextTokenizer("words")
    [document] = tokenizer.tokenize(text)
    assert LINE_END not in document.tokens and "<s>" not in document.tokens
    assert "<b>" in document.tokens  # only reserved spellings are escaped
    assert tokenizer.text(document.tokens) == text


def test_registry_and_domain():
    for name in ("words", "chars"):
        tokenizer = create(name)
        assert from_spec(tokenizer.spec()).spec() == {"name": name}
    assert tokenizer_for("text").name == "words"
    assert tokenizer_for("text", "chars").name == "chars"
    with pytest.raises(SeqgenError, match="does not fit domain 'text'"):
        tokenizer_for("text", "japanese")
    with pytest.raises(SeqgenError, match="does not fit domain 'tabla'"):
        tokenizer_for("tabla", "words")


def test_generated_specials_are_shown_and_start_end_dropped():
    tokenizer = TextTokenizer("words")
    assert tokenizer.text(["<s>", "a", "<unk>", LINE_END, "b", "</s>"]) == "a <unk>\nb"
    assert tokenizer.detokenize([Document(("a",)), Document(("b", LINE_END, "c"))]) == "a\n\nb\nc\n"


@pytest.mark.parametrize("content, fragment", [
    (b"\n  \n\n", "the corpus is empty"),
    (b"words\x00and a NUL", "binary"),
    (b"caf\xe9 au lait\n", "not valid UTF-8"),
])
@pytest.mark.parametrize("command", ["train", "tokenize"])
def test_bad_corpora_are_one_line(tmp_path, content, fragment, command):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(content)
    extra = ["--out", str(tmp_path / "model")] if command == "train" else []
    assert_clean_error(invoke(command, "text", corpus, *extra), fragment)
    assert not (tmp_path / "model").exists()


def test_a_tokenizer_of_another_domain_is_one_line(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(POEM, encoding="utf-8")
    assert_clean_error(invoke("train", "text", corpus, "--tokenizer", "tabla"), "does not fit domain 'text'")


def test_tokenize_prints_characters(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("ab c\nd\n\ne", encoding="utf-8")
    result = invoke("tokenize", "text", corpus, "--tokenizer", "chars")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["a b <sp> c <nl> d", "e"]
