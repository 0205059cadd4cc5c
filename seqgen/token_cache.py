"""A disk cache of tokenized corpora, so training again on the same corpus skips tokenization.

An entry holds what ``domains.load_documents`` produced for one corpus and one tokenizer: the
documents (tokens and headers) and the tokenizer's spec after ``fit`` (a sentencepiece model, the
syllables a tabla corpus declares), so a hit leaves the caller's tokenizer exactly as fitting it
would have. Whatever was checked when the entry was made (tabla notation, decoding) is not checked
again: the key says the input is the same.

Key: SHA-256 over this format's version, the seqgen version and a fingerprint of its source files
(so editing a tokenizer in a checkout misses too), the version of the segmenting library, the
tokenizer's class and its spec *before* fit (name, options, declared tabla syllables), the encoding,
and each corpus file's relative name and bytes in ``corpus_files`` order. Changing any byte, option
or tokenizer misses.

Where: ``$SEQGEN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/seqgen/tokens``, else
``~/.cache/seqgen/tokens``. ``SEQGEN_CACHE_DIR=off`` or ``SEQGEN_NO_CACHE=1`` turns it off.

Format: one ``<key>.json.gz`` per entry (gzip JSON, never pickle): the distinct tokens once, each
document as indexes into them. Writes are atomic (a temporary file, then ``os.replace``). A cache
folder that cannot be made, read or written means no caching, never an error. An entry that does
not parse, has the wrong shape, names another key or rebuilds a different tokenizer is ignored (and
replaced by the next write). The folder is kept under ``MAX_BYTES`` by removing the entries used
least recently (a hit touches its entry's modification time). Only files named like entries (and
stale temporary files of this module) are ever removed.

Not here: reading files (``corpus``), fitting and tokenizing (``tokenizers``), deciding when to
use the cache (``domains``).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from seqgen.tokenizers.base import Document, Tokenizer, from_spec

FORMAT = "seqgen-token-cache"
FORMAT_VERSION = 1
# The whole folder is kept under this; an entry larger than it is not stored.
MAX_BYTES = 1 << 30
# An entry's JSON is at most about this many bytes per corpus byte (a token id, its comma and the
# line-break tokens the text does not spell out), plus room for a tokenizer spec (a sentencepiece
# model): what a damaged or foreign file inflates to beyond that is refused unread.
_INFLATED_PER_BYTE = 32
_INFLATED_EXTRA = 64 << 20
ENTRY = re.compile(r"^[0-9a-f]{64}\.json\.gz$")
_TEMPORARY = re.compile(r"^\.[0-9a-f]{64}\..*\.tmp$")
# A temporary file this old belongs to a writer that died; younger ones may still be written.
_STALE_SECONDS = 3600
# The library whose version changes a tokenizer's output, by tokenizer name.
_LIBRARIES = {"japanese": "tinysegmenter", "sentencepiece": "sentencepiece"}
_OFF_WORDS = ("", "0", "false", "no", "off")


@dataclass
class CacheStats:
    """What the cache did in this process: counts, and ``last`` (``"hit"``, ``"miss"`` or
    ``"off"``) for the latest corpus looked up."""

    hits: int = 0
    misses: int = 0
    stores: int = 0
    last: str | None = None


stats = CacheStats()


def cache_dir() -> Path | None:
    """The cache folder the environment asks for, or ``None`` when caching is off."""
    if os.environ.get("SEQGEN_NO_CACHE", "").strip().lower() not in _OFF_WORDS:
        return None
    chosen = os.environ.get("SEQGEN_CACHE_DIR", "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / "seqgen" / "tokens"
    try:
        return Path.home() / ".cache" / "seqgen" / "tokens"
    except (RuntimeError, KeyError, OSError):  # no home folder to be found
        return None


class CorpusKey:
    """The key of one (tokenizer, encoding, corpus) triple, fed one corpus file at a time, and the
    cache folder it applies to.

    Make it with ``CorpusKey.start`` before the tokenizer is fitted; ``add`` each file in
    ``corpus_files`` order; then ``load`` or ``store`` with it.
    """

    def __init__(self, header: bytes, directory: Path):
        self.directory = directory
        self.corpus_bytes = 0
        self._digest = hashlib.sha256(header)

    @classmethod
    def start(cls, tokenizer: Tokenizer, encoding: str | None, directory: Path | None = None) -> "CorpusKey | None":
        """A key for this tokenizer as it is now (unfitted) in ``directory`` (default:
        ``cache_dir()``), or ``None`` when caching is off or the spec cannot be written as JSON."""
        from seqgen import __version__

        directory = cache_dir() if directory is None else directory
        if directory is None:
            stats.last = "off"
            return None
        kind = type(tokenizer)
        try:
            header = json.dumps({
                "format": FORMAT, "format_version": FORMAT_VERSION, "seqgen": __version__,
                "source": _source_fingerprint(), "library": _library_version(getattr(tokenizer, "name", None)),
                "class": f"{kind.__module__}.{kind.__qualname__}", "tokenizer": tokenizer.spec(),
                "encoding": encoding,
            }, sort_keys=True, ensure_ascii=True, allow_nan=False)
        except (TypeError, ValueError):
            stats.last = "off"
            return None
        return cls(header.encode("ascii"), directory)

    def add(self, name: str, data: bytes) -> None:
        """One corpus file: its name relative to the corpus root, and its bytes."""
        self._begin_file(name, len(data))
        self._digest.update(data)
        self.corpus_bytes += len(data)

    def _begin_file(self, name: str, size: int) -> None:
        # name and bytes each length-prefixed, so no two corpora feed the same bytes
        encoded = name.encode("utf-8", "surrogateescape")
        self._digest.update(len(encoded).to_bytes(8, "big"))
        self._digest.update(encoded)
        self._digest.update(size.to_bytes(8, "big"))

    @contextmanager
    def adding(self, name: str, path: Path):
        """``add`` for a file read in chunks: yields a function taking its bytes in order. The key
        is the one ``add`` makes of the whole bytes, whose length is taken from ``path``'s ``stat``.

        Raises:
            CorpusError: the file cannot be read, or the bytes given do not add up to its size
                (it changed while it was read).
        """
        from seqgen.corpus import CorpusError, file_size, shown

        size = file_size(path)
        self._begin_file(name, size)
        given = 0

        def add_bytes(data: bytes) -> None:
            nonlocal given
            given += len(data)
            self._digest.update(data)

        yield add_bytes
        if given != size:
            raise CorpusError(f"{shown(path)}: changed while it was read ({size} bytes, then {given})")
        self.corpus_bytes += size

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    @property
    def path(self) -> Path:
        """Where the entry for this key lies (once every file has been added)."""
        return self.directory / f"{self.hexdigest()}.json.gz"


def load(key: CorpusKey, tokenizer: Tokenizer) -> list[Document] | None:
    """The cached documents for ``key``, having made ``tokenizer`` the fitted one they came from;
    ``None`` (and the tokenizer untouched) when there is no valid entry."""
    path = key.path
    entry = _read(path, key.hexdigest(), key.corpus_bytes * _INFLATED_PER_BYTE + _INFLATED_EXTRA)
    restored = entry is not None and _adopt(tokenizer, entry[0])
    if not restored:
        stats.misses += 1
        stats.last = "miss"
        return None
    try:
        os.utime(path)  # most recently used: the last to be pruned
    except OSError:
        pass
    stats.hits += 1
    stats.last = "hit"
    return entry[1]


def store(key: CorpusKey, tokenizer: Tokenizer, documents: list[Document], limit: int = MAX_BYTES) -> bool:
    """Write the entry for ``key`` (the fitted tokenizer's spec and the documents), then prune the
    folder to ``limit`` bytes. False when it could not be written (no error: caching is optional)."""
    directory, name = key.directory, key.path.name
    try:
        data = _encode(key.hexdigest(), tokenizer.spec(), documents)
    except (TypeError, ValueError):
        return False  # a spec that is not JSON
    if len(data) > limit:
        return False
    temporary = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{key.hexdigest()}.", suffix=".tmp", dir=directory)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, directory / name)
        temporary = None
    except OSError:
        return False
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    stats.stores += 1
    prune(directory, limit, keep=name)
    return True


def prune(directory: Path, limit: int = MAX_BYTES, keep: str | None = None) -> None:
    """Remove the least recently used entries until the folder's entries fit in ``limit`` bytes
    (never ``keep``, the one just written), and temporary files left by writers that died."""
    found = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if ENTRY.match(entry.name):
                    found.append((info.st_mtime, entry.name, info.st_size))
                elif _TEMPORARY.match(entry.name) and time.time() - info.st_mtime > _STALE_SECONDS:
                    _remove(directory / entry.name)
    except OSError:
        return
    evict_least_recent(found, limit, keep, lambda name: _remove(directory / name))


def evict_least_recent(found: list[tuple[float, str, int]], limit: int, keep: str | None,
                       remove: Callable[[str], bool]) -> None:
    """Remove entries ``(last use, name, bytes)``, least recently used first, until the rest fit in
    ``limit`` bytes; never ``keep``. ``remove(name)`` says whether the entry is gone."""
    total = sum(size for _, _, size in found)
    for _, name, size in sorted(found):
        if total <= limit:
            break
        if name != keep and remove(name):
            total -= size


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return True  # another process pruned it
    except OSError:
        return False


def _encode(key: str, spec: dict, documents: list[Document]) -> bytes:
    index: dict[str, int] = {}
    encoded = []
    for document in documents:
        ids = [index.setdefault(token, len(index)) for token in document.tokens]
        encoded.append([ids, [list(header) for header in document.headers]])
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "key": key, "tokenizer": spec,
               "tokens": list(index), "documents": encoded}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0) as file:
        file.write(text.encode("utf-8"))
    return buffer.getvalue()


def _read(path: Path, key: str, inflated: int) -> tuple[dict, list[Document]] | None:
    """``(fitted spec, documents)`` of a well-formed entry for ``key`` whose JSON is at most
    ``inflated`` bytes, else ``None``."""
    try:
        # non-blocking, and only a regular file: something else under an entry's name must not hang us
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as raw:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            with gzip.GzipFile(fileobj=raw, mode="rb") as file:
                data = file.read(inflated + 1)
        if len(data) > inflated:
            return None
        payload = json.loads(data.decode("utf-8"))
    except (OSError, EOFError, ValueError, RecursionError):  # gzip.BadGzipFile and zlib.error are OSError
        return None
    return _checked(payload, key)


def _checked(payload: Any, key: str) -> tuple[dict, list[Document]] | None:
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT
            and payload.get("format_version") == FORMAT_VERSION and payload.get("key") == key):
        return None
    spec, tokens, documents = payload.get("tokenizer"), payload.get("tokens"), payload.get("documents")
    if not (isinstance(spec, dict) and isinstance(spec.get("name"), str)):
        return None
    if not (isinstance(tokens, list) and all(isinstance(token, str) for token in tokens)):
        return None
    if not isinstance(documents, list) or not documents:
        return None
    result = []
    count = len(tokens)
    for document in documents:
        if not (isinstance(document, list) and len(document) == 2):
            return None
        ids, headers = document
        # ints only (not bools, not floats), all indexing the token table; checked in C, not per id here
        if not (isinstance(ids, list) and ids and set(map(type, ids)) == {int} and 0 <= min(ids)
                and max(ids) < count):
            return None
        if not (isinstance(headers, list) and all(
                isinstance(header, list) and len(header) == 2 and isinstance(header[1], str)
                and (header[0] is None or isinstance(header[0], str)) for header in headers)):
            return None
        result.append(Document(tuple(map(tokens.__getitem__, ids)),
                               tuple((name, value) for name, value in headers)))
    return spec, result


def _adopt(tokenizer: Tokenizer, spec: dict) -> bool:
    """Make ``tokenizer`` the fitted tokenizer ``spec`` describes (its state is replaced by that of
    one rebuilt from the spec). False, and the tokenizer untouched, when the spec does not rebuild
    a tokenizer of its kind."""
    try:
        if tokenizer.spec() == spec:
            return True  # nothing learnt (japanese; tabla without declarations in the corpus)
        rebuilt = from_spec(spec)
        if not isinstance(tokenizer, type(rebuilt)) or rebuilt.spec() != spec:
            return False
    except Exception:  # noqa: BLE001 -- a foreign or damaged spec: a miss, never an error
        return False
    vars(tokenizer).update(vars(rebuilt))
    return True


@functools.cache
def _source_fingerprint() -> str:
    """SHA-256 of seqgen's own Python files: a checkout whose tokenizers changed gets new keys."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    try:
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return "unreadable"
    return digest.hexdigest()


@functools.cache
def _library_version(name: str | None) -> str | None:
    library = _LIBRARIES.get(name or "")
    if library is None:
        return None
    from importlib import metadata

    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "absent"
