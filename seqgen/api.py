"""The public facade: ``seqgen.train``, ``seqgen.load`` and the ``Generator`` they return.

Each function wires the lower layers together (corpus -> tokenizer -> vocab -> data -> training ->
bundle); none of the maths lives here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from seqgen import bundle as bundles
from seqgen.corpus import TEXT_SUFFIXES, corpus_files
from seqgen.data import (DataConfig, StreamWindows, build_vocab, eval_stream_windows, id_stream, split_documents,
                         vocab_from_counts)
from seqgen.domains import check_domain, file_suffixes, load_documents, tokenizer_for
from seqgen.errors import SeqgenError
from seqgen.shards import open_or_build, should_stream
from seqgen.vocab import Vocab

# Defaults that differ by domain: Japanese needs a wider embedding for its 8000-token vocabulary.
DOMAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "tabla": {"embedding_dim": 64, "rnn_size": 256},
    # Measured by benchmarks/lyrics_recipe.py (CHANGELOG): windows without overlap in batches of 32;
    # learning rate 0.01 leaves the unigram plateau in ~2 epochs; tokens seen once become <unk>, so the
    # model learns to expect unseen words; dropout 0.5 between layers and 0.2 on the embeddings.
    "japanese": {"embedding_dim": 128, "rnn_size": 256, "seq_length": 40, "stride": 0, "batch_size": 32,
                 "min_count": 2, "learning_rate": 0.01, "dropout": 0.5, "embedding_dropout": 0.2, "patience": 4},
    # any user's words or characters: tabla's sizes, with dropout between the layers since a user's
    # corpus is often small (not tuned on a text corpus; `seqgen compare` measures a corpus's options)
    "text": {"embedding_dim": 64, "rnn_size": 256, "dropout": 0.2},
    # melodies: a few hundred note tokens, tabla's sizes; dropout since MIDI folders are often small
    "notes": {"embedding_dim": 64, "rnn_size": 256, "dropout": 0.2},
}


def _config_fields():
    from seqgen.model import ModelConfig
    from seqgen.training import TrainConfig

    return {
        "model": {field.name for field in fields(ModelConfig)} - {"vocab_size"},
        "training": {field.name for field in fields(TrainConfig)},
        "data": {field.name for field in fields(DataConfig)},
    }


def split_settings(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Sort keyword settings into model / training / data sections; unknown names are an error."""
    sections = _config_fields()
    sorted_settings: dict[str, dict[str, Any]] = {name: {} for name in sections}
    for key, value in settings.items():
        section = next((name for name, keys in sections.items() if key in keys), None)
        if section is None:
            known = sorted(set().union(*sections.values()))
            raise SeqgenError(f"unknown setting {key!r}; known settings: {', '.join(known)}")
        sorted_settings[section][key] = value
    return sorted_settings


