"""Corpora larger than memory: a corpus tokenized once into token-id shards on disk, memory-mapped.

``open_or_build(tokenizer, corpus, encoding)`` reads the corpus one file at a time (never the whole
text), tokenizes it on all cores and writes the documents' tokens as flat int32 ``.npy`` shards of
indexes into the corpus's table of distinct tokens, each shard holding whole documents; a second call
on the same corpus finds them by content hash and reads nothing but the files' bytes (to hash them).
The vocabulary is counted shard by shard (``ShardSet.token_counts``), and the id streams of a split
(``ShardSet.streams``) are written beside the shards as memory-mapped int32 ``.npy`` files, so memory
stays flat whatever the corpus size. Documents are numbered in corpus order, as
``domains.load_documents`` numbers them, so ``data.split_documents`` splits both paths alike and a small
corpus gives the same streams either way.

Where: ``shards/<key>/`` under ``token_cache.cache_dir()`` (``$SEQGEN_CACHE_DIR`` ...). With caching
off the shards go to a temporary folder removed when the process ends. The key is SHA-256 over this
format and ``token_cache.CorpusKey`` (seqgen's version and sources, the tokenizer before fitting,
the encoding, every file's name and bytes). A folder is written under a temporary name and renamed
(atomic); its ``manifest.json`` records each shard's size and SHA-256, checked when opened: a damaged
or missing shard makes the folder a miss, rebuilt from the corpus (``ShardError``, one line, where
there is no corpus to rebuild from). Folders used least recently are removed past ``MAX_BYTES``.

A file is read a chunk at a time (``corpus.read_text_chunks``) and cut into pieces at document
boundaries as it is read (``file_pieces``), so one file larger than memory streams as well as a folder
of small ones. Memory is then bounded by the longest document; only a file whose tokenizer has no
boundaries to cut at (plain text, note names) or a MIDI file is read whole.

Not here: reading and decoding files (``corpus``), what a tokenizer does (``tokenizers``), windows
and batches (``data``, ``feed``), what a bundle records (``api``, ``bundle``).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.tokenizers.base import Tokenizer, from_spec

FORMAT = "seqgen-token-shards"
FORMAT_VERSION = 1
# Tokens per shard (16 MiB of int32): the largest array held while writing or counting.
SHARD_TOKENS = 1 << 22
# Text per worker task, cut at document boundaries; with a few tasks in flight per worker this
# bounds the text in memory.
PIECE_CHARACTERS = 1 << 20
# Bytes read from a corpus file at a time: a file is never held whole (``file_pieces``).
READ_BYTES = 1 << 20
TASKS_PER_WORKER = 2
# The shard folders together are kept under this; the least recently used go first.
MAX_BYTES = 16 << 30
# Corpora with at least this much text stream from shards when DataConfig.stream is "auto": below
# it the whole corpus and its windows take a few hundred MB at most, and the in-memory path
# (splits.npz in the bundle) is simpler to move around.
STREAM_BYTES = 50_000_000
_FOLDER = re.compile(r"^[0-9a-f]{64}$")
# Where a tabla file may be cut: a blank line followed by a header line (a new composition).
_TABLA_CUT = re.compile(r"\n[ \t]*\n(?=[ \t]*#)")
# Where a lyrics file may be cut: after a line holding only --- (songs are independent).
_LYRICS_CUT = re.compile(r"^[ \t]*---[ \t]*\n", re.MULTILINE)
# Tokenizers whose files may be cut into pieces, and where. Another tokenizer's file is one piece:
# cutting where it does not start a document would change its documents.
_CUTS = {"tabla": _TABLA_CUT, "japanese": _LYRICS_CUT}
# A boundary is only taken this far before the end of the text read so far: the rest of its line
# (the header after a tabla cut) must be there too.
_CUT_MARGIN = 4096


class ShardError(SeqgenError):
    """Shards that are missing or damaged where no corpus is at hand to rebuild them."""


@dataclass
class ShardSet:
    """One corpus as token shards: ``table`` (distinct tokens), ``lengths`` (tokens per document, in
    corpus order), ``shards`` (memory-mapped int32 indexes into ``table``) and ``bounds`` (the
    documents of shard ``i`` are ``bounds[i]`` to ``bounds[i + 1]``)."""

    folder: Path
    key: str
    tokenizer_spec: dict
    table: list[str]
    lengths: np.ndarray
    shards: list[np.ndarray]
    bounds: list[int]

    @property
    def documents(self) -> int:
        return len(self.lengths)

    def document_tokens(self, indices=None) -> Iterator[tuple[str, ...]]:
        """The tokens of the documents ``indices`` (default all), in corpus order, one at a time."""
        wanted = None if indices is None else set(indices)
        for shard, first, last in self._spans():
            offsets = np.concatenate([[0], np.cumsum(self.lengths[first:last])])
            for number in range(first, last):
                if wanted is None or number in wanted:
                    ids = shard[offsets[number - first]:offsets[number - first + 1]]
                    yield tuple(self.table[i] for i in ids.tolist())

    def token_counts(self, indices) -> dict[str, int]:
        """How often each token occurs in the documents ``indices``: counted shard by shard."""
        member = np.zeros(self.documents, dtype=bool)
        member[np.asarray(list(indices), dtype=np.int64)] = True
        total = np.zeros(len(self.table), dtype=np.int64)
        for shard, first, last in self._spans():
            keep = np.repeat(member[first:last], self.lengths[first:last])
            total += np.bincount(shard[keep], minlength=len(self.table))
        return {self.table[index]: int(total[index]) for index in np.flatnonzero(total).tolist()}

    def streams(self, vocab, parts: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        """The id stream of each part (``<s>`` ids ``</s>`` per document, as ``data.id_stream``
        makes it), memory-mapped from ``streams/`` in the shard folder; written on first use."""
        lookup = np.asarray([vocab.id(token) for token in self.table], dtype=np.int32)
        digest = hashlib.sha256(json.dumps([list(vocab.tokens), {name: list(value) for name, value in parts.items()}],
                                           ensure_ascii=True).encode("ascii")).hexdigest()
        folder = self.folder / "streams"
        folder.mkdir(exist_ok=True)
        found = {}
        for name, indices in parts.items():
            path = folder / f"{digest[:32]}-{name}.npy"
            length = int(sum(int(self.lengths[index]) + 2 for index in indices))
            stream = _open_array(path, length)
            if stream is None:
                self._write_stream(path, length, indices, lookup, vocab.start_id, vocab.end_id)
                stream = _open_array(path, length)
            found[name] = stream
        _touch(self.folder)
        return found

    def _write_stream(self, path: Path, length: int, indices, lookup, start: int, end: int) -> None:
        """Write the stream with plain writes, a shard's documents at a time (pages written through a
        map would stay in this process's resident memory until it is closed)."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        wanted = np.zeros(self.documents, dtype=bool)
        wanted[np.asarray(list(indices), dtype=np.int64)] = True
        with open(temporary, "wb") as file:
            np.lib.format.write_array_header_1_0(file, {"descr": "<i4", "fortran_order": False,
                                                        "shape": (max(length, 0),)})
            for shard, first, last in self._spans():
                chosen = wanted[first:last]
                if chosen.any():
                    file.write(_framed(lookup[shard[np.repeat(chosen, self.lengths[first:last])]],
                                       self.lengths[first:last][chosen], start, end).tobytes())
        os.replace(temporary, path)

    def _spans(self) -> Iterator[tuple[np.ndarray, int, int]]:
        """Each shard with its first and last document, read into memory one at a time: touching the
        maps instead would leave every shard's pages in this process's resident memory."""
        for index, shard in enumerate(self.shards):
            yield np.load(shard.filename), self.bounds[index], self.bounds[index + 1]


