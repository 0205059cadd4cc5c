"""The local practice page behind ``seqgen serve``: a small HTTP server over ``seqgen.api``.

Like the CLI, each endpoint parses and checks its parameters, calls one library function and
returns the result: generate a tabla composition (with its grid rows and matra times), render one
to WAV, MIDI or canonical text, time its matras at a tempo, generate lyric stanzas. The page
itself (``seqgen/web/``: plain HTML, CSS and JavaScript) is served as static files.

Built on the standard library's ``http.server`` so serving needs nothing beyond seqgen itself.
Every request is bounded: the body size, each size parameter, the audio length and the socket
wait are capped, and model work runs one request at a time with a bounded wait for its turn.
A bad request gets an HTTP 4xx with a one-line JSON ``{"error": ...}``; a bug gets a 500 with no
traceback (the traceback goes to the server's stderr).

Sampling, rendering and timing are the library's jobs (``api``, ``audio``, ``midi``, ``timing``,
imported inside the handlers); so is checking a value's range where the library already checks it
(temperature, layakari, tempo, tonic). This module checks types, the caps above and which host
it may listen on.
"""

from __future__ import annotations

import ipaddress
import json
import math
import socket
import sys
import threading
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from seqgen.errors import SeqgenError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_BODY_BYTES = 256 * 1024      # a 32-cycle composition at 16 strokes a matra is ~30 KB of text
MAX_CYCLES = 32
MAX_COMPOSITION_MATRAS = 1024    # what the render endpoints accept from text sent by a client
MAX_AUDIO_SECONDS = 600          # 10 minutes of audio is ~50 MB of WAV
MAX_LOOP = 8
MAX_STANZAS = 16
MAX_LINES = 16
SOCKET_TIMEOUT_S = 30            # a client that stops sending mid-request is dropped after this
WORK_WAIT_S = 60                 # how long a request waits for the model before "busy"

STATIC_FILES = {"/": ("index.html", "text/html; charset=utf-8"),
                "/index.html": ("index.html", "text/html; charset=utf-8"),
                "/app.js": ("app.js", "text/javascript; charset=utf-8"),
                "/style.css": ("style.css", "text/css; charset=utf-8")}


class RequestError(SeqgenError):
    """A request the server refuses; ``status`` is its HTTP status (400 unless said)."""

    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = int(status)


# ---------------------------------------------------------------------------------- parameters

