"""seqgen: learn token sequences and generate tabla compositions and Japanese lyrics.

``seqgen.train(domain, corpus, **settings)``, ``seqgen.load(path)`` and ``seqgen.load_pretrained(domain)``
(or ``seqgen.load("pretrained:DOMAIN")``) return a ``Generator``; ``seqgen.read_compositions(path)``
reads a notation file into the same playable compositions ``Generator.compositions`` returns.
They are loaded on first use, so importing seqgen (and ``seqgen --help``) stays fast.
"""

__version__ = "0.1.0"
__all__ = ["train", "load", "load_pretrained", "read_compositions", "Generator"]


def __getattr__(name: str):
    if name in __all__:
        from seqgen import api

        return getattr(api, name)
    raise AttributeError(f"module 'seqgen' has no attribute {name!r}")
