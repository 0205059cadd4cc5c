"""Domains (``tabla``, ``japanese``): which tokenizer each uses by default, and corpus -> documents.

Reading bytes is ``corpus``'s job and cutting text is the tokenizers'; this module joins them.
"""

from __future__ import annotations

from pathlib import Path

from seqgen.corpus import read_corpus
from seqgen.errors import SeqgenError
from seqgen.tokenizers import TOKENIZER_NAMES, Document, Tokenizer, create

# domain -> (default tokenizer, tokenizers it accepts)
DOMAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tabla": ("tabla", ("tabla",)),
    "japanese": ("japanese", ("japanese", "sentencepiece")),
}


class UnknownDomain(SeqgenError):
    """A domain name that is not registered."""


def check_domain(domain: str) -> str:
    """The normalised domain name, or ``UnknownDomain`` naming the valid ones."""
    key = domain.strip().lower()
    if key not in DOMAINS:
        raise UnknownDomain(f"unknown domain {domain!r}; known domains: {', '.join(DOMAINS)}")
    return key


def tokenizer_for(domain: str, tokenizer: str | None = None, lexicon: str | Path | None = None,
                  **options) -> Tokenizer:
    """A fresh tokenizer for ``domain`` (its default, or ``tokenizer`` if the domain accepts it);
    ``lexicon`` is a tabla lexicon file of extra syllables (see ``tokenizers.bols``)."""
    domain = check_domain(domain)
    default, accepted = DOMAINS[domain]
    name = (tokenizer or default).strip().lower()
    if name not in TOKENIZER_NAMES:
        raise SeqgenError(f"unknown tokenizer {name!r}; known tokenizers: {', '.join(TOKENIZER_NAMES)}")
    if name not in accepted:
        raise SeqgenError(f"tokenizer {name!r} does not fit domain {domain!r}; use one of {', '.join(accepted)}")
    if lexicon is not None:
        if name != "tabla":
            raise SeqgenError(f"a lexicon file declares tabla syllables; it does not apply to the {domain} domain")
        from seqgen.tokenizers.bols import load_lexicon

        options["bols"] = [syllable.declaration() for syllable in load_lexicon(lexicon).declared()]
    return create(name, **options)


def load_documents(tokenizer: Tokenizer, corpus: str | Path, encoding: str | None = None) -> list[Document]:
    """Read a corpus file or folder, fit the tokenizer on it, and return its non-empty documents.

    Raises:
        SeqgenError: unreadable files, notation errors, or a corpus without any document.
    """
    texts = read_corpus(corpus, encoding)
    if tokenizer.name == "tabla":
        from seqgen.checking import require_valid

        for source, text in texts:
            require_valid(text, source, getattr(tokenizer, "lexicon", None))
    tokenizer.fit([text for _, text in texts])
    documents = [doc for source, text in texts for doc in tokenizer.tokenize(text, source) if doc.tokens]
    if not documents:
        raise SeqgenError(f"{corpus}: the corpus is empty (no {tokenizer.name} documents found)")
    return documents
