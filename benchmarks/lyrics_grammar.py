"""Grammar proxy of two or more lyrics bundles, judged by one yardstick.

``seqgen evaluate`` judges a bundle's lines against the part-of-speech/conjugation transitions of
its own training lines, so two bundles trained on different corpora are judged by different sets.
This script generates the same number of free (unmetered) lines from each bundle with the same
seeds and judges all of them against one transition set: every line of a reference corpus
(default: corpora/lyrics_ja, all of it). It prints, per bundle, the share of lines whose
transitions all occur in the reference, the share of transitions that do, and the share of lines
copied verbatim from the reference.

    python benchmarks/lyrics_grammar.py OLD_BUNDLE NEW_BUNDLE [--corpus DIR] [--songs 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seqgen.api import load  # noqa: E402
from seqgen.corpus import read_corpus  # noqa: E402
from seqgen.lyrics_quality import Reader  # noqa: E402
from seqgen.tokenizers.lyrics import split_songs  # noqa: E402


def reference(corpus: Path, reader: Reader) -> tuple[set, set]:
    """Distinct lines of the corpus and the grammar transitions they hold."""
    lines = {" ".join(line.split()) for _, text in read_corpus(corpus) for song in split_songs(text)
             for stanza in song for line in stanza}
    transitions = set()
    for line in lines:
        transitions.update(reader.transitions(line))
    return lines, transitions


def judge(bundle: str, songs: int, lines: set, transitions: set, reader: Reader) -> dict:
    generator = load(bundle)
    generated = [" ".join(line.split()) for seed in range(songs)
                 for stanza in generator.stanzas(3, lines=4, seed=seed) for line in stanza]
    pairs = [reader.transitions(line) for line in generated]
    return {"lines": len(generated),
            "grammar": sum(all(pair in transitions for pair in line) for line in pairs) / len(generated),
            "transitions": sum(pair in transitions for line in pairs for pair in line) / sum(map(len, pairs)),
            "copied": sum(line in lines for line in generated) / len(generated)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="+")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "lyrics_ja")
    parser.add_argument("--songs", type=int, default=20, help="songs of 3 stanzas x 4 lines per bundle")
    args = parser.parse_args()
    reader = Reader()
    lines, transitions = reference(args.corpus, reader)
    print(f"reference: {args.corpus} ({len(lines):,} distinct lines, {len(transitions):,} transitions)")
    print(f"{'bundle':<40} {'lines':>6} {'grammar proxy':>14} {'transitions seen':>17} {'copied':>7}")
    for bundle in args.bundles:
        result = judge(bundle, args.songs, lines, transitions, reader)
        print(f"{bundle:<40} {result['lines']:>6} {result['grammar']:>14.1%} {result['transitions']:>17.1%} "
              f"{result['copied']:>7.1%}")


if __name__ == "__main__":
    main()
