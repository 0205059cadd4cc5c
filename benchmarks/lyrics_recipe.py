"""Which Japanese training recipe beats Kneser-Ney on held-out songs, and how fast does it train?

For each corpus and each candidate recipe, the LSTM is trained with seqgen's own training code
(``seqgen.training.fit`` on windows made by ``seqgen.data``, exactly as ``seqgen.train`` does) and
scored on held-out songs beside interpolated Kneser-Ney models (order 3, and the best of orders
2..5) fitted on the same training songs, over the same tokens and the same vocabulary.

The split is by song and fixed (``--split-seed``): the same songs train, validate (early stopping
and the best epoch) and test every candidate. Only the test songs are scored; neither model has
seen them, and the validation songs only chose the LSTM's epoch.

Columns:
  vocab     vocabulary size (specials included); unk% is the held-out share of ``<unk>`` tokens.
            Perplexities over different vocabularies are not comparable with each other (a token
            mapped to ``<unk>`` is easier to predict), so each row carries its own Kneser-Ney.
  ppl/acc   the LSTM's held-out perplexity and next-token accuracy.
  KN3, KN*  Kneser-Ney order 3 and the best of orders 2..5 (the order is shown), same tokens.
  ratio     LSTM perplexity / best KN perplexity: below 1 the LSTM wins. ``+`` marks the word-level
            row with the lowest ratio on that corpus; ``*`` the winner across corpora: the lowest mean
            ratio among the recipes over one vocabulary (word tokens seen at least twice) that beat
            KN on every corpus and finish their training inside the budget. A summary table follows.
  bpc       bits per character of the held-out text (characters of the NFKC lines plus one per
            line end, the same count for every tokenizer), the one figure comparable across
            tokenizers and vocabularies; it still favours a vocabulary with more ``<unk>``.
  time      training wall time (XLA compilation included), epochs run and the best epoch.

Sentencepiece rows are per piece: their perplexity is NOT comparable with the word-level rows;
compare them with the Kneser-Ney over the same pieces (their own KN columns) and by bpc.

    python benchmarks/lyrics_recipe.py [CORPUS ...] [--only "NAME|NAME"] [--candidate NAME:key=value,...]
                                       [--budget SECONDS] [--split-seed 0] [--json FILE]

Runs one training at a time (the machine is shared); pass ``--threads N`` to bound TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from seqgen.corpus import read_corpus  # noqa: E402
from seqgen.data import (DataConfig, StreamWindows, build_vocab, eval_stream_windows, id_stream,  # noqa: E402
                         split_documents)
from seqgen.domains import tokenizer_for  # noqa: E402
from seqgen.ngram import KneserNey  # noqa: E402
from seqgen.tokenizers.lyrics import split_songs  # noqa: E402

DEFAULT_CORPORA = (ROOT / "corpora" / "lyrics_ja", ROOT / "corpora" / "lyrics_ja_historical")
VAL_FRAC, TEST_FRAC = 0.1, 0.2
KN_ORDERS = (2, 3, 4, 5)
WINNER_MIN_COUNT = 2  # the winner is chosen among recipes with this vocabulary (see same_vocabulary)

# The Japanese defaults before this benchmark (api.DOMAIN_DEFAULTS["japanese"] on top of the
# dataclass defaults), kept here so the comparison survives the change of defaults.
BEFORE = {"embedding_dim": 128, "rnn_size": 256, "seq_length": 40, "stride": 5, "batch_size": 16}


def current_defaults() -> dict:
    from seqgen.api import DOMAIN_DEFAULTS

    return dict(DOMAIN_DEFAULTS["japanese"])


# name -> settings (on top of the dataclass defaults; "tokenizer" picks sentencepiece). The rows
# step from the old defaults to the winner one change at a time, then vary the winner one setting
# at a time. NO_OVERLAP: stride = seq_length, batch 32; TUNED: what the winner adds to it.
NO_OVERLAP = {"embedding_dim": 128, "rnn_size": 256, "seq_length": 40, "stride": 0, "batch_size": 32}
TUNED = {**NO_OVERLAP, "min_count": 2, "learning_rate": 0.01, "dropout": 0.5, "embedding_dropout": 0.2,
         "patience": 4}
CANDIDATES: dict[str, dict] = {
    "before: stride 5, batch 16": dict(BEFORE),
    "defaults (api)": {},  # filled from api.DOMAIN_DEFAULTS at run time
    "stride 20 (L/2), batch 32": {**NO_OVERLAP, "stride": 20},
    "no overlap, batch 32": dict(NO_OVERLAP),
    "no overlap, batch 64": {**NO_OVERLAP, "batch_size": 64},
    "no overlap, min_count 2": {**NO_OVERLAP, "min_count": 2},
    "  + lr 0.01": {**NO_OVERLAP, "min_count": 2, "learning_rate": 0.01},
    "  + lr 0.01, dropout 0.2": {**NO_OVERLAP, "min_count": 2, "learning_rate": 0.01, "dropout": 0.2},
    "  + lr 0.01, dropout 0.3": {**NO_OVERLAP, "min_count": 2, "learning_rate": 0.01, "dropout": 0.3},
    "  + lr 0.01, dropout 0.5": {**NO_OVERLAP, "min_count": 2, "learning_rate": 0.01, "dropout": 0.5},
    "  + lr 0.01, dropout 0.5, emb-dropout 0.2, patience 4 (tuned)": dict(TUNED),
    "tuned, no min_count (full vocab)": {**TUNED, "min_count": 1},
    "tuned, min_count 3": {**TUNED, "min_count": 3},
    "tuned, lr 0.003": {**TUNED, "learning_rate": 0.003},
    "tuned, patience 6": {**TUNED, "patience": 6},
    "tuned, emb-dropout 0.1": {**TUNED, "embedding_dropout": 0.1},
    "tuned, stride 20": {**TUNED, "stride": 20},
    "tuned, batch 64": {**TUNED, "batch_size": 64},
    "tuned, rnn 128": {**TUNED, "rnn_size": 128},
    "tuned, rnn 512": {**TUNED, "rnn_size": 512},
    "tuned, embedding 64": {**TUNED, "embedding_dim": 64},
    "tuned, embedding 256": {**TUNED, "embedding_dim": 256},
    "sentencepiece, tuned": {**TUNED, "tokenizer": "sentencepiece"},
}


@dataclass
class Corpus:
    """One corpus under one tokenizer: documents, the fixed split and held-out character counts."""

    path: Path
    tokenizer: str
    documents: list
    split: object
    test_chars: int

    def part(self, name: str) -> list:
        return [self.documents[index] for index in getattr(self.split, name)]


@dataclass
class Row:
    name: str
    tokenizer: str
    vocab: int
    unk: float
    ppl: float
    acc: float
    kn3: float
    kn3_acc: float
    kn_best: float
    kn_best_order: int
    bpc: float
    kn_bpc: float
    seconds: float
    epochs: int
    best_epoch: int
    stopped: str
    settings: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ppl / self.kn_best


def line_chars(text_songs: list) -> list[int]:
    """Characters of each song: its NFKC lines (spaces inside kept) plus one per line end."""
    return [sum(len(line) + 1 for stanza in song for line in stanza) for song in text_songs]


def load_corpus(path: Path, tokenizer_name: str, split_seed: int) -> Corpus:
    tokenizer = tokenizer_for("japanese", tokenizer_name)
    texts = read_corpus(path)
    tokenizer.fit([text for _, text in texts])
    songs = [song for _, text in texts for song in split_songs(text)]
    documents = [document.tokens for _, text in texts for document in tokenizer.tokenize(text)]
    if len(documents) != len(songs) or not all(documents):
        raise SystemExit(f"{path}: songs and documents do not line up")
    split = split_documents(len(documents), VAL_FRAC, TEST_FRAC, split_seed)
    chars = line_chars(songs)
    return Corpus(path, tokenizer_name, documents, split, sum(chars[index] for index in split.test))


# --- Kneser-Ney ------------------------------------------------------------------------------------

def kneser_ney_scores(train: list[np.ndarray], test: list[np.ndarray], order: int, vocab_size: int, start: int):
    """(nats, tokens, correct) of Kneser-Ney on the test documents (``<s> ... </s>`` id arrays)."""
    model = KneserNey(order, vocab_size).fit([document[1:].tolist() for document in train], pad=start)
    nats, tokens, correct = 0.0, 0, 0
    for document in test:
        context = [start] * (order - 1)
        for token in document[1:].tolist():
            p = model.distribution(context)  # the whole vector: exact argmax accuracy
            nats -= math.log(p[token])
            correct += int(p.argmax() == token)
            context.append(token)
            tokens += 1
    return nats, tokens, correct


def split_ids(documents: list, vocab) -> list[np.ndarray]:
    return [np.asarray([vocab.start_id, *vocab.encode(tokens), vocab.end_id], dtype=np.int32) for tokens in documents]


# --- one candidate ----------------------------------------------------------------------------------

def train_candidate(corpus: Corpus, name: str, settings: dict, budget: float, kn_cache: dict, verbose: str) -> Row:
    import seqgen.training as training
    from seqgen.api import split_settings
    from seqgen.bundle import model_weights
    from seqgen.evaluation import lstm_scores
    from seqgen.model import ModelConfig
    from seqgen.numpy_model import NumpyModel
    from seqgen.training import TrainConfig, Windows

    settings = {key: value for key, value in settings.items() if key != "tokenizer"}
    sections = split_settings(settings)
    data_config = DataConfig(**sections["data"])
    train_config = TrainConfig(**sections["training"])
    tokenizer = tokenizer_for("japanese", corpus.tokenizer)
    train_docs = corpus.part("train")
    vocab = build_vocab(train_docs, data_config, keep=tokenizer.structure_tokens)
    model_config = ModelConfig(vocab_size=len(vocab), **sections["model"])
    streams = {part: id_stream(corpus.part(part), vocab) for part in ("train", "val")}
    train_windows = StreamWindows(streams["train"], data_config.seq_length, data_config.window_stride)
    val_windows = eval_stream_windows(streams["val"], data_config.seq_length)
    best: dict = {}

    def on_improved(model, row):
        best.update(weights=model_weights(model), epoch=row["epoch"])

    deadline = time.perf_counter() + budget

    class BudgetReport(training.EpochReport):
        """seqgen's epoch report, plus: stop after the epoch that passes the time budget."""

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            if time.perf_counter() > deadline and not self.stop_reason:
                self.stop_reason = "budget"
                self.model.stop_training = True

    original, training.EpochReport = training.EpochReport, BudgetReport
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            history = training.fit(model_config, train_config, Windows(train_windows, val_windows), Path(scratch),
                                   on_improved, verbose=verbose)
    finally:
        training.EpochReport = original
    seconds = time.perf_counter() - started
    epochs = len(history)
    stopped = ("budget" if time.perf_counter() > deadline and epochs < train_config.epochs
               else "early" if epochs < train_config.epochs else "epochs")

    test = split_ids(corpus.part("test"), vocab)
    model = NumpyModel(best["weights"], model_config.cell, model_config.gate_activation)
    nats, tokens, correct = lstm_scores(model, test)
    key = (corpus.tokenizer, tuple(vocab.tokens))
    if key not in kn_cache:
        train_ids = split_ids(train_docs, vocab)
        kn_cache[key] = {order: kneser_ney_scores(train_ids, test, order, len(vocab), vocab.start_id)
                         for order in KN_ORDERS}
    kn = kn_cache[key]
    best_order = min(KN_ORDERS, key=lambda order: kn[order][0])
    unk = sum(int((document[1:] == vocab.unk_id).sum()) for document in test) / tokens
    bits = 1 / math.log(2) / corpus.test_chars
    return Row(name, corpus.tokenizer, len(vocab), unk, math.exp(nats / tokens), correct / tokens,
               math.exp(kn[3][0] / tokens), kn[3][2] / tokens, math.exp(kn[best_order][0] / tokens), best_order,
               nats * bits, kn[best_order][0] * bits, seconds, epochs, best.get("epoch", 0), stopped,
               {**settings, "tokenizer": corpus.tokenizer})


