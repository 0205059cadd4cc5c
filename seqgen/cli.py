"""The ``seqgen`` command line: thin typer commands that check arguments and call one library function.

Library modules are imported inside the commands, so ``seqgen --help`` never loads TensorFlow.
Every user-caused failure is one line on stderr, ``seqgen: error: <message>``, and exit code 2, with
no traceback: a ``SeqgenError``, a bad command line (typer's usage errors), a filesystem error that
escapes a command, running out of memory, and a stdout that cannot be written (a closed pipe, as
in ``| head``, ends the command quietly instead, as Unix tools do).
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
import typer.core

from seqgen.errors import SeqgenError

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)

# The exception typer raises for a bad command line. Typer's public BadParameter derives from it,
# whichever click typer runs on (its own vendored copy, or the click package in older releases).
UsageError = typer.BadParameter.__base__
ClickException = UsageError.__base__


class OutputError(SeqgenError):
    """Writing the command's output to stdout failed."""

    def __init__(self, error: OSError):
        super().__init__(f"cannot write output: {error.strerror or error}")
        self.broken_pipe = isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE


class OneLineErrors(typer.core.TyperGroup):
    """The app's command group: typer's boxed usage errors become the one-line ``seqgen: error:``.

    Click handles its own errors only in "standalone mode"; this runs it without, formats what it
    raises, and then exits as standalone mode would. ``--help`` still prints help and exits 0.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as error:
            if not standalone_mode:
                raise
            # a bare `seqgen` has already printed the help (typer checks this class by name too)
            if type(error).__name__ != "NoArgsIsHelpError":
                _print_error(usage_message(error))
            sys.exit(error.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            _print_error("aborted")
            sys.exit(EXIT_PROBLEMS)
        except OSError as error:  # writing the help failed (commands catch their own, see user_errors)
            if not standalone_mode:
                raise
            _quiet_stdout()
            if error.errno == errno.EPIPE:
                sys.exit(EXIT_BROKEN_PIPE)
            _print_error(os_error_message(error) if error.filename else str(OutputError(error)))
            sys.exit(EXIT_USAGE)
        if not standalone_mode:
            return code
        _flush_stdout()
        sys.exit(code if isinstance(code, int) else 0)


def usage_message(error) -> str:
    """A click/typer error as one line: its message, then where the help is."""
    message = " ".join(error.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:] if message[1:2].islower() else message
    context = getattr(error, "ctx", None)
    if context is None:
        return message
    return f"{message}; see '{context.command_path} --help'"


app = typer.Typer(
    cls=OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Learn token sequences and generate tabla compositions and Japanese lyrics.",
)


def _print_error(message: str) -> None:
    try:
        typer.echo(f"seqgen: error: {message}", err=True)
    except OSError:
        pass  # stderr is gone too: the exit code is all that is left to say it


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """Print a one-line error and exit (code 2 unless the error names another)."""
    _print_error(message)
    raise typer.Exit(code)


def emit(text: str = "", nl: bool = True) -> None:
    """Print a command's output on stdout; a stdout that cannot be written raises ``OutputError``."""
    try:
        typer.echo(text, nl=nl)
    except OSError as error:
        raise OutputError(error) from None


def user_errors(command):
    """Turn every failure a user can cause into a one-line message and exit code 2 (see above)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OutputError as error:
            if error.broken_pipe:
                _quiet_stdout()
                raise typer.Exit(EXIT_BROKEN_PIPE) from None
            fail(str(error))
        except SeqgenError as error:
            fail(str(error), getattr(error, "exit_code", EXIT_USAGE))
        except BrokenPipeError:  # output written outside `emit`, e.g. training progress
            _quiet_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except OSError as error:  # the safety net: a filesystem error no check foresaw
            fail(os_error_message(error))
        except MemoryError:
            fail("out of memory: the input or the settings need more memory than this machine has")

    return wrapper


def os_error_message(error: OSError) -> str:
    """``path: reason`` for an ``OSError``, with both paths of a failed rename or link."""
    from seqgen.corpus import shown

    reason = error.strerror or str(error) or type(error).__name__
    if error.filename is None:
        return reason[:1].lower() + reason[1:]
    paths = shown(os.fsdecode(error.filename))
    if error.filename2 is not None:
        paths += f" -> {shown(os.fsdecode(error.filename2))}"
    return f"{paths}: {reason[:1].lower() + reason[1:]}"


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the exit flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real descriptor (an in-process test runner): nothing to quiet
        pass


def _flush_stdout() -> None:
    """Flush what is still buffered, so a failure shows here and not in an 'Exception ignored'."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except OSError as error:
        _print_error(str(OutputError(error)))
        _quiet_stdout()
        sys.exit(EXIT_USAGE)
    except ValueError:  # stdout already closed
        pass


def check_encoding_option(value: Optional[str]) -> Optional[str]:
    """--encoding: a text encoding Python knows (``rot13`` and ``base64`` are codecs, not encodings)."""
    from seqgen.corpus import CorpusError, check_encoding

    if value is not None:
        try:
            check_encoding(value)
        except CorpusError as error:
            raise typer.BadParameter(str(error)) from None
    return value