def _framed(ids: np.ndarray, lengths: np.ndarray, start: int, end: int) -> np.ndarray:
    """Documents (``ids`` cut by ``lengths``) each as ``start`` ids ``end``, one after another."""
    out = np.empty(len(ids) + 2 * len(lengths), dtype="<i4")
    opens = np.concatenate([[0], np.cumsum(lengths + 2)[:-1]]).astype(np.int64)
    body = np.ones(len(out), dtype=bool)
    body[opens] = body[opens + lengths + 1] = False
    out[opens], out[opens + lengths + 1], out[body] = start, end, ids
    return out


def shard_root() -> Path | None:
    from seqgen.token_cache import cache_dir

    directory = cache_dir()
    return None if directory is None else directory / "shards"


def should_stream(setting: str, corpus: str | Path, suffixes: tuple[str, ...] = (".txt",)) -> bool:
    """Whether a corpus (its files ending in ``suffixes``) trains from shards: ``on``, ``off``, or
    ``auto`` (their size)."""
    if setting != "auto":
        return setting == "on"
    from seqgen.corpus import corpus_files

    total = 0
    for file in corpus_files(corpus, suffixes):
        try:
            total += file.stat().st_size
        except OSError:
            pass  # reading it later says what is wrong
    return total >= STREAM_BYTES


