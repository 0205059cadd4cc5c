"""The chorale benchmark: next-note accuracy and perplexity of a plain RNN, a GRU and an LSTM on the
soprano lines of Bach's chorales (real scores nobody here wrote, shipped with music21), against
interpolated Kneser-Ney of orders 2-5 (the best on validation shown), through ``seqgen.compare``.

Selection (fixed): every chorale ``music21.corpus.chorales.Iterator()`` yields, in Riemenschneider
order (1-371), whose score has a part named "Soprano". Skipped, and counted: scores without such a
part (instrumental first parts), scores whose meter changes (a piece has one meter in note-name
text), and tunes already seen. The collection harmonises many hymn tunes several times, in other
keys, meters and rhythms, with a passing note here and there; a tune in both the training and the
test split rewards memorising it (an n-gram model of order 8 then beats every network on next-note
accuracy). A tune is known by its first ``TUNE_INTERVALS`` pitch intervals, repeated notes merged:
the same in any key and rhythm. Variants that differ within their opening remain.

Tokens: each soprano line is written as note-name text (the ``notes`` domain's format,
``seqgen.tokenizers.note_names``): its meter, a rest filling the pickup bar's missing beats (so bar
lines fall where the score has them), then every note as pitch and duration (``G4:1/2``), tied notes
joined, durations rounded to the sixteenth-note grid (the chorales need no finer one: the count of
rounded notes is printed). One file per chorale (``chorale_NNN.txt``, NNN its Riemenschneider number),
so the ``notes`` domain reads one document per chorale and ``seqgen.compare`` splits by chorale: the
split is seqgen's own (seed 1234, 10% validation, 10% test, by document), printed by number.

Next-note figures are ``compare``'s content figures: bar lines (which the durations already fix) and
the end of a piece are left out of accuracy and perplexity; the all-token figures are printed too.
Last, next-pitch accuracy, the measure of pitch-only studies: the pitch with the most probability,
its durations summed, against the pitch that comes (rests left out), for every cell and the n-gram.

Usage:
    python benchmarks/chorales.py [--epochs 50] [--cells rnn,gru,lstm] [--plot chorales.png]
                                  [--out runs/chorales] [--json] [--limit N] [model settings...]

Time on the 2-core development machine: reading the chorales 10 s to 1.5 min (music21's first parse
is the slow one), the whole benchmark 2 min 40 s when the machine was otherwise idle (50 epochs for
each of the three cells).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
GRID = Fraction(1, 4)  # sixteenth notes, in quarter-note beats: the notes domain's grid
# The opening that names a tune: 8 intervals also join chorales whose later notes part (different
# tunes, or variants), 16 let variants through (ornamented openings).
TUNE_INTERVALS = 10
# Small models: under 20,000 training tokens, so a large network only memorises. Chosen among three
# settings tried on an earlier selection (331 chorales, only exact repeats removed; each cell's best
# epoch picked on validation): learning rate 0.003 for 30 epochs left the LSTM far from converged
# (next-note accuracy 22.7%); two layers of 256 at 0.005 for 40 epochs did no better than these
# (GRU 35.3%, LSTM 26.0%) with seven times the weights.
SETTINGS = {"embedding_dim": 32, "rnn_size": 128, "layers": 1, "dropout": 0.3, "embedding_dropout": 0.1,
            "seq_length": 64, "batch_size": 16, "learning_rate": 0.01, "lr_decay": 0.97}
EPOCHS = 50


def pitch_name(midi: int) -> str:
    return f"{NAMES[midi % 12]}{midi // 12 - 1}"


def beats(length: Fraction) -> str:
    return str(length.numerator) if length.denominator == 1 else f"{length.numerator}/{length.denominator}"


def quantise(length) -> tuple[Fraction, bool]:
    """A quarter length on the sixteenth grid (at least one step), and whether it had to be rounded."""
    exact = Fraction(length).limit_denominator(64)
    steps = max(1, round(exact / GRID))
    return steps * GRID, steps * GRID != exact


def soprano_part(score):
    """The part named Soprano, or None."""
    for part in score.parts:
        if (part.partName or "").strip().lower().startswith("soprano"):
            return part
    return None


def note_text(part) -> tuple[str, int, tuple[str, ...]] | None:
    """The soprano line as note-name text, the number of rounded durations, and its tune key
    (its opening intervals, the same in any key and rhythm); None when the meter changes."""
    meters = part.recurse().getElementsByClass("TimeSignature")
    if len({meter.ratioString for meter in meters}) > 1:
        return None
    meter = meters[0] if meters else None
    numerator, denominator = (meter.numerator, meter.denominator) if meter else (4, 4)
    bar = Fraction(numerator * 4, denominator)
    line = part.stripTies().flatten().notesAndRests
    events, rounded, pitches = [], 0, []
    pickup = bar - Fraction(part.getElementsByClass("Measure")[0].duration.quarterLength).limit_denominator(64)
    if 0 < pickup < bar:
        events.append(f"R:{beats(pickup)}")
    for element in line:
        if element.duration.isGrace or element.quarterLength == 0:
            continue
        length, was_rounded = quantise(element.quarterLength)
        rounded += was_rounded
        if element.isRest:
            events.append(f"R:{beats(length)}")
            continue
        midi = max(pitch.midi for pitch in element.pitches)  # a divided soprano: its top note
        events.append(f"{pitch_name(midi)}:{beats(length)}")
        if not pitches or pitches[-1] != midi:
            pitches.append(midi)
    text = f"# time: {numerator}/{denominator}\n" + "\n".join(" ".join(events[i:i + 8]) for i in range(0, len(events), 8))
    tune = tuple(high - low for low, high in zip(pitches, pitches[1:TUNE_INTERVALS + 1]))
    return text + "\n", rounded, tune


def soprano_lines(limit: int | None = None, echo=print) -> tuple[list[tuple[int, str, str]], dict]:
    """``(Riemenschneider number, title, note-name text)`` of every selected chorale, and the counts
    of what was skipped or rounded."""
    from music21 import corpus

    found, seen = [], set()
    counts = {"chorales": 0, "no soprano part": 0, "meter changes": 0, "repeated tunes": 0, "rounded notes": 0}
    for number, score in enumerate(corpus.chorales.Iterator(numberingSystem="riemenschneider",
                                                            returnType="stream"), start=1):
        if limit is not None and counts["chorales"] >= limit:
            break
        counts["chorales"] += 1
        part = soprano_part(score)
        written = note_text(part) if part is not None else None
        if part is None:
            counts["no soprano part"] += 1
        elif written is None:
            counts["meter changes"] += 1
        elif written[2] in seen:
            counts["repeated tunes"] += 1
        else:
            seen.add(written[2])
            counts["rounded notes"] += written[1]
            found.append((number, score.metadata.title or "", written[0]))
        if echo and counts["chorales"] % 50 == 0:
            echo(f"read {counts['chorales']} chorales")
    return found, counts


def write_corpus(lines: list[tuple[int, str, str]], folder: Path) -> Path:
    """One note-name file per chorale, named by its number, so the corpus order is the numbering."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, title, text in lines:
        (folder / f"chorale_{number:03d}.txt").write_text(f"# title: {title}\n{text}", encoding="utf-8")
    return folder


