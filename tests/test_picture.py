"""The grid as a picture: SVG parsed back as XML, PNG read back as pixels, through the library and
the CLI (`render` and `sample --format svg|png`)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import matplotlib.image
import pytest

from cli_helpers import assert_clean_error, invoke
from seqgen.pieces import read_compositions

PICKUP = """# taal: teentaal
# form: tihai
# title: a pickup tihai
# start: 9
# sections: phrase 1-3; tihai 1-9
DhaGeNa,DhaGeTiTa Dha - - | TiTa,KaTaGe Dha - - ||
Dha
"""
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [element.text for element in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_svg_holds_the_grid_title_numbers_bols_marks_and_sections(tmp_path):
    path = tmp_path / "tihai.txt"
    path.write_text(PICKUP)
    piece = read_compositions(path)[0]
    svg = piece.to_svg(tmp_path / "tihai.svg")
    assert (tmp_path / "tihai.svg").read_text() == svg
    found = texts(svg)
    assert found[0] == "a pickup tihai"
    assert "phrase (from matra 9); tihai (from matra 9)" in found
    first_row = found[found.index("phrase (from matra 9); tihai (from matra 9)") + 1:found.index("1")]
    # the pickup row shows matras 9-16 only, each number above its bols, marks under vibhag starts
    assert first_row[:4] == ["9", "DhaGeNa,DhaGeTiTa", "0", "10"]
    assert [text for text in first_row if text.isdigit() and int(text) < 9] == ["0", "3"]
    assert found[-3:] == ["1", "Dha", "X"]  # the landing opens a row of its own
    bars = list(ElementTree.fromstring(svg).iter(f"{SVG}line"))
    # the pickup row's bars (before 5, 9 and 13, as the text grid draws them), none in the landing's
    assert len(bars) == 3


def test_png_is_an_image_of_the_same_layout(tmp_path):
    path = tmp_path / "tihai.txt"
    path.write_text(PICKUP)
    piece = read_compositions(path)[0]
    piece.to_png(tmp_path / "tihai.png")
    pixels = matplotlib.image.imread(tmp_path / "tihai.png")
    root = ElementTree.fromstring(piece.to_svg())
    width, height = float(root.get("width")), float(root.get("height"))
    assert pixels.shape[1] == pytest.approx(2 * width, abs=2) and pixels.shape[0] == pytest.approx(2 * height, abs=2)
    ink = (pixels[..., :3] < 0.5).any(axis=2)
    assert 0.005 < ink.mean() < 0.3  # text drawn, on white


def test_render_command_writes_grid_svg_and_png(tmp_path):
    path = tmp_path / "tihai.txt"
    path.write_text(PICKUP)
    result = invoke("render", path)
    assert result.exit_code == 0 and "DhaGeNa,DhaGeTiTa" in result.stdout and "[phrase (from matra 9)" in result.stdout
    result = invoke("render", path, "--format", "svg")
    assert result.exit_code == 0 and texts(result.stdout)[0] == "a pickup tihai"
    result = invoke("render", path, "--format", "png", "--out", tmp_path / "out" / "sheet.png")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "sheet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_refuses_bad_requests_in_one_line(tmp_path):
    path = tmp_path / "tihai.txt"
    path.write_text(PICKUP)
    assert_clean_error(invoke("render", path, "--format", "png"), "--format png needs --out")
    assert_clean_error(invoke("render", path, "--format", "pdf"), "unknown --format 'pdf'")
    bad = tmp_path / "bad.txt"
    bad.write_text(PICKUP.replace("phrase 1-3", "phrase 1-30"))
    assert_clean_error(invoke("render", bad, "--format", "svg"), "'# sections:' item 'phrase 1-30'")
    assert_clean_error(invoke("render", tmp_path / "missing.txt"), "missing.txt")
    assert not [name for name in tmp_path.iterdir() if name.suffix in (".png", ".svg")]


def test_sample_draws_its_compositions(tmp_path):
    out = tmp_path / "kaida.svg"
    result = invoke("sample", "--form", "kaida", "--seed", "3", "--n", "2", "--format", "svg", "--out", out)
    assert result.exit_code == 0, result.stderr
    found = texts(out.read_text())
    assert found.count("teentaal (16 matras) - kaida") == 2 and "theme (from matra 1)" in found
    assert_clean_error(invoke("sample", "--format", "png"), "--format png needs --out")
