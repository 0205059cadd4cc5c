"""Generating tabla compositions and lyric stanzas from a loaded bundle, shape enforced while sampling.

Builds the prime (``<s>``, taal and form tokens, the user's prime text), the constraint (taal
cycles or stanza shape) and hands them to ``sampling``; turns the ids back into compositions or
stanzas. Printing is the CLI's and ``render``'s job.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from seqgen.constraints import LAYAKARIS, StanzaConstraint, TaalConstraint, state_after
from seqgen.errors import SeqgenError
from seqgen.numpy_model import from_bundle
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.taals import get_taal
from seqgen.tokenizers import Document
from seqgen.tokenizers.lyrics import normalize
from seqgen.tokenizers.tabla import composition_tokens, form_token, taal_token
from seqgen.tokenizers.tabla_notation import parse
from seqgen.vocab import PAD, UNK


class PrimeWarning(UserWarning):
    """Prime tokens the vocabulary lacks were replaced by ``<unk>``."""


@dataclass(frozen=True)
class GeneratedComposition:
    """One composition: its taal and form, its cycles as lists of matras, canonical text."""

    taal: str
    form: str | None
    cycles: list[list[str]]
    text: str

    def to_dict(self) -> dict:
        return {"taal": self.taal, "form": self.form, "cycles": self.cycles, "text": self.text}


def _sampler(bundle) -> Sampler:
    vocab = bundle.vocab
    return Sampler(from_bundle(bundle), vocab.end_id, [vocab.id(PAD), vocab.unk_id, vocab.start_id])


def _require_domain(bundle, domain: str) -> None:
    if bundle.domain != domain:
        raise SeqgenError(f"{bundle.path} is a {bundle.domain} model; this needs a {domain} model")


def encode_prime(vocab, tokens: list[str], allow_unknown: bool) -> list[int]:
    """Ids of prime tokens; unknown ones are an error, or ``<unk>`` with a warning when allowed."""
    unknown = [token for token in tokens if token not in vocab]
    if unknown and not allow_unknown:
        raise SeqgenError(f"the prime holds tokens this model does not know: {' '.join(dict.fromkeys(unknown))} "
                          f"(use --allow-unknown to read them as {UNK})")
    if unknown:
        warnings.warn(f"prime tokens unknown to the model read as {UNK}: {' '.join(dict.fromkeys(unknown))}",
                      PrimeWarning, stacklevel=3)
    return vocab.encode(tokens)


def compositions(bundle, taal: str = "teentaal", cycles: int = 4, n: int = 1, form: str | None = None,
                 khali: str | None = None, layakari: int | None = None, prime: str | None = None,
                 allow_unknown: bool = False, constrained: bool = True,
                 sampling: SamplingConfig = SamplingConfig()) -> list[GeneratedComposition]:
    """``n`` compositions of ``cycles`` cycles of ``taal`` (every one valid when ``constrained``)."""
    _require_domain(bundle, "tabla")
    record = get_taal(taal)
    vocab = bundle.vocab
    header = [taal_token(record.name)] if taal_token(record.name) in vocab else []
    if form is not None:
        form = form.strip().lower()
        if form_token(form) not in vocab:
            known = sorted(t[6:-1] for t in vocab.tokens if t.startswith("<form:"))
            raise SeqgenError(f"unknown form {form!r} for this model; known forms: {', '.join(known)}")
        header.append(form_token(form))
    prime_tokens = _tabla_prime_tokens(prime)
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    constraint = state = None
    if constrained:
        layakaris = (layakari,) if layakari else LAYAKARIS
        constraint = TaalConstraint(vocab, record, cycles, form, khali, layakaris)
        state = state_after(constraint, prime_ids)
    generated = _sampler(bundle).generate([vocab.start_id, *vocab.encode(header), *prime_ids], n, sampling,
                                          constraint, state)
    return [_composition(bundle, record.name, form, header + prime_tokens + vocab.decode(ids)) for ids in generated]


def _tabla_prime_tokens(prime: str | None) -> list[str]:
    if not prime or not prime.strip():
        return []
    compositions = [c for c in parse(prime, "<prime>") if c.cycles]
    if len(compositions) != 1:
        raise SeqgenError("the prime must be one piece of tabla notation, e.g. 'Dha Dhin Dhin Dha |'")
    return [token for token in composition_tokens(compositions[0]) if not token.startswith("<")]


def _composition(bundle, taal: str, form: str | None, tokens: list[str]) -> GeneratedComposition:
    composition = bundle.tokenizer.composition(Document(tuple(tokens)))
    cycles = [[matra.text for matra in cycle.matras] for cycle in composition.cycles]
    return GeneratedComposition(taal, form, cycles, composition.text())


def stanzas(bundle, count: int = 3, lines: int = 4, min_tokens: int = 3, max_tokens: int = 12,
            prime: str | None = None, allow_unknown: bool = False,
            sampling: SamplingConfig = SamplingConfig()) -> list[list[str]]:
    """One song of ``count`` stanzas of exactly ``lines`` lines each, as lists of line strings."""
    _require_domain(bundle, "japanese")
    vocab = bundle.vocab
    prime_tokens = bundle.tokenizer.segment(normalize(prime.strip())) if prime and prime.strip() else []
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    constraint = StanzaConstraint(vocab, count, lines, min_tokens, max_tokens)
    state = state_after(constraint, prime_ids)
    [ids] = _sampler(bundle).generate([vocab.start_id, *prime_ids], 1, sampling, constraint, state)
    return bundle.tokenizer.stanzas(prime_tokens + vocab.decode(ids))
