"""The ``seqgen`` command line: thin typer commands that check arguments and call one library function.

Library modules are imported inside the commands, so ``seqgen --help`` never loads TensorFlow.
Every ``SeqgenError`` becomes one line on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

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


def fail(message: str) -> None:
    """Print a one-line error and exit with code 2."""
    typer.echo(f"seqgen: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def user_errors(command):
    """Turn seqgen's own errors into a one-line message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SeqgenError as error:
            fail(str(error))

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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