def with_default(text: str, default: Optional[str]) -> str:
    """Help text ending in ``[default: ...]``, as typer shows its own defaults. Escaped where typer
    reads help as Rich markup: there an unescaped ``[...]`` is taken for a style tag and vanishes."""
    if default is None:
        return text
    note = f"[default: {default}]"
    return f"{text} \\{note}" if app.rich_markup_mode == "rich" else f"{text} {note}"


def setting(name: str, text: str):
    """A ``train`` option for the training setting ``name``: unset (None) means the domain's default,
    which the help shows as read from the settings' source (see ``help_defaults``)."""
    from seqgen.help_defaults import default_text

    return typer.Option(None, help=with_default(text, default_text(name)))


@app.command()
@user_errors
def taals() -> None:
    """Print the table of taal definitions: matras, vibhags, marks and theka."""
    from seqgen.taals import TAALS

    emit(f"{'taal':<11} {'matras':>6}  {'vibhags':<12} {'marks':<12} theka")
    for taal in TAALS.values():
        vibhags = "+".join(str(size) for size in taal.vibhags)
        marks = " ".join(taal.marks)
        emit(f"{taal.name:<11} {taal.matras:>6}  {vibhags:<12} {marks:<12} {taal.theka}")


# --lexicon: a file of tabla syllables beyond the built-in ones, for every command that reads notation.
LexiconFile = Annotated[Optional[Path], typer.Option(
    "--lexicon", help="File of extra tabla syllables, one a line: NAME[:bass|both|closed[:KHALI]] [= SPELLING ...].")]


@app.command()
@user_errors
def check(
    file: Path = typer.Argument(..., help="Tabla notation file to validate."),
    taal: Optional[str] = typer.Option(None, help="Taal for every composition (default: each one's header)."),
    lexicon: LexiconFile = None,
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of FILE.", "UTF-8"),
                                            callback=check_encoding_option),
    strict: bool = typer.Option(False, "--strict", help="Count warnings (khali-rule findings) as problems."),
) -> None:
    """Validate every composition: cycles fit the taal (pickup starts and sam landings included),
    bars in place; kaida/rela khali quarters that keep their bass are warnings.

    Exit code 0 when all are valid (warnings are printed), 1 when some are not (one problem per
    line; warnings count with --strict), 2 for unusable input.
    """
    from seqgen.checking import check_text
    from seqgen.corpus import read_text
    from seqgen.taals import get_taal

    if taal is not None:
        get_taal(taal)
    syllables = _lexicon(lexicon)
    report = check_text(read_text(file, encoding), str(file), taal, syllables, strict)
    for line in report.problems + report.warnings + report.notes:
        emit(line)
    typer.echo(report.summary(), err=True)
    if report.problems:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("format")
