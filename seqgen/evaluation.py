"""Evaluating a bundle: cross-entropy, perplexity and next-token accuracy of the LSTM on a text,
beside an interpolated Kneser-Ney baseline fitted on the bundle's training split; and measures of
what it generates (taal structure and forms for tabla here, lyrics in ``lyrics_quality``).

Uses the NumPy forward pass (no TensorFlow); the n-gram maths is ``ngram``'s.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from seqgen.corpus import read_corpus
from seqgen.errors import SeqgenError
from seqgen.ngram import KneserNey, check_order
from seqgen.numpy_model import from_bundle, log_softmax

# documents evaluated together in one padded batch
_BATCH = 32
# the Kneser-Ney baseline ranks every vocabulary entry for accuracy; above this size it samples
_MAX_RANKED_VOCAB = 400
# The Kneser-Ney baseline counts n-grams in Python dicts: past this many training tokens (a streamed
# corpus of hundreds of MB) it is fitted on the first whole documents up to it, so that evaluating
# stays within memory and minutes. Every shipped corpus is far below it.
BASELINE_TOKENS = 5_000_000
# Token ids read from a training split at a time where it is only counted or walked through.
_READ_TOKENS = 1 << 20


def documents_of(bundle, file: str | Path | None, encoding: str | None = None) -> list[np.ndarray]:
    """Id sequences ``<s> ... </s>`` of a text file, or of the bundle's held-out split."""
    if file is None:
        splits = bundle.splits()
        stream = splits["test"] if len(splits.get("test", [])) else splits["val"]
        if not len(stream):
            raise SeqgenError(f"{bundle.path} has no held-out documents (trained with --val-frac 0); pass a FILE")
        return split_stream(stream, bundle.vocab.start_id)
    sequences = []
    for source, text in read_corpus(file, encoding):
        for document in bundle.tokenizer.tokenize(text, source):
            if document.tokens:
                ids = [bundle.vocab.start_id, *bundle.vocab.encode(document.tokens), bundle.vocab.end_id]
                sequences.append(np.asarray(ids, dtype=np.int32))
    if not sequences:
        raise SeqgenError(f"{file}: no documents to evaluate")
    return sequences


def split_stream(stream: np.ndarray, start_id: int) -> list[np.ndarray]:
    """Cut an id stream at each ``<s>`` into documents."""
    starts = np.flatnonzero(stream == start_id).tolist() + [len(stream)]
    return [stream[begin:end] for begin, end in zip(starts, starts[1:]) if end - begin > 1]


def lstm_scores(model, documents: list[np.ndarray]) -> tuple[float, int, int]:
    """(sum of -log p of every next token, tokens, correct argmax predictions)."""
    _, nats, correct = lstm_token_scores(model, documents)
    return float(nats.sum()), len(nats), int(correct.sum())


