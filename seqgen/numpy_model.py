"""The trained network's forward pass in NumPy: a stateful step for any batch of streams.

Sampling and evaluation use this instead of Keras: no TensorFlow import, no re-reading of a window
per token, and logits equal to the Keras model's (tested to 1e-4). It reads the plain weight arrays
of a bundle (``bundle.model_weights`` names); drawing tokens is ``sampling``'s job.
"""

from __future__ import annotations

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.model_config import CELLS, check_gate_activation

State = list  # per layer: (h, c) for lstm, h for gru and rnn


def _gate(x: np.ndarray, kind: str) -> np.ndarray:
    if check_gate_activation(kind) == "hard_sigmoid":
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)
    return 1.0 / (1.0 + np.exp(-x))


class NumpyModel:
    """Forward pass of ``Embedding -> recurrent layers -> Dense`` from a bundle's weights.

    Args:
        weights: arrays named ``embedding``, ``rnnN/kernel``, ``rnnN/recurrent_kernel``,
            ``rnnN/bias``, ``logits/kernel``, ``logits/bias``.
        cell: ``lstm``, ``gru`` or ``rnn``.
        gate_activation: ``hard_sigmoid`` or ``sigmoid``.
    """

    def __init__(self, weights: dict[str, np.ndarray], cell: str = "lstm", gate_activation: str = "hard_sigmoid"):
        if cell not in CELLS:
            raise SeqgenError(f"unknown cell {cell!r}; use one of {', '.join(CELLS)}")
        self.cell = cell
        self.kind = check_gate_activation(gate_activation)
        self.embedding = weights["embedding"].astype(np.float32)
        self.layers = []
        index = 1
        while f"rnn{index}/kernel" in weights:
            arrays = [weights[f"rnn{index}/{name}"].astype(np.float32) for name in ("kernel", "recurrent_kernel", "bias")]
            self.layers.append(tuple(_gates_last(array) for array in arrays) if cell == "lstm" else tuple(arrays))
            index += 1
        # layers after the first read [input, h] through one stacked kernel: one matrix product per step
        self.stacked = {index: np.concatenate([kernel, recurrent_kernel])
                        for index, (kernel, recurrent_kernel, _) in enumerate(self.layers) if index and cell == "lstm"}
        self.output_kernel = weights["logits/kernel"].astype(np.float32)
        self.output_bias = weights["logits/bias"].astype(np.float32)
        self.units = self.layers[0][1].shape[0]
        # the embedding lookup and the first layer's input projection fold into one table
        kernel, _, bias = self.layers[0]
        first_bias = bias[0] if cell == "gru" else bias
        self.first_projection = self.embedding @ kernel + first_bias

    @property
    def vocab_size(self) -> int:
        return self.output_bias.shape[0]

    def initial_state(self, batch: int) -> State:
        zeros = lambda: np.zeros((batch, self.units), dtype=np.float32)  # noqa: E731
        return [(zeros(), zeros()) if self.cell == "lstm" else zeros() for _ in self.layers]

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Logits for the next token of each stream after reading ``ids`` [B], and the new state."""
        _, recurrent_kernel, bias = self.layers[0]
        hidden, layer_state = self._cell(self.first_projection[ids], state[0], recurrent_kernel, bias)
        new_state = [layer_state]
        for index in range(1, len(self.layers)):
            kernel, recurrent_kernel, bias = self.layers[index]
            if self.cell == "lstm":
                hidden, layer_state = self._lstm_stacked(hidden, state[index], self.stacked[index], bias)
            else:
                projected = hidden @ kernel + (bias[0] if self.cell == "gru" else bias)
                hidden, layer_state = self._cell(projected, state[index], recurrent_kernel, bias)
            new_state.append(layer_state)
        return hidden @ self.output_kernel + self.output_bias, new_state

    def _lstm_stacked(self, x, state, stacked, bias):
        h, c = state
        z = np.concatenate([x, h], axis=1) @ stacked
        z += bias
        return self._lstm_gates(z, c)

    def _lstm_gates(self, z, c):
        # columns are i, f, o, g (see _gates_last): the three gates are one slice, done in place
        units = self.units
        gates = z[:, :3 * units]
        if self.kind == "hard_sigmoid":
            gates *= 1.0 / 6.0
            gates += 0.5
            np.clip(gates, 0.0, 1.0, out=gates)
        else:
            gates[...] = _gate(gates, self.kind)
        g = np.tanh(z[:, 3 * units:])
        c = gates[:, units:2 * units] * c + gates[:, :units] * g
        h = gates[:, 2 * units:] * np.tanh(c)
        return h, (h, c)

    def _cell(self, x, state, recurrent_kernel, bias):
        if self.cell == "lstm":
            h, c = state
            z = h @ recurrent_kernel
            z += x
            return self._lstm_gates(z, c)
        if self.cell == "gru":
            x_z, x_r, x_h = np.split(x, 3, axis=-1)
            h_z, h_r, h_h = np.split(state @ recurrent_kernel + bias[1], 3, axis=-1)
            z = _gate(x_z + h_z, self.kind)
            r = _gate(x_r + h_r, self.kind)
            h = z * state + (1.0 - z) * np.tanh(x_h + r * h_h)
            return h, h
        h = np.tanh(x + state @ recurrent_kernel)
        return h, h

    def sequence_logits(self, ids: np.ndarray) -> np.ndarray:
        """Logits after every position of ``ids`` [B, T] (streams start from a zero state)."""
        state = self.initial_state(ids.shape[0])
        outputs = []
        for t in range(ids.shape[1]):
            logits, state = self.step(ids[:, t], state)
            outputs.append(logits)
        return np.stack(outputs, axis=1)

    def select(self, state: State, rows: np.ndarray) -> State:
        """The state of some streams only (beam search and backtracking reorder streams)."""
        if self.cell == "lstm":
            return [(h[rows], c[rows]) for h, c in state]
        return [h[rows] for h in state]


def _gates_last(array: np.ndarray) -> np.ndarray:
    """Reorder Keras's LSTM gate columns i, f, c, o as i, f, o, c: the sigmoid gates side by side."""
    i, f, g, o = np.split(array, 4, axis=-1)
    return np.ascontiguousarray(np.concatenate([i, f, o, g], axis=-1))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def from_bundle(bundle) -> NumpyModel:
    model = bundle.config["model"]
    return NumpyModel(bundle.weights, model.get("cell", "lstm"), model.get("gate_activation", "hard_sigmoid"))
