import subprocess
import sys

from cli_helpers import assert_clean_error, invoke, run_seqgen
from conftest import GOLDEN, ROOT

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"


def test_help_does_not_import_tensorflow():
    code = ("import sys; from typer.testing import CliRunner; from seqgen.cli import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; "
            "import seqgen.tokenizers.tabla, seqgen.validator, seqgen.vocab, seqgen.taals; "
            "assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_taals_prints_every_taal():
    result = invoke("taals")
    assert result.exit_code == 0
    assert "teentaal" in result.stdout and "dhamar" in result.stdout and "X 2 0 3" in result.stdout


def test_check_valid_file_exits_0(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text(f"# taal: teentaal\n{THEKA}\n")
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert "all valid" in result.stderr


def test_check_reports_each_problem_with_location_and_exits_1(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(f"# taal: teentaal\n{THEKA[:-8]} ||\n\n# taal: teentaal\nDha Dhq ||\n")
    result = invoke("check", path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}:2:1:") and "has 15 matras" in lines[0]
    assert lines[1].startswith(f"{path}:5:5:") and "unknown bol 'Dhq'" in lines[1]


def test_check_with_taal_option(tmp_path):
    path = tmp_path / "dadra.txt"
    path.write_text("Dha Dhi Na | Dha Tu Na ||\n")
    assert invoke("check", path, "--taal", "dadra").exit_code == 0
    assert invoke("check", path, "--taal", "teentaal").exit_code == 1


def test_check_unusable_input_exits_2(tmp_path):
    assert_clean_error(invoke("check", tmp_path / "missing.txt"), "no such file")
    path = tmp_path / "ok.txt"
    path.write_text(THEKA)
    assert_clean_error(invoke("check", path, "--taal", "tintal"), "unknown taal 'tintal'", "teentaal")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Dhä ||".encode("latin-1"))
    assert_clean_error(invoke("check", latin1), "not valid UTF-8")


def test_format_prints_canonical_notation():
    result = invoke("format", GOLDEN / "tabla_input.txt")
    assert result.exit_code == 0
    assert result.stdout == (GOLDEN / "tabla_canonical.txt").read_text()


def test_format_unknown_bol_exits_2_without_output(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Dha Dhx ||\n")
    result = invoke("format", path)
    assert_clean_error(result, f"{path}:1:5", "unknown bol 'Dhx'", "did you mean")
    assert result.stdout == ""


def test_tokenize_prints_documents_and_stats():
    result = invoke("tokenize", "tabla", GOLDEN / "tabla_input.txt")
    assert result.exit_code == 0
    assert result.stdout == (GOLDEN / "tabla_tokens.txt").read_text().lstrip("\n")
    stats = invoke("tokenize", "japanese", GOLDEN / "japanese_input.txt", "--stats", "--vocab-size", "10")
    assert stats.exit_code == 0, stats.output
    assert "documents        2" in stats.stdout and "unknown tokens" in stats.stdout


def test_tokenize_unknown_domain_and_tokenizer(tmp_path):
    assert_clean_error(invoke("tokenize", "klingon", GOLDEN / "tabla_input.txt"), "unknown domain", "tabla, japanese")
    assert_clean_error(invoke("tokenize", "tabla", GOLDEN / "tabla_input.txt", "--tokenizer", "sentencepiece"),
                       "does not fit domain")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert_clean_error(invoke("tokenize", "japanese", empty), "corpus is empty")


def test_subprocess_check_and_format_on_shipped_corpus():
    corpus = ROOT / "corpora" / "teentaal.txt"
    if not corpus.exists():
        corpus = GOLDEN / "tabla_input.txt"
    checked = run_seqgen("check", corpus)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = run_seqgen("format", corpus)
    assert formatted.returncode == 0 and "||" in formatted.stdout
    missing = run_seqgen("format", "no/such/file.txt")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
