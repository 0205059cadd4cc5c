"""The ``seqgen`` command line: thin typer commands that check arguments and call one library function.

Library modules are imported inside the commands, so ``seqgen --help`` never loads TensorFlow.
Every ``SeqgenError`` becomes one line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from seqgen.errors import SeqgenError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Learn token sequences and generate tabla compositions and Japanese lyrics.",
)

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """Print a one-line error and exit (code 2 unless the error names another)."""
    typer.echo(f"seqgen: error: {message}", err=True)
    raise typer.Exit(code)


def user_errors(command):
    """Turn seqgen's own errors into a one-line message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SeqgenError as error:
            fail(str(error), getattr(error, "exit_code", EXIT_USAGE))

    return wrapper


@app.command()
@user_errors
def taals() -> None:
    """Print the table of taal definitions: matras, vibhags, marks and theka."""
    from seqgen.taals import TAALS

    typer.echo(f"{'taal':<11} {'matras':>6}  {'vibhags':<12} {'marks':<12} theka")
    for taal in TAALS.values():
        vibhags = "+".join(str(size) for size in taal.vibhags)
        marks = " ".join(taal.marks)
        typer.echo(f"{taal.name:<11} {taal.matras:>6}  {vibhags:<12} {marks:<12} {taal.theka}")


