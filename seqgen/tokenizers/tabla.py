"""``TablaTokenizer``: compositions in line notation <-> token streams the model and sampler use.

Stream of one composition: optional ``<taal:NAME>`` and ``<form:NAME>`` tokens, then every bol (or
rest ``-``) of a matra followed by ``_`` (matra end), with ``,`` between the pulses of a matra
written with several; ``|`` after the last matra of a vibhag and ``||`` after the last matra of a
cycle. The stream alone gives the exact beat and sub-beat position in the cycle, which is what the
rhythm constraint needs. Reading and printing notation is ``tabla_notation``'s job.

The tokenizer carries the syllables declared beyond the built-in lexicon: those of a lexicon file
(given when it is made) and those the corpus declares in ``# bols:`` headers (learnt by ``fit``).
Its spec stores them, so a trained bundle reads primes with them, and compositions it rebuilds get a
``# bols:`` header naming the declared syllables they use, so the text reads back anywhere.
"""

from __future__ import annotations

from typing import Any

from seqgen.errors import SeqgenError
from seqgen.tokenizers.base import Document
from seqgen.tokenizers.bols import (DEFAULT_LEXICON, PULSE_SEPARATOR, Lexicon, Syllable, declare,
                                    syllables_from_spec)
from seqgen.tokenizers.tabla_notation import (BOLS_KEY, CycleCollector, Composition, Cycle, Matra, format_compositions,
                                              parse, read)

MATRA_END = "_"
VIBHAG_END = "|"
CYCLE_END = "||"
PULSE_END = PULSE_SEPARATOR  # between two pulses of one matra
BAR_TOKENS = (MATRA_END, VIBHAG_END, CYCLE_END)
# Forms a corpus is expected to name; others still tokenize, as rarer tokens.
KNOWN_FORMS = (
    "theka", "prakar", "kaida", "rela", "peshkar", "tukda", "tihai", "chakradar", "paran", "mukhda", "gat",
)


def taal_token(name: str) -> str:
    return f"<taal:{name}>"


def start_token(matra: int) -> str:
    """The token that says a composition begins on ``matra`` (only written for a pickup, > 1)."""
    return f"<start:{matra}>"


# Headers the token stream carries as ``<key:value>`` tokens, in this order.
HEADER_TOKEN_KEYS = ("taal", "form", "start")


def form_token(name: str) -> str:
    return f"<form:{name}>"


def header_token_value(token: str, kind: str) -> str | None:
    """``"teentaal"`` for ``header_token_value("<taal:teentaal>", "taal")``, else ``None``."""
    prefix = f"<{kind}:"
    if token.startswith(prefix) and token.endswith(">"):
        return token[len(prefix):-1]
    return None


