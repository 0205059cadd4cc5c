"""``ModelConfig``: the network's settings, the weight shapes they imply, and what training costs.

Kept free of TensorFlow so that CLI option checks and bundle loading (which must validate a
bundle's weights against its config) never import it. Building the Keras model is ``model``'s
job; ``model`` re-exports everything here.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from seqgen.errors import SeqgenError
from seqgen.settings import check_types, from_dict

CELLS = ("lstm", "gru", "rnn")
GATE_ACTIVATIONS = ("hard_sigmoid", "sigmoid")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # weight blocks per cell: i f c o | z r h | h
MAX_WIDTH = 65536  # embedding_dim and rnn_size: far past any char-rnn, and a bound on a typo's cost
MAX_LAYERS = 64
FALLBACK_MEMORY = 8 * 2 ** 30  # assumed where the OS does not report its physical memory
# weights, their gradients and Adam's two moment slots, all float32
TRAINING_COPIES, BYTES_PER_VALUE = 4, 4


@dataclass(frozen=True)
class ModelConfig:
    """Model settings; everything needed to rebuild the network."""

    vocab_size: int                         # ids the model reads and predicts (the Vocab's size)
    embedding_dim: int = 64                 # width of each token's embedding vector
    rnn_size: int = 256                     # units in each recurrent layer (char-rnn's rnn_size)
    layers: int = 2                         # recurrent layers stacked
    cell: str = "lstm"                      # lstm | gru | rnn, for the RNN vs LSTM vs GRU comparison
    dropout: float = 0.0                    # dropout between layers (and before the softmax), 0 disables
    gate_activation: str = "hard_sigmoid"   # gate nonlinearity; Keras 3's clip(x/6 + 0.5, 0, 1)
    embedding_dropout: float = 0.0          # dropout on the embedded tokens (training only), 0 disables

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("vocab_size", "embedding_dim", "rnn_size", "layers"):
            value = getattr(self, name)
            if value < 1:
                raise SeqgenError(f"{name} must be a positive whole number, got {value}")
        if self.cell not in CELLS:
            raise SeqgenError(f"unknown cell {self.cell!r}; use one of {', '.join(CELLS)}")
        check_gate_activation(self.gate_activation)
        for name in ("dropout", "embedding_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise SeqgenError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.layers > MAX_LAYERS:
            raise SeqgenError(f"layers must be at most {MAX_LAYERS}, got {self.layers}")
        self._check_size()

    def _check_size(self) -> None:
        # refused here, before TensorFlow tries to allocate it and dies halfway through a run
        need, budget = training_bytes(self), memory_budget()
        too_wide = [f"{name} {getattr(self, name)}" for name in ("embedding_dim", "rnn_size")
                    if getattr(self, name) > MAX_WIDTH]
        if too_wide:
            raise SeqgenError(f"model too large: {' and '.join(too_wide)} is beyond seqgen's limit of {MAX_WIDTH} "
                              f"(training it would need about {human_bytes(need)} of memory)")
        if need > budget:
            raise SeqgenError(f"model too large: {parameter_count(self):,} parameters need about {human_bytes(need)} "
                              f"to train (float32 weights, gradients and Adam's two slots), more than the "
                              f"{human_bytes(budget)} allowed (half of this machine's memory); lower "
                              f"rnn_size, embedding_dim or layers")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return from_dict(cls, data, "model config")


def check_gate_activation(kind: str) -> str:
    """``kind`` if it is a known gate nonlinearity; anything else is an error, never a default."""
    if kind not in GATE_ACTIVATIONS:
        raise SeqgenError(f"unknown gate activation {kind!r}; use one of {', '.join(GATE_ACTIVATIONS)}")
    return kind


def recurrent_shapes(input_dim: int, units: int, cell: str) -> dict[str, tuple[int, ...]]:
    """Shapes of one recurrent layer's ``kernel``, ``recurrent_kernel`` and ``bias`` (Keras's layout;
    GRU with ``reset_after`` keeps separate input and recurrent biases, hence two rows)."""
    width = GATES[cell] * units
    return {"kernel": (input_dim, width), "recurrent_kernel": (units, width),
            "bias": (2, width) if cell == "gru" else (width,)}


def weight_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every weight array of the model by its bundle name (``bundle.model_weights``), with its shape."""
    shapes: dict[str, tuple[int, ...]] = {"embedding": (config.vocab_size, config.embedding_dim)}
    for index in range(1, config.layers + 1):
        input_dim = config.embedding_dim if index == 1 else config.rnn_size
        for name, shape in recurrent_shapes(input_dim, config.rnn_size, config.cell).items():
            shapes[f"rnn{index}/{name}"] = shape
    shapes.update({"logits/kernel": (config.rnn_size, config.vocab_size), "logits/bias": (config.vocab_size,)})
    return shapes


def parameter_count(config: ModelConfig) -> int:
    total = 0
    for shape in weight_shapes(config).values():
        size = 1
        for dimension in shape:
            size *= dimension
        total += size
    return total


def training_bytes(config: ModelConfig) -> int:
    """Memory that training needs for the parameters alone (activations come on top)."""
    return parameter_count(config) * TRAINING_COPIES * BYTES_PER_VALUE


def physical_memory() -> int:
    """Bytes of physical memory, or ``FALLBACK_MEMORY`` where the OS does not say."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return FALLBACK_MEMORY
    return pages * page_size if pages > 0 and page_size > 0 else FALLBACK_MEMORY


def memory_budget() -> int:
    """The most the parameters may take in training: half the machine, the rest for activations."""
    return physical_memory() // 2


def human_bytes(count: int) -> str:
    value = float(min(count, 2 ** 1000))  # an absurd size stays printable instead of overflowing
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{value:.0f} {unit}" if unit == "bytes" else (f"{value:.1f} {unit}" if value < 1e6 else f"{value:.1e} {unit}")
