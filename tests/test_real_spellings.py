"""Bols as players, teachers and books actually type them: romanisations of several gharanas, Devanagari,
and the marks and separators that real transcriptions put on the bol line.

Each spelling the lexicon reads is pinned to the strokes a tabla teacher would read; each one it refuses is
pinned to a one-line error with file:line:col and advice.
"""

from __future__ import annotations

import pytest

from cli_helpers import invoke
from seqgen.errors import SeqgenError
from seqgen.tokenizers.bols import DEFAULT_LEXICON, BadWord, UnknownBol, declare, parse_item, split_word
from seqgen.tokenizers.tabla_notation import format_compositions, parse

READINGS = [
    # Delhi / Ajrada books: lower case, one word per stroke group, vowels written out
    ("Dhage", "Dha Ge"), ("Tite", "Ti Te"), ("Tinna", "Tin Na"), ("Dhinna", "Dhin Na"), ("dha", "Dha"),
    ("Dhagena", "Dha Ge Na"), ("Dhati", "Dha Ti"), ("Dhadha", "Dha Dha"), ("Tete", "Te Te"), ("Kata", "Ka Ta"),
    ("Dhaage", "Dha Ge"), ("Dhinagina", "Dhi Na Gi Na"), ("Tinakina", "Ti Na Ki Na"), ("Dhina", "Dhi Na"),
    ("Nagetirakita", "Na Ge Ti Ra Ki Ta"), ("Dhagetirakita", "Dha Ge Ti Ra Ki Ta"),
    # Tirakita in all its dresses
    ("Tirakita", "Ti Ra Ki Ta"), ("tirakita", "Ti Ra Ki Ta"), ("tiRakiTa", "Ti Ra Ki Ta"),
    ("Tirkit", "Ti Ra Ki Ta"), ("TIRKIT", "Ti Ra Ki Ta"), ("trkt", "Ti Ra Ki Ta"), ("Tirakit", "Ti Ra Ki Ta"),
    ("Tirkita", "Ti Ra Ki Ta"), ("Tirikita", "Ti Ra Ki Ta"), ("TiriKita", "Ti Ra Ki Ta"),
    ("Kitataka", "Ki Ta Ta Ka"), ("Takita", "Ta Ki Ta"), ("Tirakitataka", "Ti Ra Ki Ta Ta Ka"),
    # relas
    ("Dhere", "Dhe Re"), ("DhereDhere", "Dhe Re Dhe Re"), ("Dheredhere", "Dhe Re Dhe Re"),
    ("DhereDhereKitaTaka", "Dhe Re Dhe Re Ki Ta Ta Ka"), ("DhirDhir", "Dhi Ra Dhi Ra"),
    ("Dhirdhir", "Dhi Ra Dhi Ra"),
    # Farukhabad
    ("Gadigana", "Ga Di Ga Na"), ("GaDiGaNa", "Ga Di Ga Na"), ("Ghidanag", "Ghi Da Na Ga"),
    ("GhidaNag", "Ghi Da Na Ga"), ("Nag", "Na Ga"), ("Naga", "Na Ga"), ("Nagena", "Na Ge Na"),
    # flams and Lucknow strokes; a doubled consonant is a stressed stroke, not an extra one
    ("Kdatta", "Kda Ta"), ("Kradhet", "Kra Dhet"), ("Dhettete", "Dhet Te Te"), ("Katta", "Kat Ta"),
    ("Titta", "Tit Ta"), ("Dhitta", "Dhet Ta"), ("Dhetta", "Dhet Ta"), ("Tta", "Ta"),
    # open dayan strokes: Thun is how many books romanise थुन
    ("Thun", "Tun"), ("thun", "Tun"), ("Thu", "Tu"), ("Tha", "Ta"), ("Tunna", "Tun Na"),
    # rests
    ("-", "-"), ("S", "-"), ("ऽ", "-"), ("Dha-", "Dha -"), ("DhaS", "Dha -"), ("धाऽ", "Dha -"),
]


@pytest.mark.parametrize("word, bols", READINGS)
def test_real_spellings_read_as_a_teacher_reads_them(word, bols):
    assert split_word(word) == tuple(bols.split())


DEVANAGARI = [
    ("धा", "Dha"), ("धिं", "Dhin"), ("धिँ", "Dhin"), ("धीं", "Dhin"), ("धिन्", "Dhin"), ("धि", "Dhi"),
    ("धी", "Dhi"), ("ता", "Ta"), ("तिं", "Tin"), ("ती", "Tii"), ("ना", "Na"), ("तू", "Tu"), ("के", "Ke"),
    ("गे", "Ge"), ("घे", "Ge"), ("कत", "Kat"), ("कत्", "Kat"), ("धागे", "Dha Ge"), ("तिरकिट", "Ti Ra Ki Ta"),
    ("किटतक", "Ki Ta Ta Ka"), ("धागेतिट", "Dha Ge Ti Ta"), ("धिंधिं", "Dhin Dhin"), ("धा-", "Dha -"),
    # a bare न: the nasal syllable as a whole pulse, a Na inside a joined phrase
    ("धिन", "Dhin"), ("तिन", "Tin"), ("दिन", "Din"), ("घेन", "Ghen"), ("तुन", "Tun"),
    ("धिनगिन", "Dhi Na Gi Na"), ("तिनकिन", "Ti Na Ki Na"), ("धिना", "Dhi Na"), ("धिन,धिन", "Dhin Dhin"),
]


