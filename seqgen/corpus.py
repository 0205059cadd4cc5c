"""Reading corpus files from disk: encodings, BOMs, line endings, folders, and clear errors.

Turns a path into ``(source name, text)`` pairs; what the text means is the tokenizers' job.
A folder contributes the files whose names end in the caller's suffixes (``.txt`` unless it asks
for more: the ``notes`` domain adds MIDI). A MIDI file (``.mid``/``.midi``, any case) is read as the
note-name text of its melody (``notes_midi``), so every reader downstream sees text.
Only regular files are read, and only up to ``MAX_FILE_BYTES``: a named pipe would block
forever and a device such as ``/dev/zero`` never ends, so both are refused before reading.
Every filesystem failure (missing, unreadable, a name too long, a path under a file) becomes
one ``CorpusError`` line naming the path.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from seqgen.errors import SeqgenError

# Encodings worth suggesting for text that is not UTF-8 (Japanese text is often Shift_JIS / CP932).
_SUGGESTED_ENCODINGS = ("cp932", "euc-jp", "utf-16")

# Far past any real corpus file (the shipped corpora are a few KB), yet small enough to hold
# in memory with its decoded copy on an ordinary machine.
MAX_FILE_BYTES = 1 << 30

# What a non-regular file is, for the message refusing it.
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))

# Paths longer than this are shortened in messages, so one message stays one readable line.
_SHOWN_PATH = 120

TEXT_SUFFIXES = (".txt",)
MIDI_SUFFIXES = (".mid", ".midi")


class CorpusError(SeqgenError):
    """A corpus path that cannot be read as text."""


def check_encoding(encoding: str) -> str:
    """The encoding's canonical name, if it is a text encoding Python knows.

    Raises:
        CorpusError: an unknown name, or a codec that is not a bytes <-> text encoding
            (``rot13``, ``base64``, ``zlib``...: ``codecs.lookup`` finds them, but they transform
            str to str or bytes to bytes).
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):  # ValueError: a name with a NUL byte
        raise CorpusError(f"unknown encoding {encoding!r}") from None
    # _is_text_encoding is how str.encode/bytes.decode themselves tell these codecs apart
    if not getattr(info, "_is_text_encoding", True):
        raise CorpusError(f"{encoding!r} is not a text encoding; use one such as utf-8, cp932 or euc-jp")
    return info.name


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """Read one text file, normalising a BOM and CRLF/CR line endings.

    Args:
        path: the file.
        encoding: a Python text codec name; default UTF-8 (with or without BOM).

    Raises:
        CorpusError: missing file, a folder, a pipe or device, a file too large, an unreadable
            file, binary data, or text that is not in the encoding (naming the line and the
            encodings that would read it).
    """
    path = Path(path)
    if encoding is not None:
        check_encoding(encoding)
    return decode_text(path, read_bytes(path), encoding)


