"""Tokenization speed of a ~1 MB Japanese corpus: one process, all cores, and a token-cache hit.

The corpus is built in a temporary folder from the shipped ``corpora/lyrics_ja`` songs, copied until
it reaches ``--size`` bytes, each copy altered (stanzas and lines reordered, a few common words
swapped) so that no two files are the same. Every timing runs in a fresh Python process, as a
training run would (so a fork server's start is counted), and the median of ``--repeats`` is shown:

- one process: ``tokenizer.tokenize`` on every file in turn (what seqgen did before);
- all cores, per start method: the songs segmented by worker processes (``tokenizers.parallel``);
  ``fork`` is what ``seqgen tokenize`` uses, ``forkserver`` what ``seqgen train`` uses (TensorFlow is
  loaded by then, and forking it is unsafe);
- cold load and cache hit: ``domains.load_documents`` with an empty cache (read, tokenize on all cores,
  write the entry) and then with the entry in place (read and hash the files, read the entry).

The CPU seconds of the measuring process and of its forked or spawned workers are shown beside the
times: on a shared machine another job can take a core, which stretches the workers' wall time, but
the CPU seconds still say what the workers cost over one process.

``--sweep`` instead times one process against the workers on growing slices of the corpus, to find
the sizes from which workers pay (``parallel.MIN_CHARACTERS``).

    python benchmarks/tokenize_speed.py [--size 1000000] [--repeats 3] [--tokenizer japanese]
                                        [--keep DIR] [--sweep] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "corpora" / "lyrics_ja"
# Swapped in some copies, so the copies differ in words as well as in order.
SWAPS = [("君", "あなた"), ("僕", "私"), ("夜", "宵"), ("空", "そら"), ("涙", "なみだ"), ("夢", "ゆめ")]
METHODS = [method for method in ("fork", "forkserver", "spawn")
           if method in multiprocessing.get_all_start_methods()]


def build_corpus(folder: Path, size: int) -> tuple[int, int, int]:
    """Write altered copies of the shipped songs into ``folder`` until they hold ``size`` bytes;
    (files, bytes, characters)."""
    songs = [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(SOURCE.glob("*.txt"))]
    folder.mkdir(parents=True, exist_ok=True)
    files = written = characters = copy = 0
    while written < size:
        rng = random.Random(copy)
        for stem, text in songs:
            altered = alter(text, copy, rng)
            data = altered.encode("utf-8")
            (folder / f"{copy:03d}_{stem}.txt").write_bytes(data)
            files, written, characters = files + 1, written + len(data), characters + len(altered)
            if written >= size:
                break
        copy += 1
    return files, written, characters


def alter(text: str, copy: int, rng: random.Random) -> str:
    if copy == 0:
        return text
    stanzas = [block.splitlines() for block in text.strip().split("\n\n") if block.strip()]
    rng.shuffle(stanzas)
    for lines in stanzas:
        rng.shuffle(lines)
    altered = "\n\n".join("\n".join(lines) for lines in stanzas) + "\n"
    for index, (old, new) in enumerate(SWAPS):
        if copy >> index & 1:  # each copy its own set of swaps
            altered = altered.replace(old, new)
    return altered


# --- one timing, in its own process -----------------------------------------------------------

def measure(kind: str, corpus: Path, name: str, cache: Path, limit: int | None) -> dict:
    from seqgen.corpus import read_corpus
    from seqgen.tokenizers import create, parallel

    os.environ["SEQGEN_CACHE_DIR"] = str(cache)
    if kind in ("cold", "hit"):
        from seqgen import token_cache
        from seqgen.domains import load_documents

        tokenizer = create(name, **options(name))
        start = time.perf_counter()
        documents = load_documents(tokenizer, corpus)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "cache": token_cache.stats.last, "workers": parallel.last_run.workers,
                "method": parallel.last_run.method, "documents": len(documents)}
    texts = read_corpus(corpus)
    if limit is not None:
        texts = slice_texts(texts, limit)
    tokenizer = create(name, **options(name))
    start = time.perf_counter()
    tokenizer.fit([text for _, text in texts])
    fit = time.perf_counter() - start
    start, cpu, workers_cpu = time.perf_counter(), time.process_time(), children_cpu()
    if kind == "serial":
        documents = parallel.tokenize_texts(tokenizer, texts, workers=1)
    else:
        documents = parallel.tokenize_texts(tokenizer, texts, min_characters=0, method=kind)
    seconds = time.perf_counter() - start
    # CPU seconds of this process and of its workers (forked and spawned workers are its children,
    # reaped when the pool shuts down; a fork server's are not, so those go uncounted)
    cpu, workers_cpu = time.process_time() - cpu, children_cpu() - workers_cpu
    return {"seconds": seconds, "fit": fit, "workers": parallel.last_run.workers, "method": parallel.last_run.method,
            "documents": len(documents), "characters": sum(len(text) for _, text in texts),
            "cpu": cpu, "workers_cpu": workers_cpu if kind != "forkserver" else None}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def options(name: str) -> dict:
    return {"vocab_size": 8000} if name == "sentencepiece" else {}


def slice_texts(texts: list[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    chosen, total = [], 0
    for source, text in texts:
        if total >= limit:
            break
        chosen.append((source, text[: limit - total]))
        total += len(chosen[-1][1])
    return chosen


# The measuring process's main script. Like the ``seqgen`` command's own, it imports the CLI and keeps
# its work under the __main__ guard, so workers may import it (``parallel.main_imports_safely``).
CHILD = """try:
    from seqgen.cli import main as _cli  # noqa: F401  (what the seqgen command's script imports)
