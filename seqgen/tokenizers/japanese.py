"""``JapaneseTokenizer``: lyric lines cut into words by TinySegmenter (0.4).

TinySegmenter is imported on first use, so the registry and the CLI's help stay fast.
Song and stanza structure is ``lyrics``'s job.
"""

from __future__ import annotations

from typing import Any

from seqgen.tokenizers.lyrics import SPACE, LyricsTokenizer


class JapaneseTokenizer(LyricsTokenizer):
    """Word tokens from TinySegmenter; a run of spaces inside a line becomes one ``<sp>`` token."""

    name = "japanese"

    def __init__(self) -> None:
        self._segmenter = None

    def segment(self, line: str) -> list[str]:
        tokens: list[str] = []
        for index, chunk in enumerate(line.split()):
            if index:
                tokens.append(SPACE)
            tokens += self._words(chunk)
        return tokens

    def _words(self, chunk: str) -> list[str]:
        if self._segmenter is None:
            from tinysegmenter import TinySegmenter

            self._segmenter = TinySegmenter()
        return [word for word in self._segmenter.tokenize(chunk) if word.strip()]

    def join(self, pieces: list[str]) -> str:
        return "".join(" " if piece == SPACE else piece for piece in pieces)

    def spec(self) -> dict[str, Any]:
        return {"name": self.name}
