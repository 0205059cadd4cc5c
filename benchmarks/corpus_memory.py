"""Peak memory of training on a streamed corpus, at two corpus sizes in one run (default 20 and 200 MB):
it must not grow with the corpus.

For each size a synthetic corpus is written to a temporary folder (files of about 1 MB, as a large
corpus usually comes; ``--file-mb 0``: the whole corpus in one file). Tabla (the default): the
compositions of ``corpora/*.txt`` repeated in shuffled order, with bols swapped for their open or
closed counterparts (Dha/Ta, Dhin/Tin, Ge/Ke...) so that the text varies but every composition keeps
its taal and the vocabulary stays realistic. Japanese (``--domain japanese``): songs of 2 to 4 stanzas
of 4 or 5 lines, each line of ``corpora/lyrics_ja`` as it is or the start of one joined to the end of
another, so that most lines are new (as in a real corpus of millions of lines) and the words real;
songs end with a ``---`` line. Then a fresh Python
process, with an empty token cache, does what ``seqgen train --stream on`` does before and during
training:

1. ``api._prepare_new``: tokenize the corpus on all cores into shards on disk, count the vocabulary
   shard by shard, write the memory-mapped id streams of the document split (and for lyrics, read the
   vocabulary's kana readings from every line);
2. train seqgen's model (compiled as ``seqgen train`` compiles it; hidden 64 to keep it short) for a
   fixed number of steps on ``feed.TrainingFeed`` batches drawn from the whole memory-mapped stream.

It reports the process's peak resident memory (``VmHWM``) after each phase, its anonymous and
file-backed resident memory at the end (pages of the memory-mapped stream that were read count as
file-backed: the kernel may drop them at will), the tokenizing throughput and the ratio of the two
peaks. Worker processes tokenize 1 MB pieces and are not counted.

    python benchmarks/corpus_memory.py [--domain tabla] [--sizes 20,200] [--steps 60] [--file-mb 1]
                                       [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The top level only defines things, the work is under ``__main__``: seqgen's tokenizing workers come
# from a fork server once TensorFlow is loaded, and it imports this file (see
# ``tokenizers.parallel.main_imports_safely``; a top-level call would make seqgen tokenize in one process).

FILE_BYTES = 1 << 20
# Open <-> closed counterparts: swapping them keeps every matra, so every cycle, intact.
SWAPS = {"Dha": "Ta", "Ta": "Dha", "Dhin": "Tin", "Tin": "Dhin", "Dhi": "Ti", "Ti": "Dhi", "Ge": "Ke", "Ke": "Ge"}
SYLLABLE = r"(?<![A-Za-z])(Dhin|Dha|Dhi|Tin|Ta|Ti|Ge|Ke)(?![a-z])"


def root() -> Path:
    return Path(__file__).resolve().parents[1]


def compositions() -> list[str]:
    """The shipped tabla compositions, each with its header lines."""
    found = []
    for path in sorted(root().glob("corpora/*.txt")):
        text = path.read_text(encoding="utf-8")
        found += [block.strip() for block in re.split(r"\n\s*\n", text)
                  if any(line.strip() and not line.startswith("#") for line in block.splitlines())]
    return found


def lyric_lines() -> list[str]:
    """Every non-empty line of the shipped songs of ``corpora/lyrics_ja``."""
    return [line.strip() for path in sorted(root().glob("corpora/lyrics_ja/*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_corpus(folder: Path, megabytes: int, seed: int = 0, file_bytes: int = FILE_BYTES,
                 domain: str = "tabla") -> int:
    """A synthetic corpus of about ``megabytes`` MB in files of about ``file_bytes`` (0: one file),
    written a composition (or song) at a time; returns its bytes."""
    rng = random.Random(seed)
    if domain == "tabla":
        pieces = compositions()
        document = lambda: _composition_bytes(rng, pieces)  # noqa: E731
    else:
        lines = lyric_lines()
        document = lambda: _song_bytes(rng, lines)  # noqa: E731
    folder.mkdir(parents=True, exist_ok=True)
    target, total, number = megabytes * 1_000_000, 0, 0
    while total < target:
        with open(folder / f"part{number:05d}.txt", "wb") as out:
            size = 0
            while total < target and not (file_bytes and size >= file_bytes):
                data = document()
                out.write(data)
                total, size = total + len(data), size + len(data)
        number += 1
    return total


def _composition_bytes(rng: random.Random, pieces: list[str]) -> bytes:
    """One composition of ``pieces`` with up to 30% of its syllables swapped for their variants."""
    block = rng.choice(pieces)
    rate = rng.random() * 0.3
    block = re.sub(SYLLABLE, lambda m: SWAPS[m.group(1)] if rng.random() < rate else m.group(1), block)
    return (block + "\n\n").encode("utf-8")


def _song_bytes(rng: random.Random, lines: list[str]) -> bytes:
    """One song: 2 to 4 stanzas of 4 or 5 lines, each a corpus line or two halves of two, then ---."""
    def line() -> str:
        first, second = rng.choice(lines), rng.choice(lines)
        if rng.random() < 0.3:
            return first
        return first[:rng.randint(1, len(first))] + second[rng.randint(0, len(second) - 1):]

    stanzas = ["\n".join(line() for _ in range(rng.randint(4, 5))) for _ in range(rng.randint(2, 4))]
    return ("\n\n".join(stanzas) + "\n---\n").encode("utf-8")


def memory() -> dict:
    """This process's memory from /proc/self/status, in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
            found[key] = int(value.split()[0]) / 1024
    return found


