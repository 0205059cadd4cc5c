"""Generating tabla compositions and lyric stanzas from a loaded bundle, shape enforced while sampling.

Checks the arguments of the public entry points (one ``SeqgenError`` line for a wrong type or
value), builds the prime (``<s>``, taal and form tokens, the user's prime text), walks the prime
through the constraint (taal cycles or stanza shape) so a prime that breaks the shape is refused
before sampling, and hands both to ``sampling``; turns the ids back into compositions or stanzas.
A prime counts toward the requested cycles (or stanzas); a tabla prime written without any bar
is laid into the taal's vibhags. Printing is the CLI's and ``render``'s job.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from seqgen.constraints import LAYAKARIS, AllOf, MeterConstraint, StanzaConstraint, TaalConstraint, parse_meter
from seqgen.errors import SeqgenError
from seqgen.forms import (DEFAULT_LAYAKARI, GRAMMAR_FORMS, MAX_PALTAS, THEME_FORMS, Plan, PlanConstraint,
                          TihaiShape, chakradar_plan, kaida_plan, prakar_plan, tihai_plan)
from seqgen.numpy_model import from_bundle
from seqgen.sampling import Sampler, SamplingConfig, flag, optional_text, whole_number
from seqgen.taals import Taal, get_taal
from seqgen.tokenizers import Document
from seqgen.tokenizers.lyrics import LINE_END, SPACE, STANZA_END, normalize, split_songs
from seqgen.rhythm import Beat, Meter
from seqgen.tokenizers.bols import DEFAULT_LEXICON
from seqgen.tokenizers.tabla import (CYCLE_END, VIBHAG_END, composition_tokens, form_token, matra_tokens,
                                     start_token, taal_token)
from seqgen.tokenizers.tabla_notation import Composition, Matra, parse
from seqgen.validator import KHALI_RULE_FORMS
from seqgen.vocab import END, PAD, START, UNK


class PrimeWarning(UserWarning):
    """Prime tokens the vocabulary lacks were replaced by ``<unk>``."""


@dataclass(frozen=True)
class GeneratedComposition:
    """One composition: its taal and form, the matra it starts on, its cycles as lists of matras
    (a landing on sam is a last cycle of one matra), canonical text."""

    taal: str
    form: str | None
    cycles: list[list[str]]
    text: str
    start: int = 1
    sections: list[dict] = dataclass_field(default_factory=list)

    def to_dict(self) -> dict:
        return {"taal": self.taal, "form": self.form, "start": self.start, "cycles": self.cycles,
                "sections": self.sections, "text": self.text}


def _sampler(bundle) -> Sampler:
    vocab = bundle.vocab
    return Sampler(from_bundle(bundle), vocab.end_id, [vocab.id(PAD), vocab.unk_id, vocab.start_id])


def _require_domain(bundle, domain: str) -> None:
    if bundle.domain != domain:
        raise SeqgenError(f"{bundle.path} is a {bundle.domain} model; this needs a {domain} model")


def encode_prime(vocab, tokens: list[str], allow_unknown: bool) -> list[int]:
    """Ids of prime tokens; unknown ones are an error, or ``<unk>`` with a warning when allowed."""
    unknown = [token for token in tokens if token not in vocab]
    if unknown and not allow_unknown:
        raise SeqgenError(f"the prime holds tokens this model does not know: {' '.join(dict.fromkeys(unknown))} "
                          f"(use --allow-unknown to read them as {UNK})")
    if unknown:
        warnings.warn(f"prime tokens unknown to the model read as {UNK}: {' '.join(dict.fromkeys(unknown))}",
                      PrimeWarning, stacklevel=3)
    return vocab.encode(tokens)


def compositions(bundle, taal: str = "teentaal", cycles: int | None = None, n: int = 1, form: str | None = None,
                 khali: str | None = None, layakari: int | None = None, prime: str | None = None,
                 allow_unknown: bool = False, constrained: bool = True,
                 sampling: SamplingConfig = SamplingConfig(), start: int | None = None,
                 theme_cycles: int = 1, paltas: int = 0, phrase: int | None = None,
                 gap: int | None = None) -> list[GeneratedComposition]:
    """``n`` compositions of ``taal`` (every one valid when ``constrained``).

    Forms with a grammar (``forms.GRAMMAR_FORMS``: tihai, tukda, chakradar, kaida, rela, prakar) are
    sampled under their plan: the LSTM picks the free strokes, the plan fixes repetition, mirroring
    and the arithmetic that lands on sam; the plan also decides the cycles and the start unless
    they are given. Other forms get ``cycles`` (default 4) cycles under the taal automaton alone.
    The prime's cycles count toward ``cycles``; a prime that breaks the taal, the form's khali
    rule or the layakari is refused, naming its first misplaced bol or bar.

    Raises:
        SeqgenError: a wrong argument type or value, an unknown taal or form, an impossible form
            request, a prime that breaks the shape, or a request too long to generate.
    """
    _require_domain(bundle, "tabla")
    record = get_taal(_text(taal, "taal"))
    request = _FormRequest.read(record, cycles, form, layakari, start, theme_cycles, paltas, phrase, gap)
    n = whole_number(n, "the number of compositions", minimum=1)
    khali = optional_text(khali, "khali")
    prime, allow_unknown = optional_text(prime, "prime"), flag(allow_unknown, "allow_unknown")
    constrained, sampling = flag(constrained, "constrained"), _sampling(sampling)
    vocab = bundle.vocab
    lexicon = getattr(bundle.tokenizer, "lexicon", None) or DEFAULT_LEXICON
    form = _form(vocab, request.form)
    plan = request.plan(lexicon, sampling.seed) if constrained else None
    start, cycles = (plan.start, plan.cycles) if plan else (request.start or 1, request.cycles or 4)
    header = [token for token in (taal_token(record.name), form and form_token(form),
                                  start > 1 and start_token(start)) if token and token in vocab]
    prime_tokens = _tabla_prime_tokens(prime, record, form, lexicon, start)
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    constraint = state = None
    if constrained:
        constraint = _constraint(vocab, record, form, khali, request, plan, lexicon)
        state = constraint.read_prefix(prime_ids)
    generated = _sampler(bundle).generate([vocab.start_id, *vocab.encode(header), *prime_ids], n, sampling,
                                          constraint, state)
    headers = _generated_headers(form, start, request.theme_cycles, plan)
    return [_composition(bundle, record.name, form, header + prime_tokens + vocab.decode(ids), headers, start,
                         _sections(plan)) for ids in generated]


@dataclass(frozen=True)
class _FormRequest:
    """The rhythm and form options of a request, checked; ``plan`` builds the form's grammar."""

    taal: Taal
    form: str | None
    cycles: int | None
    start: int | None
    layakari: int | None
    theme_cycles: int
    paltas: int
    phrase: int | None
    gap: int | None

    @classmethod
    def read(cls, taal: Taal, cycles, form, layakari, start, theme_cycles, paltas, phrase, gap) -> "_FormRequest":
        form = optional_text(form, "form")
        form = form.strip().lower() if form else None
        cycles = None if cycles is None else whole_number(cycles, "cycles", minimum=1)
        start = None if start is None else whole_number(start, "start matra", minimum=1)
        if start is not None and start > taal.matras:
            raise SeqgenError(f"start matra must be between 1 and {taal.matras} in {taal.name}, got {start}")
        layakari = None if layakari is None else _layakaris(layakari)[0]
        theme_cycles = whole_number(theme_cycles, "theme cycles", minimum=1)
        paltas = whole_number(paltas, "paltas", minimum=0)
        phrase = None if phrase is None else whole_number(phrase, "phrase strokes", minimum=1)
        gap = None if gap is None else whole_number(gap, "gap strokes", minimum=0)
        if paltas and form not in THEME_FORMS:
            raise SeqgenError(f"paltas vary a theme: use them with --form kaida or rela (got form {form or 'none'})")
        if paltas > MAX_PALTAS:
            raise SeqgenError(f"at most {MAX_PALTAS} paltas, got {paltas}")
        if (phrase is not None or gap is not None) and form not in ("tihai", "tukda"):
            raise SeqgenError("--phrase and --gap shape a tihai: use them with --form tihai or tukda")
        return cls(taal, form, cycles, start, layakari, theme_cycles, paltas, phrase, gap)

    def plan(self, lexicon, seed: int | None) -> Plan | None:
        """The form's plan, or None for a form without a grammar."""
        if self.form not in GRAMMAR_FORMS:
            return None
        taal, layakari = self.taal, self.layakari or DEFAULT_LAYAKARI[self.form]
        if self.form in ("tihai", "tukda"):
            shape = None
            if self.phrase is not None or self.gap is not None:
                shape = TihaiShape(self.phrase or 2 * layakari, layakari if self.gap is None else self.gap)
            return tihai_plan(taal, layakari, shape, self.cycles, self.start, self.form, seed)
        if self.form == "chakradar":
            return chakradar_plan(taal, layakari, self.cycles, self.start)
        if self.form in THEME_FORMS:
            if self.start not in (None, 1):
                raise SeqgenError(f"a {self.form} begins on sam; leave out --start")
            return kaida_plan(taal, layakari, self.theme_cycles, self.paltas, seed)
        return prakar_plan(taal, layakari, self.cycles or 4, lexicon)


