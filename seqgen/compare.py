"""The cell study: train a plain RNN, a GRU and an LSTM on one corpus with equal budgets and compare
them with each other and with a Kneser-Ney n-gram model on the same held-out tokens.

Equal budgets: every cell is trained by ``api.train`` with the same settings and seed, so the same
documents fall in the same splits, the vocabulary is the same and the batches come in the same order;
only ``cell`` differs. The budget is either the same number of epochs (the default: the same data
seen and the same number of gradient steps, a result that does not depend on how busy the machine
is) or the same wall-clock seconds (``seconds``: the fair question "which cell is best for a given
amount of compute", answered differently on every machine; each cell trains two epochs, timed, then
as many more as its own epoch time leaves room for). Early stopping is off; each cell's figures are
those of its best epoch by validation loss (the model its bundle keeps).

Figures: cross-entropy, perplexity and next-token accuracy on the test split (the validation split
when there is none), computed over whole documents by ``evaluation`` with the NumPy forward pass, over
every token and over content tokens alone (``Scores``: for notes, next-note figures without the bar
lines that the durations already fix); the Kneser-Ney baseline is fitted on the same training split
for each order asked, and the order with the lowest validation perplexity is the one reported. Training speed is the training tokens of one
epoch over the median wall time of the epochs after the first (the first includes XLA's compile;
validation and checkpointing are inside every epoch's time).

Not here: training itself (``api``, ``training``), the metrics' maths (``evaluation``, ``ngram``), and
printing (the CLI; ``table`` gives the text form).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from seqgen.errors import SeqgenError

CELLS = ("rnn", "gru", "lstm")
DEFAULT_ORDERS = (2, 3, 4, 5)
# a held-out test split unless the caller sets one: the best epoch and the n-gram order are chosen
# on validation, so reporting on validation too would flatter both sides
DEFAULT_SPLIT = {"val_frac": 0.1, "test_frac": 0.1}
# epochs a timed budget may give one cell: a bound on a typo's cost
MAX_EPOCHS = 10_000
PROBE_EPOCHS = 2  # the first epoch compiles; the second is the first one timed clean


@dataclass
class Scores:
    """Held-out figures of one model: over every next token, and over the content tokens alone (not
    structure: bar lines, line breaks, ``</s>``, header tokens such as ``<time:4/4>``); for a notes
    corpus the content accuracy is next-note accuracy."""

    cross_entropy: float
    perplexity: float
    accuracy: float | None
    content_perplexity: float
    content_accuracy: float | None

    @classmethod
    def of(cls, nats: np.ndarray, correct: np.ndarray | None, content: np.ndarray) -> "Scores":
        def share(mask):
            return None if correct is None else float(correct[mask].mean())

        every = np.ones(len(nats), dtype=bool)
        return cls(float(nats.mean()), math.exp(nats.mean()), share(every), math.exp(nats[content].mean()),
                   share(content))


@dataclass
class CellResult:
    """One cell's run: its budget as spent, and its best model's held-out figures."""

    cell: str
    epochs: int
    best_epoch: int
    held_out: Scores
    tokens_per_second: float | None
    seconds: float
    parameters: int
    bundle: str | None = None
    val_curve: list[float] = field(default_factory=list)


@dataclass
class Baseline:
    """Kneser-Ney of one order: held-out figures, and the validation perplexity its order is chosen by."""

    order: int
    held_out: Scores
    val_perplexity: float


@dataclass
class Comparison:
    domain: str
    corpus: str
    budget: dict
    evaluated_on: str
    documents: int
    tokens: int
    cells: list[CellResult]
    baseline: Baseline
    baselines: list[Baseline]
    plot: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Comparison":
        """The comparison ``to_dict`` (or ``--format json``) wrote, e.g. to print its table again."""
        def read(kind, row):
            return kind(**{**row, "held_out": Scores(**row["held_out"])})

        rest = {key: value for key, value in data.items() if key not in ("cells", "baseline", "baselines")}
        return cls(cells=[read(CellResult, row) for row in data["cells"]], baseline=read(Baseline, data["baseline"]),
                   baselines=[read(Baseline, row) for row in data["baselines"]], **rest)


def parse_cells(text: str) -> tuple[str, ...]:
    """``"rnn,gru,lstm"`` as a tuple of distinct known cells, in the order given.

    Raises:
        SeqgenError: an empty list, an unknown cell, or a cell named twice.
    """
    cells = tuple(part.strip().lower() for part in str(text).split(","))
    if not any(cells):
        raise SeqgenError(f"--cells needs at least one of {', '.join(CELLS)}")
    for cell in cells:
        if cell not in CELLS:
            raise SeqgenError(f"unknown cell {cell!r} in --cells; use some of {', '.join(CELLS)}, comma-separated")
    if len(set(cells)) != len(cells):
        raise SeqgenError(f"--cells names a cell twice: {text}")
    return cells


def parse_orders(text: str) -> tuple[int, ...]:
    """``"2,3,4,5"`` or ``"2-5"`` as n-gram orders, each checked by ``ngram.check_order``."""
    from seqgen.ngram import check_order

    try:
        if "-" in str(text):
            low, high = (int(part) for part in str(text).split("-"))
            orders = tuple(range(low, high + 1))
        else:
            orders = tuple(int(part) for part in str(text).split(","))
    except ValueError:
        raise SeqgenError(f"--orders must be like 2,3,4 or 2-5, got {text!r}") from None
    if not orders:
        raise SeqgenError(f"--orders names no order: {text!r}")
    return tuple(check_order(order) for order in orders)


def compare(domain: str, corpus: str | Path, cells: tuple[str, ...] = CELLS, *, epochs: int | None = None,
            seconds: float | None = None, orders: tuple[int, ...] = DEFAULT_ORDERS, out: str | Path | None = None,
            force: bool = False, plot: str | Path | None = None, tokenizer: str | None = None,
            encoding: str | None = None, echo: Callable[[str], None] | None = None,
            **settings: Any) -> Comparison:
    """Train each cell with an equal budget and compare them on held-out tokens (see the module docstring).

    Args:
        domain, corpus, tokenizer, encoding: as ``api.train``.
        cells: any of ``rnn``, ``gru``, ``lstm``.
        epochs: the same epochs for every cell (default: the domain's ``epochs``).
        seconds: instead of ``epochs``, the same wall-clock seconds for every cell.
        orders: Kneser-Ney orders tried; the best on validation is reported.
        out: folder that keeps each cell's bundle (``out/lstm``...); default a temporary one, deleted.
        force: replace bundles already in ``out``.
        plot: a PNG file for the validation-loss curves of all cells.
        echo: called with progress lines (which cell, each epoch's line); None is quiet.
        **settings: any other training setting (``rnn_size``, ``dropout``...), the same for every cell.

    Raises:
        SeqgenError: bad arguments, corpus or settings (before any training), or a failed run.
    """
    from seqgen.domains import check_domain

    domain, budget = check_domain(domain), _budget(epochs, seconds)
    if "cell" in settings or "patience" in settings:
        raise SeqgenError("compare sets cell and patience itself (--cells; early stopping is off for equal budgets)")
    settings = {**DEFAULT_SPLIT, **settings, "patience": 0}
    if plot is not None:
        _check_png_path(plot)
    with _bundle_folder(out) as folder, _quiet_retracing():
        results = [_train_cell(domain, corpus, cell, budget, folder, force, tokenizer, encoding, echo, settings)
                   for cell in cells]
        return _summarise(domain, corpus, results, budget, orders, plot, kept=out is not None, echo=echo)


def _budget(epochs: int | None, seconds: float | None) -> dict:
    from seqgen.sampling import real_number, whole_number

    if epochs is not None and seconds is not None:
        raise SeqgenError("give --epochs or --seconds, not both: the budget is one or the other")
    if seconds is not None:
        seconds = real_number(seconds, "--seconds")
        if seconds <= 0:
            raise SeqgenError(f"--seconds must be greater than 0, got {seconds:g}")
        return {"kind": "seconds", "seconds": seconds}
    if epochs is not None:
        return {"kind": "epochs", "epochs": whole_number(epochs, "--epochs", minimum=1, maximum=MAX_EPOCHS)}
    return {"kind": "epochs", "epochs": None}  # the domain's default epochs


def _check_png_path(plot: str | Path) -> None:
    path = Path(plot)
    if path.suffix.lower() != ".png":
        raise SeqgenError(f"--plot writes a PNG picture; give a file name ending in .png, got {path}")
    if not path.parent.is_dir():
        raise SeqgenError(f"{path.parent}: no such folder for --plot")


@contextlib.contextmanager
def _bundle_folder(out: str | Path | None):
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="seqgen-compare-") as folder:
        yield Path(folder)


@contextlib.contextmanager
def _quiet_retracing():
    """Several models trained in one process make TensorFlow warn that its functions are traced
    again; that is expected here (each cell is a new model), so its Python logger is quieted."""
    import seqgen.quiet_tensorflow  # noqa: F401  (before tensorflow: keeps its C++ log lines quiet)
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


class _EpochClock(io.TextIOBase):
    """Stands in for stdout while ``api.train`` prints its one line per epoch: notes when each line
    arrives (the end of that epoch) and passes the lines on to ``echo``."""

    def __init__(self, echo: Callable[[str], None] | None, prefix: str):
        super().__init__()
        self.echo, self.prefix = echo, prefix
        self.times: list[float] = []
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.startswith("epoch "):
                self.times.append(time.perf_counter())
            if self.echo and line.strip():
                self.echo(f"{self.prefix}{line}")
        return len(text)


def _train_cell(domain, corpus, cell, budget, folder: Path, force, tokenizer, encoding, echo, settings) -> dict:
    """Train one cell into ``folder/cell``; returns the bundle and the run's epoch end times."""
    from seqgen.api import train

    if echo:
        echo(f"training {cell}")
    out = folder / cell
    first = PROBE_EPOCHS if budget["kind"] == "seconds" else budget["epochs"]
    run = {**settings, "cell": cell, **({"epochs": first} if first is not None else {})}
    clock = _EpochClock(echo, f"  {cell}: ")
    started = time.perf_counter()
    with contextlib.redirect_stdout(clock):
        generator = train(domain, corpus, out, force=force, tokenizer=tokenizer, encoding=encoding,
                          verbose="lines", **run)
        if budget["kind"] == "seconds":
            generator = _spend_the_rest(domain, corpus, out, clock, started, budget["seconds"], run, generator)
    return {"cell": cell, "generator": generator, "times": [started, *clock.times],
            "seconds": time.perf_counter() - started}


def _spend_the_rest(domain, corpus, out, clock: _EpochClock, started: float, seconds: float, run: dict, generator):
    """Resume a probed run for as many whole epochs as its own clean epoch time fits into the budget left."""
    from seqgen.api import train

    times = [started, *clock.times]
    if len(times) <= PROBE_EPOCHS:
        return generator  # stopped early (it cannot, with patience 0; kept for safety)
    epoch_seconds = times[-1] - times[-2]
    left = seconds - (times[-1] - started)
    extra = min(int(left // epoch_seconds), MAX_EPOCHS - PROBE_EPOCHS) if left > 0 else 0
    if extra <= 0:
        return generator
    return train(domain, corpus, out, resume=True, verbose="lines", **{**run, "epochs": PROBE_EPOCHS + extra})


def _summarise(domain, corpus, results: list[dict], budget: dict, orders, plot, kept: bool, echo) -> Comparison:
    from seqgen.evaluation import documents_of

    bundles = [result["generator"].bundle for result in results]
    _require_same_splits(bundles)
    first = bundles[0]
    held_out = documents_of(first, None)
    evaluated_on = "test" if len(first.splits().get("test", [])) else "validation"
    if echo:
        echo(f"evaluating on the {evaluated_on} split ({len(held_out)} documents)")
    content = _content_ids(first)
    cells = [_cell_result(result, bundle, held_out, content, kept) for result, bundle in zip(results, bundles)]
    baselines = _baselines(first, held_out, content, orders)
    best = min(baselines, key=lambda baseline: baseline.val_perplexity)
    comparison = Comparison(domain, Path(corpus).name, budget, evaluated_on, len(held_out),
                            int(sum(len(document) - 1 for document in held_out)), cells, best, baselines)
    if plot is not None:
        plot_curves(comparison, plot)
        comparison.plot = str(plot)
    return comparison


def _require_same_splits(bundles) -> None:
    """Equal budgets need equal data: every cell's bundle must hold the very same id streams."""
    reference = bundles[0].splits()
    for bundle in bundles[1:]:
        other = bundle.splits()
        if any(not np.array_equal(reference[name], other[name]) for name in reference):
            raise SeqgenError(f"{bundle.path} was trained on other data than {bundles[0].path}; "
                              "the comparison would not be fair")


def _content_ids(bundle) -> np.ndarray:
    """A mask over the vocabulary: True for content tokens, False for the tokenizer's structure
    tokens, the specials other than ``<unk>`` and markup tokens written ``<...>`` (headers)."""
    from seqgen.vocab import UNK

    structure = set(bundle.tokenizer.structure_tokens)
    return np.array([token == UNK or not (token in structure or (token.startswith("<") and token.endswith(">")))
                     for token in bundle.vocab.tokens])


def _cell_result(result: dict, bundle, held_out, content: np.ndarray, kept: bool) -> CellResult:
    from seqgen.api import read_history
    from seqgen.bundle import HISTORY_CSV
    from seqgen.evaluation import lstm_token_scores
    from seqgen.model_config import ModelConfig, parameter_count
    from seqgen.numpy_model import from_bundle

    targets, nats, correct = lstm_token_scores(from_bundle(bundle), held_out)
    history = read_history(bundle.path / HISTORY_CSV)
    best = bundle.config.get("best") or {}
    model = ModelConfig.from_dict(bundle.config["model"])
    return CellResult(cell=result["cell"], epochs=len(history), best_epoch=int(best.get("epoch", len(history))),
                      held_out=Scores.of(nats, correct, content[targets]),
                      tokens_per_second=_tokens_per_second(bundle, result["times"]),
                      seconds=result["seconds"], parameters=parameter_count(model),
                      bundle=str(bundle.path) if kept else None, val_curve=[row["val_loss"] for row in history])


def _tokens_per_second(bundle, times: list[float]) -> float | None:
    """Training tokens of one epoch over the median time of the epochs after the first (None after one epoch)."""
    from seqgen.data import StreamWindows
    from seqgen.feed import EpochOrder

    durations = [end - begin for begin, end in zip(times[1:], times[2:])]
    if not durations:
        return None
    data, training = bundle.config["data"], bundle.config["training"]
    stride = data.get("stride") or data["seq_length"]
    windows = StreamWindows(bundle.splits()["train"], data["seq_length"], stride)
    order = EpochOrder(windows.count, training["batch_size"], training["seed"])
    return order.steps * order.batch_size * data["seq_length"] / statistics.median(durations)


def _baselines(bundle, held_out, content: np.ndarray, orders) -> list[Baseline]:
    """Kneser-Ney of each order, fitted on the training split (as ``evaluate`` fits it: at most
    ``evaluation.BASELINE_TOKENS``), scored on validation and on ``held_out``."""
    from seqgen.evaluation import baseline_training, ngram_scores, ngram_token_scores, split_stream
    from seqgen.ngram import KneserNey

    start, size = bundle.vocab.start_id, len(bundle.vocab)
    splits = bundle.splits()
    training, _ = baseline_training(splits["train"], start)
    validation = split_stream(splits["val"], start) if len(splits["val"]) else held_out
    found = []
    for order in orders:
        model = KneserNey(order, size).fit(training, pad=start)
        val_nats, val_tokens, _ = ngram_scores(model, validation, size, start, with_accuracy=False)
        targets, nats, correct = ngram_token_scores(model, held_out, size, start)
        found.append(Baseline(order, Scores.of(nats, correct, content[targets]), math.exp(val_nats / val_tokens)))
    return found


def table(comparison: Comparison) -> str:
    """The comparison as a plain-text table, one row per cell and one for the n-gram baseline."""
    budget = comparison.budget
    spent = f"{budget['seconds']:g} s each" if budget["kind"] == "seconds" else "the same epochs"
    lines = [f"{comparison.domain} corpus {comparison.corpus}: {comparison.evaluated_on} split, "
             f"{comparison.documents} documents, {comparison.tokens} tokens; budget: {spent}",
             f"{'model':<20} {'epochs':>6} {'best':>4} {'loss':>7} {'ppl':>8} {'acc':>7} {'content ppl':>11} "
             f"{'content acc':>11} {'tokens/s':>9} {'params':>9}"]
    for row in comparison.cells:
        speed = "n/a" if row.tokens_per_second is None else f"{row.tokens_per_second:,.0f}"
        lines.append(f"{row.cell:<20} {row.epochs:>6} {row.best_epoch:>4} {_scores(row.held_out)} {speed:>9} "
                     f"{row.parameters:>9,}")
    base = comparison.baseline
    lines.append(f"{'Kneser-Ney, order ' + str(base.order):<20} {'':>6} {'':>4} {_scores(base.held_out)}")
    lines.append("loss: cross-entropy (nats/token) over whole held-out documents; content: tokens other than "
                 "structure (bars, line breaks, </s>, headers); best epoch and n-gram order chosen on validation")
    return "\n".join(lines)


def _scores(scores: Scores) -> str:
    def share(value):
        return "n/a" if value is None else f"{value:.2%}"

    return (f"{scores.cross_entropy:>7.4f} {scores.perplexity:>8.3f} {share(scores.accuracy):>7} "
            f"{scores.content_perplexity:>11.3f} {share(scores.content_accuracy):>11}")


def to_json(comparison: Comparison) -> str:
    return json.dumps(comparison.to_dict(), indent=2)


def plot_curves(comparison: Comparison, path: str | Path) -> None:
    """One PNG: each cell's validation loss per epoch, and the n-gram baseline as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to a file
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from seqgen.bundle import atomic_write

    figure, axis = plt.subplots(figsize=(6.5, 4))
    for row in comparison.cells:
        axis.plot(range(1, len(row.val_curve) + 1), row.val_curve, marker=".", label=row.cell)
    base = comparison.baseline
    axis.axhline(math.log(base.val_perplexity), color="grey", linestyle="--",
                 label=f"Kneser-Ney order {base.order} (validation)")
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # epochs are whole
    axis.set(title=f"validation loss: {comparison.corpus}", xlabel="epoch", ylabel="cross-entropy (nats/token)")
    axis.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    atomic_write(Path(path), buffer.getvalue())
