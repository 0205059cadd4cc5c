"""seqgen: learn token sequences and generate tabla compositions and Japanese lyrics.

The heavy parts (TensorFlow) load only when ``train``/``load`` are first used.
"""

__version__ = "0.1.0"
