"""Tokenizers: text <-> documents of tokens (see ``base`` for the protocol and registry)."""

from seqgen.tokenizers.base import TOKENIZER_NAMES, Document, Tokenizer, create, from_spec

__all__ = ["TOKENIZER_NAMES", "Document", "Tokenizer", "create", "from_spec"]
