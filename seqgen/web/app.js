// The practice page's behaviour: read the controls, call seqgen serve's JSON endpoints, draw the
// Bhatkhande grid, play the rendered WAV with the current matra lit, offer the downloads.
// The server checks every value; this script only reports its one-line errors.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  composition: null,  // the last generated composition (text, rows, ...)
  times: [],          // start of each matra in seconds, at the tempo the audio was rendered at
  media: null,        // a Promise settled when the WAV, MIDI and text for the current piece are ready
  urls: [],           // blob URLs to release when the piece or tempo changes
  frame: 0,
};

// ------------------------------------------------------------------------------- talking to the server

async function post(path, params) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(params),
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
  $("error").hidden = !error;
}

function status(text) { $("status").textContent = text; }

// Optional fields left blank are not sent (the server's default applies); anything else typed is
// sent as a number when it reads as one, otherwise as typed, for the server to name the problem.
function value(id, optional) {
  const raw = $(id).value.trim();
  if (raw === "" && optional) return undefined;
  const number = Number(raw);
  return raw !== "" && Number.isFinite(number) ? number : raw;
}

// ------------------------------------------------------------------------------- tabla

async function loadInfo() {
  const info = await (await fetch("/api/info")).json();
  for (const taal of info.taals) {
    $("taal").append(new Option(`${taal.name} (${taal.matras})`, taal.name));
  }
  for (const form of info.forms) $("form").append(new Option(form, form));
  $("paltas").max = info.limits.paltas;
  $("cycles").max = info.limits.cycles;
  $("stanzas").max = info.limits.stanzas;
  $("lines").max = info.limits.lines;
}

async function generate(event) {
  event.preventDefault();
  showError(null);
  stop();
  status("Generating…");
  $("generate").disabled = true;
  try {
    const params = {
      taal: $("taal").value, form: $("form").value || null, paltas: value("paltas"),
      cycles: value("cycles", true), layakari: value("layakari", true), temperature: value("temperature"),
      seed: value("seed", true), bpm: value("bpm"),
    };
    const piece = await (await post("/api/tabla", params)).json();
    state.composition = piece;
    state.times = piece.matra_times;
    drawComposition(piece);
    status(`${piece.taal}${piece.form ? " · " + piece.form : ""}: ${piece.matra_times.length} matras`);
    prepareMedia(piece.text, piece.bpm);
  } catch (error) {
    status("");
    showError(error);
  } finally {
    $("generate").disabled = false;
  }
}

function drawComposition(piece) {
  $("title").textContent = `${piece.taal}${piece.form ? " – " + piece.form : ""}`;
  $("text").textContent = piece.text;
  const grid = $("grid");
  grid.replaceChildren(...piece.rows.flatMap(drawRow));
  grid.dataset.current = "-1";
  $("result").hidden = false;
}

// One cycle (or the part of one a pickup or landing fills): numbers, bols, vibhag marks.
function drawRow(row) {
  const nodes = [];
  if (row.sections.length) {
    const label = document.createElement("div");
    label.className = "sections";
    label.textContent = row.sections.join("; ");
    nodes.push(label);
  }
  const table = document.createElement("table");
  table.className = "cycle";
  for (const [kind, text] of [["numbers", (c) => c.index === null ? "" : String(c.number)],
                              ["bols", (c) => c.bols], ["marks", (c) => c.index === null ? "" : c.mark]]) {
    const tr = table.insertRow();
    tr.className = kind;
    for (const cell of row.cells) {
      const td = tr.insertCell();
      td.textContent = text(cell);
      if (cell.bar) td.classList.add("bar");
      if (cell.index !== null) td.dataset.index = cell.index;
    }
  }
  nodes.push(table);
  return nodes;
}

// Fetch the WAV, MIDI and text for `text` at `bpm`: the audio element plays the WAV and the
// download links hand out the same bytes.
function prepareMedia(text, bpm) {
  for (const url of state.urls) URL.revokeObjectURL(url);
  state.urls = [];
  $("play").disabled = true;
  for (const id of ["download-wav", "download-midi", "download-text"]) {
    $(id).removeAttribute("href");
    $(id).setAttribute("aria-disabled", "true");
  }
  const fetchBlob = async (path, params, link) => {
    const blob = await (await post(path, params)).blob();
    const url = URL.createObjectURL(blob);
    state.urls.push(url);
    $(link).href = url;
    $(link).setAttribute("aria-disabled", "false");
    return url;
  };
  state.media = Promise.all([
    fetchBlob("/api/wav", {text, bpm}, "download-wav"),
    fetchBlob("/api/midi", {text, bpm}, "download-midi"),
    fetchBlob("/api/text", {text}, "download-text"),
  ]).then(([wav]) => {
    $("audio").src = wav;
    $("play").disabled = false;
  }).catch((error) => { showError(error); throw error; });
  state.media.catch(() => {});  // reported above; play() awaits it again
}

