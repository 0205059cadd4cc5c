"""``TablaTokenizer``: compositions in line notation <-> token streams the model and sampler use.

Stream of one composition: optional ``<taal:NAME>`` and ``<form:NAME>`` tokens, then every bol (or
rest ``-``) of a matra followed by ``_`` (matra end); ``|`` after the last matra of a vibhag and
``||`` after the last matra of a cycle. The stream alone gives the exact position in the cycle,
which is what the rhythm constraint needs. Reading and printing notation is ``tabla_notation``'s job.
"""

from __future__ import annotations

from typing import Any

from seqgen.tokenizers.base import Document
from seqgen.tokenizers.bols import CANONICAL_BOLS
from seqgen.tokenizers.tabla_notation import Composition, Cycle, Matra, format_compositions, parse

MATRA_END = "_"
VIBHAG_END = "|"
CYCLE_END = "||"
BAR_TOKENS = (MATRA_END, VIBHAG_END, CYCLE_END)
# Forms a corpus is expected to name; others still tokenize, as rarer tokens.
KNOWN_FORMS = (
    "theka", "prakar", "kaida", "rela", "peshkar", "tukda", "tihai", "chakradar", "paran", "mukhda", "gat",
)


def taal_token(name: str) -> str:
    return f"<taal:{name}>"


def form_token(name: str) -> str:
    return f"<form:{name}>"


def header_token_value(token: str, kind: str) -> str | None:
    """``"teentaal"`` for ``header_token_value("<taal:teentaal>", "taal")``, else ``None``."""
    prefix = f"<{kind}:"
    if token.startswith(prefix) and token.endswith(">"):
        return token[len(prefix):-1]
    return None


class TablaTokenizer:
    """Tokenizer for tabla line notation (DESIGN.md section 3)."""

    name = "tabla"

    @property
    def structure_tokens(self) -> tuple[str, ...]:
        from seqgen.taals import TAALS

        taals = tuple(taal_token(name) for name in TAALS)
        forms = tuple(form_token(name) for name in KNOWN_FORMS)
        return BAR_TOKENS + CANONICAL_BOLS + taals + forms

    def fit(self, texts: list[str]) -> None:
        """Nothing to learn: the bol lexicon is fixed."""

    def tokenize(self, text: str, source: str = "<text>") -> list[Document]:
        return [self.document(composition) for composition in parse(text, source)]

    def document(self, composition: Composition) -> Document:
        """The token stream of one parsed composition."""
        return Document(tuple(composition_tokens(composition)), tuple(composition.headers))

    def detokenize(self, documents: list[Document]) -> str:
        return format_compositions([self.composition(document) for document in documents])

    def composition(self, document: Document) -> Composition:
        """Rebuild a composition; ``<taal:...>``/``<form:...>`` tokens supply missing headers."""
        composition = tokens_to_composition(document.tokens)
        known = {key for key, _ in document.headers}
        extra = [header for header in composition.headers if header[0] not in known]
        composition.headers = extra + list(document.headers)
        return composition

    def spec(self) -> dict[str, Any]:
        return {"name": self.name}


def composition_tokens(composition: Composition) -> list[str]:
    """Tokens of a composition (empty when it has no cycles, e.g. a file preamble)."""
    if not composition.cycles:
        return []
    tokens = []
    if composition.taal:
        tokens.append(taal_token(composition.taal))
    if composition.form:
        tokens.append(form_token(composition.form))
    for cycle in composition.cycles:
        tokens += _cycle_tokens(cycle)
    return tokens


def _cycle_tokens(cycle: Cycle) -> list[str]:
    tokens: list[str] = []
    for index, vibhag in enumerate(cycle.vibhags):
        for matra in vibhag:
            tokens += [*matra.bols, MATRA_END]
        if index < len(cycle.vibhags) - 1:
            tokens.append(VIBHAG_END)
        elif cycle.closed:
            tokens.append(CYCLE_END)
    return tokens


def tokens_to_composition(tokens: tuple[str, ...] | list[str]) -> Composition:
    """Inverse of ``composition_tokens``; lenient about a missing final ``_`` or bar."""
    composition = Composition()
    bols: list[str] = []
    vibhag: list[Matra] = []
    cycle = Cycle()
    for token in tokens:
        if (taal := header_token_value(token, "taal")) is not None:
            composition.headers.append(("taal", taal))
        elif (form := header_token_value(token, "form")) is not None:
            composition.headers.append(("form", form))
        elif token in BAR_TOKENS:
            if bols:
                vibhag.append(Matra(tuple(bols)))
                bols = []
            if token != MATRA_END and vibhag:
                cycle.vibhags.append(vibhag)
                vibhag = []
            if token == CYCLE_END and cycle.vibhags:
                cycle.closed = True
                composition.cycles.append(cycle)
                cycle = Cycle()
        else:
            bols.append(token)
    if bols:
        vibhag.append(Matra(tuple(bols)))
    if vibhag:
        cycle.vibhags.append(vibhag)
    if cycle.vibhags:
        composition.cycles.append(cycle)
    return composition