def open_or_build(tokenizer: Tokenizer, corpus: str | Path, encoding: str | None = None,
                  workers: int | None = None) -> ShardSet:
    """The shards of ``corpus`` for ``tokenizer`` (fitted on it on return), from the cache or made now.

    Raises:
        SeqgenError: unreadable files, notation errors, an empty corpus, or a tokenizer that must
            see the whole text at once (sentencepiece).
    """
    from seqgen import token_cache
    from seqgen.corpus import check_encoding, corpus_files
    from seqgen.domains import _relative_name, file_suffixes

    if tokenizer.name == "sentencepiece":
        raise SeqgenError("a streamed corpus cannot use the sentencepiece tokenizer (it learns from the whole "
                          "text at once); use the japanese tokenizer or --stream off")
    if encoding is not None:
        encoding = check_encoding(encoding)
    root = shard_root()
    key = token_cache.CorpusKey.start(tokenizer, encoding, directory=root or Path(tempfile.gettempdir()))
    if key is None:
        raise SeqgenError(f"the {tokenizer.name} tokenizer's settings cannot be written as JSON; it cannot stream")
    root_path = Path(corpus)
    for file in corpus_files(corpus, file_suffixes(tokenizer)):  # one file, one piece at a time
        with key.adding(_relative_name(file, root_path), file) as add_bytes:
            for piece in file_pieces(file, encoding, tokenizer.name, add_bytes):
                tokenizer.fit([piece])  # learns declarations piece by piece, as fitting on all of them does
    digest = hashlib.sha256(f"{FORMAT}:{FORMAT_VERSION}:{key.hexdigest()}".encode("ascii")).hexdigest()
    if root is not None:
        found = _open(root / digest, digest)
        if found is not None and found.tokenizer_spec == tokenizer.spec():
            return found
        folder = root / digest
    else:
        folder = Path(tempfile.mkdtemp(prefix="seqgen-shards-")) / digest
        atexit.register(shutil.rmtree, folder.parent, True)
    _build(tokenizer, corpus, encoding, folder, digest, workers)
    found = _open(folder, digest)
    if found is None:
        raise SeqgenError(f"{folder}: the token shards just written cannot be read back")
    if root is not None:
        prune(root, keep=digest)
    return found


def open_cached(digest: str, where: str) -> ShardSet:
    """The shards recorded under ``digest`` (a bundle's), or one ``ShardError`` line naming ``where``."""
    root = shard_root()
    found = _open(root / digest, digest) if root is not None and _FOLDER.match(digest) else None
    if found is None:
        place = f"the cache ({root})" if root is not None else "the cache (caching is off)"
        raise ShardError(f"{where} was trained on a streamed corpus whose token shards {digest[:12]}... are not "
                         f"in {place} or are damaged; train again on the corpus, or pass a FILE to evaluate")
    return found


# --- writing ----------------------------------------------------------------------------------