def split_numbers(lines: list[tuple[int, str, str]], seed: int = 1234) -> dict[str, list[int]]:
    """The chorale numbers ``compare`` holds out: seqgen splits the documents (one per file, in file
    name order) by seed, with ``compare``'s default fractions."""
    from seqgen.compare import DEFAULT_SPLIT
    from seqgen.data import split_documents

    parts = split_documents(len(lines), DEFAULT_SPLIT["val_frac"], DEFAULT_SPLIT["test_frac"], seed)
    return {name: [lines[index][0] for index in getattr(parts, name)] for name in ("val", "test")}


def pitch_accuracy(bundle, documents, next_probabilities) -> float:
    """Next-pitch accuracy, the measure of pitch-only studies: at every note target (rests, bar lines
    and the end left out) the predicted pitch is the one with the most probability summed over its
    durations. ``next_probabilities(document)`` gives the next-token probabilities after every
    position but the last ([positions, vocabulary])."""
    from seqgen.tokenizers.note_names import parse_pitch

    pitches = np.array([_token_pitch(token, parse_pitch) for token in bundle.vocab.tokens])
    notes = pitches >= 0
    right = total = 0
    for document in documents:
        probabilities = next_probabilities(document)
        for position, target in enumerate(document[1:].tolist()):
            if not notes[target]:
                continue
            mass = np.bincount(pitches[notes], weights=probabilities[position][notes], minlength=128)
            right += int(mass.argmax()) == pitches[target]
            total += 1
    return right / total