def decode_text(path: str | Path, data: bytes, encoding: str | None = None) -> str:
    """The text of a file's bytes as ``read_text`` reads it (``path`` only names it in errors).

    Raises:
        CorpusError: binary data, or text that is not in the encoding.
    """
    if is_midi(path):
        from seqgen.notes_midi import midi_text

        return midi_text(data, path)
    text = _decode(Path(path), data, encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_chunks(path: str | Path, encoding: str | None = None, chunk_bytes: int = 1 << 20,
                     limit: int = MAX_FILE_BYTES) -> Iterator[tuple[bytes, str]]:
    """``(bytes, text)`` of a text file a chunk at a time: the text ``decode_text`` would give, in
    order, never more than about ``chunk_bytes`` of it at once (for corpora larger than memory).

    A BOM, CRLF/CR line endings (also split between chunks) and multi-byte characters cut by a chunk
    boundary are read as ``decode_text`` reads them. A file it refuses (binary, not in the encoding)
    is read again whole so that the error names the line and suggests an encoding as it does.

    Raises:
        CorpusError: as ``read_bytes`` and ``decode_text``; also a file that changes size while read.
    """
    path = Path(path)
    with _open_regular(path, limit) as file:
        decoder, chosen, pending_cr, total = None, "", False, 0
        while True:
            try:
                data = file.read(chunk_bytes if decoder else max(chunk_bytes, 4))  # a BOM in the first
            except OSError as error:
                raise _os_error(path, error) from None
            total += len(data)
            if total > limit:
                raise _too_large(path, limit)
            if decoder is None:
                chosen = encoding or _default_encoding(data)
                decoder = _incremental_decoder(path, chosen)
            try:
                if _looks_binary(data, encoding, chosen):
                    raise UnicodeError("NUL byte")
                text = decoder.decode(data, final=not data)
            except UnicodeError:
                decode_text(path, read_bytes(path, limit), encoding)  # raises the whole-file message
                raise CorpusError(f"{shown(path)}: changed while it was read") from None
            # a CR at a chunk's end may be the first half of a CRLF: held until the next chunk
            text = ("\r" if pending_cr else "") + text
            pending_cr = bool(data) and text.endswith("\r")
            text = text[:-1] if pending_cr else text
            yield data, text.replace("\r\n", "\n").replace("\r", "\n")
            if not data:
                return


def _incremental_decoder(path: Path, encoding: str) -> codecs.IncrementalDecoder:
    try:
        return codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise CorpusError(f"{shown(path)}: unknown encoding {encoding!r}") from None


def is_midi(path: str | Path) -> bool:
    """Whether a file is read as MIDI: its name ends in ``.mid`` or ``.midi`` (any case, as ``.MID`` is common)."""
    return Path(path).suffix.lower() in MIDI_SUFFIXES


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    The path is checked with ``stat`` before it is opened (opening a FIFO for reading blocks until
    a writer appears), and again on the open descriptor, in case it was swapped in between.

    Raises:
        CorpusError: one line naming the path and what is wrong with it.
    """
    path = Path(path)
    with _open_regular(path, limit) as file:
        try:
            data = file.read(limit + 1)  # bounded even where st_size lies (/proc files report 0)
        except OSError as error:
            raise _os_error(path, error) from None
    if len(data) > limit:
        raise _too_large(path, limit)
    return data


def _open_regular(path: Path, limit: int):
    """The file opened for reading in binary, once it is known to be a regular file of at most
    ``limit`` bytes: checked with ``stat`` before it is opened (opening a FIFO for reading blocks
    until a writer appears) and again on the open descriptor, in case it was swapped in between."""
    _require_regular(path, _stat(path), limit)
    try:
        # O_NONBLOCK: should a FIFO have replaced the file since the check, open returns at once
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise _os_error(path, error) from None
    file = os.fdopen(descriptor, "rb")
    try:
        _require_regular(path, os.fstat(descriptor), limit)
    except CorpusError:
        file.close()
        raise
    return file


def file_size(path: str | Path) -> int:
    """The size in bytes of a file, as ``stat`` gives it.

    Raises:
        CorpusError: one line naming the path, as for reading it.
    """
    return _stat(Path(path)).st_size


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as error:
        raise _os_error(path, error) from None


def _require_regular(path: Path, info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise CorpusError(f"{shown(path)}: is a folder, expected a file")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise CorpusError(f"{shown(path)}: is {kind}, not a regular file; seqgen reads only regular files")
    if info.st_size > limit:
        raise _too_large(path, limit)


def _too_large(path: Path, limit: int) -> CorpusError:
    return CorpusError(f"{shown(path)}: file too large (over {_size(limit)}); split the corpus into smaller files")


def _size(count: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= factor:
            return f"{count / factor:g} {unit}"
    return f"{count} bytes"


def _os_error(path: Path, error: OSError) -> CorpusError:
    """One line for a filesystem failure, in words a user can act on."""
    reasons = {
        errno.ENOENT: "no such file or folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.ENAMETOOLONG: "file name too long",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ELOOP: "too many levels of symbolic links",
        errno.EISDIR: "is a folder, expected a file",
    }
    reason = reasons.get(error.errno, error.strerror or str(error))
    return CorpusError(f"{shown(path)}: cannot read: {reason}")


def shown(path: str | Path) -> str:
    """The path as messages show it: whole unless absurdly long."""
    text = str(path)
    if len(text) <= _SHOWN_PATH:
        return text
    return f"{text[:_SHOWN_PATH // 2]}...{text[-_SHOWN_PATH // 3:]} ({len(text)} characters)"


def _default_encoding(start: bytes) -> str:
    """The encoding of a file read without ``--encoding``, from its first bytes: UTF-16 after its
    byte-order mark, else UTF-8 with or without one."""
    return "utf-16" if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def _looks_binary(data: bytes, encoding: str | None, chosen: str) -> bool:
    # NUL bytes mark a binary file, unless the file declared UTF-16 (where they are everywhere)
    return encoding is None and chosen != "utf-16" and b"\x00" in data


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    chosen = encoding or _default_encoding(data)
    if _looks_binary(data, encoding, chosen):
        raise CorpusError(f"{shown(path)}: looks like a binary file (it holds NUL bytes), not text")
    encoding = chosen
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(f"{shown(path)}:{line}: not valid {_display(encoding)} text{_hint(data, encoding)}") from None
    except UnicodeError as error:  # codecs such as 'undefined' refuse every input without a position
        raise CorpusError(f"{shown(path)}: cannot decode as {encoding}: {error}") from None


def _display(encoding: str) -> str:
    return "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8") else encoding


def _hint(data: bytes, tried: str) -> str:
    for candidate in _SUGGESTED_ENCODINGS:
        if candidate == tried or (candidate == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff"))):
            continue  # almost any even-length bytes decode as UTF-16: suggest it only with its byte-order mark
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return f"; it reads as {candidate}: try --encoding {candidate}"
    return "; pass --encoding NAME if it uses another encoding"


def corpus_files(path: str | Path, suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[Path]:
    """The files of a corpus: the file itself, or the entries under a folder whose names end in
    ``suffixes`` (MIDI suffixes in any case), sorted.

    Every such entry that is not a folder is listed, so that ``read_text`` refuses a pipe or
    a device by name instead of the corpus silently losing it. Symbolic links to folders are
    followed, each real folder once.

    Raises:
        CorpusError: missing or unreadable path, or a folder without such files.
    """
    path = Path(path)
    info = _stat(path)
    if not stat.S_ISDIR(info.st_mode):
        return [path]
    files = sorted(_entries(path, suffixes))
    if not files:
        raise CorpusError(f"{shown(path)}: folder holds no {_or(suffixes)} files")
    return files


def _or(suffixes: tuple[str, ...]) -> str:
    return suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def _entries(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    def wanted(name: str) -> bool:
        return name.endswith(suffixes) or (is_midi(name) and name.lower().endswith(suffixes))

    def refuse(error: OSError) -> None:
        raise _os_error(Path(error.filename or root), error)

    found, seen = [], set()
    for folder, subfolders, names in os.walk(root, onerror=refuse, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:  # a link back up the tree: walk each folder once
            subfolders[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        found += [Path(folder) / name for name in names if wanted(name)]
    return found


def read_corpus(path: str | Path, encoding: str | None = None,
                suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[tuple[str, str]]:
    """``(source name, text)`` for every file of a corpus (see ``corpus_files``)."""
    return [(str(file), text) for file, _, text in iter_corpus(path, encoding, suffixes)]


def iter_corpus(path: str | Path, encoding: str | None = None,
                suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> Iterator[tuple[Path, bytes, str]]:
    """``(file, bytes, text)`` for every file of a corpus, read one file at a time, in
    ``corpus_files`` order; the bytes are for callers that fingerprint the corpus (``token_cache``).

    Raises:
        CorpusError: as ``check_encoding``, ``corpus_files`` and ``read_text``; the encoding and the
            path are checked when this is called, each file as it is reached.
    """
    if encoding is not None:
        check_encoding(encoding)
    files = corpus_files(path, suffixes)

    def read() -> Iterator[tuple[Path, bytes, str]]:
        for file in files:
            data = read_bytes(file)
            yield file, data, decode_text(file, data, encoding)

    return read()
