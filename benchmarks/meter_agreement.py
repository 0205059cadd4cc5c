"""Do metered lines scan when somebody else counts? An independent mora count of generated lines.

Samples metered stanzas from a lyrics bundle (7,5 / 8,8,8,6 / 5,7,5, fixed seeds) and counts each
line's morae three ways:

  printed    from the reading seqgen prints under the line (kana counted here, not by seqgen.kana);
  fugashi    the line's text re-read whole by fugashi with unidic-lite (a second analyzer, not a
             seqgen dependency: ``pip install fugashi unidic-lite`` to include it);
  sudachi    the line's text re-read whole by SudachiPy (the analyzer seqgen trains with).

It prints the share of lines whose count equals the meter for each, and the lines fugashi counts
otherwise.

    python benchmarks/meter_agreement.py [BUNDLE] [--seeds 10]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seqgen.api import load  # noqa: E402

METERS = ("7,5", "8,8,8,6", "5,7,5")
SMALL = set("ゃゅょぁぃぅぇぉゎャュョァィゥェォヮ")


def count_morae(reading: str) -> int:
    """Kana that are sung as one mora each: every kana but the small glides, plus ー (っ and ん count)."""
    return sum(1 for char in reading
               if char not in SMALL and ("ぁ" <= char <= "ゖ" or "ァ" <= char <= "ヺ" or char == "ー"))


def fugashi_reader():
    try:
        import fugashi
    except ImportError:
        return None
    tagger = fugashi.Tagger()

    def read(text: str) -> str:
        return "".join(word.feature.kana or "" for word in tagger(text)
                       if word.feature.pos1 not in ("補助記号", "空白") and word.feature.kana not in (None, "*"))
    return read


def sudachi_reader():
    from seqgen.analyzer import shared_analyzer

    analyzer = shared_analyzer()
    return lambda text: "".join(word.reading for word in analyzer.analyze(text) if not word.silent)


def metered_lines(bundle: str, seeds: int) -> list[tuple[str, str, int]]:
    """(text, printed reading, asked morae) of every generated line."""
    generator = load(bundle)
    lines = []
    for meter in METERS:
        pattern = [int(value) for value in meter.split(",")]
        for seed in range(seeds):
            for stanza in generator.stanzas(2, lines=4, meter=meter, with_readings=True, seed=seed, temperature=0.8):
                lines += [(line["text"], line["reading"], pattern[index % len(pattern)])
                          for index, line in enumerate(stanza)]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="pretrained:japanese")
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args(argv)
    lines = metered_lines(args.bundle, args.seeds)
    readers = {"printed": None, "sudachi": sudachi_reader(), "fugashi": fugashi_reader()}
    print(f"{len(lines)} metered lines from {args.bundle} ({', '.join(METERS)}; seeds 0-{args.seeds - 1})")
    for name, read in readers.items():
        if name == "fugashi" and read is None:
            print("fugashi    not installed (pip install fugashi unidic-lite): skipped")
            continue
        counts = [count_morae(reading if read is None else read(text)) for text, reading, _ in lines]
        agree = sum(count == target for count, (_, _, target) in zip(counts, lines))
        print(f"{name:<10} {agree}/{len(lines)} = {100 * agree / len(lines):.1f}% of lines have the asked morae")
        if name == "fugashi":
            for count, (text, reading, target) in zip(counts, lines):
                if count != target:
                    print(f"    {text}  (printed {reading}: {target}; fugashi {read(text)}: {count})")


if __name__ == "__main__":
    main()