@user_errors
def format_(
    file: Path = typer.Argument(..., help="Tabla notation file."),
    lexicon: LexiconFile = None,
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of FILE.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Print every composition in canonical line notation (headers kept, one cycle per line)."""
    from seqgen.corpus import read_text
    from seqgen.tokenizers.tabla_notation import format_compositions, parse

    syllables = _lexicon(lexicon)
    emit(format_compositions(parse(read_text(file, encoding), str(file), syllables)), nl=False)


@app.command()
@user_errors
def tokenize(
    domain: str = typer.Argument(..., help="tabla, japanese or text."),
    corpus: Path = typer.Argument(..., help="Corpus file or folder."),
    stats: bool = typer.Option(False, "--stats", help="Print vocabulary and coverage statistics instead."),
    tokenizer: Optional[str] = typer.Option(None, help="tabla, japanese or sentencepiece, words or chars (default: the domain's)."),
    vocab_size: int = typer.Option(8000, help="Vocabulary size used for --stats coverage."),
    lexicon: LexiconFile = None,
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of the corpus.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Print the tokens of every document (one document per line), or statistics with --stats."""
    from seqgen.domains import load_documents, tokenizer_for
    from seqgen.vocab import Vocab

    if vocab_size < 5:
        raise SeqgenError(f"--vocab-size must be at least 5, got {vocab_size}")
    chosen = tokenizer_for(domain, tokenizer, lexicon=lexicon)
    documents = load_documents(chosen, corpus, encoding)
    if not stats:
        for document in documents:
            emit(" ".join(document.tokens))
        return
    streams = [document.tokens for document in documents]
    vocab = Vocab.build(streams, vocab_size, keep=chosen.structure_tokens)
    coverage = vocab.coverage(streams)
    emit(f"documents        {len(documents)}")
    emit(f"tokens           {coverage.tokens}")
    emit(f"distinct tokens  {coverage.distinct}")
    emit(f"vocabulary       {len(vocab)} (limit {vocab_size})")
    emit(f"unknown tokens   {coverage.unknown} ({coverage.unknown_rate:.2%} of the corpus, "
               f"{coverage.distinct_unknown} distinct)")


@app.command()
@user_errors
def train(
    domain: str = typer.Argument(..., help="tabla, japanese, text or notes."),
    corpus: Path = typer.Argument(..., help="Corpus file or folder of .txt files (notes: .mid/.midi files too)."),
    out: Optional[Path] = typer.Option(None, help=with_default("Bundle folder.", "models/DOMAIN")),
    epochs: Optional[int] = setting("epochs", "Passes over the training windows."),
    batch_size: Optional[int] = setting("batch_size", "Windows per gradient step."),
    seq_length: Optional[int] = setting("seq_length", "Tokens per training window (BPTT length)."),
    stride: Optional[int] = setting("stride", "Tokens between window starts; 0 means seq-length (no overlap)."),
    rnn_size: Optional[int] = setting("rnn_size", "Units per recurrent layer."),
    embedding_dim: Optional[int] = setting("embedding_dim", "Embedding width."),
    layers: Optional[int] = setting("layers", "Recurrent layers."),
    cell: Optional[str] = setting("cell", "lstm, gru or rnn."),
    gate_activation: Optional[str] = setting("gate_activation", "hard_sigmoid or sigmoid."),
    dropout: Optional[float] = setting("dropout", "Dropout between layers."),
    embedding_dropout: Optional[float] = setting("embedding_dropout", "Dropout on the embedding outputs."),
    optimizer: Optional[str] = setting("optimizer", "adam or rmsprop."),
    learning_rate: Optional[float] = setting("learning_rate", "Initial learning rate."),
    lr_decay: Optional[float] = setting("lr_decay", "Learning-rate factor per epoch."),
    grad_clip: Optional[float] = setting("grad_clip", "Global gradient-norm clip, 0 disables."),
    patience: Optional[int] = setting("patience", "Early stop after this many epochs without improvement."),
    keep_checkpoints: Optional[int] = setting("keep_checkpoints", "Checkpoint files kept."),
    vocab_size: Optional[int] = setting("vocab_size", "Vocabulary size, specials included."),
    min_count: Optional[int] = setting("min_count", "Keep only tokens seen this often in training; rarer ones become <unk>."),
    stream: Optional[str] = setting("stream", "on: tokenize the corpus once into token shards on disk and train "
                                    "from them (corpora larger than memory); off; auto: on from 50 MB of text."),
    tokenizer: Optional[str] = typer.Option(None, help=with_default(
        "Tokenizer: tabla for tabla; japanese or sentencepiece for japanese; words or chars for text.",
        "the domain's")),
    lexicon: LexiconFile = None,
    val_frac: Optional[float] = setting("val_frac", "Share of documents for validation."),
    test_frac: Optional[float] = setting("test_frac", "Share of documents for a final test."),
    seed: Optional[int] = setting("seed", "Random seed."),
    strategy: Optional[str] = setting("strategy", "tf.distribute strategy: mirrored (all local devices) or "
                                      "multi-worker (the machines in TF_CONFIG; run the same command on each)."),
    precision: Optional[str] = setting("precision", "float32, or mixed: float16 maths with float32 weights and "
                                       "softmax (fast on GPUs, slow on CPUs)."),
    softmax: Optional[str] = setting("softmax", "Training loss: full, or sampled (after 300 full steps, about 1k "
                                     "candidate tokens a step instead of the whole vocabulary; validation, perplexity "
                                     "and sampling stay full)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the bundle in --out from its last checkpoint."),
    force: bool = typer.Option(False, "--force", help="Replace an existing bundle in --out."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of the corpus.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Train a model on CORPUS and write a bundle; prints the validation perplexity and the bundle path."""
    settings = {key: value for key, value in locals().items()
                if value is not None and key not in _TRAIN_ARGUMENTS}
    from seqgen.api import train as train_model

    verbose = "quiet" if quiet else ("bar" if sys.stdout.isatty() else "lines")
    generator = train_model(domain, corpus, out, resume=resume, force=force, tokenizer=tokenizer,
                            encoding=encoding, verbose=verbose, lexicon=lexicon, **settings)
    if generator is None:  # a multi-worker run's other workers: the chief writes the bundle
        emit("this worker's part is done; the chief wrote the bundle")
        return
    best = generator.bundle.config.get("best") or {}
    if best:
        emit(f"validation perplexity {best['val_perplexity']:.3f} (epoch {best['epoch']})")
    emit(f"bundle: {generator.path}")


_TRAIN_ARGUMENTS = {"domain", "corpus", "out", "tokenizer", "resume", "force", "quiet", "encoding", "lexicon"}


def _lexicon(path: Optional[Path]):
    """The bol lexicon with --lexicon's syllables added (None: the built-in one)."""
    if path is None:
        return None
    from seqgen.tokenizers.bols import load_lexicon

    return load_lexicon(path)


@app.command()
@user_errors
def evaluate(
    model: Path = typer.Argument(..., help="Model bundle folder."),
    file: Optional[Path] = typer.Argument(None, help=with_default("Text to score.", "the bundle's held-out documents")),
    format: str = typer.Option("text", "--format", help="text or json."),
    order: int = typer.Option(3, help="Order of the Kneser-Ney baseline, 1 to 10."),
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of FILE.", "UTF-8"),
                                            callback=check_encoding_option),
    samples: Optional[int] = typer.Option(None, "--samples", help=with_default(
        "Pieces generated per setting for the generation measures (1 to 1000).",
        "lyrics 10 songs free and per meter; tabla 20, and 5 per taal and form")),
) -> None:
    """Cross-entropy, perplexity and next-token accuracy of a bundle, beside a Kneser-Ney n-gram baseline;
    and measures of generated pieces: taal structure and forms (tabla), or stanza shape, meter, novelty
    and a grammar proxy (lyrics)."""
    import json

    from seqgen.api import load
    from seqgen.evaluation import check_samples
    from seqgen.ngram import check_order

    if format not in ("text", "json"):
        raise SeqgenError(f"unknown --format {format!r}; use text or json")
    check_order(order)  # before loading the bundle: options are checked first
    check_samples(samples)
    result = load(model).evaluate(file, order=order, encoding=encoding, samples=samples)
    if format == "json":
        emit(json.dumps(result, indent=2, ensure_ascii=False))  # lyric lines readable as written
        return
    baseline = result["baseline"]
    base_accuracy = "n/a" if baseline["accuracy"] is None else f"{baseline['accuracy']:.3f}"
    emit(f"tokens           {result['tokens']}")
    emit(f"cross-entropy    {result['cross_entropy_nats']:.4f} nats/token "
               f"({result['bits_per_token']:.4f} bits/token)")
    emit(f"perplexity       {result['perplexity']:.3f}   (baseline {baseline['perplexity']:.3f})")
    emit(f"accuracy         {result['accuracy']:.3f}   (baseline {base_accuracy})")
    emit(f"baseline         {baseline['name']}")
    if "structure" in result:
        structure = result["structure"]
        emit(f"valid in taal    free: {structure['unconstrained_valid']:.0%} of {structure['samples']} samples "
                   f"({structure['unconstrained_cycles_valid']:.0%} of their cycles); "
                   f"with the {structure['taal']} constraint: {structure['constrained_valid']:.0%}")
    if "forms" in result:
        forms = result["forms"]
        emit(f"forms            per taal, {forms['samples_per_taal']} samples each: tihais landing on sam / kaidas "
             f"with mirrored khali quarters")
        for taal, shares in forms["per_taal"].items():
            emit(f"  {taal:<12} {shares['tihai_on_sam']:.0%} / {shares['kaida_mirrored']:.0%}")
        novelty = forms["novelty"]
        emit(f"novelty          {novelty['copied_from_corpus']:.1%} of {novelty['cycles']} generated cycles are "
             f"copied whole from the training compositions")
    if "lyrics" in result:
        from seqgen.lyrics_quality import summary_lines

        for line in summary_lines(result["lyrics"]):
            emit(line)


@app.command()
@user_errors
def compare(
    corpus: Path = typer.Argument(..., help="Corpus file or folder of .txt files."),
    domain: str = typer.Option("text", help="tabla, japanese or text."),
    cells: str = typer.Option("rnn,gru,lstm", help="Cells to compare, comma-separated: rnn, gru, lstm."),
    epochs: Optional[int] = typer.Option(None, help=with_default(
        "Budget: the same epochs for every cell (early stopping off).", "the domain's epochs")),
    seconds: Optional[float] = typer.Option(None, help="Budget instead of --epochs: the same wall-clock seconds "
                                                       "for every cell (as many whole epochs as fit)."),
    orders: str = typer.Option("2-5", help="Kneser-Ney orders tried (2,3,4 or 2-5); the best on validation is shown."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="PNG file for the validation curves of all cells."),
    format: str = typer.Option("text", "--format", help="text (a table) or json."),
    out: Optional[Path] = typer.Option(None, help="Folder that keeps each cell's bundle (OUT/lstm...); "
                                                  "default: a temporary one, deleted."),
    force: bool = typer.Option(False, "--force", help="Replace bundles already in --out."),
    batch_size: Optional[int] = setting("batch_size", "Windows per gradient step."),
    seq_length: Optional[int] = setting("seq_length", "Tokens per training window (BPTT length)."),
    rnn_size: Optional[int] = setting("rnn_size", "Units per recurrent layer."),
    embedding_dim: Optional[int] = setting("embedding_dim", "Embedding width."),
    layers: Optional[int] = setting("layers", "Recurrent layers."),
    dropout: Optional[float] = setting("dropout", "Dropout between layers."),
    embedding_dropout: Optional[float] = setting("embedding_dropout", "Dropout on the embedding outputs."),
    learning_rate: Optional[float] = setting("learning_rate", "Initial learning rate."),
    lr_decay: Optional[float] = setting("lr_decay", "Learning-rate factor per epoch."),
    min_count: Optional[int] = setting("min_count", "Keep only tokens seen this often in training."),
    val_frac: Optional[float] = typer.Option(None, help=with_default("Share of documents for validation.", "0.1")),
    test_frac: Optional[float] = typer.Option(None, help=with_default("Share of documents for the test.", "0.1")),
    seed: Optional[int] = setting("seed", "Random seed (the same for every cell)."),
    tokenizer: Optional[str] = typer.Option(None, help=with_default("Tokenizer, as for train.", "the domain's")),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output on stderr."),
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of the corpus.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Train each cell on CORPUS with an equal budget (same split, vocabulary, batches and epochs or
    seconds) and print held-out loss, perplexity, next-token accuracy and training tokens/s beside a
    Kneser-Ney baseline; --plot draws the validation curves of all cells."""
    from seqgen.compare import compare as run, parse_cells, parse_orders, table, to_json

    settings = {key: value for key, value in locals().items()
                if value is not None and key in _COMPARE_SETTINGS}
    if format not in ("text", "json"):
        raise SeqgenError(f"unknown --format {format!r}; use text or json")
    chosen, wanted = parse_cells(cells), parse_orders(orders)
    echo = None if quiet else (lambda line: typer.echo(line, err=True))
    result = run(domain, corpus, chosen, epochs=epochs, seconds=seconds, orders=wanted, out=out, force=force,
                 plot=plot, tokenizer=tokenizer, encoding=encoding, echo=echo, **settings)
    emit(to_json(result) if format == "json" else table(result))
    if plot is not None and not quiet:
        typer.echo(f"seqgen: wrote {plot}", err=True)


_COMPARE_SETTINGS = {"batch_size", "seq_length", "rnn_size", "embedding_dim", "layers", "dropout", "embedding_dropout",
                     "learning_rate", "lr_decay", "min_count", "val_frac", "test_frac", "seed"}


# Sampling options shared by `sample` and `lyrics`, declared once.
Temperature = Annotated[float, typer.Option(help="Sampling temperature (> 0).")]
TopK = Annotated[int, typer.Option(help="Sample from the k likeliest tokens (0: all).")]
TopP = Annotated[float, typer.Option(help="Nucleus sampling mass in (0, 1].")]
Greedy = Annotated[bool, typer.Option("--greedy", help="Always take the likeliest token.")]
Beam = Annotated[int, typer.Option(help="Beam search width (0: sample).")]
Seed = Annotated[Optional[int], typer.Option(help="Random seed for reproducible output.")]


def _resolve_model(model: Optional[Path], domain: str) -> Path:
    """--model, else models/DOMAIN when it holds a bundle, else the small bundle shipped in the package;
    says on stderr which one is used."""
    from seqgen.pretrained import pretrained_path

    if model is not None:
        return model
    local = Path("models") / domain
    if (local / "config.json").exists():
        typer.echo(f"seqgen: using the model in {local}", err=True)
        return local
    shipped = pretrained_path(domain)
    typer.echo(f"seqgen: no {local} here; using the small pretrained {domain} model shipped with seqgen", err=True)
    return shipped


def _sampling(temperature, top_k, top_p, greedy, beam, seed) -> dict:
    from seqgen.sampling import SamplingConfig

    SamplingConfig(temperature=temperature, top_k=top_k, top_p=top_p, greedy=greedy, beam=beam, seed=seed)
    return dict(temperature=temperature, top_k=top_k, top_p=top_p, greedy=greedy, beam=beam, seed=seed)


def _check_format(format: Optional[str], allowed: tuple[str, ...]) -> str:
    if format is None:
        return allowed[0] if sys.stdout.isatty() else allowed[1]
    if format not in allowed:
        raise SeqgenError(f"unknown --format {format!r}; use one of {', '.join(allowed)}")
    return format


def _warnings_to_stderr() -> None:
    import warnings

    warnings.showwarning = lambda message, *args, **kwargs: typer.echo(f"seqgen: warning: {message}", err=True)


# Sound options shared by `play` and `sample`, declared once.
WavOut = Annotated[Optional[Path], typer.Option(
    "--wav", help="Write the audio to this WAV file.")]
MidiOut = Annotated[Optional[Path], typer.Option(
    "--midi", help="Write a MIDI file (dayan and bayan tracks, tempo set).")]
Bpm = Annotated[Optional[float], typer.Option(
    "--bpm", help="Tempo in matras a minute (10 to 600).")]
Laya = Annotated[Optional[str], typer.Option(
    "--laya", help=with_default("Named tempo: vilambit (45), madhya (90) or drut (180 matras a minute).",
                                "madhya unless --bpm"))]
Sa = Annotated[str, typer.Option("--sa", help="Tonic the dayan is tuned to: C, C#, Db ... B, with an octave "
                                              "3-5 if wanted (A3).")]
Loop = Annotated[int, typer.Option("--loop", help="Times to play each composition (1-100).")]
Click = Annotated[bool, typer.Option("--click", help="A click on sam and a softer one on the khali mark.")]
Theka = Annotated[bool, typer.Option("--theka", help="The taal's theka underneath, softer.")]
PICTURES = ("svg", "png")


@app.command()
@user_errors
def sample(
    taal: str = typer.Option("teentaal", help="Taal of the compositions (see `seqgen taals`)."),
    model: Optional[Path] = typer.Option(None, help=with_default("Bundle.", "models/tabla, else the shipped model")),
    cycles: Optional[int] = typer.Option(None, help=with_default("Cycles per composition.",
                                                                  "what the form needs, else 4")),
    n: int = typer.Option(1, "--n", help="Number of compositions."),
    form: Optional[str] = typer.Option(None, help="tihai, tukda, chakradar, kaida, rela and prakar are built by "
                                                  "their grammar; theka, peshkar... are sampled in taal."),
    paltas: int = typer.Option(0, help="Kaida or rela: variations of the theme before the closing tihai."),
    phrase: Optional[int] = typer.Option(None, help="Tihai or tukda: strokes in the phrase played three times."),
    gap: Optional[int] = typer.Option(None, help="Tihai or tukda: rests between the phrases (0: bedam)."),
    khali: Optional[str] = typer.Option(None, help=with_default("Khali rule: hard, soft or off.", "by form")),
    layakari: Optional[int] = typer.Option(None, help=with_default("Strokes per matra, 1-16.", "any, uniform")),
    start: Optional[int] = typer.Option(None, help=with_default(
        "Matra the piece begins on; after sam it is a pickup that lands on sam.", "1, or where a tihai must")),
    theme_cycles: int = typer.Option(1, help="Cycles in a kaida's or rela's theme (its third quarter is khali)."),
    bars: Optional[int] = typer.Option(None, help=with_default("Notes models: bars per melody.", "8")),
    time: Optional[str] = typer.Option(None, "--time", help=with_default(
        "Notes models: the meter, e.g. 3/4; every bar is filled to it.", "the prime's, else the corpus's")),
    temperature: Temperature = 1.0,
    top_k: TopK = 0,
    top_p: TopP = 1.0,
    greedy: Greedy = False,
    beam: Beam = 0,
    seed: Seed = None,
    prime: Optional[str] = typer.Option(None, help="Tabla notation to start from, e.g. 'Dha Dhin Dhin Dha |'; "
                                                   "for a text model, text to continue."),
    allow_unknown: bool = typer.Option(False, "--allow-unknown", help="Read unknown prime bols as <unk>."),
    length: int = typer.Option(200, help="Text models: the most words (or characters) per text."),
    format: Optional[str] = typer.Option(None, "--format", help=with_default(
        "grid, text, json, or a picture of the grid: svg or png (written to --out).", "grid on a terminal, else text")),
    out: Optional[Path] = typer.Option(None, "--out", help="File for --format svg or png (svg alone goes to stdout)."),
    wav: WavOut = None,
    midi: MidiOut = None,
    bpm: Bpm = None,
    laya: Laya = None,
    sa: Sa = "C#",
    loop: Loop = 1,
    click: Click = False,
    theka: Theka = False,
) -> None:
    """Generate tabla compositions whose every cycle fits the taal; --wav and --midi also write them
    as sound (numbered -1, -2... when --n is more than 1). With --model of a text model, print --n texts
    (a blank line between them)."""
    import json

    from seqgen.api import load
    from seqgen.render import grid
    from seqgen.taals import get_taal

    record = get_taal(taal)
    chosen = _check_format(format, ("grid", "text", "json", "svg", "png"))
    _check_picture_out(chosen, out)
    sound = _sound_settings(bpm, laya, sa, loop, click, theka) if wav or midi else None
    settings = _sampling(temperature, top_k, top_p, greedy, beam, seed)
    _warnings_to_stderr()
    generator = load(_resolve_model(model, "tabla"))
    if generator.domain == "text":
        return _sample_texts(generator, n, length, prime, allow_unknown, settings, chosen, bool(wav or midi))
    if generator.domain == "notes":
        _refuse_options(dict(taal=taal != "teentaal", cycles=cycles is not None, form=form, paltas=paltas,
                             phrase=phrase, gap=gap, khali=khali, layakari=layakari, start=start,
                             theme_cycles=theme_cycles != 1, laya=laya, sa=sa != "C#", loop=loop != 1, click=click,
                             theka=theka), "tabla", "notes")
        return _sample_notes(generator, bars, n, time, prime, allow_unknown, settings, chosen, wav, midi, bpm)
    _refuse_options({"bars": bars is not None, "time": time is not None}, "notes", generator.domain)
    results = generator.compositions(taal=record.name, cycles=cycles, n=n, form=form, khali=khali,
                                     layakari=layakari, prime=prime, allow_unknown=allow_unknown, start=start,
                                     theme_cycles=theme_cycles, paltas=paltas, phrase=phrase, gap=gap, **settings)
    files = _sound_files(results, wav, midi, sound) if sound else []
    if chosen in PICTURES:
        _picture(results, chosen, out, files)
    _write_files(files)
    if chosen == "json":
        emit(json.dumps(results, ensure_ascii=False, indent=2))
    elif chosen == "text":
        emit("\n\n".join(result["text"] for result in results), nl=True)  # a blank line between pieces
    elif chosen == "grid":
        title = f"{record.name} ({record.matras} matras){' - ' + form if form else ''}"
        text = "\n".join(grid(result["cycles"], record, title, result["start"], result["sections"])
                         for result in results)
        if out is None:
            emit(text, nl=False)
        else:  # --out with the text grid, as in `seqgen render`
            _write_files([(out, text.encode("utf-8"))])


def _sample_texts(generator, n: int, length: int, prime, allow_unknown: bool, settings: dict, format: str,
                  sound: bool) -> None:
    """`sample` for a text model: the texts, a blank line between them, or a JSON list of strings."""
    import json

    if format not in ("grid", "text", "json"):
        raise SeqgenError(f"--format {format} draws tabla grids; a text model prints text or json")
    if sound:
        raise SeqgenError("--wav and --midi play tabla compositions; a text model has no sound")
    texts = generator.texts(n, length, prime=prime, allow_unknown=allow_unknown, **settings)
    emit(json.dumps(texts, ensure_ascii=False, indent=2) if format == "json" else "\n\n".join(texts))


def _refuse_options(given: dict, kind: str, domain: str) -> None:
    """One line naming the first option given that is for ``kind`` models only, if any."""
    name = next((name for name, value in given.items() if value), None)
    if name is not None:
        raise SeqgenError(f"--{name.replace('_', '-')} is for {kind} models; this is a {domain} model")


def _sample_notes(generator, bars, n, time, prime, allow_unknown, settings, chosen, wav, midi, bpm) -> None:
    """`sample` for a notes model: melodies as note-name text (also on a terminal) or JSON, and
    their MIDI and WAV files (--bpm in beats a minute, default 100)."""
    import json

    from seqgen.melodies import DEFAULT_BARS
    from seqgen.notes_midi import DEFAULT_BPM, check_bpm

    if chosen in PICTURES:
        raise SeqgenError(f"--format {chosen} draws a tabla grid; a notes model prints text or json")
    bpm = check_bpm(DEFAULT_BPM if bpm is None else bpm)
    results = generator.melodies(DEFAULT_BARS if bars is None else bars, n, time=time, prime=prime,
                                 allow_unknown=allow_unknown, **settings)
    files = []  # every file rendered before any is written
    for index, melody in enumerate(results):
        if midi is not None:
            files.append((numbered(midi, index, len(results)), melody.to_midi(bpm=bpm)))
        if wav is not None:
            files.append((numbered(wav, index, len(results)), melody.to_wav(bpm=bpm)))
    _write_files(files)
    if chosen == "json":
        emit(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        emit("\n\n".join(melody["text"] for melody in results))


def _sound_settings(bpm, laya, sa, loop, click, theka) -> dict:
    """The sound options, checked before any model is loaded or file read."""
    from seqgen.audio import tonic_frequency
    from seqgen.timing import check_loop, tempo

    tonic_frequency(sa)
    return {"bpm": tempo(bpm, laya), "sa": sa, "loop": check_loop(loop), "click": click, "theka": theka}


def numbered(path: Path, index: int, count: int) -> Path:
    """``path`` itself for a single output, else ``NAME-1.wav``, ``NAME-2.wav``..."""
    if not path.name:  # '' or '.': a folder, which cannot be numbered or written
        raise SeqgenError(f"'{path}' is a folder; --wav and --midi need a file name")
    if count == 1 or path.is_char_device():  # /dev/null takes every piece; /dev/null-2 would be a new file
        return path
    return path.with_name(f"{path.stem}-{index + 1}{path.suffix}")


def _sound_files(pieces: list, wav: Optional[Path], midi: Optional[Path], sound: dict) -> list[tuple[Path, bytes]]:
    """Every WAV and MIDI file's path and bytes, all rendered before any is written."""
    files = []
    for index, piece in enumerate(pieces):
        if wav is not None:
            files.append((numbered(wav, index, len(pieces)), piece.to_wav(**sound)))
        if midi is not None:
            files.append((numbered(midi, index, len(pieces)), piece.to_midi(bpm=sound["bpm"], loop=sound["loop"])))
    return files


def _check_picture_out(format: str, out: Optional[Path]) -> None:
    if format == "png" and out is None:
        raise SeqgenError("--format png needs --out FILE.png")
    if out is not None and format not in PICTURES + ("grid",):
        raise SeqgenError(f"--out is for --format grid, svg or png, not {format}")


def _picture(pieces: list, format: str, out: Optional[Path], files: list) -> None:
    """The grid picture of every piece, one sheet each on one page: to ``files`` or, for svg without
    --out, on stdout."""
    from seqgen.picture import picture

    data = picture([piece.sheet() for piece in pieces], format)
    if out is None:
        emit(data.decode("utf-8"), nl=False)
    else:
        files.append((out, data))


def _write_files(files: list[tuple[Path, bytes]]) -> None:
    from seqgen.bundle import atomic_write

    for path, data in files:
        atomic_write(path, data)
        typer.echo(f"seqgen: wrote {path}", err=True)


@app.command()
@user_errors
def play(
    file: Path = typer.Argument(..., help="Tabla notation file."),
    wav: WavOut = None,
    midi: MidiOut = None,
    bpm: Bpm = None,
    laya: Laya = None,
    sa: Sa = "C#",
    loop: Loop = 1,
    click: Click = False,
    theka: Theka = False,
    taal: Optional[str] = typer.Option(None, help="Taal for every composition (default: each one's header)."),
    lexicon: LexiconFile = None,
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of FILE.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Render every composition of FILE as sound: a WAV file (synthesized tabla) and/or a MIDI file.

    With neither --wav nor --midi, writes FILE's name with .wav beside it. Several compositions are
    numbered: NAME-1.wav, NAME-2.wav... Every file is checked and rendered before any is written.
    """
    from seqgen.api import read_compositions
    from seqgen.taals import get_taal

    sound = _sound_settings(bpm, laya, sa, loop, click, theka)
    if taal is not None:
        get_taal(taal)
    pieces = read_compositions(file, lexicon=lexicon, encoding=encoding, taal=taal)
    if wav is None and midi is None:
        wav = file.with_suffix(".wav")
    _write_files(_sound_files(pieces, wav, midi, sound))


@app.command()
@user_errors
def render(
    file: Path = typer.Argument(..., help="Tabla notation file."),
    format: str = typer.Option("grid", "--format", help="grid (text), svg or png."),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write (needed for png; else stdout)."),
    taal: Optional[str] = typer.Option(None, help="Taal for every composition (default: each one's header)."),
    lexicon: LexiconFile = None,
    encoding: Optional[str] = typer.Option(None, help=with_default("Text encoding of FILE.", "UTF-8"),
                                            callback=check_encoding_option),
) -> None:
    """Draw every composition of FILE as a Bhatkhande grid: matra numbers, bols, X 2 0 3 marks and
    section names; as text, or as a picture to print (svg or png)."""
    from seqgen.api import read_compositions
    from seqgen.render import grid
    from seqgen.taals import get_taal

    chosen = _check_format(format, ("grid",) + PICTURES)
    _check_picture_out(chosen, out)
    if taal is not None:
        get_taal(taal)
    pieces = read_compositions(file, lexicon=lexicon, encoding=encoding, taal=taal)
    if chosen in PICTURES:
        files: list = []
        _picture(pieces, chosen, out, files)
        _write_files(files)
        return
    sheets = [piece.sheet() for piece in pieces]
    text = "\n".join(grid(sheet.cycles, sheet.taal, sheet.title, sheet.start, list(sheet.sections))
                      for sheet in sheets)
    if out is None:
        emit(text, nl=False)
    else:
        _write_files([(out, text.encode("utf-8"))])


@app.command()
@user_errors
def lyrics(
    model: Optional[Path] = typer.Option(None, help=with_default("Bundle.", "models/japanese, else the shipped model")),
    stanzas: int = typer.Option(3, help="Number of stanzas."),
    lines: int = typer.Option(4, help="Lines per stanza."),
    min_words: int = typer.Option(3, help="Fewest words (tokens) per line."),
    max_words: int = typer.Option(12, help="Most words (tokens) per line."),
    temperature: Temperature = 1.0,
    top_k: TopK = 0,
    top_p: TopP = 1.0,
    greedy: Greedy = False,
    beam: Beam = 0,
    seed: Seed = None,
    prime: Optional[str] = typer.Option(None, help="Text the first line starts with."),
    allow_unknown: bool = typer.Option(False, "--allow-unknown", help="Read unknown prime words as <unk>."),
    meter: Optional[str] = typer.Option(
        None, help="Morae per line, repeating over each stanza's lines: 7,5 or 8,8,8,6 (word limits then do not apply)."),
    show_reading: bool = typer.Option(False, "--show-reading", help="Print each line's kana reading under it."),
    romaji: bool = typer.Option(False, "--romaji", help="Print each line's reading in romaji under it."),
    format: str = typer.Option("text", "--format", help="text, or json: each line's text, reading, romaji and morae."),
) -> None:
    """Generate Japanese lyrics of exactly STANZAS stanzas of exactly LINES lines."""
    import json

    from seqgen.api import load

    _check_format(format, ("text", "json"))
    settings = _sampling(temperature, top_k, top_p, greedy, beam, seed)
    if meter is not None:
        from seqgen.constraints import parse_meter

        parse_meter(meter)  # a bad meter is a usage error before the model loads
    _warnings_to_stderr()
    generator = load(_resolve_model(model, "japanese"))
    if (show_reading or romaji) and generator.bundle.readings is None:
        raise SeqgenError(f"{generator.path} has no kana readings (it was trained before seqgen read them); "
                          "retrain it to use --show-reading or --romaji")
    song = generator.stanzas(stanzas, lines=lines, min_tokens=min_words, max_tokens=max_words, prime=prime,
                             allow_unknown=allow_unknown, meter=meter, with_readings=True, **settings)
    if format == "json":
        emit(json.dumps(song, ensure_ascii=False, indent=2))
    else:
        emit(sung_text(song, show_reading, romaji))


def sung_text(song: list[list[dict]], show_reading: bool, romaji: bool) -> str:
    """Stanzas of lines for people; under each line its kana reading and/or its romaji."""
    blocks = []
    for stanza in song:
        rows = []
        for line in stanza:
            rows.append(line["text"])
            if show_reading:
                rows.append(line["reading"])
            if romaji:
                rows.append(line["romaji"])
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)


@app.command()
@user_errors
def serve(
    host: Optional[str] = typer.Option(None, help=with_default(
        "Address to listen on; one other machines can reach only when given here.", "127.0.0.1")),
    port: int = typer.Option(8000, help="Port to listen on (0: any free one)."),
    model: Optional[list[Path]] = typer.Option(None, metavar="DIR", help=with_default(
        "Bundle for its domain (tabla or japanese); give it twice for both.",
        "models/DOMAIN, else the shipped model")),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the page in a web browser."),
) -> None:
    """Serve the practice page: generate, see the grid, play along, download WAV, MIDI and text."""
    from seqgen.api import load
    from seqgen.serve import DEFAULT_HOST, make_server, page_models, serve_until_interrupted

    tabla, japanese = page_models(model or [], lambda domain: load(_resolve_model(None, domain)))
    server = make_server(tabla, japanese, host or DEFAULT_HOST, port, allow_remote=host is not None)
    if not server.loopback:
        typer.echo(f"seqgen: warning: listening on {host}: other machines can reach this page, "
                   f"which has no login", err=True)
    emit(f"seqgen: the practice page is at {server.url} (Ctrl-C stops it)")
    _flush_stdout()
    if open_browser:
        _open_browser(server.url)
    serve_until_interrupted(server)


def _open_browser(url: str) -> None:
    """Open ``url`` in a graphical browser; with no display say so (a console browser would take
    over the terminal the server is running in)."""
    import webbrowser

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        typer.echo("seqgen: no display here; open the address above in a browser", err=True)
        return
    if not webbrowser.open(url):
        typer.echo("seqgen: could not start a browser; open the address above in one", err=True)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
