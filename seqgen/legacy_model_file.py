"""Model files (``model.keras``, checkpoints) written while seqgen trained its own recurrent layer.

Until issue 12 seqgen's recurrent layers were its own class, registered as ``seqgen>ScanRecurrent``,
with exactly the weights of Keras's ``LSTM``, ``GRU`` (reset_after) and ``SimpleRNN``. Such a file
is upgraded into a temporary copy: its config names today's layer instead (``fused_lstm.LSTM``, a
subclass of Keras's, for an LSTM; Keras's own for the others), and each layer's three
arrays move to where Keras keeps a stock layer's (``layers/lstm/cell/vars`` instead of
``layers/scan_recurrent/vars``). The optimizer's state keeps its order, so an old checkpoint resumes
where it stopped. Any other file is left alone. Loading the result is ``bundle``'s job; this module
only rewrites (and never runs anything from the file).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator

from seqgen.errors import SeqgenError
from seqgen.model_config import CELLS, check_gate_activation

LEGACY_LAYER = "seqgen>ScanRecurrent"
# per cell: the class an old layer becomes (module, class name, registered name), and the name its
# weights file gives such a layer (the class name in snake case)
STOCK = {"lstm": ("seqgen.fused_lstm", "LSTM", "seqgen>LSTM", "lstm"),
         "gru": ("keras.layers", "GRU", None, "gru"),
         "rnn": ("keras.layers", "SimpleRNN", None, "simple_rnn")}
CONFIG, WEIGHTS = "config.json", "model.weights.h5"


@contextlib.contextmanager
def readable(path: Path) -> Iterator[Path]:
    """``path`` itself, or for a file with seqgen's old layer an upgraded copy that lives as long
    as the ``with`` block."""
    with zipfile.ZipFile(path) as archive:
        legacy = CONFIG in archive.namelist() and LEGACY_LAYER.encode() in archive.read(CONFIG)
        members = {name: archive.read(name) for name in archive.namelist()} if legacy else {}
    if not legacy:
        yield path
        return
    config = json.loads(members[CONFIG])
    moves = _stock_layers(config)
    members[CONFIG] = json.dumps(config).encode()
    members[WEIGHTS] = _moved_weights(members[WEIGHTS], moves)
    with tempfile.TemporaryDirectory(prefix="seqgen-upgrade-") as folder:
        upgraded = Path(folder) / Path(path).name
        with zipfile.ZipFile(upgraded, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        yield upgraded


def _stock_layers(config: dict) -> list[tuple[str, str]]:
    """Rewrite every old layer of a model config as the stock one, in place; returns the moves of
    their weight groups (old path, new path) in the weights file."""
    moves, used = [], {}
    for layer in config["config"]["layers"]:
        if layer.get("registered_name") != LEGACY_LAYER:
            continue
        old = layer["config"]
        cell = old.get("cell", "lstm")
        if cell not in CELLS:  # a tampered file may name anything
            raise SeqgenError(f"unknown cell {cell!r} in a model file")
        module, class_name, registered_name, stored_as = STOCK[cell]
        stock = {"name": old["name"], "trainable": old.get("trainable", True), "dtype": old.get("dtype", "float32"),
                 "units": old["units"], "return_sequences": True}
        if cell != "rnn":
            stock["recurrent_activation"] = check_gate_activation(old.get("gate_activation", "hard_sigmoid"))
        layer.update(module=module, class_name=class_name, registered_name=registered_name, config=stock)
        moves.append((_unique("scan_recurrent", used), _unique(stored_as, used)))
    return moves


def _unique(name: str, used: dict[str, int]) -> str:
    """Keras's weights-file names: the first layer of a class is ``lstm``, then ``lstm_1``, ``lstm_2``..."""
    count = used.get(name, -1) + 1
    used[name] = count
    return f"layers/{name}" if count == 0 else f"layers/{name}_{count}"


def _moved_weights(data: bytes, moves: list[tuple[str, str]]) -> bytes:
    import h5py  # Keras's own dependency for its weights files

    target = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as old, h5py.File(target, "w") as new:
        new.attrs.update(old.attrs)
        for key in old:
            old.copy(old[key], new, name=key)
        for old_path, new_path in moves:
            new.require_group(f"{new_path}/cell")
            new.move(f"{old_path}/vars", f"{new_path}/cell/vars")
            del new[old_path]
    return target.getvalue()
