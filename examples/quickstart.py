"""Three compositions from the tabla model shipped with seqgen, then one from a model trained here.

    python examples/quickstart.py            # the shipped model only
    python examples/quickstart.py --train    # also train a small model on corpora/dadra.txt (~1 min)
"""

import sys
from pathlib import Path

import seqgen
from seqgen.pretrained import pretrained_path

shipped = seqgen.load(pretrained_path("tabla"))
for composition in shipped.compositions(taal="teentaal", cycles=2, n=3, seed=1, temperature=0.8):
    print(composition["text"], end="\n\n")

if "--train" in sys.argv:
    corpus = Path(__file__).resolve().parent.parent / "corpora" / "dadra.txt"
    model = seqgen.train("tabla", corpus, out="models/dadra-example", force=True, epochs=15, rnn_size=128)
    print(model.compositions(taal="dadra", cycles=4, seed=2)[0]["text"])
    print(model.evaluate())