def _constraint(vocab, taal: Taal, form, khali, request: _FormRequest, plan: Plan | None, lexicon):
    """The taal automaton's constraint, with the form's plan beside it when the form has one."""
    if plan is None:
        return TaalConstraint(vocab, taal, request.cycles or 4, form, khali,
                              (request.layakari,) if request.layakari else LAYAKARIS,
                              start=request.start or 1, theme_cycles=request.theme_cycles, bass=lexicon.is_bass)
    # the plan owns the khali (its quarters are copies), the meter the matras, bars and landing
    meter = TaalConstraint(vocab, taal, plan.cycles, form, "off", (plan.layakari,), start=plan.start,
                           theme_cycles=plan.theme_cycles, bass=lexicon.is_bass,
                           landing="must" if plan.landing else "no")
    return AllOf(meter, PlanConstraint(vocab, plan, meter.bol_ids, lexicon))


def _sections(plan: Plan | None) -> list[dict]:
    """The plan's sections as matra spans, counted from the piece's first matra (1-based)."""
    if plan is None:
        return []
    return [{"kind": section.kind, "matras": [section.start // plan.layakari + 1,
                                              (section.end - 1) // plan.layakari + 1],
             "strokes": [section.start, section.end]}
            for section in plan.sections]


def _generated_headers(form: str | None, start: int, theme_cycles: int, plan: Plan | None) -> list[tuple[str, str]]:
    """Headers that let the validator read a generated piece exactly as the sampler built it, and
    name its sections (matras counted from the piece's first)."""
    headers = [("start", str(start))] if start > 1 else []
    if form in KHALI_RULE_FORMS:
        headers.append(("theme-cycles", str(theme_cycles)))
    if plan is not None:
        headers.append(("sections", "; ".join(f"{section['kind']} {section['matras'][0]}-{section['matras'][1]}"
                                              for section in _sections(plan))))
    return headers


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise SeqgenError(f"{what} must be a name, got {value!r}")
    return value


def _layakaris(layakari) -> tuple[int, ...]:
    """The allowed bols per matra: all of them for None, else the one value asked for."""
    if layakari is None:
        return LAYAKARIS
    value = whole_number(layakari, "layakari")
    if value not in LAYAKARIS:
        raise SeqgenError(f"layakari must be from {LAYAKARIS[0]} to {LAYAKARIS[-1]} strokes per matra, got {value}")
    return (value,)


def _sampling(sampling) -> SamplingConfig:
    if not isinstance(sampling, SamplingConfig):
        raise SeqgenError(f"sampling must be a SamplingConfig, got {type(sampling).__name__}")
    return sampling


def _form(vocab, form: str | None) -> str | None:
    if form is None:
        return None
    form = form.strip().lower()
    if form_token(form) not in vocab:
        known = sorted(t[6:-1] for t in vocab.tokens if t.startswith("<form:"))
        raise SeqgenError(f"unknown form {form!r} for this model; known forms: {', '.join(known)}")
    return form


def _tabla_prime_tokens(prime: str | None, taal: Taal, form: str | None, lexicon=None, start: int = 1) -> list[str]:
    """The prime's tokens: its bars as written, or laid into ``taal``'s vibhags when it has none;
    read with the bundle's ``lexicon`` (the syllables it was trained with)."""
    if not prime or not prime.strip():
        return []
    pieces = [piece for piece in parse(prime, "<prime>", lexicon) if piece.cycles]
    if len(pieces) != 1:
        raise SeqgenError("the prime must be one piece of tabla notation, e.g. 'Dha Dhin Dhin Dha |'")
    piece = pieces[0]
    _check_prime_headers(piece, taal, form)
    bols_lines = [line for line in prime.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not any("|" in line for line in bols_lines):
        return _lay_into_vibhags([matra for cycle in piece.cycles for matra in cycle.matras], taal, start)
    tokens = [token for token in composition_tokens(piece) if not token.startswith("<")]
    last = bols_lines[-1].rstrip()
    if last.endswith("|") and not last.endswith("||"):
        tokens.append(VIBHAG_END)  # the notation reader keeps no bar after an unclosed cycle's last vibhag
    return tokens


def _check_prime_headers(piece: Composition, taal: Taal, form: str | None) -> None:
    if piece.taal and piece.taal != taal.name:
        raise SeqgenError(f"the prime says '# taal: {piece.taal}', but {taal.name} was asked for")
    if piece.form and form and piece.form != form:
        raise SeqgenError(f"the prime says '# form: {piece.form}', but {form} was asked for")


def _lay_into_vibhags(matras: list[Matra], taal: Taal, start: int = 1) -> list[str]:
    """Tokens of matras written without bars, with ``|`` and ``||`` where the taal automaton puts
    them for a piece starting on matra ``start``."""
    meter = Meter(taal, start=start)
    tokens: list[str] = []
    for done, matra in enumerate(matras, start=1):
        tokens += matra_tokens(matra)
        position = meter.matra_of(Beat(done=done)) or taal.matras  # 1-based matra just ended
        if position in meter.vibhag_ends:
            tokens.append(CYCLE_END if position == taal.matras else VIBHAG_END)
    return tokens


def _composition(bundle, taal: str, form: str | None, tokens: list[str], headers: list[tuple[str, str]],
                 start: int, sections: list[dict]) -> GeneratedComposition:
    composition = bundle.tokenizer.composition(Document(tuple(tokens)))
    known = {key for key, _ in composition.headers}
    composition.headers += [header for header in headers if header[0] not in known]
    cycles = [[matra.text for matra in cycle.matras] for cycle in composition.cycles]
    matras = [matra for cycle in cycles for matra in cycle]
    sections = [{**section, "text": " ".join(matras[section["matras"][0] - 1:section["matras"][1]])}
                for section in sections]
    return GeneratedComposition(taal, form, cycles, composition.text(), start, sections)


def stanzas(bundle, count: int = 3, lines: int = 4, min_tokens: int = 3, max_tokens: int = 12,
            prime: str | None = None, allow_unknown: bool = False,
            sampling: SamplingConfig = SamplingConfig(), meter=None, with_readings: bool = False) -> list[list]:
    """One song of ``count`` stanzas of exactly ``lines`` lines each, as lists of line strings
    (or, ``with_readings``, of dicts with each line's text, reading, romaji and morae).

    The prime's lines (one per text line, a blank line between stanzas) count toward the song;
    its last line is continued. A prime with more lines or stanzas than asked for is refused.
    ``meter`` (``"7,5"`` or ``[7, 5]``) gives every line exactly that many morae, repeating the
    pattern over each stanza's lines; word counts per line then follow from the meter.

    Raises:
        SeqgenError: a wrong argument type or value, a prime that breaks the shape, a meter the
            model cannot meet or a model without readings, or a song too long to generate.
    """
    _require_domain(bundle, "japanese")
    count = whole_number(count, "the number of stanzas", minimum=1)
    lines = whole_number(lines, "lines per stanza", minimum=1)
    min_tokens = whole_number(min_tokens, "the fewest words per line", minimum=1)
    max_tokens = whole_number(max_tokens, "the most words per line", minimum=1)
    prime, allow_unknown = optional_text(prime, "prime"), flag(allow_unknown, "allow_unknown")
    with_readings = flag(with_readings, "with_readings")
    sampling = _sampling(sampling)
    vocab = bundle.vocab
    if meter is not None:
        _require_readings(bundle)
    if meter is None:
        constraint = StanzaConstraint(vocab, count, lines, min_tokens, max_tokens)
    else:
        constraint = MeterConstraint(vocab, count, lines, parse_meter(meter), bundle.readings.meter_morae(vocab.tokens),
                                     bundle.readings.junctions)
    prime_tokens = _lyric_prime_tokens(bundle.tokenizer, prime)
    prime_ids = encode_prime(vocab, prime_tokens, allow_unknown)
    if meter is not None and vocab.unk_id in prime_ids:
        raise SeqgenError("the prime has words this model lacks; a metered line cannot count their morae")
    state = constraint.read_prefix(prime_ids)
    [ids] = _sampler(bundle).generate([vocab.start_id, *prime_ids], 1, sampling, constraint, state)
    tokens = prime_tokens + vocab.decode(ids)
    if not with_readings:
        return bundle.tokenizer.stanzas(tokens)
    return sung_stanzas(bundle, tokens)


def sung_stanzas(bundle, tokens: list[str]) -> list[list[dict]]:
    """Each line of a song's tokens with its text, kana reading, romaji and mora count (``None``
    for a bundle trained before seqgen stored readings)."""
    tokenizer = bundle.tokenizer
    song: list[list[dict]] = []
    stanza: list[dict] = []
    line: list[str] = []
    for token in [*tokens, STANZA_END]:
        if token in (LINE_END, STANZA_END):
            if line:
                stanza.append(_sung_line(bundle.readings, line, tokenizer.join(line)))
            line = []
            if token == STANZA_END and stanza:
                song.append(stanza)
                stanza = []
        elif token not in (START, END):
            line.append(token)
    return song


def _sung_line(readings, tokens: list[str], text: str) -> dict:
    if readings is None:  # a bundle from before readings: the same shape, nothing known
        return {"text": text, "reading": None, "romaji": None, "morae": None}
    return readings.line(tokens, text, SPACE).to_dict()


def _require_readings(bundle) -> None:
    if bundle.readings is None:
        raise SeqgenError(f"{bundle.path} has no kana readings (it was trained before seqgen read them); "
                          "retrain it to use --meter, readings or romaji")


def _lyric_prime_tokens(tokenizer, prime: str | None) -> list[str]:
    """The prime's words with a line end between its lines and a stanza end between its stanzas;
    its last line stays open for the model to continue."""
    if not prime or not prime.strip():
        return []
    songs = split_songs(prime)
    if len(songs) != 1:
        raise SeqgenError("the prime must be the start of one song, without '---' lines")
    [song] = songs
    tokens: list[str] = []
    for number, stanza in enumerate(song):
        if number:
            tokens.append(STANZA_END)
        for index, line in enumerate(stanza):
            if index:
                tokens.append(LINE_END)
            tokens += tokenizer.segment(normalize(line))
    return tokens
