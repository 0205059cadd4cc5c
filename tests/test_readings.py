"""Kana readings and mora counts: the kana rules, reading tokens in context with the real
analyzer (SudachiPy), and the readings file a bundle carries."""

import json

import pytest

from seqgen.analyzer import Analyzer, shared_analyzer
from seqgen.errors import SeqgenError
from seqgen.kana import mora_count, morae, romaji, to_hiragana, to_katakana
from seqgen.readings import METER_CERTAINTY, Readings, TokenReading, char_readings, compute_readings
from seqgen.tokenizers import create


@pytest.mark.parametrize("reading, count", [
    ("さくら", 3), ("きょう", 2), ("しゃしん", 3), ("がっこう", 4), ("ラーメン", 4), ("ファイト", 3),
    ("ちょっと", 3), ("ん", 1), ("っ", 1), ("ー", 1), ("ゃ", 0), ("", 0), ("ヴァイオリン", 5),
])
def test_mora_rules(reading, count):
    # small ゃゅょぁぃぅぇぉ merge with the kana before; っ, ん and ー count one each
    assert mora_count(reading) == count


@pytest.mark.parametrize("reading", ["LOVE", "二人", "ab", "、"])
def test_a_reading_with_anything_but_kana_has_no_count(reading):
    assert mora_count(reading) is None


def test_morae_cut_a_reading_where_a_singer_would():
    assert morae("きょうしつ") == ["きょ", "う", "し", "つ"]
    assert morae("ちゃっかり") == ["ちゃ", "っ", "か", "り"]


@pytest.mark.parametrize("reading, expected", [
    ("がっこう", "gakkou"), ("しんよう", "shin'you"), ("ちゃいろ", "chairo"), ("マッチ", "matchi"),
    ("ラーメン", "raamen"), ("ふじさん", "fujisan"), ("つくえ", "tsukue"), ("じゅうしょ", "juusho"),
    ("ファイト", "faito"), ("きっぷ", "kippu"), ("ゐる", "iru"), ("おんな", "onna"),
])
def test_hepburn_romaji(reading, expected):
    assert romaji(reading) == expected


def test_particles_are_sung_wa_e_o():
    assert [romaji(kana, particle=True) for kana in "はへを"] == ["wa", "e", "o"]
    assert romaji("は") == "ha"


def test_syllabaries_convert_both_ways():
    assert to_hiragana("カタカナとひらがな") == "かたかなとひらがな"
    assert to_katakana("ひらがな、ABC") == "ヒラガナ、ABC"


@pytest.mark.parametrize("surface, reading, expected", [
    ("光っ", "ヒカッ", ["ヒカ", "ッ"]),          # kanji take what lies between the kana
    ("初恋", "ハツコイ", ["ハツ", "コイ"]),       # a kanji run is shared out by mora
    ("考へ", "カンガエ", ["カンガ", "エ"]),       # historical kana: matched by position
    ("ゐる", "イル", ["イ", "ル"]),
    ("、", "", [""]),
])
def test_a_word_reading_is_shared_over_its_characters(surface, reading, expected):
    assert char_readings(surface, reading) == expected


def test_the_analyzer_reads_words_and_marks_spaces_silent():
    words = Analyzer().analyze("君と歩こう　夜の道")
    assert [word.surface for word in words if not word.silent] == ["君", "と", "歩こう", "夜", "の", "道"]
    assert "".join(word.reading for word in words) == "キミトアルコウヨルノミチ"
    assert all(word.reading == "" for word in words if word.silent)


def _lines(tokenizer, text):
    return [line for document in tokenizer.tokenize(text) for line in tokenizer.lines(document.tokens)]


def test_tokens_are_read_in_context():
    tokenizer = create("japanese")
    text = "今日は光って消える\n金曜日の夜に\n一人で歩こう\n"
    readings = compute_readings(_lines(tokenizer, text), tokenizer.surface, shared_analyzer())
    assert readings.get("今日").reading == "きょう"
    assert readings.get("今日").morae == 2
    assert readings.get("は").particle and readings.get("は").romaji == "wa"
    # every line's token readings add up to the analyzer's reading of the whole line
    for line in _lines(tokenizer, text):
        whole = "".join(word.reading for word in shared_analyzer().analyze("".join(line)))
        assert "".join(readings.get(token).reading for token in line) == to_hiragana(whole)


def test_a_token_split_inside_a_compound_takes_its_own_part():
    # TinySegmenter may cut what Sudachi reads as one word (金曜日 = キンヨウビ)
    readings = compute_readings([["金曜", "日", "の", "夜"]], lambda token: token, shared_analyzer())
    assert readings.get("金曜").reading == "きんよう"
    assert readings.get("日").reading == "び"


def test_words_sung_with_another_reading_than_the_dictionarys_are_uncertain():
    # the analyzers read 私 as わたくし and 明日 as あす; songs sing わたし and あした as often
    tokenizer = create("japanese")
    readings = compute_readings(_lines(tokenizer, "私の明日は遠い\n"), tokenizer.surface, shared_analyzer())
    assert readings.get("私").reading == "わたし" and readings.get("明日").reading == "あした"
    assert readings.get("私").certainty < METER_CERTAINTY
    assert list(readings.meter_morae(["私", "明日", "遠い"])) == [-1, -1, 3]


