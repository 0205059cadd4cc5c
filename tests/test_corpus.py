import codecs
import os

import pytest

from seqgen.corpus import (CorpusError, check_encoding, corpus_files, decode_text, read_bytes, read_corpus, read_text,
                           read_text_chunks)


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


# --- only regular files, of a bounded size, are read; filesystem errors are one CorpusError ----

def test_only_text_encodings_are_accepted():
    assert check_encoding("UTF8") == "utf-8"
    assert check_encoding("shift_jis") == "shift_jis"
    for codec in ("rot13", "base64", "hex", "zlib"):
        with pytest.raises(CorpusError, match=f"'{codec}' is not a text encoding"):
            check_encoding(codec)
    for name in ("klingon", "utf-8\x00"):
        with pytest.raises(CorpusError, match="unknown encoding"):
            check_encoding(name)


def test_a_codec_that_refuses_every_input_is_one_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Dha ||")
    with pytest.raises(CorpusError, match="cannot decode as undefined"):
        read_text(path, "undefined")
    with pytest.raises(CorpusError, match="not a text encoding"):
        read_text(path, "rot13")


def test_size_limit_is_exact(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 10)
    assert read_bytes(path, limit=10) == b"x" * 10
    with pytest.raises(CorpusError, match="file too large"):
        read_bytes(path, limit=9)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc here")
def test_size_limit_holds_where_the_size_is_not_known_in_advance():
    # /proc files are regular files that report size 0: the read itself must stop at the limit
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(CorpusError, match="file too large"):
        read_bytes("/proc/self/status", limit=10)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="no /proc here")
def test_a_failing_read_is_one_error():
    with pytest.raises(CorpusError, match=r"/proc/self/mem: cannot read: "):
        read_bytes("/proc/self/mem")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipes_and_devices_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "f.txt"
    os.mkfifo(fifo)
    with pytest.raises(CorpusError, match=r"f.txt: is a named pipe \(FIFO\), not a regular file"):
        read_text(fifo)  # would block forever if opened for reading
    if os.path.exists("/dev/zero"):
        with pytest.raises(CorpusError, match="is a character device"):
            read_text("/dev/zero")
    # listed inside a folder, so that reading names it instead of silently dropping it
    assert corpus_files(tmp_path) == [fifo]


def test_folder_walk_follows_links_once_and_names_broken_ones(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "songs.txt").mkdir()  # a folder named like a file: its files count, it does not
    (tmp_path / "songs.txt" / "b.txt").write_text("b")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [file.relative_to(tmp_path).as_posix() for file in corpus_files(tmp_path)] == ["a.txt", "songs.txt/b.txt"]
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing")
    with pytest.raises(CorpusError, match=r"gone.txt: cannot read: no such file"):
        read_corpus(tmp_path)


def test_paths_under_files_and_over_long_names(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("a")
    with pytest.raises(CorpusError, match="a part of the path is a file, not a folder"):
        read_text(path / "b.txt")
    with pytest.raises(CorpusError, match="a part of the path is a file"):
        corpus_files(path / "b")
    with pytest.raises(CorpusError, match=r"\.\.\..* \(310 characters\): cannot read: file name too long"):
        read_text("x" * 310)


# --- reading a file a chunk at a time (corpora larger than memory) ---------------------------------

CHUNKED_CASES = {
    "crlf-and-cr.txt": ("ab\r\ncd\r\n\r\nあいう\r\rx\r" * 40).encode("utf-8"),  # CRLF, lone CR, CR at the end
    "utf8-bom.txt": codecs.BOM_UTF8 + ("歌詞の行\nです\r\n" * 40).encode("utf-8"),
    "utf16-bom.txt": ("歌詞の行\r\nです\n" * 40).encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(CHUNKED_CASES))
@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 7, 64, 1 << 20])
def test_chunked_reading_gives_the_text_of_reading_whole(tmp_path, name, chunk_bytes):
    # every boundary a chunk can fall on: inside a CRLF, a multi-byte character, a BOM
    data = CHUNKED_CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    chunks = list(read_text_chunks(path, None, chunk_bytes))
    assert "".join(text for _, text in chunks) == decode_text(path, data)
    assert b"".join(raw for raw, _ in chunks) == data
    assert max(len(raw) for raw, _ in chunks) <= max(chunk_bytes, 4)


@pytest.mark.parametrize("data, fragment", [
    (b"ok line\n" * 300 + b"\xff\xfe broken\n", ":301: not valid UTF-8 text"),  # in a later chunk
    (b"a" * 100 + b"\x00" + b"b" * 10, "looks like a binary file"),
])
def test_chunked_reading_refuses_what_reading_whole_refuses(tmp_path, data, fragment):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(CorpusError) as chunked:
        list(read_text_chunks(path, None, 16))
    with pytest.raises(CorpusError) as whole:
        decode_text(path, data)
    assert str(chunked.value) == str(whole.value) and fragment in str(chunked.value)