def lstm_token_scores(model, documents: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every next token of the documents (in no set order): its id, its -log p, and whether the
    argmax predicted it; for sums over a subset of the tokens (``compare``: notes without bar lines)."""
    targets_found, nats_found, correct_found = [], [], []
    ordered = sorted(documents, key=len)  # similar lengths together: less padding
    for begin in range(0, len(ordered), _BATCH):
        batch = ordered[begin:begin + _BATCH]
        width = max(len(document) for document in batch) - 1
        inputs = np.zeros((len(batch), width), dtype=np.int32)
        targets = np.zeros_like(inputs)
        mask = np.zeros(inputs.shape, dtype=bool)
        for row, document in enumerate(batch):
            inputs[row, :len(document) - 1] = document[:-1]
            targets[row, :len(document) - 1] = document[1:]
            mask[row, :len(document) - 1] = True
        log_probs = log_softmax(model.sequence_logits(inputs))
        picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
        targets_found.append(targets[mask])
        nats_found.append(-picked[mask].astype(np.float64))
        correct_found.append((log_probs.argmax(-1) == targets)[mask])
    return np.concatenate(targets_found), np.concatenate(nats_found), np.concatenate(correct_found)


def ngram_scores(ngram: KneserNey, documents: list[np.ndarray], vocab_size: int, start_id: int,
                 with_accuracy: bool = True):
    """Same triple for the n-gram model; accuracy ranks the whole vocabulary when it is small (and
    is asked for), else it is None."""
    _, nats, correct = ngram_token_scores(ngram, documents, vocab_size, start_id, with_accuracy)
    return float(nats.sum()), len(nats), (None if correct is None else int(correct.sum()))


def ngram_token_scores(ngram: KneserNey, documents: list[np.ndarray], vocab_size: int, start_id: int,
                       with_accuracy: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``lstm_token_scores`` for the n-gram model, in document order; the correctness array is None
    when the vocabulary is too large to rank (or ``with_accuracy`` is False)."""
    rank = with_accuracy and vocab_size <= _MAX_RANKED_VOCAB
    targets, nats, correct = [], [], []
    for document in documents:
        context = [start_id] * (ngram.order - 1)
        for token in document[1:].tolist():
            if rank:
                probabilities = ngram.distribution(tuple(context))
                nats.append(-math.log(probabilities[token]))
                correct.append(int(probabilities.argmax()) == token)  # the first of equals, as most_likely
            else:
                nats.append(-ngram.logprob(tuple(context), token))
            targets.append(token)
            context.append(token)
    return (np.asarray(targets, dtype=np.int64), np.asarray(nats, dtype=np.float64),
            np.asarray(correct, dtype=bool) if rank else None)


def evaluate(bundle, file: str | Path | None = None, order: int = 3, encoding: str | None = None,
             samples: int | None = None) -> dict:
    """Metrics of the bundle's model and of a Kneser-Ney baseline on the same tokens.

    Args:
        samples: pieces generated per setting for the generation measures (default: 20 tabla
            compositions for ``structure`` and 5 per taal and form for ``forms``; 10 songs without
            a meter and under each meter for ``lyrics``).

    Returns:
        ``tokens``, ``cross_entropy_nats``, ``bits_per_token``, ``perplexity``, ``accuracy`` and
        ``baseline`` (``name``, ``perplexity``, ``accuracy``; accuracy is None for large vocabularies);
        for tabla ``structure`` and ``forms``, for lyrics ``lyrics`` (``lyrics_quality.lyric_metrics``).
    """
    check_order(order)  # before any work: a huge order would exhaust memory in the fit
    samples = check_samples(samples)
    documents = documents_of(bundle, file, encoding)
    nats, tokens, correct = lstm_scores(from_bundle(bundle), documents)
    start = bundle.vocab.start_id
    train = bundle.splits()["train"]
    training, fitted = baseline_training(train, start)
    ngram = KneserNey(order, len(bundle.vocab)).fit(training, pad=start)
    base_nats, _, base_correct = ngram_scores(ngram, documents, len(bundle.vocab), start)
    cross_entropy = nats / tokens
    result = {
        "tokens": tokens,
        "cross_entropy_nats": cross_entropy,
        "bits_per_token": cross_entropy / math.log(2),
        "perplexity": math.exp(cross_entropy),
        "accuracy": correct / tokens,
        "baseline": {
            "name": f"interpolated Kneser-Ney, order {order}" + (
                "" if fitted == len(train) else
                f", fitted on the first {fitted:,} of {len(train):,} training tokens (whole documents)"),
            "perplexity": math.exp(base_nats / tokens),
            "accuracy": None if base_correct is None else base_correct / tokens,
        },
    }
    if bundle.domain == "tabla":
        result["structure"] = structure_metrics(bundle, **({"samples": samples} if samples else {}))
        result["forms"] = form_metrics(bundle, **({"samples": samples} if samples else {}))
    elif bundle.domain == "japanese":
        from seqgen.lyrics_quality import lyric_metrics

        result["lyrics"] = lyric_metrics(bundle, **({"songs": samples} if samples else {}))
    return result


# generation measures take seconds per sample on a large model: a bound keeps a typo from running for hours
MAX_SAMPLES = 1000


def check_samples(samples) -> int | None:
    """``samples`` checked: None (each measure's default) or a whole number from 1 to ``MAX_SAMPLES``."""
    from seqgen.sampling import whole_number

    return None if samples is None else whole_number(samples, "samples", minimum=1, maximum=MAX_SAMPLES)


def structure_metrics(bundle, samples: int = 20, cycles: int = 2, seed: int = 0) -> dict:
    """Share of sampled compositions whose every cycle fits the taal, sampled freely and under
    the taal constraint (which must give 1.0)."""
    from seqgen.generation import compositions
    from seqgen.sampling import SamplingConfig
    from seqgen.tokenizers.tabla_notation import Composition, read
    from seqgen.validator import errors, validate

    taal = corpus_taal(bundle)

    def valid_shares(constrained: bool) -> tuple[float, float]:
        # free samples run until the model ends them (up to a generous cap)
        config = SamplingConfig(seed=seed, max_tokens=3000)
        generated = compositions(bundle, taal, cycles, samples, constrained=constrained, sampling=config)
        valid_samples = closed = valid_cycles = 0
        for composition in generated:
            # a free sample may not even read as notation (a matra of 40 strokes): that is invalid, not an error
            [(parsed, unreadable)] = read(composition.text)[:1] or [(Composition(), [])]
            valid_samples += bool(parsed.cycles) and not unreadable and not errors(validate(parsed, taal))
            for cycle in parsed.cycles:
                if cycle.closed:
                    closed += 1
                    single = Composition(cycles=[cycle])
                    valid_cycles += not errors(validate(single, taal))
        return valid_samples / samples, (valid_cycles / closed if closed else 0.0)

    free_samples, free_cycles = valid_shares(False)
    constrained_samples, _ = valid_shares(True)
    return {"taal": taal, "samples": samples, "unconstrained_valid": free_samples,
            "unconstrained_cycles_valid": free_cycles, "constrained_valid": constrained_samples}


def baseline_prefix(train: np.ndarray, start_id: int, limit: int | None = None) -> int:
    """How many leading tokens of the training stream the baseline is fitted on: all of them, or the
    whole documents that fit in the first ``limit`` (``BASELINE_TOKENS``) tokens (the first
    ``limit`` tokens where the first document alone is longer)."""
    limit = BASELINE_TOKENS if limit is None else limit
    if len(train) <= limit:
        return len(train)
    starts = np.flatnonzero(np.asarray(train[1:limit + 1]) == start_id) + 1  # documents begun by the limit
    return int(starts[-1]) if len(starts) else limit  # the documents before the last of them are whole


def baseline_training(train: np.ndarray, start_id: int) -> tuple[list[list[int]], int]:
    """The training documents (ids after each ``<s>``) a Kneser-Ney baseline is fitted on, and how
    many leading tokens of the split they are (``baseline_prefix``); ``compare`` fits on the same."""
    fitted = baseline_prefix(train, start_id)
    return [document[1:].tolist() for document in split_stream(np.asarray(train[:fitted]), start_id)], fitted


def stream_blocks(stream):
    """An id stream (memory-mapped for a streamed corpus) as in-memory blocks of at most
    ``_READ_TOKENS`` ids, in order: for walking a whole split without loading it whole."""
    for begin in range(0, len(stream), _READ_TOKENS):
        yield np.asarray(stream[begin:begin + _READ_TOKENS])


def train_token_counts(bundle) -> np.ndarray:
    """How often each vocabulary id occurs in the training split, read a block at a time."""
    counts = np.zeros(len(bundle.vocab), dtype=np.int64)
    for block in stream_blocks(bundle.splits()["train"]):
        counts += np.bincount(block, minlength=len(counts))
    return counts


def corpus_taal(bundle) -> str:
    """The taal the bundle's training compositions name most often (teentaal when none does)."""
    from collections import Counter

    from seqgen.tokenizers.tabla import header_token_value

    named: Counter = Counter()
    for token, count in zip(bundle.vocab.tokens, train_token_counts(bundle).tolist()):
        if count and (value := header_token_value(token, "taal")) is not None:
            named[value] += count
    return named.most_common(1)[0][0] if named else "teentaal"


def form_metrics(bundle, samples: int = 5, seed: int = 0) -> dict:
    """For each taal, the share of generated tihais that play three equal phrases into sam and of
    generated kaidas (theme, a palta, tihai) whose every khali quarter mirrors its first quarter
    stroke for stroke; and novelty: the share of generated cycles copied whole from the training
    split. The form grammar is meant to make both shares 1.0; these numbers check that it does."""
    from seqgen.generation import compositions
    from seqgen.sampling import SamplingConfig
    from seqgen.taals import TAALS

    per_taal, generated = {}, []
    config = SamplingConfig(seed=seed)
    for name, taal in TAALS.items():
        tihais = compositions(bundle, name, n=samples, form="tihai", sampling=config)
        kaidas = compositions(bundle, name, n=samples, form="kaida", paltas=1, sampling=config,
                              theme_cycles=_theme_cycles_for(taal))
        per_taal[name] = {"tihai_on_sam": _share(tihais, lambda piece: _lands_on_sam(piece, taal)),
                          "kaida_mirrored": _share(kaidas, lambda piece: _mirrors(piece, taal))}
        generated += [tuple(cycle) for piece in tihais + kaidas for cycle in piece.cycles[:-1]]
    corpus = _corpus_cycles(bundle)
    copied = sum(cycle in corpus for cycle in generated)
    return {"samples_per_taal": samples, "per_taal": per_taal,
            "novelty": {"cycles": len(generated), "copied_from_corpus": copied / len(generated) if generated else 0.0}}


def _share(pieces, test) -> float:
    return sum(bool(test(piece)) for piece in pieces) / len(pieces) if pieces else 0.0


def _theme_cycles_for(taal) -> int:
    from seqgen.forms import theme_quarters

    q1, q2, q3, q4 = theme_quarters(taal.matras)
    return 1 if len(q1) == len(q3) and len(q2) == len(q4) and len(q1) else 2


def _lands_on_sam(piece, taal) -> bool:
    from seqgen.tokenizers.tabla_notation import parse
    from seqgen.validator import closing_tihai, errors, validate

    [composition] = parse(piece.text)
    found = closing_tihai(composition, taal)
    return not errors(validate(composition)) and found is not None and found.on_sam


def _mirrors(piece, taal) -> bool:
    """Every theme and palta unit: khali quarter == first quarter closed, stroke for stroke."""
    from seqgen.forms import theme_quarters
    from seqgen.tokenizers.bols import khali
    from seqgen.tokenizers.tabla_notation import parse
    from seqgen.validator import theme_cycles_of, theme_matras

    [composition] = parse(piece.text)
    unit = theme_cycles_of(composition, taal) * taal.matras
    matras = theme_matras(composition, taal)
    q1, _, q3, _ = theme_quarters(unit)
    units = [matras[start:start + unit] for start in range(0, len(matras) - unit + 1, unit)]
    return bool(units) and all(
        [khali(bol) for index in q1 for bol in part[index].bols] == [bol for index in q3 for bol in part[index].bols]
        for part in units)


def _corpus_cycles(bundle) -> set[tuple[str, ...]]:
    """Every closed cycle of the training split, as its matras' canonical text."""
    from seqgen.tokenizers.tabla import tokens_to_composition

    cycles: set[tuple[str, ...]] = set()
    start = bundle.vocab.start_id
    for document in split_stream(bundle.splits()["train"], start):  # one document decoded at a time
        tokens = bundle.vocab.decode(document.tolist())
        for part in _between_ends(tokens):
            for cycle in tokens_to_composition(part).cycles if part else []:
                if cycle.closed:
                    cycles.add(tuple(matra.text for matra in cycle.matras))
    return cycles


def _between_ends(tokens: list[str]) -> list[list[str]]:
    """A document's tokens without its ``<s>``, cut at each ``</s>`` (as the whole stream was)."""
    parts, part = [], []
    for token in tokens:
        if token in ("<s>", "</s>"):
            parts.append(part)
            part = []
        else:
            part.append(token)
    return parts + [part]