# --- output -----------------------------------------------------------------------------------------

def table(rows: list[Row], winner: str | None = None) -> str:
    """One corpus's rows; ``*`` marks the winner across corpora, ``+`` the lowest ratio of this corpus
    (word-level rows) where that is another row."""
    words = [row for row in rows if row.tokenizer == "japanese"]
    best_here = min(words, key=lambda row: row.ratio).name if words else None
    width = max(len(row.name) for row in rows) + 2
    head = (f" {'recipe':<{width - 1}} {'tok':>5} {'vocab':>5} {'unk%':>5} {'ppl':>7} {'acc':>5} {'KN3':>7} "
            f"{'acc':>5} {'KN*':>7} {'n':>1} {'ratio':>5} {'bpc':>5} {'KNbpc':>5} {'time':>6} {'ep':>3} "
            f"{'best':>4} stop")
    lines = [head, "-" * len(head)]
    for row in rows:
        mark = "*" if row.name == winner else "+" if row.name == best_here else " "
        lines.append(
            f"{mark}{row.name:<{width - 1}} {'word' if row.tokenizer == 'japanese' else 'piece':>5} {row.vocab:>5} "
            f"{100 * row.unk:>5.2f} {row.ppl:>7.2f} {row.acc:>5.3f} {row.kn3:>7.2f} {row.kn3_acc:>5.3f} "
            f"{row.kn_best:>7.2f} {row.kn_best_order:>1} {row.ratio:>5.3f} {row.bpc:>5.3f} {row.kn_bpc:>5.3f} "
            f"{row.seconds:>5.0f}s {row.epochs:>3} {row.best_epoch:>4} {row.stopped}")
    return "\n".join(lines)