@pytest.mark.parametrize("word, bols", DEVANAGARI)
def test_devanagari_bols_read_to_canonical_bols(word, bols):
    assert split_word(word) == tuple(bols.split())


def test_devanagari_theka_checks_and_formats_to_canonical_latin(tmp_path):
    path = tmp_path / "theka.txt"
    path.write_text("# taal: teentaal\n# form: theka\n"
                    "धा धिं धिं धा | धा धिं धिं धा | धा तिं तिं ता | ता धिं धिं धा ||\n", encoding="utf-8")
    result = invoke("check", "--strict", path)
    assert result.exit_code == 0, result.stdout
    [composition] = parse(path.read_text(encoding="utf-8"), str(path))
    assert format_compositions([composition]).splitlines()[-1] == \
        "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"


def test_a_kaida_in_book_spellings_checks_clean(tmp_path):
    path = tmp_path / "kaida.txt"
    path.write_text("# taal: teentaal\n# form: kaida\n"
                    "Dhage Tite Dhage Tinna | Dhage Tite Dhage Dhinna | Take Tite Take Tinna | "
                    "Dhage Tite Dhage Dhinna ||\n")
    result = invoke("check", "--strict", path)
    assert result.exit_code == 0, result.stdout


def test_declared_lexicons_keep_single_stroke_spellings():
    # a declaration rebuilds the lexicon: the Devanagari and "tta" spellings must survive it
    lexicon = declare(DEFAULT_LEXICON, [parse_item("Ghin:bass:Ke")])
    assert lexicon.split_word("धिं") == ("Dhin",)
    assert lexicon.split_word("Kdatta") == ("Kda", "Ta")
    assert lexicon.split_word("धिन") == ("Dhin",)
    assert lexicon.split_word("GhinThun") == ("Ghin", "Tun")


def test_new_spellings_cannot_be_declared_as_other_syllables():
    with pytest.raises(SeqgenError, match="'Thun' is already a spelling of Tun"):
        declare(DEFAULT_LEXICON, [parse_item("Thun:closed")])


# -- refused, each with a one-line reason ------------------------------------------------------------


@pytest.mark.parametrize("word, fragment", [
    ("X", "sam mark"), ("x", "sam mark"), ("+", "sam mark"), ("0", "khali mark"), ("2", "vibhag or matra number"),
    ("13", "vibhag or matra number"), ("।", "write | to close a vibhag"), ("॥", "write || to close a cycle"),
])
def test_marks_on_the_bol_line_are_refused_with_advice(word, fragment):
    with pytest.raises(BadWord) as caught:
        split_word(word)
    message = str(caught.value)
    assert fragment in message and "\n" not in message
    if word not in "।॥":
        assert "X 2 0 3" in message  # where the marks come from instead


def test_zero_is_not_read_as_a_rest():
    with pytest.raises(BadWord, match="write a rest as -"):
        split_word("0")


@pytest.mark.parametrize("word, syllable", [("Tak", "Tak"), ("KitTak", "Tak"), ("DhaTak", "Tak")])
def test_tak_asks_the_writer_which_reading(word, syllable):
    # Punjab plays Tak as one stroke, Delhi books write Kit Tak for KiTa TaKa: the writer must say
    with pytest.raises(UnknownBol) as caught:
        split_word(word)
    assert caught.value.syllable == syllable
    assert "did you mean" in str(caught.value) and "'# bols: Tak'" in str(caught.value) \
        and "write TaKa" in str(caught.value)
    lexicon = declare(DEFAULT_LEXICON, [parse_item("Tak")])
    assert lexicon.split_word(word)[-1] == "Tak"


@pytest.mark.parametrize("word", ["Thei", "Tat", "Tei"])
def test_kathak_syllables_are_named_as_such(word):
    with pytest.raises(UnknownBol, match="Kathak syllable"):
        split_word(word)


@pytest.mark.parametrize("word", ["धा।", "धिं।धा"])
def test_a_danda_touching_a_bol_is_explained(word):
    with pytest.raises(UnknownBol, match="write [|] to close a vibhag"):
        split_word(word)


def test_comma_separated_matras_are_explained():
    with pytest.raises(BadWord, match="empty pulse.*separated by spaces alone"):
        split_word("Dha,")


def test_marked_transcription_reports_each_mark_at_its_column(tmp_path):
    path = tmp_path / "marked.txt"
    path.write_text("# taal: teentaal\n# form: theka\n"
                    "X Dha Dhin Dhin Dha | 2 Dha Dhin Dhin Dha | 0 Dha Tin Tin Ta | 3 Ta Dhin Dhin Dha ||\n")
    result = invoke("check", path)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:3:{column}" for column in (1, 23, 45, 64)]
    assert "'X' is the sam mark" in lines[0] and "'0' is the khali mark" in lines[2]


def test_dandas_close_vibhags_and_cycles_as_hindi_books_write_them(tmp_path):
    # '।' is '|' and '॥' is '||', spaced or touching the bol before them
    path = tmp_path / "hindi.txt"
    path.write_text("# taal: keherwa\nधा गे ना ति । न क धि ना ॥\nDha Ge Na Ti। Na Ka Dhi Na॥\n", encoding="utf-8")
    assert invoke("check", path, "--strict").exit_code == 0
    formatted = invoke("format", path).stdout.splitlines()
    assert formatted[1:] == ["Dha Ge Na Ti | Na Ka Dhi Na ||"] * 2