def test_certainty_is_the_share_of_occurrences_with_the_usual_mora_count():
    lines = [["日", "が", "昇る"]] * 3 + [["日", "曜", "日"]]
    readings = compute_readings(lines, lambda token: token, shared_analyzer())
    entry = readings.get("日")
    assert entry.reading == "ひ"
    assert 0.5 < entry.certainty < 1.0


def test_sentencepiece_pieces_get_readings_too():
    tokenizer = create("sentencepiece", vocab_size=60)
    text = "\n".join(["夕日の丘に鐘が鳴る", "小川のほとりで花を摘む", "夕日の丘で君を待つ", "星の光が　川に落ちる"] * 5)
    tokenizer.fit([text])
    readings = compute_readings(_lines(tokenizer, text), tokenizer.surface, shared_analyzer())
    for line in _lines(tokenizer, text):
        counted = sum(readings.get(piece).morae for piece in line)
        whole = mora_count(to_hiragana("".join(word.reading for word in shared_analyzer().analyze(
            "".join(tokenizer.surface(piece) for piece in line)))))
        assert counted == whole


def test_readings_round_trip_through_json():
    readings = Readings({"春": TokenReading("はる", 2, 1.0), "は": TokenReading("は", 1, 0.95, True),
                         "LOVE": TokenReading("LOVE", None, 1.0), "、": TokenReading("", 0, 1.0)})
    again = Readings.from_json(readings.to_json())
    assert again.by_token == readings.by_token


@pytest.mark.parametrize("damage", [
    "not json", json.dumps([]), json.dumps({"format": 99, "tokens": {}}),
    json.dumps({"format": 1, "tokens": {"春": ["はる", 3, 1.0, False]}}),      # wrong count
    json.dumps({"format": 1, "tokens": {"春": ["はる", 2, 1.5, False]}}),      # certainty past 1
    json.dumps({"format": 1, "tokens": {"春": ["はる", 2, 1.0]}}),
    json.dumps({"format": 1, "tokens": {"春": [2, 2, 1.0, False]}}),
    json.dumps({"format": 1, "tokens": {"春": ["はる", True, 1.0, False]}}),
])
def test_damaged_readings_are_refused(damage):
    with pytest.raises(SeqgenError):
        Readings.from_json(damage)


def test_uncertain_and_unknown_tokens_have_no_meter_count():
    readings = Readings({"春": TokenReading("はる", 2, 1.0), "日": TokenReading("ひ", 1, METER_CERTAINTY - 0.1),
                         "LOVE": TokenReading("LOVE", None, 1.0)})
    assert readings.meter_morae(["春", "日", "LOVE", "<nl>"]).tolist() == [2, -1, -1, -1]


def test_a_line_reading_for_singers():
    readings = Readings({"夕日": TokenReading("ゆうひ", 3, 1.0), "の": TokenReading("の", 1, 1.0),
                         "丘": TokenReading("おか", 2, 1.0), "<sp>": TokenReading("", 0, 1.0),
                         "鐘": TokenReading("かね", 2, 1.0)})
    line = readings.line(["夕日", "の", "丘", "<sp>", "鐘"], "夕日の丘 鐘", "<sp>")
    assert (line.reading, line.romaji, line.morae) == ("ゆうひのおか かね", "yuuhi no oka kane", 8)


def test_lines_are_counted_a_batch_at_a_time_to_the_same_readings(monkeypatch):
    # a streamed corpus of millions of lines is never counted whole; batches give the same readings
    from seqgen import readings as module

    tokenizer = create("japanese")
    text = "夜空に星が光る\n私の明日は遠い\n夜空に星が光る\n金曜日の夜に\n私の明日は遠い\n" * 3
    whole = compute_readings(_lines(tokenizer, text), tokenizer.surface, shared_analyzer())
    taken = []
    counted = module._counted_in_batches

    def spy(lines):
        for line, count in counted(lines):
            taken.append(count)
            yield line, count

    monkeypatch.setattr(module, "LINES_PER_BATCH", 4)
    monkeypatch.setattr(module, "_counted_in_batches", spy)
    batched = compute_readings(iter(_lines(tokenizer, text)), tokenizer.surface, shared_analyzer())
    assert batched.by_token == whole.by_token and batched.junctions == whole.junctions
    assert sum(taken) == 15 and max(taken) <= 4 and len(taken) > 4  # 4 batches: repeats analysed again


def test_readings_kept_for_a_vocabulary_are_those_read_for_all_then_restricted():
    # a large corpus has far more distinct tokens than its vocabulary: only the kept ones are gathered
    tokenizer = create("japanese")
    text = "夜空に星が光る\n金曜日の夜に\n私の明日は遠い\n花が咲いた\n"
    lines = _lines(tokenizer, text)
    vocabulary = {token for line in lines[:2] for token in line}
    everything = compute_readings(lines, tokenizer.surface, shared_analyzer())
    kept = compute_readings(lines, tokenizer.surface, shared_analyzer(), keep=vocabulary)
    restricted = everything.restricted_to(vocabulary)
    assert kept.by_token == restricted.by_token and kept.junctions == restricted.junctions
    assert set(kept.by_token) == vocabulary < set(everything.by_token)
