import codecs

import pytest

from seqgen.corpus import CorpusError, corpus_files, read_text


def test_bom_and_crlf_are_handled(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "Dha Ta ||\r\nNa ||\r".encode())
    assert read_text(path) == "Dha Ta ||\nNa ||\n"


def test_shift_jis_is_refused_with_a_suggestion_and_read_with_encoding(tmp_path):
    path = tmp_path / "sjis.txt"
    path.write_bytes("夜明けの駅\n君を待つ\n".encode("cp932"))
    with pytest.raises(CorpusError, match=r"sjis.txt:1: not valid UTF-8 text.*--encoding cp932"):
        read_text(path)
    assert read_text(path, "cp932") == "夜明けの駅\n君を待つ\n"


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(CorpusError, match="binary"):
        read_text(binary)
    with pytest.raises(CorpusError, match="no such file"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(CorpusError, match="unknown encoding"):
        read_text(binary, "klingon")


def test_folder_lists_txt_files_sorted(tmp_path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "c.md").write_text("c")
    assert [file.name for file in corpus_files(tmp_path)] == ["a.txt", "b.txt"]
    assert corpus_files(tmp_path / "c.md") == [tmp_path / "c.md"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no .txt files"):
        corpus_files(tmp_path / "empty")