def _token_pitch(token: str, parse_pitch) -> int:
    """The MIDI pitch of a single-note token (``G4:1/2``, ``G4:1~``), else -1."""
    name = token.split(":")[0]
    pitch = parse_pitch(name) if ":" in token and "." not in name else None
    return -1 if pitch is None else pitch


def lstm_probabilities(bundle):
    from seqgen.numpy_model import from_bundle, log_softmax

    model = from_bundle(bundle)
    return lambda document: np.exp(log_softmax(model.sequence_logits(document[None, :-1])[0]))


def ngram_probabilities(bundle, order: int):
    from seqgen.evaluation import split_stream
    from seqgen.ngram import KneserNey

    start = bundle.vocab.start_id
    training = [document[1:].tolist() for document in split_stream(bundle.splits()["train"], start)]
    model = KneserNey(order, len(bundle.vocab)).fit(training, pad=start)

    def probabilities(document):
        context = [start] * (order - 1) + document[1:].tolist()
        return np.stack([model.distribution(tuple(context[index:index + order - 1]))
                         for index in range(len(document) - 1)])

    return probabilities


def pitch_table(result, runs: Path) -> str:
    """Next-pitch accuracy of every cell and of the reported Kneser-Ney order, on the same held-out chorales."""
    from seqgen.api import load
    from seqgen.evaluation import documents_of

    bundles = {row.cell: load(runs / row.cell).bundle for row in result.cells}
    first = next(iter(bundles.values()))
    held_out = documents_of(first, None)
    rows = [f"{cell:<20} {pitch_accuracy(bundle, held_out, lstm_probabilities(bundle)):>8.2%}"
            for cell, bundle in bundles.items()]
    order = result.baseline.order
    rows.append(f"{'Kneser-Ney, order ' + str(order):<20} "
                f"{pitch_accuracy(first, held_out, ngram_probabilities(first, order)):>8.2%}")
    return "\n".join([f"next-pitch accuracy (durations summed out), {result.evaluated_on} split:"] + rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--cells", default="rnn,gru,lstm")
    parser.add_argument("--orders", default="2-5")
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="keep the bundles here (default: deleted)")
    parser.add_argument("--corpus", type=Path, default=None, help="write the note-name files here (default: a "
                                                                  "temporary folder)")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N chorales")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    for name, value in SETTINGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    arguments = parser.parse_args()

    from seqgen.compare import compare, parse_cells, parse_orders, table, to_json

    started = time.perf_counter()
    lines, counts = soprano_lines(arguments.limit, echo=lambda line: print(line, file=sys.stderr))
    print(f"chorales read: {counts['chorales']}; skipped: {counts['no soprano part']} without a Soprano part, "
          f"{counts['meter changes']} changing meter, {counts['repeated tunes']} repeated tunes; "
          f"kept {len(lines)}; durations rounded to sixteenths: {counts['rounded notes']} "
          f"({time.perf_counter() - started:.0f} s)")
    settings = {name: getattr(arguments, name) for name in SETTINGS}
    with tempfile.TemporaryDirectory(prefix="chorales-") as scratch:
        folder = write_corpus(lines, arguments.corpus or Path(scratch) / "corpus")
        runs = arguments.out or Path(scratch) / "runs"
        result = compare("notes", folder, parse_cells(arguments.cells), epochs=arguments.epochs,
                         orders=parse_orders(arguments.orders), out=runs, force=True, plot=arguments.plot,
                         echo=lambda line: print(line, file=sys.stderr), **settings)
        pitches = pitch_table(result, runs)
    print(f"test chorales (Riemenschneider numbers): {' '.join(map(str, split_numbers(lines)['test']))}")
    print(f"settings: {' '.join(f'{name}={value}' for name, value in settings.items())}, epochs {arguments.epochs}")
    print(to_json(result) if arguments.json else table(result))
    print(pitches)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
