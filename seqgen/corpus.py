"""Reading corpus files from disk: encodings, BOMs, line endings, folders, and clear errors.

Turns a path into ``(source name, text)`` pairs; what the text means is the tokenizers' job.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from seqgen.errors import SeqgenError

# Encodings worth suggesting for text that is not UTF-8 (Japanese text is often Shift_JIS / CP932).
_SUGGESTED_ENCODINGS = ("cp932", "euc-jp", "utf-16")


class CorpusError(SeqgenError):
    """A corpus path that cannot be read as text."""


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """Read one text file, normalising a BOM and CRLF/CR line endings.

    Args:
        path: the file.
        encoding: a Python codec name; default UTF-8 (with or without BOM).

    Raises:
        CorpusError: missing file, a folder, binary data, or text that is not in the encoding
            (naming the line and the encodings that would read it).
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file")
    if path.is_dir():
        raise CorpusError(f"{path}: is a folder, expected a file")
    data = path.read_bytes()
    text = _decode(path, data, encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if encoding is None:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if b"\x00" in data:
            raise CorpusError(f"{path}: looks like a binary file (it holds NUL bytes), not text")
        encoding = "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CorpusError(f"unknown encoding {encoding!r}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not valid {_display(encoding)} text{_hint(data, encoding)}") from None


def _display(encoding: str) -> str:
    return "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8") else encoding


def _hint(data: bytes, tried: str) -> str:
    for candidate in _SUGGESTED_ENCODINGS:
        if candidate == tried:
            continue
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return f"; it reads as {candidate}: try --encoding {candidate}"
    return "; pass --encoding NAME if it uses another encoding"


def corpus_files(path: str | Path) -> list[Path]:
    """The files of a corpus: the file itself, or the ``*.txt`` files of a folder, sorted.

    Raises:
        CorpusError: missing path, or a folder without ``.txt`` files.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(child for child in path.rglob("*.txt") if child.is_file())
    if not files:
        raise CorpusError(f"{path}: folder holds no .txt files")
    return files


def read_corpus(path: str | Path, encoding: str | None = None) -> list[tuple[str, str]]:
    """``(source name, text)`` for every file of a corpus (see ``corpus_files``)."""
    return [(str(file), read_text(file, encoding)) for file in corpus_files(path)]
