"""The ``text`` domain's tokenizers: any sequence a user has, as whitespace-separated words or as characters.

Documents: a blank line (one or more lines holding only whitespace) ends a document, so a file without
blank lines is one document and a file of paragraphs is one document per paragraph. Lines inside a
document are kept: every line break becomes the structure token ``<nl>``, so generated text keeps its
lines.

- ``words`` (the default): each line is split at whitespace; a token is one word.
- ``chars``: each character of a line is a token; a space is ``<sp>`` and a tab ``<tab>``, so that a
  token list prints readably. Leading whitespace is kept (indentation means something in code or
  verse); trailing whitespace is dropped.

A word that spells a token seqgen reserves (``<s>``, ``<nl>``...) is escaped with a backslash, so
user text never reads as structure and comes back as written. Reading files (encodings, binary data)
is ``corpus``'s job; ids are ``vocab``'s.
"""

from __future__ import annotations

import re
from typing import Any

from seqgen.errors import SeqgenError
from seqgen.tokenizers.base import Document

LINE_END = "<nl>"
SPACE = "<sp>"
TAB = "<tab>"
UNITS = ("words", "chars")
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")
# the vocabulary's specials and this module's structure tokens: user text must never spell them
_RESERVED = frozenset({"<pad>", "<unk>", "<s>", "</s>", LINE_END, SPACE, TAB})
_ESCAPE = "\\"
_CHAR_TOKENS = {" ": SPACE, "\t": TAB}
_CHAR_TEXT = {token: char for char, token in _CHAR_TOKENS.items()}


def split_documents(text: str) -> list[list[str]]:
    """The documents of a text, each a list of its lines (trailing whitespace dropped); a blank line
    ends a document, and documents of blank lines only are dropped."""
    documents = []
    for block in _BLANK_LINES.split(text):
        lines = [line.rstrip() for line in block.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            documents.append(lines)
    return documents


def escape(token: str) -> str:
    """A user's word as a token: one that spells a reserved token (or an escaped one) gets a backslash."""
    return _ESCAPE + token if token.lstrip(_ESCAPE) in _RESERVED else token


def unescape(token: str) -> str:
    return token[1:] if token.startswith(_ESCAPE) and token.lstrip(_ESCAPE) in _RESERVED else token


class TextTokenizer:
    """Words or characters, lines kept as ``<nl>`` (see the module docstring for the rules).

    Args:
        unit: ``words`` or ``chars``; the registry makes one of each under those names.
    """

    def __init__(self, unit: str = "words"):
        if unit not in UNITS:
            raise SeqgenError(f"unknown text unit {unit!r}; use one of {', '.join(UNITS)}")
        self.unit = unit
        self.name = unit

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        return (LINE_END, SPACE, TAB) if self.unit == "chars" else (LINE_END,)

    def fit(self, texts: list[str]) -> None:
        """Nothing to learn: words and characters are what the text holds."""

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        return [Document(tuple(self.document_tokens(lines))) for lines in split_documents(text)]

    def document_tokens(self, lines: list[str]) -> list[str]:
        """Tokens of one document's lines, ``<nl>`` between lines."""
        tokens: list[str] = []
        for index, line in enumerate(lines):
            if index:
                tokens.append(LINE_END)
            tokens += self.line_tokens(line)
        return tokens

    def line_tokens(self, line: str) -> list[str]:
        if self.unit == "words":
            return [escape(word) for word in line.split()]
        return [_CHAR_TOKENS.get(char, char) for char in line.rstrip()]

    def detokenize(self, documents: list[Document]) -> str:
        return "\n\n".join(self.text(document.tokens) for document in documents) + "\n"

    def text(self, tokens: tuple[str, ...] | list[str]) -> str:
        """One document's text: lines joined by newlines. Specials a model may emit (``<unk>``) are
        shown as they are; ``<s>``/``</s>`` are dropped."""
        lines: list[list[str]] = [[]]
        for token in tokens:
            if token == LINE_END:
                lines.append([])
            elif token not in ("<s>", "</s>", "<pad>"):
                lines[-1].append(self.surface(token))
        joiner = " " if self.unit == "words" else ""
        return "\n".join(joiner.join(line) for line in lines)

    def surface(self, token: str) -> str:
        if self.unit == "chars":
            return _CHAR_TEXT.get(token, token)
        return unescape(token)

    def spec(self) -> dict[str, Any]:
        return {"name": self.name}
