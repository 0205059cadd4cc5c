"""Kana arithmetic for singers: hiragana/katakana conversion, mora counts and Hepburn romaji.

Pure functions over strings, no analyzer: a reading (``ひかり``) comes from ``readings``, which
asks the morphological analyzer once at training time; this module only counts and spells it.

Mora rules (DESIGN.md section 4): every kana is one mora, except the small vowels and glides
ゃゅょぁぃぅぇぉゎ, which merge with the kana before them; っ, ん and ー count as one each.
"""

from __future__ import annotations

_KATAKANA_START, _KATAKANA_END = ord("ァ"), ord("ヶ")
_TO_HIRAGANA = 0x60  # the two syllabaries are this far apart in Unicode
# merge with the kana before: they make a glide (きゃ) or a foreign vowel (ファ), never a mora
SMALL_KANA = frozenset("ゃゅょぁぃぅぇぉゎャュョァィゥェォヮ")
_LONG_MARK = "ー"


def to_hiragana(text: str) -> str:
    """Katakana letters as hiragana (ヴ -> ゔ, ヵ -> ゕ); anything else unchanged."""
    return "".join(chr(ord(char) - _TO_HIRAGANA) if _KATAKANA_START <= ord(char) <= _KATAKANA_END else char
                   for char in text)


def to_katakana(text: str) -> str:
    """Hiragana letters as katakana; anything else unchanged."""
    return "".join(chr(ord(char) + _TO_HIRAGANA) if ord("ぁ") <= ord(char) <= ord("ゖ") else char
                   for char in text)


def is_kana(char: str) -> bool:
    """A hiragana or katakana letter, or the long-vowel mark."""
    return "ぁ" <= char <= "ゖ" or "ァ" <= char <= "ヺ" or char == _LONG_MARK


def is_kanji(char: str) -> bool:
    """A CJK ideograph (or the repeat mark 々), whose sound depends on the word it is in."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff" \
        or char in "々〆ヶ"


def mora_count(reading: str) -> int | None:
    """Morae of a kana reading, or ``None`` when it holds anything but kana (a reading the
    analyzer could not give, such as Latin letters or symbols): an unknown count, never a guess."""
    if not all(is_kana(char) for char in reading):
        return None
    return sum(1 for char in reading if char not in SMALL_KANA)


def morae(reading: str) -> list[str]:
    """The reading cut into morae: ``きょう`` -> ``['きょ', 'う']``."""
    units: list[str] = []
    for char in reading:
        if char in SMALL_KANA and units:
            units[-1] += char
        else:
            units.append(char)
    return units


# Hepburn (as used in song books): one table of single kana, one of glides.
_SYLLABLES = dict(zip(
    "あいうえおかきくけこがぎぐげごさしすせそざじずぜぞたちつてとだぢづでどなにぬねのはひふへほ"
    "ばびぶべぼぱぴぷぺぽまみむめもやゆよらりるれろわゐゑをんゔ",
    ["a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "ga", "gi", "gu", "ge", "go",
     "sa", "shi", "su", "se", "so", "za", "ji", "zu", "ze", "zo", "ta", "chi", "tsu", "te", "to",
     "da", "ji", "zu", "de", "do", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he", "ho",
     "ba", "bi", "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "ma", "mi", "mu", "me", "mo",
     "ya", "yu", "yo", "ra", "ri", "ru", "re", "ro", "wa", "i", "e", "o", "n", "vu"]))
_SMALL_ALONE = dict(zip("ぁぃぅぇぉゃゅょゎ", ["a", "i", "u", "e", "o", "ya", "yu", "yo", "wa"]))
# glides: a consonant's i-row kana and a small ya/yu/yo (しゃ -> sha), or a foreign vowel (ふぁ -> fa)
_GLIDE_STEMS = {"し": "sh", "ち": "ch", "じ": "j", "ぢ": "j"}
_FOREIGN = {"ふ": "f", "ゔ": "v", "て": "t", "で": "d", "う": "w", "つ": "ts"}
# particles written は, へ, を are sung wa, e, o
PARTICLE_ROMAJI = {"は": "wa", "へ": "e", "を": "o"}


def romaji(reading: str, particle: bool = False) -> str:
    """Hepburn romaji of a kana reading: ``がっこう`` -> ``gakkou``, ``しんよう`` -> ``shin'you``.

    ``particle`` marks a reading that is a particle on its own (は, へ, を), sung wa, e, o.
    A character that is not kana passes through unchanged.
    """
    text = to_hiragana(reading)
    if particle and text in PARTICLE_ROMAJI:
        return PARTICLE_ROMAJI[text]
    out: list[str] = []
    units = morae(text)
    for index, unit in enumerate(units):
        syllable = _unit_romaji(unit)
        if unit == "っ":
            following = _unit_romaji(units[index + 1]) if index + 1 < len(units) else ""
            syllable = ("t" if following.startswith("ch") else following[:1]) if following[:1].isalpha() \
                and following[:1] not in "aeiou" else ""
        elif unit == _LONG_MARK:
            syllable = next((char for char in reversed("".join(out)) if char in "aeiou"), "")
        elif unit == "ん" and index + 1 < len(units) and _unit_romaji(units[index + 1])[:1] in ("a", "i", "u", "e", "o", "y"):
            syllable = "n'"
        out.append(syllable)
    return "".join(out)


def _unit_romaji(unit: str) -> str:
    """Romaji of one mora (a kana, or a kana and the small kana it takes)."""
    if len(unit) == 1:
        return _SYLLABLES.get(unit) or _SMALL_ALONE.get(unit) or unit
    head, small = unit[0], unit[1:]
    base = _SYLLABLES.get(head, head)
    if small[0] in "ゃゅょ":
        vowel = _SMALL_ALONE[small[0]][1]
        if head in _GLIDE_STEMS:
            return _GLIDE_STEMS[head] + vowel + _tail(small[1:])
        return base[:-1] + "y" + vowel + _tail(small[1:])
    if small[0] in "ぁぃぅぇぉゎ":
        vowel = _SMALL_ALONE[small[0]][-1]
        stem = _FOREIGN.get(head, base[:-1])
        return stem + vowel + _tail(small[1:])
    return base + _tail(small)


def _tail(smalls: str) -> str:
    return "".join(_SMALL_ALONE.get(char, char) for char in smalls)