class _Writer:
    """Appends documents' token indexes to shard files, each ``SHARD_TOKENS`` or more whole documents."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.table: dict[str, int] = {}
        self.pending: list[np.ndarray] = []
        self.pending_tokens = 0
        self.lengths: list[np.ndarray] = []
        self.shards: list[dict] = []
        self.documents = 0

    def add(self, table: list[str], ids: np.ndarray, lengths: np.ndarray) -> None:
        """One piece's documents: ``ids`` index the piece's own ``table``."""
        if not len(lengths):
            return
        remap = np.asarray([self.table.setdefault(token, len(self.table)) for token in table], dtype=np.int32)
        ids = remap[ids] if len(ids) else ids
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        first = 0
        for index in range(len(lengths)):  # close a shard after the document that fills it
            if self.pending_tokens + offsets[index + 1] - offsets[first] >= SHARD_TOKENS:
                self._take(ids[offsets[first]:offsets[index + 1]], lengths[first:index + 1])
                self._flush()
                first = index + 1
        self._take(ids[offsets[first]:], lengths[first:])

    def _take(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        if len(lengths):
            self.pending.append(ids)
            self.pending_tokens += len(ids)
            self.lengths.append(lengths)
            self.documents += len(lengths)

    def _flush(self) -> None:
        if not self.pending:
            return
        data = np.concatenate(self.pending).astype(np.int32, copy=False)
        name = f"shard-{len(self.shards):05d}.npy"
        np.save(self.folder / name, data)
        self.shards.append({"file": name, "tokens": int(len(data)), "documents": self.documents,
                            "sha256": _file_sha256(self.folder / name)})
        self.pending, self.pending_tokens = [], 0

    def finish(self, key: str, spec: dict) -> None:
        self._flush()
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int64)
        np.save(self.folder / "lengths.npy", lengths.astype(np.int64))
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "key": key, "tokenizer": spec,
                    "tokens": list(self.table), "documents": int(len(lengths)), "shards": self.shards,
                    "lengths_sha256": _file_sha256(self.folder / "lengths.npy")}
        (self.folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=True), encoding="ascii")


def _build(tokenizer: Tokenizer, corpus, encoding, folder: Path, digest: str, workers: int | None) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = Path(tempfile.mkdtemp(prefix=f".{digest}.", suffix=".tmp", dir=folder.parent))
    try:
        writer = _Writer(temporary)
        for table, ids, lengths in _tokenized_pieces(tokenizer, corpus, encoding, workers):
            writer.add(table, ids, lengths)
        if not writer.documents:
            raise SeqgenError(f"{corpus}: the corpus is empty (no {tokenizer.name} documents found)")
        writer.finish(digest, tokenizer.spec())
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a damaged folder: replaced whole
        os.replace(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _tokenized_pieces(tokenizer: Tokenizer, corpus, encoding, workers: int | None):
    """``(table, ids, lengths)`` of each piece of each file, in corpus order: in worker processes
    when there are several cores (``tokenizers.parallel``'s start-method rules), else here."""
    from seqgen.corpus import corpus_files
    from seqgen.domains import file_suffixes
    from seqgen.tokenizers import parallel

    spec, check = tokenizer.spec(), tokenizer.name == "tabla"
    suffixes = file_suffixes(tokenizer)
    count, method = tokenizing_workers(workers), parallel.start_method()
    if count < 2:
        _start_worker(spec)
        for file in corpus_files(corpus, suffixes):
            for piece in file_pieces(file, encoding, tokenizer.name):
                yield _result(file, lambda: _tokenize_piece(str(file), piece, check), tokenizer, encoding)
        return
    import multiprocessing

    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_worker,
                             initargs=(spec,)) as pool:
        in_flight: list = []
        try:
            for file in corpus_files(corpus, suffixes):
                for piece in file_pieces(file, encoding, tokenizer.name):
                    in_flight.append((file, pool.submit(_tokenize_piece, str(file), piece, check).result))
                    while len(in_flight) > count * TASKS_PER_WORKER:  # bounded: flat memory
                        yield _result(*in_flight.pop(0), tokenizer, encoding)
            while in_flight:
                yield _result(*in_flight.pop(0), tokenizer, encoding)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def tokenizing_workers(workers: int | None = None) -> int:
    """How many processes tokenize a corpus here: ``workers`` (default: every core), or 1 where worker
    processes would import a main module that does work (``tokenizers.parallel``'s start-method rules)."""
    from seqgen.tokenizers import parallel

    if parallel.start_method() != "fork" and not parallel.main_imports_safely():
        return 1
    return max(parallel.available_cores() if workers is None else workers, 1)