def child(corpus: str, steps: int, domain: str) -> None:
    """One measurement, in a fresh process: prepare the streamed corpus, then train ``steps`` steps."""
    from seqgen import api, model  # TensorFlow loaded first: its import is not timed
    from seqgen.shards import tokenizing_workers

    settings = {"stream": "on", "rnn_size": 64, "embedding_dim": 32, "seq_length": 50, "batch_size": 64, "seed": 1}
    started = time.perf_counter()
    run = api._prepare_new(domain, Path(corpus), api.split_settings(settings), None, None)
    prepared = time.perf_counter() - started
    after_prepare = memory()

    from seqgen.data import StreamWindows
    from seqgen.feed import TrainingFeed
    from seqgen.training import TrainConfig, compile_model

    model_config = model.ModelConfig.from_dict(run.config["model"])
    trainable = compile_model(model.build_model(model_config), TrainConfig(**run.config["training"]), distributed=False)
    train = StreamWindows(run.streams["train"], 50, 50)
    feed = TrainingFeed(train, 64, seed=1)
    started = time.perf_counter()
    trainable.fit(feed.dataset().take(steps), epochs=1, shuffle=False, verbose=0)
    trained = time.perf_counter() - started
    print(json.dumps({"prepare_seconds": prepared, "workers": tokenizing_workers(), "train_seconds": trained, "steps": steps,
                      "train_tokens": int(len(run.streams["train"])), "windows": train.count,
                      "vocab": len(run.vocab), "documents": run.config["corpus"]["documents"],
                      "after_prepare": after_prepare, "after_training": memory()}))


def measure(corpus: Path, steps: int, domain: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="seqgen-memory-cache-") as cache:
        env = {**os.environ, "SEQGEN_CACHE_DIR": cache, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run([sys.executable, __file__, "--child", str(corpus), "--steps", str(steps),
                               "--domain", domain],
                              capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"measuring {corpus} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", choices=("tabla", "japanese"), default="tabla")
    parser.add_argument("--sizes", default="20,200", help="corpus sizes in MB, comma-separated")
    parser.add_argument("--steps", type=int, default=60, help="training steps per size")
    parser.add_argument("--keep", type=Path, help="write the corpora here and keep them (default: a temporary folder)")
    parser.add_argument("--file-mb", type=float, default=FILE_BYTES / 1e6,
                        help="size of each corpus file in MB; 0 writes each corpus as one file")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.domain)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="seqgen-corpora-") as scratch:
        base = args.keep or Path(scratch)
        for size in sizes:
            corpus = base / f"{args.domain}-{size}mb-files{args.file_mb:g}mb"
            written = (write_corpus(corpus, size, file_bytes=int(args.file_mb * 1e6), domain=args.domain)
                       if not corpus.exists() else sum(path.stat().st_size for path in corpus.glob("*.txt")))
            found = measure(corpus, args.steps, args.domain)
            found["corpus_bytes"] = written
            found["tokenize_mb_per_s"] = written / 1e6 / found["prepare_seconds"]
            results[size] = found
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'corpus':>8}{'documents':>11}{'train tokens':>14}{'prepare':>10}{'workers':>8}{'MB/s':>7}{'peak after prepare':>20}"
          f"{'peak after training':>21}{'anon':>8}{'file':>8}")
    for size, found in results.items():
        end = found["after_training"]
        print(f"{size:>6}MB{found['documents']:>11}{found['train_tokens']:>14}{found['prepare_seconds']:>9.1f}s"
              f"{found['workers']:>8}{found['tokenize_mb_per_s']:>7.2f}{found['after_prepare']['VmHWM']:>17.0f} MB"
              f"{end['VmHWM']:>18.0f} MB{end['RssAnon']:>5.0f} MB{end['RssFile']:>5.0f} MB")
    if len(sizes) >= 2:
        small, large = results[sizes[0]], results[sizes[-1]]
        print(f"peak memory {sizes[-1]} MB / {sizes[0]} MB: "
              f"{large['after_training']['VmHWM'] / small['after_training']['VmHWM']:.3f} "
              f"(corpus {large['corpus_bytes'] / small['corpus_bytes']:.1f}x)")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(root()))
    main()
