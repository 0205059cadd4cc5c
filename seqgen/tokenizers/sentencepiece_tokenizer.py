"""``SentencePieceTokenizer``: lyric lines cut into unigram or BPE pieces learnt from the corpus.

The model is trained in memory by ``fit`` and travels inside the spec (base64), so a bundle
rebuilds it without the corpus. Song and stanza structure is ``lyrics``'s job.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from seqgen.errors import SeqgenError
from seqgen.tokenizers.lyrics import LyricsTokenizer, split_songs

MODEL_TYPES = ("unigram", "bpe")


class SentencePieceTokenizer(LyricsTokenizer):
    """Subword pieces; untrained until ``fit`` is called or a spec with a model is loaded.

    Args:
        vocab_size: pieces to learn (a soft limit: small corpora get fewer).
        model_type: ``unigram`` or ``bpe``.
        model: base64 of a trained sentencepiece model (as found in ``spec()``).
    """

    name = "sentencepiece"

    def __init__(self, vocab_size: int = 2000, model_type: str = "unigram", model: str | None = None):
        if model_type not in MODEL_TYPES:
            raise SeqgenError(f"unknown sentencepiece model type {model_type!r}; use one of {', '.join(MODEL_TYPES)}")
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 10:
            raise SeqgenError(f"sentencepiece vocab_size must be a whole number >= 10, got {vocab_size!r}")
        self.vocab_size = vocab_size
        self.model_type = model_type
        self._model_bytes = None
        self._processor = None
        if model is not None:
            self._load(model)

    def _load(self, model: str) -> None:
        """Decode and open a stored model now, so a damaged one is refused when the bundle loads,
        not in the middle of sampling."""
        if not isinstance(model, str) or not model:
            raise SeqgenError("sentencepiece model must be a non-empty base64 string")
        try:
            self._model_bytes = base64.b64decode(model, validate=True)
        except (binascii.Error, ValueError):
            raise SeqgenError("sentencepiece model is not valid base64") from None
        import sentencepiece

        try:
            processor = sentencepiece.SentencePieceProcessor(model_proto=self._model_bytes)
        except (RuntimeError, TypeError, ValueError, OSError) as error:
            raise SeqgenError(f"sentencepiece model is damaged and cannot be opened ({_first_line(error)})") from None
        if processor.get_piece_size() < 1:
            raise SeqgenError("sentencepiece model is damaged: it holds no pieces")
        self._processor = processor

    @property
    def trained(self) -> bool:
        return self._model_bytes is not None

    def fit(self, texts: list[str]) -> None:
        import sentencepiece

        lines = [line for text in texts for song in split_songs(text) for stanza in song for line in stanza]
        if not lines:
            raise SeqgenError("sentencepiece needs at least one line of text to learn from")
        buffer = io.BytesIO()
        try:
            self._train(sentencepiece, lines, buffer)
        except RuntimeError as error:
            raise SeqgenError(f"sentencepiece could not learn from this corpus: {_first_line(error)}") from None
        self._model_bytes = buffer.getvalue()
        self._processor = None

    def _train(self, sentencepiece, lines: list[str], buffer: io.BytesIO) -> None:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=buffer, vocab_size=self.vocab_size,
            model_type=self.model_type, character_coverage=0.9995, hard_vocab_limit=False,
            # no dummy space before each line: Japanese lines do not start with a word break
            add_dummy_prefix=False, bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0,
            num_threads=1, minloglevel=2,
        )

    @property
    def processor(self):
        if self._model_bytes is None:
            raise SeqgenError("the sentencepiece tokenizer is not trained: call fit() on the corpus first")
        if self._processor is None:
            import sentencepiece

            self._processor = sentencepiece.SentencePieceProcessor(model_proto=self._model_bytes)
        return self._processor

    def model_bytes(self) -> bytes:
        """The serialized sentencepiece model (stored in bundles as ``tokenizer.model``)."""
        self.processor  # raises when untrained
        return self._model_bytes

    def segment(self, line: str) -> list[str]:
        return list(self.processor.encode(line, out_type=str))

    def surface(self, token: str) -> str:
        return token.replace("\u2581", " ")  # sentencepiece writes a space as U+2581

    def join(self, pieces: list[str]) -> str:
        return self.processor.decode_pieces(pieces)

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name, "vocab_size": self.vocab_size, "model_type": self.model_type}
        if self._model_bytes is not None:
            spec["model"] = base64.b64encode(self._model_bytes).decode("ascii")
        return spec


def _first_line(error: Exception) -> str:
    # sentencepiece prefixes "INTERNAL: src/...cc(638) [condition]"; the useful words follow.
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    return lines[0].split("] ", 1)[-1] or type(error).__name__
