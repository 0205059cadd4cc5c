"""Fuzzing: randomly damaged bundles are refused with a SeqgenError or work; nothing else escapes.

Each case copies a shipped bundle, applies one seeded random mutation (array shapes, dtypes and
names in weights.npz and splits.npz; JSON values replaced by other types, nesting, NaN; truncated
files, garbage bytes, files removed or replaced by folders), then loads it, generates from it and
reads its splits. The seed of a failing case is in the assertion message, so it can be replayed.
"""

from __future__ import annotations

import io
import json
import math
import random
import shutil
import zipfile

import numpy as np
import pytest

import seqgen
from seqgen.errors import SeqgenError
from seqgen.pretrained import pretrained_path

CASES_PER_DOMAIN = 120
FILES = ("config.json", "vocab.json", "tokenizer.json", "weights.npz", "splits.npz")
JSON_VALUES = [None, True, False, 0, -1, 1, 3, 2 ** 31, 10 ** 25, 1.5, -0.0, math.nan, math.inf, -math.inf, "",
               "bogus", "lstm", "gru", "rnn", "sigmoid", "relu", "sentencepiece", "japanese", "tabla", "<s>",
               [], {}, [1, "a"], {"a": {"b": []}}, ["<pad>", "<unk>", "<s>", "</s>"]]
DTYPES = ["float16", "float64", "int8", "int64", "uint8", "bool", "U4", "S4", "complex64"]
NAMES = ["rnn3/kernel", "rnn3/bias", "rnn0/bias", "extra", "embedding2", "train2", "logits/kernel", "val"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine")
    return {domain: shutil.copytree(pretrained_path(domain), root / domain) for domain in ("tabla", "japanese")}


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


# ---- JSON mutations -------------------------------------------------------------------------

def json_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from json_paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from json_paths(child, path + (index,))


def mutate_json(rng: random.Random, path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    paths = list(json_paths(data))
    # the top of the tree is where a mutation matters most; don't let 3000 vocabulary entries drown it
    target = rng.choice([p for p in paths if len(p) <= 2] if rng.random() < 0.7 else paths)
    operation = rng.choice(["replace", "replace", "delete", "add", "deep"])
    replacement = nested(rng.choice([50, 5000])) if operation == "deep" else rng.choice(JSON_VALUES)
    if not target:
        data = replacement if operation in ("replace", "deep") else data
    else:
        parent = data
        for key in target[:-1]:
            parent = parent[key]
        key = target[-1]
        if operation == "delete":
            del parent[key]
        elif operation == "add" and isinstance(parent, dict):
            parent[f"extra_{rng.randrange(100)}"] = replacement
        elif operation == "add":
            parent.insert(key, replacement)
        else:
            parent[key] = replacement
    try:
        text = json.dumps(data)
    except RecursionError:  # deeper than json.dumps goes: write the nesting as text
        text = "[" * 100_000 + "]" * 100_000
    path.write_text(text, encoding="utf-8")
    shown = "a deeply nested list" if operation == "deep" else repr(replacement)[:40]
    return f"{operation} at {target[:4]!r} with {shown}"


# ---- array-file mutations -------------------------------------------------------------------

def mutate_npz(rng: random.Random, path) -> str:
    with np.load(path) as archive:
        arrays = dict(archive)
    name = rng.choice(sorted(arrays))
    array = arrays[name]
    operation = rng.choice(["drop", "add", "dtype", "shape", "values", "rename", "swap"])
    if operation == "drop":
        del arrays[name]
    elif operation == "add":
        arrays[rng.choice(NAMES)] = array
    elif operation == "dtype":
        arrays[name] = array.astype(rng.choice(DTYPES))
    elif operation == "shape":
        arrays[name] = rng.choice([
            lambda a: a.T, lambda a: a[:-1], lambda a: a.reshape(-1), lambda a: a[None],
            lambda a: np.zeros((0,), a.dtype), lambda a: np.asarray(a.reshape(-1)[0] if a.size else 0),
            lambda a: np.concatenate([a, a]),
        ])(array)
    elif operation == "values":
        floats = array.dtype.kind == "f"
        changed = array.astype(np.float64 if floats else np.int64).reshape(-1)
        if changed.size:
            changed[rng.randrange(changed.size)] = rng.choice([-1, 10 ** 6, -(10 ** 9)] + [math.nan, math.inf] * floats)
        arrays[name] = changed.reshape(array.shape).astype(array.dtype if rng.random() < 0.5 else changed.dtype)
    elif operation == "rename":
        arrays[rng.choice(NAMES)] = arrays.pop(name)
    else:
        other = rng.choice(sorted(arrays))
        arrays[name], arrays[other] = arrays[other], arrays[name]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return f"{operation} {name}"


def add_raw_member(rng: random.Random, path) -> str:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(rng.choice(["notes.txt", "x.npy", "raw/kernel.npy"]), bytes(rng.randrange(256) for _ in range(64)))
    return "raw member"


# ---- whole-file mutations -------------------------------------------------------------------

def mutate_bytes(rng: random.Random, path) -> str:
    data = bytearray(path.read_bytes())
    operation = rng.choice(["truncate", "garbage", "delete", "empty", "folder", "random"])
    if operation == "truncate":
        path.write_bytes(bytes(data[: rng.randrange(len(data))]))
    elif operation == "garbage":
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
    elif operation == "delete":
        path.unlink()
    elif operation == "empty":
        path.write_bytes(b"")
    elif operation == "folder":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))))
    return operation


def mutate(rng: random.Random, bundle) -> str:
    file = rng.choice(FILES)
    path = bundle / file
    if file.endswith(".json"):
        action = mutate_json if rng.random() < 0.75 else mutate_bytes
    else:
        action = rng.choices([mutate_npz, add_raw_member, mutate_bytes], weights=[6, 1, 2])[0]
    return f"{file}: {action(rng, path)}"


def use(bundle, domain: str, seed: int) -> None:
    """What a user does with a bundle: load it, generate from it, read its splits (evaluation)."""
    generator = seqgen.load(bundle)
    if domain == "tabla":
        generator.compositions(taal=("teentaal", "rupak", "jhaptaal")[seed % 3], cycles=1, seed=seed)
    else:
        generator.stanzas(1, lines=2, seed=seed)
    generator.bundle.splits()


@pytest.mark.parametrize("domain", ["tabla", "japanese"])
def test_mutated_bundles_raise_only_seqgen_errors(pristine, tmp_path, domain):
    outcomes = {"refused": 0, "worked": 0}
    for seed in range(CASES_PER_DOMAIN):
        rng = random.Random(f"{domain}-{seed}")
        bundle = shutil.copytree(pristine[domain], tmp_path / f"case{seed}")
        what = mutate(rng, bundle)
        try:
            use(bundle, domain, seed)
            outcomes["worked"] += 1
        except SeqgenError as error:
            assert "\n" not in str(error), (seed, what, str(error))
            outcomes["refused"] += 1
        except Exception as error:  # noqa: BLE001  the point: nothing but SeqgenError may escape
            pytest.fail(f"case {domain}-{seed} ({what}) raised {type(error).__name__}: {error}")
        shutil.rmtree(bundle)
    # the mutations must bite: most are refused, and some harmless ones (a changed weight) still load
    assert outcomes["refused"] > CASES_PER_DOMAIN // 2, outcomes
