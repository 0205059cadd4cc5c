"""Song structure shared by the lyric tokenizers: songs, stanzas, lines and their break tokens.

A corpus file holds songs separated by a line ``---`` (or one song per file), stanzas separated by
blank lines, one lyric line per text line (DESIGN.md section 4). A song's stream is the tokens of
each line followed by ``<nl>``, except a stanza's last line, which ends with ``<stanza>``.
How a single line is cut into tokens is left to subclasses (TinySegmenter, sentencepiece).
"""

from __future__ import annotations

import re
import unicodedata

from seqgen.tokenizers.base import Document

LINE_END = "<nl>"
STANZA_END = "<stanza>"
SPACE = "<sp>"
SONG_SEPARATOR = "---"
_BLANK_LINES = re.compile(r"\n\s*\n")

Song = list[list[str]]  # stanzas of lines


def normalize(text: str) -> str:
    """NFKC, so full-width letters and half-width kana read as one spelling."""
    return unicodedata.normalize("NFKC", text)


def split_songs(text: str) -> list[Song]:
    """Songs of a corpus text, each a list of stanzas of non-empty, stripped lines."""
    songs: list[Song] = []
    for chunk in re.split(r"^[ \t]*---[ \t]*$", normalize(text), flags=re.MULTILINE):
        stanzas = []
        for block in _BLANK_LINES.split(chunk.strip()):
            lines = [line.strip() for line in block.splitlines() if line.strip()]
            if lines:
                stanzas.append(lines)
        if stanzas:
            songs.append(stanzas)
    return songs


class LyricsTokenizer:
    """Base of the lyric tokenizers; subclasses say how one line becomes tokens and back."""

    name = "lyrics"

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        return (LINE_END, STANZA_END, SPACE)

    def fit(self, texts: list[str]) -> None:
        """Learn from corpus texts before tokenizing; nothing to learn by default."""

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        return [Document(tuple(self.song_tokens(song))) for song in split_songs(text)]

    def song_tokens(self, song: Song) -> list[str]:
        tokens: list[str] = []
        for stanza in song:
            for index, line in enumerate(stanza):
                tokens += self.segment(line)
                tokens.append(STANZA_END if index == len(stanza) - 1 else LINE_END)
        return tokens

    def detokenize(self, documents: list[Document]) -> str:
        songs = [self.song_text(document.tokens) for document in documents]
        return f"\n\n{SONG_SEPARATOR}\n\n".join(songs) + "\n"

    def song_text(self, tokens: tuple[str, ...] | list[str]) -> str:
        """Lines joined by newlines, stanzas separated by a blank line."""
        return "\n\n".join("\n".join(stanza) for stanza in self.stanzas(tokens))

    def stanzas(self, tokens: tuple[str, ...] | list[str]) -> list[list[str]]:
        """The stanzas of a token stream as lists of line strings."""
        stanzas: list[list[str]] = []
        lines: list[str] = []
        pieces: list[str] = []
        for token in tokens:
            if token in (LINE_END, STANZA_END):
                lines.append(self.join(pieces))
                pieces = []
                if token == STANZA_END:
                    stanzas.append(lines)
                    lines = []
            else:
                pieces.append(token)
        if pieces:
            lines.append(self.join(pieces))
        if lines:
            stanzas.append(lines)
        return stanzas

    def surface(self, token: str) -> str:
        """The text a token stands for inside a line (the space token is a space)."""
        return " " if token == SPACE else token

    def lines(self, tokens: tuple[str, ...] | list[str]) -> list[list[str]]:
        """The lines of a token stream as lists of their tokens (line and stanza breaks dropped)."""
        lines: list[list[str]] = [[]]
        for token in tokens:
            if token in (LINE_END, STANZA_END):
                lines.append([])
            elif not (token.startswith("<") and token.endswith(">") and token != SPACE):
                lines[-1].append(token)
        return [line for line in lines if line]

    def segment(self, line: str) -> list[str]:
        raise NotImplementedError

    def join(self, pieces: list[str]) -> str:
        raise NotImplementedError