class Params:
    """A request's JSON parameters, read one by one with their checks; ``finish`` refuses the rest."""

    def __init__(self, values: dict[str, Any]):
        self._values = dict(values)

    def whole(self, name: str, default: int | None, low: int, high: int | None = None,
              optional: bool = False) -> int | None:
        value = self._values.pop(name, default)
        if value is None and optional:
            return None
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise RequestError(f"{name} must be a whole number {bounds}, got {_shown(value)}")
        return value

    def number(self, name: str, default: float) -> float:
        value = self._values.pop(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RequestError(f"{name} must be a number, got {_shown(value)}")
        return value

    def text(self, name: str, default: str | None = None, optional: bool = False) -> str | None:
        value = self._values.pop(name, default)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise RequestError(f"{name} must be text, got {_shown(value)}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self._values.pop(name, default)
        if not isinstance(value, bool):
            raise RequestError(f"{name} must be true or false, got {_shown(value)}")
        return value

    def finish(self, known: tuple[str, ...]) -> None:
        if self._values:
            unknown = ", ".join(sorted(self._values))
            raise RequestError(f"unknown parameter {unknown}; this endpoint takes {', '.join(known)}")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def read_json(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object; anything else is a ``RequestError``."""
    def refuse_constant(name: str):
        raise RequestError(f"the request body holds {name}, which is not a JSON number")

    try:
        values = json.loads(body.decode("utf-8") or "{}", parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise RequestError(f"the request body is not JSON: {error.msg} at line {error.lineno} "
                           f"column {error.colno}") from None
    except RecursionError:
        raise RequestError("the request body is nested too deeply") from None
    if not isinstance(values, dict):
        raise RequestError("the request body must be a JSON object of parameters")
    return values


# ---------------------------------------------------------------------------------- the page

@dataclass
class Page:
    """What the endpoints serve: one generator per domain and a turn for model work."""

    tabla: Any
    japanese: Any
    _turn: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1))

    def work(self, job: Callable[[], Any]) -> Any:
        """Run ``job`` when no other request is using the models (they are not shared between
        threads, and two cores gain nothing from parallel sampling); refuse after ``WORK_WAIT_S``."""
        if not self._turn.acquire(timeout=WORK_WAIT_S):
            raise RequestError("the server is busy with other requests; try again",
                               HTTPStatus.SERVICE_UNAVAILABLE)
        try:
            return job()
        finally:
            self._turn.release()

    # ------------------------------------------------------------------ endpoints

    def info(self) -> dict:
        """Taals, forms, models and limits, for the page's controls."""
        from seqgen.forms import GRAMMAR_FORMS, MAX_PALTAS
        from seqgen.taals import TAALS

        known = [token[len("<form:"):-1] for token in self.tabla.bundle.vocab.tokens if token.startswith("<form:")]
        return {
            "taals": [{"name": taal.name, "matras": taal.matras, "vibhags": list(taal.vibhags),
                       "marks": list(taal.marks)} for taal in TAALS.values()],
            "forms": list(dict.fromkeys([*known, *GRAMMAR_FORMS])),
            "models": {"tabla": str(self.tabla.path), "japanese": str(self.japanese.path)},
            "limits": {"cycles": MAX_CYCLES, "paltas": MAX_PALTAS, "stanzas": MAX_STANZAS, "lines": MAX_LINES,
                       "audio_seconds": MAX_AUDIO_SECONDS, "loop": MAX_LOOP},
        }

    def tabla_composition(self, params: Params) -> dict:
        """One generated composition: its dict (``seqgen.api``), grid rows and matra times."""
        from seqgen.forms import MAX_PALTAS
        from seqgen.taals import get_taal

        taal = get_taal(params.text("taal", "teentaal"))
        form = params.text("form", None, optional=True) or None
        paltas = params.whole("paltas", 0, 0, MAX_PALTAS)
        cycles = params.whole("cycles", None, 1, MAX_CYCLES, optional=True)
        layakari = params.whole("layakari", None, 1, optional=True)
        temperature = params.number("temperature", 1.0)
        seed = params.whole("seed", None, 0, optional=True)
        bpm = params.number("bpm", 80)
        params.finish(("taal", "form", "paltas", "cycles", "layakari", "temperature", "seed", "bpm"))
        [result] = self.work(lambda: self.tabla.compositions(
            taal=taal.name, cycles=cycles, form=form, paltas=paltas, layakari=layakari,
            temperature=temperature, seed=seed))
        times = self.matra_times(self.composition(result["text"]), bpm)
        return {**result, "bpm": bpm, "matra_times": times, "rows": grid_rows(result, taal)}

    def timing(self, params: Params) -> dict:
        """The start time of each matra of a composition at a tempo."""
        composition = self.composition(params.text("text"))
        bpm = params.number("bpm", 80)
        params.finish(("text", "bpm"))
        return {"bpm": bpm, "matra_times": self.matra_times(composition, bpm)}

    def wav(self, params: Params) -> bytes:
        """A composition as WAV audio."""
        from seqgen.audio import render_wav

        composition = self.composition(params.text("text"))
        bpm = params.number("bpm", 80)
        sa = params.text("sa", "C#")
        click, theka = params.flag("click", False), params.flag("theka", False)
        loop = params.whole("loop", 1, 1, MAX_LOOP)
        params.finish(("text", "bpm", "sa", "click", "theka", "loop"))
        self.check_length(composition, bpm, loop)
        return self.work(lambda: render_wav(composition, None, bpm, sa=sa, click=click, loop=loop, theka=theka))

    def midi(self, params: Params) -> bytes:
        """A composition as a standard MIDI file."""
        from seqgen.midi import render_midi

        composition = self.composition(params.text("text"))
        bpm = params.number("bpm", 80)
        params.finish(("text", "bpm"))
        self.check_length(composition, bpm, 1)
        return self.work(lambda: render_midi(composition, None, bpm))

    def text(self, params: Params) -> bytes:
        """A composition in canonical notation (what ``seqgen format`` prints)."""
        composition = self.composition(params.text("text"))
        params.finish(("text",))
        return (composition.text() + "\n").encode("utf-8")

    def lyrics(self, params: Params) -> dict:
        """One song: ``stanzas`` of exactly ``lines`` lines, each line ``meter``'s morae when given
        ("7,5"; empty or absent: free), with every line's reading, romaji and morae beside it."""
        count = params.whole("stanzas", 3, 1, MAX_STANZAS)
        lines = params.whole("lines", 4, 1, MAX_LINES)
        temperature = params.number("temperature", 1.0)
        seed = params.whole("seed", None, 0, optional=True)
        meter = (params.text("meter", optional=True) or "").strip() or None
        params.finish(("stanzas", "lines", "temperature", "seed", "meter"))
        song = self.work(lambda: self.japanese.stanzas(count, lines=lines, temperature=temperature, seed=seed,
                                                       meter=meter, with_readings=True))
        texts = [[line["text"] for line in stanza] for stanza in song]
        return {"stanzas": texts, "lines": song, "text": "\n\n".join("\n".join(stanza) for stanza in texts)}

    # ------------------------------------------------------------------ shared steps

    def composition(self, text: str):
        """The one composition in ``text`` (notation errors name ``text:line:col``)."""
        from seqgen.tokenizers.tabla_notation import parse

        lexicon = getattr(self.tabla.bundle.tokenizer, "lexicon", None)
        pieces = [piece for piece in parse(text, source="text", lexicon=lexicon) if piece.cycles]
        if len(pieces) != 1:
            raise RequestError(f"text must hold one composition, it holds {len(pieces)}")
        [piece] = pieces
        matras = sum(len(cycle.matras) for cycle in piece.cycles)
        if matras > MAX_COMPOSITION_MATRAS:
            raise RequestError(f"the composition has {matras} matras; the page renders at most "
                               f"{MAX_COMPOSITION_MATRAS}")
        return piece

    @staticmethod
    def matra_times(composition, bpm: float) -> list[float]:
        from seqgen.timing import matra_times

        return [round(time, 6) for time in matra_times(composition, bpm)]

    def check_length(self, composition, bpm: float, loop: int) -> None:
        """Refuse audio longer than ``MAX_AUDIO_SECONDS`` (the tempo itself is checked by ``timing``)."""
        times = self.matra_times(composition, bpm)
        seconds = (times[-1] + 60 / bpm) * loop if times else 0
        if seconds > MAX_AUDIO_SECONDS:
            raise RequestError(f"that is {seconds:.0f} s of audio; the page renders at most {MAX_AUDIO_SECONDS} s "
                               f"(raise the tempo or shorten the piece)")


def grid_rows(result: dict, taal) -> list[dict]:
    """The Bhatkhande grid as data: one row per cycle (or part of one), each cell with its matra
    number, bol, vibhag mark, whether a vibhag bar stands before it and the matra's index in the
    piece (None for the empty cells before a pickup); each row names the sections starting in it."""
    from seqgen.rhythm import Beat, Meter

    meter = Meter(taal, start=result["start"])
    begins: dict[int, list[str]] = {}
    for section in result["sections"]:
        done = section["matras"][0] - 1
        begins.setdefault(done, []).append(f"{section['kind']} (from matra {meter.matra_of(Beat(done=done)) + 1})")
    rows: list[dict] = []
    matras = [matra for cycle in result["cycles"] for matra in cycle]
    for done, bols in enumerate(matras):
        position = meter.matra_of(Beat(done=done))
        if not rows or position == 0:
            rows.append({"sections": [], "cells": [_cell(taal, spot) for spot in range(position)]})
        rows[-1]["cells"].append({**_cell(taal, position), "index": done, "bols": bols})
        rows[-1]["sections"] += begins.get(done, [])
    return rows


def _cell(taal, position: int) -> dict:
    marks = {start - 1: mark for start, mark in zip(taal.vibhag_starts, taal.marks)}
    return {"number": position + 1, "mark": marks.get(position, ""), "bar": position in marks and position > 0,
            "index": None, "bols": ""}


# ---------------------------------------------------------------------------------- HTTP

@dataclass(frozen=True)
class Route:
    call: Callable[[Page, Params], Any]
    content_type: str = "application/json"
    filename: str | None = None  # sent as an attachment under this name


ROUTES: dict[str, Route] = {
    "/api/tabla": Route(Page.tabla_composition),
    "/api/timing": Route(Page.timing),
    "/api/wav": Route(Page.wav, "audio/wav", "composition.wav"),
    "/api/midi": Route(Page.midi, "audio/midi", "composition.mid"),
    "/api/text": Route(Page.text, "text/plain; charset=utf-8", "composition.txt"),
    "/api/lyrics": Route(Page.lyrics),
}


class Handler(BaseHTTPRequestHandler):
    """GET (and HEAD) serve the page and ``/api/info``; POST with a JSON body calls an endpoint."""

    server: "PracticeServer"
    timeout = SOCKET_TIMEOUT_S
    server_version = "seqgen"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def do_HEAD(self) -> None:
        self._answer(self._get)  # send_bytes leaves the body out

    def _get(self) -> None:
        path = urlsplit(self.path).path
        if path == "/api/info":
            return self.send_json(self.server.page.info())
        if path not in STATIC_FILES:
            raise RequestError(f"no page at {path}", HTTPStatus.NOT_FOUND)
        name, content_type = STATIC_FILES[path]
        self.send_bytes(resources.files("seqgen").joinpath("web").joinpath(name).read_bytes(), content_type)

    def _post(self) -> None:
        path = urlsplit(self.path).path
        route = ROUTES.get(path)
        if route is None:
            raise RequestError(f"no endpoint at {path}", HTTPStatus.NOT_FOUND)
        params = Params(read_json(self._body()))
        result = route.call(self.server.page, params)
        if route.content_type == "application/json":
            return self.send_json(result)
        self.send_bytes(result, route.content_type, route.filename)

    def _body(self) -> bytes:
        """The request body, refused before reading when too large, not JSON or not sized."""
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            # also keeps other web sites' pages from posting forms here (JSON needs a CORS preflight)
            raise RequestError("send the parameters as JSON (Content-Type: application/json)",
                               HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise RequestError("send the body with a Content-Length, not chunked", HTTPStatus.LENGTH_REQUIRED)
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestError("a Content-Length is needed", HTTPStatus.LENGTH_REQUIRED) from None
        if not 0 <= length <= MAX_BODY_BYTES:
            raise RequestError(f"the request body is {length} bytes; at most {MAX_BODY_BYTES} are accepted",
                               HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        return self.rfile.read(length)

    def _answer(self, respond: Callable[[], None]) -> None:
        try:
            self._check_host()
            respond()
        except SeqgenError as error:
            self._refuse(getattr(error, "status", HTTPStatus.BAD_REQUEST), _one_line(error))
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # the client stopped sending or left: nobody to answer
        except MemoryError:
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "out of memory")
        except Exception:  # a bug: the client gets one line, the server's log the traceback
            traceback.print_exc(file=sys.stderr)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (the server's log has the details)")

    def _refuse(self, status: int, message: str) -> None:
        if self.command == "POST":
            self.close_connection = True  # its body may be unread: it must not pass for the next request
        self.send_json({"error": message}, status)

    def _check_host(self) -> None:
        """On a loopback address, answer only requests for a loopback name: a web page elsewhere
        that points its own domain name at 127.0.0.1 (DNS rebinding) gets nothing."""
        if not self.server.loopback:
            return
        host = self.headers.get("Host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if name != "localhost" and not _is_loopback_name(name):
            raise RequestError(f"this server answers requests for localhost only, not {host!r}",
                               HTTPStatus.FORBIDDEN)

    def send_json(self, value: Any, status: int = HTTPStatus.OK) -> None:
        self.send_bytes(json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json", status=status)

    def send_bytes(self, body: bytes, content_type: str, filename: str | None = None,
                   status: int = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if filename:
            self.send_header("Content-Disposition", f'attachment; filename="{filename}"')
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a URL too long...) as one-line JSON."""
        self.close_connection = True
        self.send_json({"error": " ".join((message or HTTPStatus(code).phrase).split())}, code)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a practice page needs no access log; errors go to stderr in _answer


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------------- the server

class PracticeServer(ThreadingHTTPServer):
    """A threading HTTP server holding the ``Page``; ``loopback`` says whether only this machine
    can reach it."""

    daemon_threads = True  # Ctrl-C must not wait for a browser's idle keep-alive connections

    def __init__(self, address: tuple, family: int, page: Page, loopback: bool):
        self.address_family = family
        self.page = page
        self.loopback = loopback
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


def _is_loopback_name(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_host(host: str, port: int) -> tuple[tuple, int, bool]:
    """The socket address and family to listen on, and whether it is a loopback address."""
    if not isinstance(host, str) or not host.strip():
        raise SeqgenError(f"host must be a name or an address, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise SeqgenError(f"port must be a whole number from 0 to 65535, got {port!r}")
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise SeqgenError(f"cannot listen on {host!r}: {getattr(error, 'strerror', None) or error}") from None
    return address, family, ipaddress.ip_address(address[0]).is_loopback


def make_server(tabla, japanese, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                allow_remote: bool = False) -> PracticeServer:
    """A practice-page server listening on ``host:port`` (port 0: a free one), not yet serving.

    Args:
        tabla, japanese: ``seqgen.api.Generator`` objects for the two domains.
        host: the address to listen on; only loopback addresses unless ``allow_remote``.
        allow_remote: listen on an address other machines can reach (the page has no login).

    Raises:
        SeqgenError: a bad host or port, a non-loopback host without ``allow_remote``, a port in use.
    """
    for generator, domain in ((tabla, "tabla"), (japanese, "japanese")):
        if getattr(generator, "domain", None) != domain:
            raise SeqgenError(f"the page needs a {domain} model, got {generator!r}")
    address, family, loopback = resolve_host(host, port)
    if not loopback and not allow_remote:
        raise SeqgenError(f"refusing to listen on {host}, which other machines can reach; "
                          f"give --host explicitly to allow it")
    try:
        return PracticeServer(address, family, Page(tabla, japanese), loopback)
    except OSError as error:
        raise SeqgenError(f"cannot listen on {host}:{port}: {error.strerror or error}"
                          f"{' (choose another --port)' if error.errno in (98, 48, 10048) else ''}") from None


def page_models(paths: list[Path], default: Callable[[str], Any]) -> tuple[Any, Any]:
    """The tabla and Japanese generators: from ``paths`` (one bundle per domain at most), else
    ``default(domain)``."""
    from seqgen.api import load

    chosen: dict[str, Any] = {}
    for path in paths:
        generator = load(path)
        if generator.domain in chosen:
            raise SeqgenError(f"two {generator.domain} models given ({chosen[generator.domain].path} and {path}); "
                              f"give one per domain")
        chosen[generator.domain] = generator
    return tuple(chosen.get(domain) or default(domain) for domain in ("tabla", "japanese"))


def serve_until_interrupted(server: PracticeServer) -> None:
    """Serve until Ctrl-C, then close the listening socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