async function retime() {
  if (!state.composition) return;
  showError(null);
  stop();
  try {
    const bpm = value("bpm");
    const timing = await (await post("/api/timing", {text: state.composition.text, bpm})).json();
    state.times = timing.matra_times;
    prepareMedia(state.composition.text, timing.bpm);
  } catch (error) {
    showError(error);
  }
}

// ------------------------------------------------------------------------------- playing

async function togglePlay() {
  const audio = $("audio");
  if (!audio.paused) return stop();
  try {
    await state.media;
    audio.currentTime = 0;
    await audio.play();
  } catch (error) {
    showError(error);
  }
}

function stop() {
  $("audio").pause();
}

// The matra sounding at `seconds`: the last one whose start is not after it.
function matraAt(seconds) {
  let low = 0, high = state.times.length - 1, found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (state.times[middle] <= seconds) { found = middle; low = middle + 1; } else { high = middle - 1; }
  }
  return found;
}

function highlight(index) {
  const grid = $("grid");
  if (grid.dataset.current === String(index)) return;
  for (const td of grid.querySelectorAll("td.current")) td.classList.remove("current");
  for (const td of grid.querySelectorAll(`td[data-index="${index}"]`)) td.classList.add("current");
  grid.dataset.current = String(index);
}

function follow() {
  const audio = $("audio");
  highlight(matraAt(audio.currentTime));
  if (!audio.paused) state.frame = requestAnimationFrame(follow);
}

function onPlaying() {
  $("play").textContent = "Stop";
  cancelAnimationFrame(state.frame);
  state.frame = requestAnimationFrame(follow);
}

function onStopped() {
  $("play").textContent = "Play";
  cancelAnimationFrame(state.frame);
  if ($("audio").ended) highlight(-1);
}

// ------------------------------------------------------------------------------- lyrics

async function generateLyrics(event) {
  event.preventDefault();
  showError(null);
  status("Generating…");
  try {
    const params = {stanzas: value("stanzas"), lines: value("lines"), temperature: value("lyrics-temperature"),
                    seed: value("lyrics-seed", true), meter: $("meter").value};
    const song = await (await post("/api/lyrics", params)).json();
    const readings = $("show-readings").checked;
    $("song").replaceChildren(...song.lines.map((stanza) => {
      const p = document.createElement("p");
      p.className = "stanza";
      stanza.forEach((line, index) => {
        if (index) p.append(document.createElement("br"));
        p.append(line.text);
        if (readings && line.reading !== null) {
          // the kana reading, its romaji and the mora count a singer checks the meter by
          const reading = document.createElement("span");
          reading.className = "reading";
          reading.textContent = `${line.reading} · ${line.romaji} · ${line.morae}`;
          p.append(document.createElement("br"), reading);
        }
      });
      return p;
    }));
    status(`${song.stanzas.length} stanzas`);
  } catch (error) {
    status("");
    showError(error);
  }
}

// ------------------------------------------------------------------------------- wiring

function selectTab(name) {
  for (const other of ["tabla", "lyrics"]) {
    $(`tab-${other}`).setAttribute("aria-selected", String(other === name));
    $(`panel-${other}`).hidden = other !== name;
  }
}

function start() {
  $("tabla-form").addEventListener("submit", generate);
  $("lyrics-form").addEventListener("submit", generateLyrics);
  $("play").addEventListener("click", togglePlay);
  $("audio").addEventListener("playing", onPlaying);
  $("audio").addEventListener("pause", onStopped);
  $("audio").addEventListener("ended", onStopped);
  $("bpm").addEventListener("change", () => { $("laya").value = ""; retime(); });
  $("laya").addEventListener("change", () => {
    if ($("laya").value) { $("bpm").value = $("laya").value; retime(); }
  });
  $("tab-tabla").addEventListener("click", () => selectTab("tabla"));
  $("tab-lyrics").addEventListener("click", () => selectTab("lyrics"));
  loadInfo().then(() => { document.body.dataset.ready = "true"; }, showError);
}

start();