def same_vocabulary(row: Row) -> bool:
    """Word tokens seen at least twice in training (and the 8000 cap): the vocabulary the winner is
    chosen within, since ratios over different vocabularies are not comparable."""
    return (row.tokenizer == "japanese" and row.settings.get("min_count", 1) == WINNER_MIN_COUNT
            and row.settings.get("vocab_size", 8000) == 8000)


def choose_winner(report: dict[str, list[Row]]) -> tuple[str | None, str]:
    """The recipe over word tokens seen at least twice that beats the best Kneser-Ney on every corpus
    and finishes (early stop or all epochs) inside the time budget everywhere, with the lowest mean
    ratio; and a summary of every recipe."""
    names = [row.name for row in next(iter(report.values()))]
    by_corpus = {path: {row.name: row for row in rows} for path, rows in report.items()}
    entries = []
    for name in names:
        rows = [by_corpus[path][name] for path in report if name in by_corpus[path]]
        if len(rows) < len(report):
            continue
        mean = sum(row.ratio for row in rows) / len(rows)
        eligible = all(same_vocabulary(row) and row.ratio < 1 and row.stopped != "budget" for row in rows)
        entries.append((name, rows, mean, eligible))
    winners = sorted((mean, name) for name, _, mean, eligible in entries if eligible)
    winner = winners[0][1] if winners else None
    width = max(len(name) for name in names) + 2
    corpora = [Path(path).name for path in report]
    head = (f" {'recipe':<{width - 1}} " + " ".join(f"{name[:22]:>22}" for name in corpora)
            + f" {'mean':>6} {'slowest':>7}  eligible")
    lines = ["== across corpora. ratio = LSTM ppl / best KN ppl. * winner: the lowest mean ratio among the recipes",
             f"   over word tokens seen at least {WINNER_MIN_COUNT} times (one vocabulary, so ratios compare) that "
             "beat KN on every corpus and finish inside the budget", head, "-" * len(head)]
    for name, rows, mean, eligible in entries:
        lines.append(f"{'*' if name == winner else ' '}{name:<{width - 1}} "
                     + " ".join(f"{row.ratio:>22.3f}" for row in rows)
                     + f" {mean:>6.3f} {max(row.seconds for row in rows):>6.0f}s  {'yes' if eligible else 'no'}")
    return winner, "\n".join(lines)


