"""Import TensorFlow and Keras without their C++ start-up chatter on the user's terminal.

TensorFlow 2.2x logs through absl before absl is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not
silence lines such as ``I0000 ... cudart_stub.cc:31] Could not find cuda drivers``. Importing this
module imports both libraries with file descriptor 2 pointed at a temporary file, then replays
every captured line that is not such informational noise, so real errors still reach stderr.
Modules that need TensorFlow import this first; nothing else should.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# absl's "I..." info lines, its pre-initialisation notice, and the CPU-feature advice that follows
_NOISE = re.compile(r"^(I\d{4} |W\d{4} .*(cuda|TensorRT|oneDNN)|WARNING: All log messages before absl|"
                    r"To enable the following instructions|E\d{4} .*(cuda|cuInit|CUDA))")


def _import_quietly() -> None:
    # after start-up TensorFlow does obey this: 3 hides its INFO, WARNING and ERROR lines (a CPU-only
    # machine logs a failed cuInit as an ERROR); real failures still arrive as Python exceptions
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            _replay(captured.read().decode("utf-8", "replace"))


def _replay(text: str) -> None:
    kept = [line for line in text.splitlines() if line.strip() and not _NOISE.match(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)


if "tensorflow" not in sys.modules:
    _import_quietly()
