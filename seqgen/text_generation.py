"""Generating ``text``-domain documents (words or characters, lines kept) from a loaded bundle.

A text has no shape to enforce, so sampling is free: each text runs until the model ends it (``</s>``)
or reaches ``length`` tokens, where it is cut (that is the length asked for, not a failure, so no
warning). The prime is read by the bundle's own tokenizer, its lines kept. Printing is the CLI's job.
"""

from __future__ import annotations

import dataclasses
import warnings

from seqgen.errors import SeqgenError
from seqgen.generation import _require_domain, _sampler, encode_prime
from seqgen.sampling import SamplingConfig, TruncationWarning, flag, optional_text, whole_number

# tokens one text may have: a generous page of words, and a bound on a typo's cost
MAX_LENGTH = 100_000


def texts(bundle, n: int = 1, length: int = 200, prime: str | None = None, allow_unknown: bool = False,
          sampling: SamplingConfig = SamplingConfig()) -> list[str]:
    """``n`` texts continuing ``prime``, each at most ``length`` tokens after it.

    Raises:
        SeqgenError: a wrong argument type or value, a bundle of another domain, or prime tokens
            the model does not know (unless ``allow_unknown``).
    """
    _require_domain(bundle, "text")
    n = whole_number(n, "the number of texts", minimum=1)
    length = whole_number(length, "the length", minimum=1, maximum=MAX_LENGTH)
    prime, allow_unknown = optional_text(prime, "prime"), flag(allow_unknown, "allow_unknown")
    if not isinstance(sampling, SamplingConfig):
        raise SeqgenError(f"sampling must be a SamplingConfig, got {type(sampling).__name__}")
    tokenizer, vocab = bundle.tokenizer, bundle.vocab
    prime_tokens = tokenizer.document_tokens(prime.split("\n")) if prime else []
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)  # stopping at `length` is what was asked
        generated = _sampler(bundle).generate([vocab.start_id, *prime_ids], n,
                                              dataclasses.replace(sampling, max_tokens=length))
    return [tokenizer.text(prime_tokens + vocab.decode(ids)) for ids in generated]