def corpus_sha256(corpus: str | Path, suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> str:
    """SHA-256 over the corpus files' names (relative) and bytes, in sorted order."""
    digest = hashlib.sha256()
    root = Path(corpus)
    for file in corpus_files(corpus, suffixes):
        digest.update(str(file.relative_to(root) if root.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def train(domain: str, corpus: str | Path, out: str | Path | None = None, *, resume: bool = False,
          force: bool = False, tokenizer: str | None = None, encoding: str | None = None,
          verbose: str = "lines", lexicon: str | Path | None = None, **settings: Any) -> "Generator | None":
    """Train a model on a corpus and write a bundle.

    Args:
        domain: ``tabla``, ``japanese``, ``notes`` (MIDI files and note names) or ``text`` (any words or
            characters; ``tokenizer="chars"``).
        corpus: a file or a folder of ``.txt`` files.
        out: bundle folder (default ``models/<domain>``).
        resume: continue from the bundle's newest checkpoint (its settings are kept; ``epochs`` and
            ``patience`` may change, other settings may be repeated unchanged).
        force: replace the bundle in ``out``. Only files seqgen wrote are replaced, and only once the
            new bundle is complete; a run that fails leaves the old bundle as it was.
        tokenizer: ``sentencepiece`` instead of the domain's default tokenizer.
        encoding: text encoding of the corpus.
        verbose: ``bar``, ``lines`` or ``quiet``.
        lexicon: a tabla lexicon file of syllables beyond the built-in ones (format in
            ``seqgen.tokenizers.bols``); the bundle keeps them. On resume it must agree with the bundle's.
        **settings: any ``ModelConfig``, ``TrainConfig`` or ``DataConfig`` field (``epochs=5``, ``rnn_size=128``...).

    Returns:
        A ``Generator`` for the trained bundle; ``None`` on the workers of a ``strategy="multi-worker"``
        run other than the chief (only the chief writes the bundle; see ``seqgen.distributed``).

    Raises:
        SeqgenError: bad arguments, corpus or output folder (nothing is written then), or training
            stopped early (``TrainingStopped``; what was kept is said in the message).

    Example:
        >>> generator = seqgen.train("tabla", "corpora/teentaal.txt", epochs=20)
        >>> generator.compositions(taal="teentaal", cycles=2)
    """
    from seqgen.output_folder import claim

    _check_train_arguments(domain, corpus, out, resume, force, tokenizer, encoding, verbose)
    if lexicon is not None and not isinstance(lexicon, (str, Path)):
        raise SeqgenError(f"lexicon must be a path, got {lexicon!r}")
    domain = check_domain(domain)
    out = Path(out) if out is not None else Path("models") / domain
    split = split_settings(settings)
    worker = _multi_worker_cluster(split)
    if worker is not None and not worker.is_chief:
        return _train_as_worker(worker, domain, Path(corpus), split, tokenizer, encoding, lexicon, verbose)
    if resume:
        with claim(out, resume=True, force=False) as target:
            _check_resume_lexicon(target.path, lexicon)
            return _resume(target, split, verbose)
    prepared = _prepare_new(domain, Path(corpus), split, tokenizer, encoding, lexicon)  # before touching the disk
    with claim(out, resume=False, force=force) as target:
        return _train_new(target, prepared, verbose)


def _check_train_arguments(domain, corpus, out, resume, force, tokenizer, encoding, verbose) -> None:
    """Types at the API boundary: a wrong one is a SeqgenError, never a TypeError from deep inside."""
    if not isinstance(domain, str):
        raise SeqgenError(f"domain must be a name such as 'tabla' or 'japanese', got {domain!r}")
    for name, value in (("corpus", corpus), ("out", out)):
        if not isinstance(value, (str, Path)) and not (name == "out" and value is None):
            raise SeqgenError(f"{name} must be a path, got {value!r}")
    for name, value in (("resume", resume), ("force", force)):
        if not isinstance(value, bool):
            raise SeqgenError(f"{name} must be True or False, got {value!r}")
    for name, value in (("tokenizer", tokenizer), ("encoding", encoding)):
        if value is not None and not isinstance(value, str):
            raise SeqgenError(f"{name} must be a name, got {value!r}")
    if verbose not in ("bar", "lines", "quiet"):
        raise SeqgenError(f"verbose must be 'bar', 'lines' or 'quiet', got {verbose!r}")


@dataclass
class _NewRun:
    """Everything a new run needs, prepared before its output folder is touched."""

    config: dict
    vocab: Vocab
    tokenizer: Any
    streams: dict
    readings: Any = None


def _check_resume_lexicon(path: Path, lexicon: str | Path | None) -> None:
    # a repeated --lexicon is fine; one that declares something the bundle lacks cannot apply
    if lexicon is None:
        return
    wanted = tokenizer_for("tabla", lexicon=lexicon).spec().get("bols", [])
    try:
        kept = json.loads((path / bundles.TOKENIZER_FILE).read_text(encoding="utf-8")).get("bols", [])
    except (OSError, ValueError, AttributeError):
        raise SeqgenError(f"{path / bundles.TOKENIZER_FILE}: missing or damaged") from None
    if any(record not in kept for record in wanted):
        raise SeqgenError(f"{lexicon} declares syllables the bundle in {path} was not trained with; "
                          "--resume keeps the bundle's lexicon")


def _prepare_new(domain, corpus, split, tokenizer_name, encoding, lexicon=None) -> _NewRun:
    from seqgen.model import ModelConfig
    from seqgen.training import TrainConfig

    defaults = DOMAIN_DEFAULTS[domain]
    data_config = DataConfig(**{**_pick(defaults, "data"), **split["data"]})
    train_config = TrainConfig(**{**_pick(defaults, "training"), **split["training"]})
    # the network's own checks (sizes, memory) come before the corpus is read; vocab_size is a stand-in
    ModelConfig(vocab_size=data_config.vocab_size, **{**_pick(defaults, "model"), **split["model"]})
    tokenizer = tokenizer_for(domain, tokenizer_name, lexicon=lexicon)
    suffixes = file_suffixes(tokenizer)  # the files of a corpus folder it reads (notes: MIDI too)
    if should_stream(data_config.stream, corpus, suffixes):
        shard_set = open_or_build(tokenizer, corpus, encoding)  # token shards on disk, never the whole text
        count, shards_key = shard_set.documents, shard_set.key
        parts = split_documents(count, data_config.val_frac, data_config.test_frac, train_config.seed)
        vocab = vocab_from_counts(shard_set.token_counts(parts.train), data_config, keep=tokenizer.structure_tokens)
        streams = shard_set.streams(vocab, {name: getattr(parts, name) for name in ("train", "val", "test")})
        documents = shard_set.document_tokens()  # read once, for a lyrics vocabulary's readings
    else:
        documents = [document.tokens for document in load_documents(tokenizer, corpus, encoding)]
        count, shards_key = len(documents), None
        parts = split_documents(count, data_config.val_frac, data_config.test_frac, train_config.seed)
        vocab = build_vocab([documents[index] for index in parts.train], data_config, keep=tokenizer.structure_tokens)
        streams = {name: id_stream([documents[index] for index in getattr(parts, name)], vocab)
                   for name in ("train", "val", "test")}
    model_config = ModelConfig(vocab_size=len(vocab), **{**_pick(defaults, "model"), **split["model"]})
    StreamWindows(streams["train"], data_config.seq_length, data_config.window_stride)  # fail early when too small
    config = {
        "domain": domain, "model": model_config.to_dict(), "training": train_config.to_dict(),
        "data": data_config.to_dict(), "seed": train_config.seed,
        # the file name, not the path: a bundle must not carry the builder's folders around
        "corpus": {"name": corpus.resolve().name, "sha256": corpus_sha256(corpus, suffixes), "documents": count,
                   "train_documents": len(parts.train), "val_documents": len(parts.val),
                   "test_documents": len(parts.test), "train_tokens": int(len(streams["train"]))},
        "versions": bundles.library_versions(),
        "best": None,
    }
    if shards_key is not None:
        # a streamed corpus: the bundle names its shards (in the cache) instead of holding splits.npz
        config["corpus"]["shards"] = shards_key
    return _NewRun(config, vocab, tokenizer, streams, _vocab_readings(tokenizer, documents, vocab))


def _vocab_readings(tokenizer, documents: Iterable[tuple[str, ...]], vocab: Vocab):
    """Kana readings of a lyrics vocabulary, read in context from every corpus line (None for tabla).
    ``documents`` is read once, one at a time (a streamed corpus's come from its shards)."""
    from seqgen.tokenizers.lyrics import LyricsTokenizer

    if not isinstance(tokenizer, LyricsTokenizer):
        return None
    from seqgen.analyzer import shared_analyzer
    from seqgen.readings import compute_readings

    lines = (line for document in documents for line in tokenizer.lines(document))
    return compute_readings(lines, tokenizer.surface, shared_analyzer(), keep=vocab)  # the vocabulary's only


def _multi_worker_cluster(split: dict):
    """The cluster of a ``--strategy multi-worker`` run (its TF_CONFIG and SEQGEN_WORKER_WAIT checked
    before any work), else None."""
    from seqgen.distributed import STRATEGY, cluster_from_env, worker_wait

    if split["training"].get("strategy") != STRATEGY:
        return None
    cluster = cluster_from_env()
    worker_wait()
    return cluster


def _train_as_worker(cluster, domain, corpus, split, tokenizer_name, encoding, lexicon, verbose) -> None:
    """A multi-worker run's worker other than the chief: it trains in step with the chief into a
    temporary folder, deleted afterwards; only the chief writes (and, resuming, reads) the bundle."""
    from seqgen.distributed import worker_folder
    from seqgen.output_folder import claim
    from seqgen.training import TrainingStopped

    prepared = _prepare_new(domain, corpus, split, tokenizer_name, encoding, lexicon)
    with worker_folder(cluster) as folder, claim(folder, resume=False, force=False) as target:
        try:
            _train_new(target, prepared, verbose)
        except TrainingStopped as stopped:
            # why training stopped, not what the deleted folder held (_fit raises from the original)
            reason = stopped.__context__ if isinstance(stopped.__context__, TrainingStopped) else stopped
            raise type(stopped)(f"{cluster.name()}: {reason}; the chief keeps the bundle; continue with --resume",
                                epochs_done=stopped.epochs_done) from None


def _train_new(target, run: _NewRun, verbose: str) -> "Generator":
    bundles.write_metadata(target.path, run.config, run.vocab, run.tokenizer, run.readings)
    if "shards" not in run.config["corpus"]:
        bundles.write_splits(target.path, run.streams)
    return _fit(target, run.config, run.streams, resume=False, history=[], verbose=verbose)


# Settings --resume may change; any other setting may only be repeated with the bundle's own value.
# (strategy: the same run may continue on other hardware, e.g. on one machine after a multi-worker start)
RESUME_MAY_CHANGE = frozenset({"epochs", "patience", "strategy"})


def _resume(target, split: dict, verbose: str) -> "Generator":
    out = target.path
    config = bundles.read_config(out, for_training=True)  # the training section too, in full
    changed = sorted(key for section, values in split.items() for key, value in values.items()
                     if key not in RESUME_MAY_CHANGE and config.get(section, {}).get(key) != value)
    if changed:
        raise SeqgenError(f"--resume keeps the bundle's settings; only {', '.join(sorted(RESUME_MAY_CHANGE))} may "
                          f"change (got a different {', '.join(changed)})")
    config["training"].update({key: value for key, value in split["training"].items() if key in RESUME_MAY_CHANGE})
    streams = bundles.read_splits(out)
    history = read_history(out / bundles.HISTORY_CSV)
    return _fit(target, config, streams, resume=True, history=history, verbose=verbose)


def _fit(target, config: dict, streams: dict, resume: bool, history: list[dict], verbose: str) -> "Generator":
    from seqgen.model import ModelConfig
    from seqgen.training import TrainConfig, TrainingInterrupted, TrainingStopped, Windows, fit

    out = target.path
    data_config = DataConfig(**config["data"])
    train_config = TrainConfig(**config["training"])
    # windows are read batch by batch from the streams (memory-mapped for a streamed corpus)
    train_windows = StreamWindows(streams["train"], data_config.seq_length, data_config.window_stride)
    val_windows = eval_stream_windows(streams["val"], data_config.seq_length) if len(streams["val"]) else None
    bundles.write_config(out, config)

    def on_improved(model, row: dict) -> None:
        bundles.save_model(out, model)
        config["best"] = row
        bundles.write_config(out, config)

    def write_history(rows: list[dict]) -> None:
        bundles.atomic_write(out / bundles.HISTORY_CSV, history_csv(rows))

    # the history is rewritten after every epoch, so a killed run resumes with all of it
    try:
        rows = fit(ModelConfig.from_dict(config["model"]), train_config, Windows(train_windows, val_windows),
                   out / bundles.CHECKPOINTS, on_improved, resume=resume, history=history, verbose=verbose,
                   on_epoch=write_history)
    except TrainingStopped as stopped:
        raise _settle_stopped(target, stopped, isinstance(stopped, TrainingInterrupted)) from None
    except Exception as error:
        if not _is_out_of_memory(error):
            raise  # a bug: keep its traceback (the claim still undoes the run's files)
        raise SeqgenError("training ran out of memory; try a smaller --rnn-size, --embedding-dim, --batch-size "
                          "or --vocab-size") from None
    write_history(rows)
    _plot_history(rows, out / bundles.HISTORY_PNG)
    target.commit()
    return load(target.out)


def _settle_stopped(target, stopped, interrupted: bool) -> SeqgenError:
    """Keep what a stopped run may keep, and say exactly what that is.

    A resumed bundle keeps its complete epochs. A new bundle is kept once it holds a model. A
    replacing run takes the old bundle's place only when the user interrupted it after a complete
    epoch (so it can be resumed); a failed replacing run leaves the old bundle as it was.
    """
    from seqgen.training import TrainingInterrupted, TrainingStopped

    usable = stopped.epochs_done > 0 and (target.path / bundles.MODEL_FILE).is_file()
    keep = target.mode == "resume" or (usable and (target.mode == "new" or interrupted))
    if keep:
        target.commit()
        kept = f"{target.out} holds the model after epoch {stopped.epochs_done}; continue with --resume"
    elif target.mode == "replace":
        kept = f"the bundle in {target.out} is unchanged"
    else:
        kept = "no epoch was completed, so nothing is kept"
    kind = TrainingInterrupted if interrupted else TrainingStopped
    return kind(f"{stopped}; {kept}", epochs_done=stopped.epochs_done)


def _is_out_of_memory(error: Exception) -> bool:
    """TensorFlow reports exhausted memory as ResourceExhaustedError; NumPy and Python as MemoryError."""
    return isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError"


def _pick(defaults: dict[str, Any], section: str) -> dict[str, Any]:
    keys = _config_fields()[section]
    return {key: value for key, value in defaults.items() if key in keys}


HISTORY_COLUMNS = ("epoch", "loss", "perplexity", "accuracy", "val_loss", "val_perplexity", "val_accuracy",
                   "learning_rate")


def history_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row[key] for key in HISTORY_COLUMNS})
    return buffer.getvalue()


def read_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    try:
        return [{key: (int(row[key]) if key == "epoch" else float(row[key])) for key in HISTORY_COLUMNS}
                for row in rows]
    except (KeyError, ValueError, TypeError):
        raise SeqgenError(f"{path}: damaged training history") from None


def _plot_history(rows: list[dict], path: Path) -> None:
    """Loss and perplexity per epoch as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to a file
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in rows]
    figure, (loss_axis, ppl_axis) = plt.subplots(1, 2, figsize=(9, 3.5))
    for key, label in (("loss", "train"), ("val_loss", "validation")):
        loss_axis.plot(epochs, [row[key] for row in rows], marker=".", label=label)
    for key, label in (("perplexity", "train"), ("val_perplexity", "validation")):
        ppl_axis.plot(epochs, [row[key] if math.isfinite(row[key]) else None for row in rows], marker=".", label=label)
    loss_axis.set(title="cross-entropy (nats/token)", xlabel="epoch")
    ppl_axis.set(title="perplexity", xlabel="epoch", yscale="log")
    loss_axis.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    bundles.atomic_write(path, buffer.getvalue())


PRETRAINED_PREFIX = "pretrained:"


def load(path: str | Path) -> "Generator":
    """Open a model bundle for sampling and evaluation (no TensorFlow needed to sample).

    Args:
        path: a bundle folder, or ``"pretrained:tabla"`` / ``"pretrained:japanese"`` for the small
            models shipped with seqgen (the ones the CLI falls back to).

    Example:
        >>> seqgen.load("pretrained:japanese").stanzas(2, lines=4, seed=7)
    """
    if not isinstance(path, (str, Path)):
        raise SeqgenError(f"load needs a bundle folder or 'pretrained:DOMAIN', got {path!r}")
    if str(path).startswith(PRETRAINED_PREFIX) and not Path(path).exists():  # also `--model pretrained:tabla`
        return load_pretrained(str(path)[len(PRETRAINED_PREFIX):])
    return Generator(bundles.load(path))


def load_pretrained(domain: str) -> "Generator":
    """The small model for ``domain`` (``tabla`` or ``japanese``) shipped inside the package."""
    from seqgen.pretrained import pretrained_path

    return Generator(bundles.load(pretrained_path(check_domain(domain))))


def read_compositions(path: str | Path, *, lexicon: str | Path | None = None, encoding: str | None = None,
                      taal: str | None = None) -> list:
    """The compositions of a tabla notation file as the same dicts ``Generator.compositions`` returns,
    with ``to_wav``, ``to_midi``, ``to_svg`` and ``to_png``.

    Example:
        >>> seqgen.read_compositions("kaida.txt")[0].to_wav("kaida.wav", laya="drut")
    """
    from seqgen.pieces import read_compositions as read
    from seqgen.tokenizers.bols import load_lexicon

    return read(path, load_lexicon(lexicon) if lexicon is not None else None, encoding, taal)


class Generator:
    """A trained model with its vocabulary and tokenizer: sample, evaluate."""

    def __init__(self, bundle: bundles.Bundle):
        self.bundle = bundle

    @property
    def path(self) -> Path:
        return self.bundle.path

    @property
    def domain(self) -> str:
        return self.bundle.domain

    def evaluate(self, file: str | Path | None = None, order: int = 3, encoding: str | None = None,
                 samples: int | None = None) -> dict:
        """Cross-entropy, perplexity and accuracy on ``file`` (default: the held-out split), beside
        an interpolated Kneser-Ney baseline trained on the bundle's training split; and measures of
        generated samples (``samples`` of them per setting): taal validity and forms for tabla;
        stanza shape, meter, novelty and a grammar proxy for lyrics."""
        from seqgen.evaluation import evaluate

        return evaluate(self.bundle, file, order=order, encoding=encoding, samples=samples)

    def compositions(self, taal: str = "teentaal", cycles: int | None = None, n: int = 1, *,
                     form: str | None = None, khali: str | None = None, layakari: int | None = None,
                     prime: str | None = None, allow_unknown: bool = False, constrained: bool = True,
                     start: int | None = None, theme_cycles: int = 1, paltas: int = 0, phrase: int | None = None,
                     gap: int | None = None, **sampling: Any) -> list[dict]:
        """Generate tabla compositions; every cycle fits the taal (the shape is enforced while sampling).

        Args:
            taal: a registered taal name.
            cycles: cycles per composition (default: what the form needs; 4 for forms without a grammar).
            n: compositions to return.
            form: ``tihai``, ``tukda``, ``chakradar``, ``kaida``, ``rela`` and ``prakar`` are built by their
                grammar (the model picks the phrases); other forms the model knows (``theka``...) are
                sampled in taal.
            khali: ``hard``, ``soft`` or ``off`` (default: by form).
            layakari: strokes per matra (1-16); default: any, uniform within a composition.
            prime: tabla notation to continue from.
            allow_unknown: read prime tokens the model lacks as ``<unk>`` (with a warning).
            constrained: False samples freely (for measuring how often the raw model keeps the taal).
            start: the matra the piece begins on; after sam (> 1) it is a pickup and lands on sam.
            theme_cycles: length of a kaida's or rela's theme, whose third quarter is its khali.
            paltas: variations of a kaida's or rela's theme before its closing tihai.
            phrase, gap: a tihai's phrase and gap in strokes (default: the longest dam tihai in a cycle).
            **sampling: ``temperature``, ``top_k``, ``top_p``, ``greedy``, ``beam``, ``seed``.

        Returns:
            Dicts with ``taal``, ``form``, ``start``, ``cycles`` (lists of matras; a landing on sam
            is a last cycle of one matra), ``sections`` (``kind``, ``matras`` span counted from the
            piece's first matra, ``strokes`` span, ``text``) and canonical ``text``; each is a
            ``pieces.Piece``, a dict that also offers ``to_wav(path, bpm=...)``, ``to_midi(path, bpm=...)``,
            ``to_svg(path)`` and ``to_png(path)``.

        Example:
            >>> seqgen.load("pretrained:tabla").compositions(form="kaida", paltas=2, seed=3)[0]["sections"]

        Example:
            >>> seqgen.load("models/tabla").compositions(taal="teentaal", cycles=2, n=3, seed=7)

        Example:
            >>> seqgen.load("pretrained:tabla").compositions(seed=7)[0].to_wav("theka.wav", bpm=80)
        """
        from seqgen.generation import compositions
        from seqgen.pieces import Piece
        from seqgen.sampling import SamplingConfig

        generated = compositions(self.bundle, taal, cycles, n, form, khali, layakari, prime, allow_unknown,
                                 constrained, SamplingConfig.from_options(sampling), start, theme_cycles,
                                 paltas, phrase, gap)
        return [Piece(composition.to_dict()) for composition in generated]

    def stanzas(self, n: int = 3, lines: int = 4, *, min_tokens: int = 3, max_tokens: int = 12,
                prime: str | None = None, allow_unknown: bool = False, meter: str | list[int] | None = None,
                with_readings: bool = False, **sampling: Any) -> list[list]:
        """Generate one lyric of exactly ``n`` stanzas of exactly ``lines`` lines.

        Args:
            n: stanzas.
            lines: lines per stanza.
            min_tokens, max_tokens: words per line (without a meter).
            meter: morae per line, repeating over each stanza's lines: ``"7,5"``, ``[8, 8, 8, 6]``.
            with_readings: give each line as a dict of its ``text``, kana ``reading``, ``romaji``
                and ``morae`` instead of a string.
            prime: text the first line starts with.
            allow_unknown: read prime words the model lacks as ``<unk>`` (with a warning).
            **sampling: ``temperature``, ``top_k``, ``top_p``, ``greedy``, ``beam``, ``seed``.

        Returns:
            A list of stanzas, each a list of line strings (or dicts, ``with_readings``).

        Example:
            >>> seqgen.load("models/japanese").stanzas(3, lines=4, seed=7)

        Example:
            >>> seqgen.load("pretrained:japanese").stanzas(2, lines=4, meter="7,5", with_readings=True, seed=1)
        """
        from seqgen.generation import stanzas
        from seqgen.sampling import SamplingConfig

        return stanzas(self.bundle, n, lines, min_tokens, max_tokens, prime, allow_unknown,
                       SamplingConfig.from_options(sampling), meter, with_readings)

    def texts(self, n: int = 1, length: int = 200, *, prime: str | None = None, allow_unknown: bool = False,
              **sampling: Any) -> list[str]:
        """Generate ``n`` texts from a ``text`` model (words or characters, lines kept).

        Args:
            n: texts to return.
            length: the most tokens (words or characters, line breaks included) per text after the
                prime; a text the model ends earlier is shorter.
            prime: text to continue.
            allow_unknown: read prime tokens the model lacks as ``<unk>`` (with a warning).
            **sampling: ``temperature``, ``top_k``, ``top_p``, ``greedy``, ``beam``, ``seed``.

        Example:
            >>> seqgen.train("text", "poems.txt", epochs=20).texts(3, length=80, seed=7)
        """
        from seqgen.sampling import SamplingConfig
        from seqgen.text_generation import texts

        return texts(self.bundle, n, length, prime, allow_unknown, SamplingConfig.from_options(sampling))

    def melodies(self, bars: int = 8, n: int = 1, *, time: str | None = None, prime: str | None = None,
                 allow_unknown: bool = False, **sampling: Any) -> list[dict]:
        """Generate melodies from a ``notes`` model; every bar is filled exactly to the meter (enforced
        while sampling).

        Args:
            bars: bars per melody (a prime's count).
            n: melodies to return.
            time: the meter, ``"3/4"`` (default: the prime's, else the training corpus's most common).
            prime: note-name text to continue, e.g. ``"C4:1 E4:1 G4:2 |"``.
            allow_unknown: read prime notes the model lacks as ``<unk>`` (with a warning).
            **sampling: ``temperature``, ``top_k``, ``top_p``, ``greedy``, ``beam``, ``seed``.

        Returns:
            ``melodies.Melody`` dicts (``time``, ``bars``, ``notes``, ``text``) with ``to_midi(path, bpm=...)``
            and ``to_wav(path, bpm=...)``.

        Example:
            >>> seqgen.train("notes", "midi_folder/", epochs=20).melodies(bars=8, seed=7)[0].to_midi("out.mid")
        """
        from seqgen.melodies import melodies
        from seqgen.sampling import SamplingConfig

        return melodies(self.bundle, bars, n, time, prime, allow_unknown, SamplingConfig.from_options(sampling))

    def __repr__(self) -> str:
        return f"Generator({str(self.path)!r}, domain={self.domain!r})"
