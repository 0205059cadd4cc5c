"""Tokenizing a large lyric corpus on all cores, with the same result as one process.

``tokenize_texts(tokenizer, texts)`` returns exactly what ``tokenizer.tokenize(text, source)`` returns
for each text in turn, in the same order. When the tokenizer is a lyric tokenizer whose spec rebuilds
it and the corpus holds enough text to pay for starting worker processes (``MIN_CHARACTERS``,
measured with ``benchmarks/tokenize_speed.py``: TinySegmenter yes, sentencepiece never), the songs are
cut here (``lyrics.split_songs`` is fast) into contiguous batches of about equal size, and worker
processes of a ``concurrent.futures.ProcessPoolExecutor`` segment them, each with the tokenizer
rebuilt from its spec. Results come back in submission order, so the documents are those of the
one-process path, in its order.

Workers are forked when this process runs no other thread and has no TensorFlow (or another
threaded runtime) loaded; otherwise they come from a fork server (or are spawned where there is
none). Those import the main module, as ``multiprocessing`` always does for these start methods, so
they are used only when that is harmless (``main_imports_safely``: the ``seqgen`` command, pytest, a
script whose work is under ``if __name__ == "__main__":``); a script that trains at its top level
tokenizes in one process. Anything that keeps the workers from starting or finishing (no process
support, a broken pool) falls back to tokenizing in this process.

Not here: tabla notation (fast already, always read in this process), caching (``token_cache``),
and fitting (``domains.load_documents`` fits before it tokenizes).
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from seqgen.tokenizers.base import Document, Tokenizer, from_spec
from seqgen.tokenizers.lyrics import LyricsTokenizer, Song, split_songs

# Characters of lyric text from which workers are used, by tokenizer and start method. Measured on
# the 2-core development machine (benchmarks/tokenize_speed.py): two workers take about 0.015 s to
# start by fork, 0.17 s from a fork server (it imports the main module first) and 0.21 s spawned;
# TinySegmenter reads about 180,000 characters/s and the workers add about 3% to the work. Workers
# are used once one process would take several times their start-up.
# sentencepiece is left out: it segments about 3 million characters/s, and splitting the songs here
# and moving them and their pieces between processes costs more than the workers save (a 1 MB corpus:
# 0.12 s in one process, 0.23 s with two forked workers). A missing entry means one process.
MIN_CHARACTERS = {
    "japanese": {"fork": 40_000, "forkserver": 150_000, "spawn": 200_000},
}
# Batches per worker: enough to even out songs of different lengths, few enough to keep the
# per-batch overhead (the pickled songs and tokens) small.
BATCHES_PER_WORKER = 4
# Threaded runtimes a fork would copy in a state their threads left behind.
_THREADED_RUNTIMES = ("tensorflow", "keras", "torch", "jax")


@dataclass
class LastRun:
    """How the latest ``tokenize_texts`` call ran: ``workers`` is 1 on the one-process path;
    ``method`` is the start method of the workers (``None`` without workers); ``fell_back`` says the
    workers were tried and failed, and the one-process path gave the result."""

    workers: int = 1
    method: str | None = None
    fell_back: bool = False


last_run = LastRun()


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_method() -> str:
    """``fork`` where that is safe and available, else ``forkserver``, else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    threaded = threading.active_count() > 1 or any(name in sys.modules for name in _THREADED_RUNTIMES)
    if "fork" in methods and sys.platform.startswith("linux") and not threaded:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def main_imports_safely() -> bool:
    """Whether a spawned worker (or a fork server) may import this process's main module, as
    ``multiprocessing`` does for those start methods: true when there is no main file (an
    interactive session, ``python -c``) or its top level only imports and defines things, with
    any work under ``if __name__ == "__main__":`` (as in the ``seqgen`` command and ``pytest``).
    A script that calls something at its top level is taken to do work there: workers would repeat it.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    # the same choice as multiprocessing.spawn.get_preparation_data: a module name, else a file
    path = getattr(spec, "origin", None) if getattr(spec, "name", None) else getattr(main, "__file__", None)
    if path is None:
        return True
    try:
        with open(path, "rb") as file:
            tree = ast.parse(file.read())
    except (OSError, SyntaxError, ValueError):
        return False
    return _only_definitions(tree.body)


def _only_definitions(statements: list[ast.stmt]) -> bool:
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef, ast.Pass)):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            if _only_definitions(statement.orelse):
                continue
            return False
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.If, ast.Try)) and not _calls(statement):
            continue
        return False
    return True


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
            and any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides))


def _calls(statement: ast.stmt) -> bool:
    """Whether a statement may call anything when its module is imported."""
    if isinstance(statement, ast.If):
        return _has_call(statement.test) or not (_only_definitions(statement.body)
                                                 and _only_definitions(statement.orelse))
    if isinstance(statement, ast.Try):
        blocks = [statement.body, statement.orelse, statement.finalbody, *(h.body for h in statement.handlers)]
        return not all(_only_definitions(block) for block in blocks)
    return _has_call(statement)


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(inner, ast.Call) for inner in ast.walk(node))


def tokenize_texts(tokenizer: Tokenizer, texts: list[tuple[str, str]], workers: int | None = None,
                   min_characters: int | None = None, method: str | None = None) -> list[Document]:
    """The documents of every ``(source, text)``, in order, as one process would make them.

    Args:
        tokenizer: a fitted tokenizer.
        texts: ``(source name, text)`` pairs, as ``corpus.read_corpus`` returns them.
        workers: processes to use (default: the available cores); 1 keeps everything here.
        min_characters: text size from which workers are used (default: ``MIN_CHARACTERS``).
        method: the ``multiprocessing`` start method (default: ``start_method()``).
    """
    global last_run
    last_run = LastRun()
    method = method or start_method()
    plan = _plan(tokenizer, texts, workers, min_characters, method)
    if plan is None:
        return _serial(tokenizer, texts)
    spec, songs, count = plan
    try:
        documents = _parallel(spec, songs, count, method)
    except Exception:  # noqa: BLE001 -- any failure of the workers: the one-process path gives the same result
        last_run = LastRun(fell_back=True)
        return _serial(tokenizer, texts)
    last_run = LastRun(workers=count, method=method)
    return documents


def _serial(tokenizer: Tokenizer, texts: list[tuple[str, str]]) -> list[Document]:
    return [document for source, text in texts for document in tokenizer.tokenize(text, source)]


def _plan(tokenizer, texts, workers, min_characters, method) -> tuple[dict, list[Song], int] | None:
    """``(spec, songs, workers)`` when workers pay and give the same result, else ``None``."""
    count = available_cores() if workers is None else workers
    if count < 2 or not isinstance(tokenizer, LyricsTokenizer):
        return None
    # the songs are split here and segmented there: only right when tokenize is lyrics' own
    if type(tokenizer).tokenize is not LyricsTokenizer.tokenize:
        return None
    if min_characters is None:
        min_characters = MIN_CHARACTERS.get(tokenizer.name, {}).get(method)
        if min_characters is None:
            return None
    if sum(len(text) for _, text in texts) < min_characters:
        return None
    if method != "fork" and not main_imports_safely():
        return None  # its workers would import the main module and run its top-level work again
    try:
        spec = tokenizer.spec()
        rebuilt = from_spec(spec)
    except Exception:  # noqa: BLE001 -- a spec that does not rebuild the tokenizer: stay here
        return None
    if type(rebuilt) is not type(tokenizer) or rebuilt.spec() != spec:
        return None  # a subclass, or one with state its spec leaves out: workers would differ
    songs = [song for _, text in texts for song in split_songs(text)]
    if len(songs) < 2:
        return None
    return spec, songs, min(count, len(songs))


def _batches(songs: list[Song], count: int) -> list[list[Song]]:
    """Contiguous runs of songs with about equal numbers of characters, in order."""
    sizes = [sum(len(line) for stanza in song for line in stanza) for song in songs]
    target = max(1, sum(sizes) // count)
    batches: list[list[Song]] = [[]]
    filled = 0
    for song, size in zip(songs, sizes):
        if filled >= target and batches[-1]:
            batches.append([])
            filled = 0
        batches[-1].append(song)
        filled += size
    return batches


def _parallel(spec: dict, songs: list[Song], count: int, method: str) -> list[Document]:
    batches = _batches(songs, count * BATCHES_PER_WORKER)
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_worker,
                             initargs=(spec,)) as pool:
        futures = [pool.submit(_segment, batch) for batch in batches]
        try:
            results = [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: leave the batches not yet started
            raise
    return [Document(tokens) for batch in results for tokens in batch]


# --- in the workers ---------------------------------------------------------------------------

_worker_tokenizer: Any = None


def _start_worker(spec: dict) -> None:
    global _worker_tokenizer
    _worker_tokenizer = from_spec(spec)


def _segment(songs: list[Song]) -> list[tuple[str, ...]]:
    return [tuple(_worker_tokenizer.song_tokens(song)) for song in songs]