class TablaTokenizer:
    """Tokenizer for tabla line notation (DESIGN.md section 3).

    Args:
        bols: declared syllables beyond the built-in lexicon, as ``Syllable.declaration()`` records
            (what ``spec()`` stores; a lexicon file's syllables via ``bols.load_lexicon``).
    """

    name = "tabla"

    def __init__(self, bols: list[dict] | None = None):
        self.declared: list[Syllable] = []
        self.lexicon: Lexicon = DEFAULT_LEXICON
        self._add(syllables_from_spec(bols) if bols is not None else [])

    def _add(self, syllables: list[Syllable]) -> None:
        self.lexicon = declare(self.lexicon, syllables)
        self.declared = self.lexicon.declared()

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        from seqgen.taals import TAALS

        taals = tuple(taal_token(name) for name in TAALS)
        forms = tuple(form_token(name) for name in KNOWN_FORMS)
        return BAR_TOKENS + (PULSE_END,) + self.lexicon.bols + taals + forms

    def fit(self, texts: list[str]) -> None:
        """Learn the syllables the corpus declares in ``# bols:`` headers (the lexicon is otherwise fixed).

        Raises:
            SeqgenError: two files declaring one syllable differently.
        """
        for text in texts:
            # read on top of what is known so far, so a file that contradicts it is a problem
            for composition, problems in read(_header_lines(text), lexicon=self.lexicon):
                if problems:
                    raise SeqgenError(f"the corpus declares a syllable two ways: {problems[0].message}")
                self._add(composition.lexicon.declared())

    def parse(self, text: str, source: str = "<text>") -> list[Composition]:
        """Read notation with this tokenizer's lexicon (declared syllables included)."""
        return parse(text, source, self.lexicon)

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        return [self.document(composition) for composition in self.parse(text, source)]

    def document(self, composition: Composition) -> Document:
        """The token stream of one parsed composition."""
        return Document(tuple(composition_tokens(composition)), tuple(composition.headers))

    def detokenize(self, documents: list[Document]) -> str:
        return format_compositions([self.composition(document) for document in documents])

    def composition(self, document: Document) -> Composition:
        """Rebuild a composition; ``<taal:...>``/``<form:...>`` tokens supply missing headers, and a
        ``# bols:`` header names the declared syllables it uses when the document has none."""
        composition = tokens_to_composition(document.tokens)
        known = {key for key, _ in document.headers}
        extra = [header for header in composition.headers if header[0] not in known]
        if BOLS_KEY not in known and (declared := self._declared_in(composition)):
            extra.append((BOLS_KEY, declared))
        composition.headers = extra + list(document.headers)
        composition.lexicon = self.lexicon
        return composition

    def _declared_in(self, composition: Composition) -> str:
        # The declared syllables it uses, with the declared khali counterparts those name; in
        # declaration order, which puts each counterpart before the syllable naming it.
        needed = {bol for cycle in composition.cycles for matra in cycle.matras for bol in matra.bols}
        for syllable in reversed(self.declared):
            if syllable.name in needed and syllable.khali:
                needed.add(syllable.khali)
        return " ".join(syllable.item() for syllable in self.declared
                        if syllable.name in needed and syllable.name not in DEFAULT_LEXICON.syllables)

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name}
        if self.declared:
            spec["bols"] = [syllable.declaration() for syllable in self.declared]
        return spec


def _header_lines(text: str) -> str:
    # fit needs only the declarations: keep the header lines and the blank lines between compositions.
    return "\n".join(line if line.lstrip().startswith("#") else "" for line in text.splitlines())


def composition_tokens(composition: Composition) -> list[str]:
    """Tokens of a composition (empty when it has no cycles, e.g. a file preamble)."""
    if not composition.cycles:
        return []
    tokens = []
    if composition.taal:
        tokens.append(taal_token(composition.taal))
    if composition.form:
        tokens.append(form_token(composition.form))
    start = (composition.header("start") or "").strip()
    if start.isdigit() and int(start) > 1:
        tokens.append(start_token(int(start)))  # the model must know the piece starts after sam
    for cycle in composition.cycles:
        tokens += _cycle_tokens(cycle)
    return tokens


def matra_tokens(matra: Matra) -> list[str]:
    """A matra's bols with ``,`` between its pulses, then ``_``."""
    tokens: list[str] = []
    for index, pulse in enumerate(matra.pulses):
        if index:
            tokens.append(PULSE_END)
        tokens += pulse
    tokens.append(MATRA_END)
    return tokens


def _cycle_tokens(cycle: Cycle) -> list[str]:
    tokens: list[str] = []
    for index, vibhag in enumerate(cycle.vibhags):
        for matra in vibhag:
            tokens += matra_tokens(matra)
        if index < len(cycle.vibhags) - 1:
            tokens.append(VIBHAG_END)
        elif cycle.closed:
            tokens.append(CYCLE_END)
    return tokens


def tokens_to_composition(tokens: tuple[str, ...] | list[str]) -> Composition:
    """Inverse of ``composition_tokens``; lenient about a missing final ``_`` or bar and empty pulses."""
    composition, collector = Composition(), CycleCollector()
    bols: list[str] = []
    pulses: list[tuple[str, ...]] = []

    def end_pulse() -> None:
        if bols:
            pulses.append(tuple(bols))
            bols.clear()

    def end_matra() -> None:
        end_pulse()
        if pulses:
            collector.add(Matra.of_pulses(pulses))
            pulses.clear()

    for token in tokens:
        header = next(((key, value) for key in HEADER_TOKEN_KEYS
                       if (value := header_token_value(token, key)) is not None), None)
        if header is not None:
            composition.headers.append(header)
        elif token == PULSE_END:
            end_pulse()
        elif token in BAR_TOKENS:
            end_matra()
            if token != MATRA_END:
                collector.bar(closes_cycle=token == CYCLE_END)
        else:
            bols.append(token)
    end_matra()
    composition.cycles = collector.finish()
    return composition
