"""``seqgen serve`` over HTTP without a browser: every endpoint, every refusal as a one-line JSON
error, bounded requests, and listening on localhost unless told otherwise."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import wave

import pytest

from cli_helpers import assert_clean_error, invoke
from seqgen import serve
from seqgen.api import load_pretrained
from seqgen.errors import SeqgenError
from seqgen.forms import GRAMMAR_FORMS
from seqgen.kana import mora_count
from seqgen.serve import MAX_AUDIO_SECONDS, MAX_BODY_BYTES, MAX_CYCLES, make_server
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers.tabla_notation import parse

THEKA = "# taal: teentaal\n" + TAALS["teentaal"].theka


@pytest.fixture(scope="module")
def models():
    return load_pretrained("tabla"), load_pretrained("japanese")


@pytest.fixture(scope="module")
def server(models):
    running = make_server(*models, port=0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


class Reply:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self):
        assert self.headers["Content-Type"] == "application/json", self.headers["Content-Type"]
        return json.loads(self.body)


def request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            connection: http.client.HTTPConnection | None = None) -> Reply:
    connection = connection or http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    return Reply(connection.getresponse())


def post(server, path: str, params) -> Reply:
    return request(server, "POST", path, json.dumps(params).encode(), {"Content-Type": "application/json"})


def assert_refused(reply: Reply, status: int, *fragments: str) -> str:
    """The status, a JSON object holding one error line naming the problem, no traceback."""
    assert reply.status == status, (reply.status, reply.body)
    payload = reply.json()
    assert list(payload) == ["error"]
    message = payload["error"]
    assert isinstance(message, str) and message and "\n" not in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# ---------------------------------------------------------------------------------- the page

@pytest.mark.parametrize("path, kind, needle", [
    ("/", "text/html", b'<script src="/app.js"'),
    ("/index.html", "text/html", b'id="grid"'),
    ("/app.js", "text/javascript", b"/api/tabla"),
    ("/style.css", "text/css", b"td.current"),
])
def test_page_files(server, path, kind, needle):
    reply = request(server, "GET", path)
    assert reply.status == 200 and reply.headers["Content-Type"].startswith(kind)
    assert needle in reply.body


def test_info_lists_taals_forms_and_limits(server, models):
    info = request(server, "GET", "/api/info").json()
    assert [taal["name"] for taal in info["taals"]] == list(TAALS)
    ektaal = next(taal for taal in info["taals"] if taal["name"] == "ektaal")
    assert ektaal["matras"] == 12 and ektaal["marks"] == list(TAALS["ektaal"].marks)
    assert set(GRAMMAR_FORMS) <= set(info["forms"])
    known = {token[6:-1] for token in models[0].bundle.vocab.tokens if token.startswith("<form:")}
    assert known <= set(info["forms"])
    assert info["limits"]["cycles"] == MAX_CYCLES
    assert info["models"]["tabla"] == str(models[0].path)


# ---------------------------------------------------------------------------------- tabla

def test_tabla_returns_the_library_composition_with_times_and_grid(server, models):
    params = {"taal": "jhaptaal", "form": "kaida", "paltas": 2, "temperature": 0.9, "seed": 11, "bpm": 120}
    reply = post(server, "/api/tabla", params)
    assert reply.status == 200, reply.body
    piece = reply.json()
    [expected] = models[0].compositions(taal="jhaptaal", form="kaida", paltas=2, temperature=0.9, seed=11)
    for key in ("taal", "form", "start", "cycles", "sections", "text"):
        assert piece[key] == expected[key], key
    assert [section["kind"] for section in piece["sections"]][:3] == ["theme", "palta 1", "palta 2"]
    matras = [matra for cycle in piece["cycles"] for matra in cycle]
    # one start time a matra, 0.5 s apart at 120 matras a minute
    assert piece["bpm"] == 120 and len(piece["matra_times"]) == len(matras)
    assert piece["matra_times"] == pytest.approx([index * 0.5 for index in range(len(matras))])
    assert_grid(piece, get_taal("jhaptaal"), matras)


def assert_grid(piece, taal, matras):
    """Every matra once, in order, under its number in the cycle; bars and marks at the vibhags."""
    cells = [cell for row in piece["rows"] for cell in row["cells"] if cell["index"] is not None]
    assert [cell["index"] for cell in cells] == list(range(len(matras)))
    assert [cell["bols"] for cell in cells] == matras
    assert cells[0]["number"] == piece["start"]
    for cell in cells:
        assert cell["number"] == (piece["start"] - 1 + cell["index"]) % taal.matras + 1
        starts_vibhag = cell["number"] in taal.vibhag_starts
        assert cell["mark"] == (taal.marks[taal.vibhag_starts.index(cell["number"])] if starts_vibhag else "")
        assert cell["bar"] == (starts_vibhag and cell["number"] > 1)
    for row in piece["rows"]:
        numbers = [cell["number"] for cell in row["cells"]]
        assert numbers == list(range(1, len(numbers) + 1))  # a pickup row starts with empty cells
    labels = [label for row in piece["rows"] for label in row["sections"]]
    assert len(labels) == len(piece["sections"])
    assert labels[0].startswith(f"{piece['sections'][0]['kind']} (from matra {piece['start']})")


def test_tabla_pickup_tihai_grid_starts_mid_cycle(server):
    piece = post(server, "/api/tabla", {"taal": "teentaal", "form": "tihai", "seed": 2, "bpm": 60}).json()
    matras = [matra for cycle in piece["cycles"] for matra in cycle]
    assert piece["start"] > 1  # a tihai counted back from sam starts after it
    first = piece["rows"][0]["cells"]
    assert [cell["index"] for cell in first[:piece["start"] - 1]] == [None] * (piece["start"] - 1)
    assert_grid(piece, get_taal("teentaal"), matras)
    last_row = piece["rows"][-1]["cells"]
    assert len(last_row) == 1 and last_row[0]["number"] == 1  # the landing on sam


def test_tabla_same_seed_same_piece_defaults_apply(server):
    first, second = (post(server, "/api/tabla", {"seed": 4}).json() for _ in range(2))
    assert first == second
    assert first["taal"] == "teentaal" and len(first["cycles"]) == 4 and first["bpm"] == 80


def test_timing_follows_the_tempo(server):
    slow = post(server, "/api/timing", {"text": THEKA, "bpm": 60}).json()
    fast = post(server, "/api/timing", {"text": THEKA, "bpm": 120}).json()
    assert slow["matra_times"] == pytest.approx(list(range(16)))
    assert fast["matra_times"] == pytest.approx([time / 2 for time in slow["matra_times"]])


# ---------------------------------------------------------------------------------- downloads

def test_wav_download(server):
    reply = post(server, "/api/wav", {"text": THEKA, "bpm": 120, "sa": "D", "click": True, "loop": 2})
    assert reply.status == 200 and reply.headers["Content-Type"] == "audio/wav"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="composition.wav"'
    with wave.open(io.BytesIO(reply.body)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 16.0 <= seconds <= 16.0 + 2  # two cycles of 16 matras at 0.5 s, and the last stroke's ring


def test_midi_download(server):
    reply = post(server, "/api/midi", {"text": THEKA, "bpm": 90})
    assert reply.status == 200 and reply.headers["Content-Type"] == "audio/midi"
    assert reply.body[:4] == b"MThd" and reply.body.count(b"MTrk") == 2  # dayan and bayan tracks


def test_text_download_is_canonical(server):
    sloppy = "# taal: Teentaal\ndha DHIN dhin dha|dha dhin dhin dha | dha tin tin ta | ta dhin dhin dha||"
    reply = post(server, "/api/text", {"text": sloppy})
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.body.decode("utf-8") == parse(sloppy)[0].text() + "\n"
    assert reply.body.decode("utf-8") == parse(THEKA)[0].text() + "\n"


# ---------------------------------------------------------------------------------- lyrics

def test_lyrics_shape(server, models):
    song = post(server, "/api/lyrics", {"stanzas": 2, "lines": 3, "temperature": 0.7, "seed": 9}).json()
    assert song["stanzas"] == models[1].stanzas(2, lines=3, temperature=0.7, seed=9)
    assert [len(stanza) for stanza in song["stanzas"]] == [3, 3]
    assert song["text"] == "\n\n".join("\n".join(stanza) for stanza in song["stanzas"])
    assert [[line["text"] for line in stanza] for stanza in song["lines"]] == song["stanzas"]


def test_metered_lyrics_carry_readings(server, models):
    song = post(server, "/api/lyrics", {"stanzas": 2, "lines": 4, "meter": " 7,5 ", "seed": 3}).json()
    assert song["lines"] == models[1].stanzas(2, lines=4, meter="7,5", with_readings=True, seed=3)
    for stanza in song["lines"]:
        assert [line["morae"] for line in stanza] == [7, 5, 7, 5]
        assert all(mora_count(line["reading"].replace(" ", "")) == line["morae"] and line["romaji"]
                   for line in stanza)
    # an empty meter is a free song
    assert post(server, "/api/lyrics", {"meter": "", "seed": 3}).json()["stanzas"] == models[1].stanzas(3, seed=3)


# ---------------------------------------------------------------------------------- refusals

LONG_PIECE = "# taal: teentaal\n" + "\n".join([TAALS["teentaal"].theka] * 8)

BAD_PARAMETERS = [
    ("/api/tabla", {"cycles": 0}, "cycles must be a whole number from 1 to"),
    ("/api/tabla", {"cycles": MAX_CYCLES + 1}, f"from 1 to {MAX_CYCLES}, got {MAX_CYCLES + 1}"),
    ("/api/tabla", {"cycles": "4"}, 'cycles must be a whole number from 1 to 32, got "4"'),
    ("/api/tabla", {"cycles": 2.5}, "cycles must be a whole number"),
    ("/api/tabla", {"paltas": 99}, "paltas must be a whole number from 0 to"),
    ("/api/tabla", {"paltas": True}, "paltas must be a whole number"),
    ("/api/tabla", {"taal": "nosuch"}, "unknown taal 'nosuch'"),
    ("/api/tabla", {"taal": 7}, "taal must be text"),
    ("/api/tabla", {"form": "waltz"}, "waltz"),
    ("/api/tabla", {"layakari": 17}, "layakari"),
    ("/api/tabla", {"temperature": 0}, "temperature must be greater than 0"),
    ("/api/tabla", {"temperature": "hot"}, 'temperature must be a number, got "hot"'),
    ("/api/tabla", {"seed": -1}, "seed must be a whole number of at least 0"),
    ("/api/tabla", {"bpm": 0}, "bpm must be between"),
    ("/api/tabla", {"bpm": 1e9}, "bpm must be between"),
    ("/api/tabla", {"bpm": None}, "bpm must be a number, got null"),
    ("/api/tabla", {"tempo": 80}, "unknown parameter tempo; this endpoint takes taal, form"),
    ("/api/timing", {"text": THEKA, "bpm": -5}, "bpm must be between"),
    ("/api/timing", {"bpm": 80}, "text must be text, got null"),
    ("/api/wav", {"text": THEKA, "sa": "H"}, "H"),
    ("/api/wav", {"text": THEKA, "loop": 0}, "loop must be a whole number from 1 to"),
    ("/api/wav", {"text": THEKA, "loop": 99}, "loop must be a whole number from 1 to"),
    ("/api/wav", {"text": THEKA, "click": "yes"}, 'click must be true or false, got "yes"'),
    ("/api/wav", {"text": LONG_PIECE, "bpm": 10}, f"at most {MAX_AUDIO_SECONDS} s"),
    ("/api/wav", {"text": "# taal: teentaal\nDha Dhin Zork Dha ||"}, "text:2:"),
    ("/api/midi", {"text": THEKA + "\n\n" + THEKA}, "text must hold one composition, it holds 2"),
    ("/api/midi", {"text": "# taal: teentaal"}, "it holds 0"),
    ("/api/midi", {"text": "# taal: teentaal\nDha Dha Dha ||"}, "teentaal"),
    ("/api/text", {"text": "Dha\n" * 3000}, "the page renders at most"),
    ("/api/lyrics", {"stanzas": 0}, "stanzas must be a whole number from 1 to"),
    ("/api/lyrics", {"lines": 99}, "lines must be a whole number from 1 to"),
    ("/api/lyrics", {"prime": "x"}, "unknown parameter prime"),
    ("/api/lyrics", {"meter": "7,five"}, "meter"),
    ("/api/lyrics", {"meter": 7}, "meter must be text"),
]


@pytest.mark.parametrize("path, params, fragment", BAD_PARAMETERS)
def test_bad_parameters_get_400_and_one_line(server, path, params, fragment):
    assert_refused(post(server, path, params), 400, fragment)


@pytest.mark.parametrize("body, fragment", [
    (b"{nope", "the request body is not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"bpm": NaN}', "NaN, which is not a JSON number"),
    (b'{"bpm": Infinity}', "Infinity"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_bodies_that_are_not_parameters(server, body, fragment):
    reply = request(server, "POST", "/api/tabla", body, {"Content-Type": "application/json"})
    assert_refused(reply, 400, fragment)


def test_requests_the_server_does_not_take(server):
    assert_refused(request(server, "GET", "/etc/passwd"), 404, "no page at /etc/passwd")
    assert_refused(request(server, "GET", "/../seqgen/serve.py"), 404)
    assert_refused(post(server, "/api/nothing", {}), 404, "no endpoint at /api/nothing")
    assert_refused(request(server, "POST", "/api/tabla", b"taal=teentaal",
                           {"Content-Type": "application/x-www-form-urlencoded"}), 415, "JSON")
    assert_refused(request(server, "PUT", "/api/tabla", b"{}", {"Content-Type": "application/json"}), 501)


def test_head_answers_like_get_without_a_body(server):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    head = request(server, "HEAD", "/", connection=connection)
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(request(server, "GET", "/", connection=connection).body)


def test_body_size_is_capped_before_reading(server):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    connection.putrequest("POST", "/api/text")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
    connection.endheaders()  # the body is never sent: the server must answer without waiting for it
    assert_refused(Reply(connection.getresponse()), 413, f"at most {MAX_BODY_BYTES} are accepted")


def test_missing_length_and_chunked_bodies(server):
    for headers in ({"Content-Type": "application/json"},
                    {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}):
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
        connection.putrequest("POST", "/api/lyrics", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        assert_refused(Reply(connection.getresponse()), 411)


def test_a_refused_body_is_not_read_as_the_next_request(server):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"  # would answer 404
    assert request(server, "POST", "/api/tabla", smuggled, {"Content-Type": "text/plain"},
                   connection).status == 415
    assert request(server, "GET", "/api/info", connection=connection).status == 200  # a new connection


def test_foreign_host_names_are_refused_on_loopback(server):
    assert_refused(request(server, "GET", "/api/info", headers={"Host": "attacker.example:8000"}), 403,
                   "localhost only")
    assert request(server, "GET", "/api/info", headers={"Host": f"localhost:{server.server_address[1]}"}).status == 200


def test_malformed_request_lines_get_json(server):
    with socket.create_connection(server.server_address[:2], timeout=10) as raw:
        raw.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
        head = raw.makefile("rb").read()
    assert head.startswith(b"HTTP/1.1 414") and b'{"error": ' in head and b"<html" not in head.lower()


def test_a_stalled_client_is_dropped_and_others_are_served(server, monkeypatch):
    monkeypatch.setattr(serve.Handler, "timeout", 0.5)
    with socket.create_connection(server.server_address[:2], timeout=10) as raw:
        raw.sendall(b"POST /api/lyrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100\r\n\r\n{")  # and nothing more
        assert request(server, "GET", "/api/info").status == 200  # meanwhile
        assert raw.recv(100) == b""  # closed by the server without an answer


def test_a_busy_model_answers_503_instead_of_waiting_forever(server, monkeypatch):
    monkeypatch.setattr(serve, "WORK_WAIT_S", 0.2)
    server.page._turn.acquire()  # another request holding the model
    try:
        assert_refused(post(server, "/api/lyrics", {}), 503, "busy")
    finally:
        server.page._turn.release()
    assert post(server, "/api/lyrics", {"seed": 1}).status == 200


def test_a_bug_is_one_line_for_the_client_and_a_traceback_in_the_log(server, monkeypatch, capfd):
    def broken(page, params):
        raise ZeroDivisionError("a bug")

    monkeypatch.setitem(serve.ROUTES, "/api/lyrics", serve.Route(broken))
    assert_refused(post(server, "/api/lyrics", {}), 500, "internal error")
    assert "ZeroDivisionError" in capfd.readouterr().err


# ---------------------------------------------------------------------------------- listening

def test_importing_the_server_loads_no_library_below_it():
    code = "import sys, seqgen.serve; print(sorted(m for m in ('numpy', 'tensorflow', 'seqgen.api') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_listens_on_localhost_by_default(models):
    running = make_server(*models, port=0)
    try:
        assert running.server_address[0] == "127.0.0.1" and running.loopback
        assert running.url == f"http://127.0.0.1:{running.server_address[1]}/"
    finally:
        running.server_close()


def test_other_addresses_need_to_be_asked_for(models):
    with pytest.raises(SeqgenError, match="refusing to listen on 0.0.0.0, which other machines can reach; "
                                          "give --host explicitly"):
        make_server(*models, host="0.0.0.0", port=0)
    assert serve.resolve_host("0.0.0.0", 0)[2] is False
    assert serve.resolve_host("localhost", 0)[2] is True


@pytest.mark.parametrize("host, port, fragment", [
    ("127.0.0.1", 70000, "port must be a whole number from 0 to 65535"),
    ("127.0.0.1", -1, "port must be"),
    ("no such host.invalid", 0, "cannot listen on 'no such host.invalid'"),
    ("", 0, "host must be"),
])
def test_bad_addresses(models, host, port, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        make_server(*models, host=host, port=port)


def test_a_port_in_use_is_one_line(models):
    first = make_server(*models, port=0)
    try:
        with pytest.raises(SeqgenError, match=r"cannot listen on 127.0.0.1:\d+: .*choose another --port"):
            make_server(*models, port=first.server_address[1])
    finally:
        first.server_close()


def test_models_must_match_their_domains(models):
    with pytest.raises(SeqgenError, match="needs a tabla model"):
        make_server(models[1], models[1], port=0)


def test_cli_refuses_bad_options_cleanly(tmp_path, models):
    assert_clean_error(invoke("serve", "--port", "70000", "--no-open"), "port must be a whole number")
    assert_clean_error(invoke("serve", "--model", tmp_path, "--no-open"), str(tmp_path.name))
    tabla = str(models[0].path)
    assert_clean_error(invoke("serve", "--model", tabla, "--model", tabla, "--no-open"), "two tabla models")


def test_cli_serves_until_interrupted(tmp_path):
    """The real command in a subprocess: it says where the page is, serves it, stops on Ctrl-C."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    # a test run started in the background inherits SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the server the terminal's default, as a user's shell does
    process = subprocess.Popen([sys.executable, "-m", "seqgen.cli", "serve", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = process.stdout.readline()
        assert line.startswith("seqgen: the practice page is at http://127.0.0.1:"), line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/api/info")
        assert connection.getresponse().status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "no display here; open the address above in a browser" in err  # --open is the default
    assert "using the small pretrained tabla model" in err
