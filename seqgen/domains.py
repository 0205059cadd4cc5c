"""Domains (``tabla``, ``japanese``, ``text``): which tokenizer each uses by default, and corpus -> documents.

Reading bytes is ``corpus``'s job and cutting text is the tokenizers'; this module joins them, with
``token_cache`` remembering the result.
"""

from __future__ import annotations

from pathlib import Path

from seqgen.corpus import TEXT_SUFFIXES, check_encoding, iter_corpus
from seqgen.errors import SeqgenError
from seqgen.tokenizers import TOKENIZER_NAMES, Document, Tokenizer, create

# domain -> (default tokenizer, tokenizers it accepts)
DOMAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tabla": ("tabla", ("tabla",)),
    "japanese": ("japanese", ("japanese", "sentencepiece")),
    # any token sequence: whitespace words, or characters with --tokenizer chars (tokenizers.text)
    "text": ("words", ("words", "chars")),
    # melodies: note-name text and MIDI files (tokenizers.notes, notes_midi)
    "notes": ("notes", ("notes",)),
}


def file_suffixes(tokenizer: Tokenizer) -> tuple[str, ...]:
    """The corpus files a tokenizer reads in a folder: ``.txt``, unless it names more (notes: MIDI too)."""
    return getattr(tokenizer, "suffixes", TEXT_SUFFIXES)


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

    A corpus tokenized before with the same tokenizer and settings comes from ``token_cache``
    (which also leaves the tokenizer fitted as before); a large lyric corpus is segmented on all
    cores (``tokenizers.parallel``).

    Raises:
        SeqgenError: unreadable files, notation errors, or a corpus without any document.
    """
    from seqgen import token_cache  # here: the cache and the workers are only for reading a corpus

    if encoding is not None:
        encoding = check_encoding(encoding)
    key = token_cache.CorpusKey.start(tokenizer, encoding)  # before fit: the spec as the user chose it
    root = Path(corpus)
    texts = []
    for file, data, text in iter_corpus(corpus, encoding, file_suffixes(tokenizer)):
        texts.append((str(file), text))
        if key is not None:
            key.add(_relative_name(file, root), data)
    if key is not None and (documents := token_cache.load(key, tokenizer)) is not None:
        return documents
    documents = _tokenize(tokenizer, texts, corpus)
    if key is not None:
        token_cache.store(key, tokenizer, documents)
    return documents


def _tokenize(tokenizer: Tokenizer, texts: list[tuple[str, str]], corpus: str | Path) -> list[Document]:
    from seqgen.tokenizers.parallel import tokenize_texts

    if tokenizer.name == "tabla":
        from seqgen.checking import require_valid

        for source, text in texts:
            require_valid(text, source, getattr(tokenizer, "lexicon", None))
    tokenizer.fit([text for _, text in texts])
    documents = [doc for doc in tokenize_texts(tokenizer, texts) if doc.tokens]
    if not documents:
        raise SeqgenError(f"{corpus}: the corpus is empty (no {tokenizer.name} documents found)")
    return documents


def _relative_name(file: Path, root: Path) -> str:
    """A corpus file's name as the cache key records it: relative to the corpus folder."""
    try:
        return file.relative_to(root).as_posix() if file != root else file.name
    except ValueError:
        return file.as_posix()