except Exception:  # a checkout whose CLI is mid-edit: the timings barely change
    pass
from tokenize_speed import main

if __name__ == "__main__":
    main()
"""


def run(kind: str, corpus: Path, name: str, cache: Path, limit: int | None = None) -> dict:
    child = cache.parent / "measure.py"
    if not child.exists():
        child.write_text(CHILD, encoding="utf-8")
    command = [sys.executable, str(child), "--measure", kind, "--corpus", str(corpus),
               "--tokenizer", name, "--cache", str(cache)] + (["--limit", str(limit)] if limit else [])
    path = os.pathsep.join([str(ROOT), str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path})
    if result.returncode:
        raise SystemExit(f"measuring {kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_of(kind: str, corpus: Path, name: str, cache: Path, repeats: int, limit: int | None = None,
              fresh_cache: bool = False) -> dict:
    runs = []
    for _ in range(repeats):
        if fresh_cache:
            shutil.rmtree(cache, ignore_errors=True)
        runs.append(run(kind, corpus, name, cache, limit))
    middle = sorted(runs, key=lambda entry: entry["seconds"])[len(runs) // 2]  # the median run, whole
    return {**middle, "all": [round(entry["seconds"], 4) for entry in runs]}


# --- reports ----------------------------------------------------------------------------------

def speeds(corpus: Path, name: str, repeats: int, work: Path) -> dict:
    cache = work / "cache"
    results = {"serial": median_of("serial", corpus, name, cache, repeats)}
    for method in METHODS:
        results[method] = median_of(method, corpus, name, cache, repeats)
    results["cold"] = median_of("cold", corpus, name, cache, repeats, fresh_cache=True)
    results["hit"] = median_of("hit", corpus, name, cache, repeats)
    return results


def sweep(corpus: Path, name: str, repeats: int, work: Path) -> list[dict]:
    rows = []
    for limit in (10_000, 20_000, 40_000, 80_000, 160_000, 320_000):
        row = {"characters": limit}
        for kind in ["serial"] + METHODS:
            row[kind] = median_of(kind, corpus, name, work / "cache", repeats, limit)["seconds"]
        rows.append(row)
        print(" ".join(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
                       for key, value in row.items()), flush=True)
    return rows


def cpu_text(entry: dict) -> str:
    """CPU seconds spent, which a busy machine inflates far less than wall time."""
    if entry.get("workers_cpu") is None:
        return f"(CPU {entry['cpu']:.2f} s here, workers uncounted)"
    return f"(CPU {entry['cpu']:.2f} s here + {entry['workers_cpu']:.2f} s in workers)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="corpus bytes (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tokenizer", default="japanese", choices=("japanese", "sentencepiece"))
    parser.add_argument("--keep", type=Path, help="build the corpus in this folder and keep it")
    parser.add_argument("--sweep", action="store_true", help="find where workers start to pay")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.corpus, args.tokenizer, args.cache, args.limit)))
        return
    with tempfile.TemporaryDirectory(prefix="seqgen-tokenize-") as temporary:
        work = Path(temporary)
        corpus = args.keep or work / "corpus"
        files, size, characters = build_corpus(corpus, args.size)
        cores = len(os.sched_getaffinity(0))
        print(f"corpus: {files} files, {size:,} bytes, {characters:,} characters ({corpus}); "
              f"tokenizer {args.tokenizer}; {cores} cores; medians of {args.repeats}, each in a fresh process")
        if args.sweep:
            rows = sweep(corpus, args.tokenizer, args.repeats, work)
            if args.json:
                print(json.dumps(rows))
            return
        results = speeds(corpus, args.tokenizer, args.repeats, work)
        serial = results["serial"]["seconds"]
        if args.tokenizer == "sentencepiece":
            print(f"fit (sentencepiece training, one process, before tokenizing): {results['serial']['fit']:.3f} s")
        print(f"{'one process':<34} {serial:8.3f} s  {characters / serial:>10,.0f} chars/s"
              f"  {cpu_text(results['serial'])}")
        for method in METHODS:
            entry = results[method]
            print(f"{'all cores (' + method + ', ' + str(entry['workers']) + ' workers)':<34} {entry['seconds']:8.3f} s"
                  f"  {characters / entry['seconds']:>10,.0f} chars/s  x{serial / entry['seconds']:.2f} vs one process"
                  f"  {cpu_text(entry)}")
        cold, hit = results["cold"], results["hit"]
        print(f"{'load_documents, empty cache':<34} {cold['seconds']:8.3f} s  (read, tokenize with "
              f"{cold['workers']} worker(s), write the entry)")
        print(f"{'load_documents, cache hit':<34} {hit['seconds']:8.3f} s  x{serial / hit['seconds']:.1f} vs one "
              f"process, x{cold['seconds'] / hit['seconds']:.1f} vs the empty-cache load ({hit['cache']})")
        if args.json:
            print(json.dumps(results))


if __name__ == "__main__":
    main()