def _result(file: Path, result, tokenizer: Tokenizer, encoding: str | None):
    """``result()``: one piece's tokens (a worker's future, or the piece tokenized here)."""
    try:
        return result()
    except SeqgenError:
        if tokenizer.name == "tabla":
            # the piece's line numbers are its own: check the whole file (read again, only on this
            # error path) for the exact message
            from seqgen.checking import require_valid
            from seqgen.corpus import read_text

            text = read_text(file, encoding)
            require_valid(text, str(file), getattr(tokenizer, "lexicon", None))
            tokenizer.tokenize(text, str(file))
        raise


def file_pieces(file: Path, encoding: str | None, name: str, add_bytes=None) -> Iterator[str]:
    """The text of one corpus file in pieces of about ``PIECE_CHARACTERS`` cut at document
    boundaries (``_CUTS``), read a chunk at a time, so a file larger than memory is never held
    whole. A file whose tokenizer has no boundaries to cut at, or a MIDI file, is one piece.
    ``add_bytes`` receives the file's bytes in order (the corpus fingerprint)."""
    from seqgen.corpus import decode_text, is_midi, read_bytes, read_text_chunks

    add_bytes = add_bytes or (lambda data: None)
    cut = _CUTS.get(name)
    if cut is None or is_midi(file):
        data = read_bytes(file)
        add_bytes(data)
        yield decode_text(file, data, encoding)
        return
    cutter = _DocumentCutter(cut)
    for data, text in read_text_chunks(file, encoding, READ_BYTES):
        add_bytes(data)
        yield from cutter.add(text)
    yield from cutter.rest()


class _DocumentCutter:
    """Text given a chunk at a time, given back in pieces: once ``PIECE_CHARACTERS`` are held, the
    text up to the last boundary found. Each chunk is searched once, with the ``_CUT_MARGIN`` before
    it, and the text is joined once per piece: the work stays linear in the text however long a
    document runs without a boundary (rescanning and regrowing the whole text at every chunk took 43 s, against
    0.8 s, to read a single 96-million-character document).

    Both boundary patterns are a line of a few characters, so a boundary that starts more than
    ``_CUT_MARGIN`` before a search's end is whole inside that search. One longer than that (a line
    of thousands of spaces) may be missed, which only leaves two documents in one piece."""

    def __init__(self, cut: re.Pattern):
        self.cut = cut
        self.parts: list[str] = []  # text read and not given back yet
        self.held_at = 0            # where parts start in the whole text
        self.held = 0               # how many characters parts hold
        self.window = ""            # the end of the text, from where the next search starts
        self.window_at = 0          # where the window starts in the whole text
        self.boundary = 0           # where the last boundary found ends in the whole text

    def add(self, text: str) -> Iterator[str]:
        self.parts.append(text)
        self.held += len(text)
        self.window += text
        self._search()
        if self.held >= PIECE_CHARACTERS and self.boundary > self.held_at:
            whole = "".join(self.parts)
            taken = self.boundary - self.held_at
            yield whole[:taken]
            self.parts, self.held_at, self.held = [whole[taken:]], self.boundary, len(whole) - taken

    def rest(self) -> Iterator[str]:
        if self.held:
            yield "".join(self.parts)

    def _search(self) -> None:
        # the last boundary far enough from the end that more text could not move it
        end = len(self.window) - _CUT_MARGIN
        if end <= 0:
            return
        # the window's first character is only context (``^`` and the tabla cut's leading newline
        # see it), except at the very start of the text
        start = 0 if self.window_at == 0 else 1
        for match in self.cut.finditer(self.window, start, end):
            self.boundary = max(self.boundary, self.window_at + match.end())
        keep_from = max(0, end - _CUT_MARGIN - 1)
        self.window, self.window_at = self.window[keep_from:], self.window_at + keep_from


# --- reading ----------------------------------------------------------------------------------