def shown_path(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else path)


def corpus_header(corpus: Corpus) -> str:
    tokens = {part: sum(len(document) + 2 for document in corpus.part(part)) for part in ("train", "val", "test")}
    return (f"== {shown_path(corpus.path)}: "
            f"{len(corpus.documents)} songs; train {len(corpus.split.train)} songs / {tokens['train']:,} tokens, "
            f"val {len(corpus.split.val)} / {tokens['val']:,}, test {len(corpus.split.test)} / {tokens['test']:,} "
            f"(word tokens, <s> </s> included; {corpus.test_chars:,} test characters)")


def parse_candidate(text: str) -> tuple[str, dict]:
    """``NAME:key=value,key=value`` on top of the tuned recipe (``base=before``, ``base=defaults`` or
    ``base=no-overlap`` first starts from another)."""
    name, _, assignments = text.partition(":")
    settings = dict(TUNED)
    for assignment in filter(None, assignments.split(",")):
        key, _, value = assignment.partition("=")
        if key == "base":
            settings = dict({"before": BEFORE, "defaults": current_defaults(), "no-overlap": NO_OVERLAP}[value])
            continue
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return name, settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=list(DEFAULT_CORPORA))
    parser.add_argument("--only", help="substrings of the built-in candidate names to run, separated by |")
    parser.add_argument("--candidate", action="append", default=[], help="NAME:key=value,... (repeatable)")
    parser.add_argument("--budget", type=float, default=240.0, help="seconds of training per candidate "
                        "(the epoch that passes it is the last; default 240)")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: its default)")
    parser.add_argument("--verbose", choices=("lines", "quiet"), default="quiet")
    parser.add_argument("--json", type=Path, help="also write every row as JSON here")
    parser.add_argument("--from-json", type=Path, help="print the tables of an earlier --json file; train nothing")
    args = parser.parse_args(argv)

    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    candidates = {name: dict(settings) for name, settings in CANDIDATES.items()}
    candidates["defaults (api)"] = current_defaults()
    if args.only is not None:
        wanted = [part.strip() for part in args.only.split("|") if part.strip()]
        candidates = {name: settings for name, settings in candidates.items()
                      if any(part in name for part in wanted)}
    for text in args.candidate:
        name, settings = parse_candidate(text)
        candidates[name] = settings

    if args.from_json:
        report = {path: [Row(**{key: value for key, value in row.items() if key != "ratio"}) for row in rows]
                  for path, rows in json.loads(args.from_json.read_text(encoding="utf-8")).items()}
    else:
        report = run(args, candidates)
    winner, summary = choose_winner(report) if report else (None, "")
    for path, rows in report.items():
        print(f"== {path}")
        print(table(rows, winner))
        print()
    print(summary)
    if args.json:
        args.json.write_text(json.dumps({path: [dict(vars(row), ratio=row.ratio) for row in rows]
                                         for path, rows in report.items()}, ensure_ascii=False, indent=1),
                             encoding="utf-8")


def run(args, candidates: dict) -> dict[str, list[Row]]:
    report = {}
    for path in args.corpora:
        loaded: dict[str, Corpus] = {}
        kn_cache: dict = {}
        rows = []
        for name, settings in candidates.items():
            tokenizer = settings.get("tokenizer", "japanese")
            if tokenizer not in loaded:
                loaded[tokenizer] = load_corpus(path, tokenizer, args.split_seed)
                if tokenizer == "japanese":
                    print(corpus_header(loaded[tokenizer]), flush=True)
            row = train_candidate(loaded[tokenizer], name.strip(), settings, args.budget, kn_cache, args.verbose)
            rows.append(row)
            print(f"   {row.name}: ppl {row.ppl:.2f} (KN3 {row.kn3:.2f}, KN{row.kn_best_order} {row.kn_best:.2f}) "
                  f"acc {row.acc:.3f}, {row.seconds:.0f}s, {row.epochs} epochs (best {row.best_epoch}, "
                  f"{row.stopped})", flush=True)
        print(flush=True)
        report[shown_path(path)] = rows
    return report


if __name__ == "__main__":
    main()
