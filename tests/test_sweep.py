"""Failures found by an adversarial sweep of sample, check, render and play, each held fixed.

Every test names the attempt that once failed: a device or FIFO replaced by a regular file, a
traceback for a nameless sound path, an ignored ``--out``, a ``# sections:`` header that check
passed and render refused, and an encoding hint that named the wrong encoding.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import seqgen
from seqgen.errors import SeqgenError
from tests.cli_helpers import assert_clean_error, invoke

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||\n"
SAMPLE = ("sample", "--form", "tihai", "--seed", "3")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("option", ["--wav", "--midi", "--out"])
def test_a_fifo_is_refused_and_left_a_fifo(option: str, fifo: Path) -> None:
    # a rename over it used to replace the FIFO with a regular file and report success
    extra = ("--format", "svg") if option == "--out" else ()
    result = invoke(*SAMPLE, *extra, option, fifo)
    assert_clean_error(result, str(fifo), "not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("option", ["--wav", "--midi"])
def test_a_folder_is_refused_by_name(option: str, tmp_path: Path) -> None:
    result = invoke(*SAMPLE, option, tmp_path)
    assert_clean_error(result, str(tmp_path), "a folder")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_device_is_written_in_place_and_fails_cleanly() -> None:
    # as root, a rename used to replace /dev/full itself with a regular file and say "wrote"
    result = invoke(*SAMPLE, "--wav", "/dev/full")
    assert_clean_error(result, "/dev/full", "no space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_library_writes_to_a_folder_raise_seqgen_error(tmp_path: Path) -> None:
    piece = seqgen.load("pretrained:tabla").compositions(form="tihai", seed=3)[0]
    with pytest.raises(SeqgenError, match="a folder"):
        piece.to_wav(tmp_path)
    with pytest.raises(SeqgenError, match="a folder"):
        piece.to_svg(tmp_path)


@pytest.mark.parametrize("option", ["--wav", "--midi"])
@pytest.mark.parametrize("count", ["1", "3"])
def test_a_sound_path_without_a_name_is_refused(option: str, count: str, tmp_path: Path, monkeypatch) -> None:
    # --n 3 with an empty name used to end in pathlib's ValueError traceback
    monkeypatch.chdir(tmp_path)
    result = invoke(*SAMPLE, "--n", count, option, "")
    assert_clean_error(result, "file name")
    assert list(tmp_path.iterdir()) == []


def test_sample_grid_out_writes_the_grid_to_the_file(tmp_path: Path) -> None:
    # --out was accepted with --format grid and silently ignored
    shown = invoke(*SAMPLE, "--format", "grid")
    target = tmp_path / "new" / "piece.grid"
    written = invoke(*SAMPLE, "--format", "grid", "--out", target)
    assert shown.exit_code == 0 and written.exit_code == 0, written.stderr
    assert written.stdout == ""
    assert target.read_text(encoding="utf-8") == shown.stdout


@pytest.mark.parametrize("header", ["theme 1-99999999999", "a 10-2", "tihai 0-4"])
def test_check_reports_a_sections_header_that_render_refuses(header: str, tmp_path: Path) -> None:
    path = tmp_path / "piece.txt"
    path.write_text(f"# taal: teentaal\n# sections: {header}\n{THEKA}", encoding="utf-8")
    rendered = invoke("render", path)
    assert_clean_error(rendered, "# sections:")
    checked = invoke("check", path)
    assert checked.exit_code == 1
    assert f"'# sections:' item '{header}'" in checked.stdout


def test_check_accepts_a_good_sections_header(tmp_path: Path) -> None:
    path = tmp_path / "piece.txt"
    path.write_text(f"# taal: teentaal\n# sections: theme 1-8; rest 9-16\n{THEKA}", encoding="utf-8")
    assert invoke("check", path).exit_code == 0
    assert invoke("render", path).exit_code == 0


def test_a_latin1_file_is_not_said_to_read_as_utf16(tmp_path: Path) -> None:
    # any even-length bytes decode as UTF-16, so the hint named it for a Latin-1 file
    path = tmp_path / "piece.txt"
    path.write_bytes(f"# taal: teentaal\n# title: caf\xe9\n{THEKA}".encode("latin-1"))
    assert len(path.read_bytes()) % 2 == 0  # the case that used to decode as UTF-16
    result = invoke("check", path)
    assert_clean_error(result, "not valid UTF-8")
    assert "utf-16" not in result.stderr



@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_several_pieces_to_a_device_are_not_numbered_beside_it() -> None:
    # --n 2 --wav /dev/full used to write /dev/full-1 and /dev/full-2 as new files in /dev
    result = invoke(*SAMPLE, "--n", "2", "--wav", "/dev/full")
    assert_clean_error(result, "/dev/full", "no space left on device")
    assert not Path("/dev/full-1").exists() and not Path("/dev/full-2").exists()


def test_render_and_play_refuse_what_check_refuses(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("# taal: teentaal\n# start: 17\n"
                    "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||\n")
    assert invoke("check", path).exit_code == 1
    for args in (["render", path], ["render", path, "--format", "svg", "--out", tmp_path / "f.svg"],
                 ["play", path, "--wav", tmp_path / "f.wav"]):
        assert_clean_error(invoke(*args), "f.txt:1:1", "must be a matra number from 1 to 16")
    assert not (tmp_path / "f.svg").exists() and not (tmp_path / "f.wav").exists()


def test_piece_and_reader_arguments_are_checked_at_the_boundary():
    import seqgen
    from seqgen.errors import SeqgenError

    [piece] = seqgen.load_pretrained("tabla").compositions(form="tihai", seed=1)
    for call in (lambda: piece.to_wav(5), lambda: piece.to_wav(click="yes"), lambda: piece.to_midi(""),
                 lambda: piece.to_svg(3), lambda: piece.to_png(3.5), lambda: seqgen.read_compositions(None),
                 lambda: seqgen.read_compositions(5)):
        with pytest.raises(SeqgenError):
            call()