def _open(folder: Path, digest: str) -> ShardSet | None:
    """The shard set in ``folder`` if its manifest and every file check out, else ``None``."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="ascii"))
        if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT
                and manifest.get("format_version") == FORMAT_VERSION and manifest.get("key") == digest):
            return None
        table, entries = manifest["tokens"], manifest["shards"]
        if _file_sha256(folder / "lengths.npy") != manifest["lengths_sha256"]:
            return None
        lengths = np.load(folder / "lengths.npy")
        shards, bounds = [], [0]
        for entry in entries:
            path = folder / entry["file"]
            if _file_sha256(path) != entry["sha256"]:
                return None
            shards.append(np.load(path, mmap_mode="r"))
            bounds.append(entry["documents"])
        if (len(lengths) != manifest["documents"] or bounds[-1] != len(lengths)
                or sum(len(shard) for shard in shards) != int(lengths.sum())):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    _touch(folder)
    return ShardSet(folder, digest, manifest["tokenizer"], table, lengths, shards, bounds)


def _open_array(path: Path, length: int) -> np.ndarray | None:
    try:
        array = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return array if array.shape == (length,) and array.dtype == np.int32 else None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _touch(folder: Path) -> None:
    try:
        os.utime(folder)  # most recently used: the last to be pruned
    except OSError:
        pass


def prune(root: Path, limit: int = MAX_BYTES, keep: str | None = None) -> None:
    """Remove the shard folders used least recently until the rest fit in ``limit`` bytes."""
    found = []
    try:
        for entry in os.scandir(root):
            if entry.is_dir(follow_symlinks=False) and _FOLDER.match(entry.name):
                size = sum(item.stat().st_size for item in Path(entry.path).rglob("*") if item.is_file())
                found.append((entry.stat().st_mtime, entry.name, size))
            elif entry.name.endswith(".tmp") and time.time() - entry.stat().st_mtime > 24 * 3600:
                shutil.rmtree(entry.path, ignore_errors=True)  # left by a writer that died
    except OSError:
        return
    from seqgen.token_cache import evict_least_recent

    evict_least_recent(found, limit, keep, lambda name: _remove_folder(root / name))


def _remove_folder(path: Path) -> bool:
    shutil.rmtree(path, ignore_errors=True)
    return not path.exists()  # gone, or pruned by another process first


# --- in the workers ---------------------------------------------------------------------------

_worker_tokenizer = None


def _start_worker(spec: dict) -> None:
    global _worker_tokenizer
    _worker_tokenizer = from_spec(spec)


def _tokenize_piece(source: str, text: str, check: bool) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One piece's non-empty documents as (its distinct tokens, indexes into them, lengths)."""
    if check:
        from seqgen.checking import require_valid

        require_valid(text, source, getattr(_worker_tokenizer, "lexicon", None))
    documents = [document.tokens for document in _worker_tokenizer.tokenize(text, source) if document.tokens]
    table: dict[str, int] = {}
    ids = [table.setdefault(token, len(table)) for tokens in documents for token in tokens]
    return (list(table), np.asarray(ids, dtype=np.int32),
            np.asarray([len(tokens) for tokens in documents], dtype=np.int64))


def bundle_streams(directory: Path, config: dict, vocab_size: int) -> dict[str, np.ndarray]:
    """The train / val / test streams of a bundle trained on a streamed corpus, from its shards in
    the cache (split again as training split them: by document, with the bundle's seed).

    Raises:
        ShardError: the shards are gone or damaged (one line saying what to do).
    """
    from seqgen.data import split_documents
    from seqgen.vocab import Vocab

    shard_set = open_cached(str(config["corpus"]["shards"]), str(directory))
    data = config["data"]
    parts = split_documents(shard_set.documents, data["val_frac"], data["test_frac"], config["seed"])
    try:
        vocab = Vocab.from_json((Path(directory) / "vocab.json").read_text(encoding="utf-8"))
    except (OSError, SeqgenError):
        raise ShardError(f"{Path(directory) / 'vocab.json'}: missing or damaged") from None
    if len(vocab) != vocab_size or shard_set.documents != config["corpus"].get("documents"):
        raise ShardError(f"{directory}: its token shards {shard_set.key[:12]}... do not match its vocabulary or "
                         f"corpus record")
    return shard_set.streams(vocab, {name: getattr(parts, name) for name in ("train", "val", "test")})