@app.command()
@user_errors
def check(
    file: Path = typer.Argument(..., help="Tabla notation file to validate."),
    taal: Optional[str] = typer.Option(None, help="Taal for every composition (default: each one's header)."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of FILE (default UTF-8)."),
) -> None:
    """Validate every composition: cycles fit the taal, bars in place, the khali rule for kaida/rela.

    Exit code 0 when all are valid, 1 when some are not (one problem per line), 2 for unusable input.
    """
    from seqgen.checking import check_text
    from seqgen.corpus import read_text
    from seqgen.taals import get_taal

    if taal is not None:
        get_taal(taal)
    report = check_text(read_text(file, encoding), str(file), taal)
    for problem in report.problems:
        typer.echo(problem)
    typer.echo(report.summary(), err=True)
    if report.problems:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("format")
@user_errors
def format_(
    file: Path = typer.Argument(..., help="Tabla notation file."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of FILE (default UTF-8)."),
) -> None:
    """Print every composition in canonical line notation (headers kept, one cycle per line)."""
    from seqgen.corpus import read_text
    from seqgen.tokenizers.tabla_notation import format_compositions, parse

    typer.echo(format_compositions(parse(read_text(file, encoding), str(file))), nl=False)


@app.command()
@user_errors
def tokenize(
    domain: str = typer.Argument(..., help="tabla or japanese."),
    corpus: Path = typer.Argument(..., help="Corpus file or folder."),
    stats: bool = typer.Option(False, "--stats", help="Print vocabulary and coverage statistics instead."),
    tokenizer: Optional[str] = typer.Option(None, help="tabla, japanese or sentencepiece (default: the domain's)."),
    vocab_size: int = typer.Option(8000, help="Vocabulary size used for --stats coverage."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of the corpus (default UTF-8)."),
) -> None:
    """Print the tokens of every document (one document per line), or statistics with --stats."""
    from seqgen.domains import load_documents, tokenizer_for
    from seqgen.vocab import Vocab

    if vocab_size < 5:
        raise SeqgenError(f"--vocab-size must be at least 5, got {vocab_size}")
    chosen = tokenizer_for(domain, tokenizer)
    documents = load_documents(chosen, corpus, encoding)
    if not stats:
        for document in documents:
            typer.echo(" ".join(document.tokens))
        return
    streams = [document.tokens for document in documents]
    vocab = Vocab.build(streams, vocab_size, keep=chosen.structure_tokens)
    coverage = vocab.coverage(streams)
    typer.echo(f"documents        {len(documents)}")
    typer.echo(f"tokens           {coverage.tokens}")
    typer.echo(f"distinct tokens  {coverage.distinct}")
    typer.echo(f"vocabulary       {len(vocab)} (limit {vocab_size})")
    typer.echo(f"unknown tokens   {coverage.unknown} ({coverage.unknown_rate:.2%} of the corpus, "
               f"{coverage.distinct_unknown} distinct)")


@app.command()
@user_errors
def train(
    domain: str = typer.Argument(..., help="tabla or japanese."),
    corpus: Path = typer.Argument(..., help="Corpus file or folder of .txt files."),
    out: Optional[Path] = typer.Option(None, help="Bundle folder [default: models/DOMAIN]."),
    epochs: Optional[int] = typer.Option(None, help="Passes over the training windows [default: 40]."),
    batch_size: Optional[int] = typer.Option(None, help="Windows per gradient step [default: 64]."),
    seq_length: Optional[int] = typer.Option(None, help="Tokens per training window (BPTT length) [default: 50; japanese 40]."),
    stride: Optional[int] = typer.Option(None, help="Tokens between window starts [default: seq-length]."),
    rnn_size: Optional[int] = typer.Option(None, help="Units per recurrent layer [default: 256]."),
    embedding_dim: Optional[int] = typer.Option(None, help="Embedding width [default: 64; japanese 128]."),
    layers: Optional[int] = typer.Option(None, help="Recurrent layers [default: 2]."),
    cell: Optional[str] = typer.Option(None, help="lstm, gru or rnn [default: lstm]."),
    gate_activation: Optional[str] = typer.Option(None, help="hard_sigmoid or sigmoid [default: hard_sigmoid]."),
    dropout: Optional[float] = typer.Option(None, help="Dropout between layers [default: 0]."),
    optimizer: Optional[str] = typer.Option(None, help="adam or rmsprop [default: adam]."),
    learning_rate: Optional[float] = typer.Option(None, help="Initial learning rate [default: 0.003]."),
    lr_decay: Optional[float] = typer.Option(None, help="Learning-rate factor per epoch [default: 0.97]."),
    grad_clip: Optional[float] = typer.Option(None, help="Global gradient-norm clip, 0 disables [default: 5]."),
    patience: Optional[int] = typer.Option(None, help="Early stop after this many epochs without improvement [default: 6]."),
    keep_checkpoints: Optional[int] = typer.Option(None, help="Checkpoint files kept [default: 3]."),
    vocab_size: Optional[int] = typer.Option(None, help="Vocabulary size, specials included [default: 8000]."),
    tokenizer: Optional[str] = typer.Option(None, help="Tokenizer (japanese: japanese or sentencepiece)."),
    val_frac: Optional[float] = typer.Option(None, help="Share of documents for validation [default: 0.05]."),
    test_frac: Optional[float] = typer.Option(None, help="Share of documents for a final test [default: 0]."),
    seed: Optional[int] = typer.Option(None, help="Random seed [default: 1234]."),
    strategy: Optional[str] = typer.Option(None, help="tf.distribute strategy: mirrored (all local devices)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the bundle in --out from its last checkpoint."),
    force: bool = typer.Option(False, "--force", help="Replace an existing bundle in --out."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of the corpus (default UTF-8)."),
) -> None:
    """Train a model on CORPUS and write a bundle; prints the validation perplexity and the bundle path."""
    settings = {key: value for key, value in locals().items()
                if value is not None and key not in _TRAIN_ARGUMENTS}
    from seqgen.api import train as train_model

    verbose = "quiet" if quiet else ("bar" if sys.stdout.isatty() else "lines")
    generator = train_model(domain, corpus, out, resume=resume, force=force, tokenizer=tokenizer,
                            encoding=encoding, verbose=verbose, **settings)
    best = generator.bundle.config.get("best") or {}
    if best:
        typer.echo(f"validation perplexity {best['val_perplexity']:.3f} (epoch {best['epoch']})")
    typer.echo(f"bundle: {generator.path}")


_TRAIN_ARGUMENTS = {"domain", "corpus", "out", "tokenizer", "resume", "force", "quiet", "encoding"}


@app.command()
@user_errors
def evaluate(
    model: Path = typer.Argument(..., help="Model bundle folder."),
    file: Optional[Path] = typer.Argument(None, help="Text to score [default: the bundle's held-out documents]."),
    format: str = typer.Option("text", "--format", help="text or json."),
    order: int = typer.Option(3, help="Order of the Kneser-Ney baseline."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding of FILE (default UTF-8)."),
) -> None:
    """Cross-entropy, perplexity and next-token accuracy of a bundle, beside a Kneser-Ney n-gram baseline."""
    import json

    from seqgen.api import load

    if format not in ("text", "json"):
        raise SeqgenError(f"unknown --format {format!r}; use text or json")
    result = load(model).evaluate(file, order=order, encoding=encoding)
    if format == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    baseline = result["baseline"]
    base_accuracy = "n/a" if baseline["accuracy"] is None else f"{baseline['accuracy']:.3f}"
    typer.echo(f"tokens           {result['tokens']}")
    typer.echo(f"cross-entropy    {result['cross_entropy_nats']:.4f} nats/token "
               f"({result['bits_per_token']:.4f} bits/token)")
    typer.echo(f"perplexity       {result['perplexity']:.3f}   (baseline {baseline['perplexity']:.3f})")
    typer.echo(f"accuracy         {result['accuracy']:.3f}   (baseline {base_accuracy})")
    typer.echo(f"baseline         {baseline['name']}")
    if "structure" in result:
        structure = result["structure"]
        typer.echo(f"valid in taal    free: {structure['unconstrained_valid']:.0%} of {structure['samples']} samples "
                   f"({structure['unconstrained_cycles_valid']:.0%} of their cycles); "
                   f"with the {structure['taal']} constraint: {structure['constrained_valid']:.0%}")


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


@app.command()
@user_errors
def sample(
    taal: str = typer.Option("teentaal", help="Taal of the compositions (see `seqgen taals`)."),
    model: Optional[Path] = typer.Option(None, help="Bundle [default: models/tabla, else the shipped model]."),
    cycles: int = typer.Option(4, help="Cycles per composition."),
    n: int = typer.Option(1, "--n", help="Number of compositions."),
    form: Optional[str] = typer.Option(None, help="theka, prakar, kaida, rela, peshkar, tukda, tihai, chakradar."),
    khali: Optional[str] = typer.Option(None, help="Khali rule: hard, soft or off [default: by form]."),
    layakari: Optional[int] = typer.Option(None, help="Bols per matra, 1-4 [default: any, uniform]."),
    temperature: Temperature = 1.0,
    top_k: TopK = 0,
    top_p: TopP = 1.0,
    greedy: Greedy = False,
    beam: Beam = 0,
    seed: Seed = None,
    prime: Optional[str] = typer.Option(None, help="Tabla notation to start from, e.g. 'Dha Dhin Dhin Dha |'."),
    allow_unknown: bool = typer.Option(False, "--allow-unknown", help="Read unknown prime bols as <unk>."),
    format: Optional[str] = typer.Option(None, "--format", help="grid, text or json [default: grid on a terminal, else text]."),
) -> None:
    """Generate tabla compositions whose every cycle fits the taal."""
    import json

    from seqgen.api import load
    from seqgen.render import grid
    from seqgen.taals import get_taal

    record = get_taal(taal)
    chosen = _check_format(format, ("grid", "text", "json"))
    settings = _sampling(temperature, top_k, top_p, greedy, beam, seed)
    _warnings_to_stderr()
    generator = load(_resolve_model(model, "tabla"))
    results = generator.compositions(taal=record.name, cycles=cycles, n=n, form=form, khali=khali,
                                     layakari=layakari, prime=prime, allow_unknown=allow_unknown, **settings)
    if chosen == "json":
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    elif chosen == "text":
        typer.echo("\n".join(result["text"] for result in results), nl=True)
    else:
        title = f"{record.name} ({record.matras} matras){' - ' + form if form else ''}"
        typer.echo("\n".join(grid(result["cycles"], record, title) for result in results), nl=False)


@app.command()
@user_errors
def lyrics(
    model: Optional[Path] = typer.Option(None, help="Bundle [default: models/japanese, else the shipped model]."),
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
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Generate Japanese lyrics of exactly STANZAS stanzas of exactly LINES lines."""
    import json

    from seqgen.api import load

    _check_format(format, ("text", "json"))
    settings = _sampling(temperature, top_k, top_p, greedy, beam, seed)
    _warnings_to_stderr()
    generator = load(_resolve_model(model, "japanese"))
    song = generator.stanzas(stanzas, lines=lines, min_tokens=min_words, max_tokens=max_words, prime=prime,
                             allow_unknown=allow_unknown, **settings)
    if format == "json":
        typer.echo(json.dumps(song, ensure_ascii=False, indent=2))
    else:
        typer.echo("\n\n".join("\n".join(stanza) for stanza in song))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
