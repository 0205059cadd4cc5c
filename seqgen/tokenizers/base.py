"""The domain-agnostic tokenizer layer: the ``Tokenizer`` protocol, ``Document`` and the registry.

A tokenizer turns corpus text into documents of string tokens and back, and describes itself
with a JSON-serialisable spec so a model bundle can rebuild it. Ids are ``vocab``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from seqgen.errors import SeqgenError


@dataclass(frozen=True)
class Document:
    """One unit of training text (a composition, a song) as tokens.

    ``headers`` carries what the model does not see but a lossless round trip needs
    (a composition's title, free comment lines); it is empty for generated documents.
    """

    tokens: tuple[str, ...]
    headers: tuple[tuple[str | None, str], ...] = field(default=())


@runtime_checkable
class Tokenizer(Protocol):
    """What every tokenizer offers."""

    name: str

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        """Tokens the vocabulary must always keep (bars, line breaks, ...)."""
        ...

    def fit(self, texts: list[str]) -> None:
        """Learn what the tokenizer needs from corpus texts (a no-op for fixed tokenizers)."""
        ...

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        """Split one file's text into documents of tokens."""
        ...

    def detokenize(self, documents: list[Document]) -> str:
        """Text for documents (canonical form for tabla)."""
        ...

    def spec(self) -> dict[str, Any]:
        """JSON-serialisable description; ``from_spec(spec)`` rebuilds an equal tokenizer."""
        ...


class UnknownTokenizer(SeqgenError):
    """A tokenizer name that is not registered."""


TOKENIZER_NAMES = ("tabla", "japanese", "sentencepiece", "words", "chars", "notes")


def create(name: str, **options: Any) -> Tokenizer:
    """Make a tokenizer by registry name (``tabla``, ``japanese``, ``sentencepiece``, ``words``, ``chars``).

    The classes are imported here, not at module import, so that importing the registry
    loads neither TinySegmenter nor sentencepiece.

    Raises:
        UnknownTokenizer: naming the valid tokenizers.
    """
    key = name.strip().lower()
    if key == "tabla":
        from seqgen.tokenizers.tabla import TablaTokenizer

        return TablaTokenizer(**options)
    if key == "japanese":
        from seqgen.tokenizers.japanese import JapaneseTokenizer

        return JapaneseTokenizer(**options)
    if key == "sentencepiece":
        from seqgen.tokenizers.sentencepiece_tokenizer import SentencePieceTokenizer

        return SentencePieceTokenizer(**options)
    if key in ("words", "chars"):
        from seqgen.tokenizers.text import TextTokenizer

        return TextTokenizer(key, **options)
    if key == "notes":
        from seqgen.tokenizers.notes import NotesTokenizer

        return NotesTokenizer(**options)
    raise UnknownTokenizer(f"unknown tokenizer {name!r}; known tokenizers: {', '.join(TOKENIZER_NAMES)}")


def from_spec(spec: dict[str, Any]) -> Tokenizer:
    """Rebuild a tokenizer from ``Tokenizer.spec()``."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SeqgenError("tokenizer spec must be an object with a 'name'")
    options = {key: value for key, value in spec.items() if key != "name"}
    try:
        return create(spec["name"], **options)
    except TypeError as error:
        raise SeqgenError(f"tokenizer spec for {spec['name']!r} has unexpected settings: {error}") from None
