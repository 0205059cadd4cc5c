"""Multi-worker training (``--strategy multi-worker``): real worker processes on localhost ports, each
running the same ``seqgen train`` command with its own ``TF_CONFIG``, against a one-worker run with the
same global batch; a bad ``TF_CONFIG`` is one line and exit code 2; a killed worker is resumed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import ExitStack

import numpy as np
import pytest

import seqgen.api as api
from seqgen.distributed import Cluster, await_workers, cluster_from_env, worker_wait
from seqgen.errors import SeqgenError

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "dadra.txt"
# Tiny network, fixed seed, no dropout (each worker draws its own masks); batch 8 is the global batch:
# each of two workers computes the gradient of 4 windows and the all-reduce sums them.
TINY = dict(epochs=2, rnn_size=16, embedding_dim=8, seq_length=16, batch_size=8, val_frac=0.1, seed=3)
FLAGS = [f"--{key.replace('_', '-')}={value}" for key, value in TINY.items()]
TIMEOUT = 300  # a worker whose peer never answers would wait for ever: never hang the suite
# The two runs sum the same gradients in another order (two half-batch means, XLA on one worker only),
# so float32 rounding differs: measured 1.5e-7 in the weights and 5e-7 in the validation loss after
# two epochs. A wrong split of the batch is off by far more: one Adam step moves a weight by ~3e-3.
WEIGHT_TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-5


def free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("localhost", 0))
        return [sock.getsockname()[1] for sock in sockets]


def tf_config(ports: list[int], index: int) -> str:
    return json.dumps({"cluster": {"worker": [f"localhost:{port}" for port in ports]},
                       "task": {"type": "worker", "index": index}})


def start_workers(out, tmp, *args: str, count: int = 2, extra: dict | None = None,
                  only: int | None = None, environ: dict | None = None) -> list[subprocess.Popen]:
    """``count`` workers running the same command; ``extra`` adds arguments for one worker (by index);
    ``only``: start that one worker of the cluster and no other; ``environ`` adds variables."""
    ports = free_ports(count)
    tmp.mkdir(exist_ok=True)
    workers = []
    for index in range(count) if only is None else [only]:
        # TMPDIR: where a worker other than the chief keeps its copy of the bundle, checked afterwards
        env = {**os.environ, "TF_CONFIG": tf_config(ports, index), "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1",
               "TF_CPP_MIN_LOG_LEVEL": "3", **(environ or {})}
        command = [sys.executable, "-m", "seqgen.cli", "train", "tabla", str(CORPUS), "--out", str(out),
                   "--strategy", "multi-worker", *FLAGS, *args, *(extra or {}).get(index, [])]
        workers.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True))
    return workers


def finish(workers: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    try:
        outputs = [worker.communicate(timeout=TIMEOUT) for worker in workers]
        return [(worker.returncode, *output) for worker, output in zip(workers, outputs)]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()


def weights(bundle) -> dict[str, np.ndarray]:
    with np.load(bundle / "weights.npz") as arrays:
        return dict(arrays)


def val_losses(bundle) -> list[float]:
    return [row["val_loss"] for row in api.read_history(bundle / "history.csv")]


def assert_same_model(bundle, reference) -> None:
    ours, theirs = weights(bundle), weights(reference)
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=WEIGHT_TOLERANCE, err_msg=name)
    np.testing.assert_allclose(val_losses(bundle), val_losses(reference), rtol=LOSS_TOLERANCE)


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """The reference: the same settings on one process, no strategy (one device)."""
    out = tmp_path_factory.mktemp("reference") / "one"
    api.train("tabla", CORPUS, out, verbose="quiet", **TINY)
    return out


def test_two_workers_train_the_model_one_worker_trains(tmp_path, one_worker):
    out = tmp_path / "bundle"
    # both workers are given the same --out: only the chief may write there
    (chief_code, chief_out, chief_err), (code, worker_out, worker_err) = finish(
        start_workers(out, tmp_path / "tmp"))
    assert chief_code == 0, chief_err[-3000:]
    assert code == 0, worker_err[-3000:]
    assert f"bundle: {out}" in chief_out
    assert "the chief wrote the bundle" in worker_out
    assert_same_model(out, one_worker)
    assert [row["epoch"] for row in api.read_history(out / "history.csv")] == [1, 2]
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == [
        "epoch001-val%.4f.keras" % val_losses(out)[0], "epoch002-val%.4f.keras" % val_losses(out)[1]]
    # the other worker's copy of the bundle is gone
    assert not [path for path in (tmp_path / "tmp").iterdir() if path.name.startswith("seqgen-worker")]
    assert api.load(out).compositions(taal="dadra", cycles=1, seed=1)


# ------------------------------------------------------------------------------------ bad TF_CONFIG

@pytest.mark.parametrize("value, fragment", [
    (None, "needs the TF_CONFIG environment variable"),
    ("{cluster: 1", "TF_CONFIG is not valid JSON"),
    ('["localhost:1"]', 'with "cluster" and "task"'),
    ('{"cluster": {"worker": ["localhost:1"]}}', 'with "cluster" and "task"'),
    ('{"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}', "non-empty list"),
    ('{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}', "is not \"host:port\""),
    ('{"cluster": {"worker": ["a:1", "b:99999"]}, "task": {"type": "worker", "index": 0}}', "is not \"host:port\""),
    ('{"cluster": {"worker": ["a:1", "a:1"]}, "task": {"type": "worker", "index": 0}}', "more than one task"),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker", "index": 0}}', "'ps'"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "task index 2"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": "0"}}', "task index '0'"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}', "task type 'chief'"),
    ('{"cluster": {"chief": ["a:1", "b:2"]}, "task": {"type": "chief", "index": 0}}', "at most one chief"),
])
def test_a_bad_tf_config_is_one_line_and_exit_2(tmp_path, monkeypatch, value, fragment):
    if value is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", value)
    result = invoke("train", "tabla", CORPUS, "--out", tmp_path / "m", "--strategy", "multi-worker", "--quiet")
    assert_clean_error(result, fragment)
    assert not (tmp_path / "m").exists()  # checked before anything is read or written


def test_the_chief_is_the_chief_task_else_worker_0():
    config = {"cluster": {"chief": ["c:1"], "worker": ["w:1", "w:2"]}, "task": {"type": "worker", "index": 1}}
    assert cluster_from_env({"TF_CONFIG": json.dumps(config)}) == Cluster(("c:1", "w:1", "w:2"), 2)
    config["task"] = {"type": "chief", "index": 0}
    assert cluster_from_env({"TF_CONFIG": json.dumps(config)}).is_chief
    only_workers = {"cluster": {"worker": ["[::1]:5000", "w:2"]}, "task": {"type": "worker", "index": 0}}
    assert cluster_from_env({"TF_CONFIG": json.dumps(only_workers)}).is_chief


def test_multi_worker_is_a_known_strategy_and_others_are_not():
    from seqgen.training import TrainConfig

    assert TrainConfig(strategy="multi-worker").strategy == "multi-worker"
    with pytest.raises(SeqgenError, match="multi-worker"):
        TrainConfig(strategy="parameter-server")


# ---------------------------------------------------------------------------- a worker that never starts

@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_a_bad_worker_wait_is_one_line_and_exit_2(tmp_path, monkeypatch, value):
    monkeypatch.setenv("TF_CONFIG", tf_config([1, 2], 0))
    monkeypatch.setenv("SEQGEN_WORKER_WAIT", value)
    result = invoke("train", "tabla", CORPUS, "--out", tmp_path / "m", "--strategy", "multi-worker", "--quiet")
    assert_clean_error(result, "SEQGEN_WORKER_WAIT must be a number of seconds above 0")
    assert not (tmp_path / "m").exists()


def test_worker_wait_defaults_to_ten_minutes_and_reads_seconds():
    assert worker_wait({}) == 600
    assert worker_wait({"SEQGEN_WORKER_WAIT": " 2.5 "}) == 2.5


def test_the_chief_waits_for_a_listening_worker_and_names_a_silent_one():
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("localhost", 0))
        listening.listen()
        closed.bind(("localhost", 0))  # bound, never listening: a worker that was not started
        up, down = (f"localhost:{sock.getsockname()[1]}" for sock in (listening, closed))
        await_workers(Cluster(("localhost:1", up), 0), wait=5)  # returns at once
        with pytest.raises(SeqgenError) as raised:
            await_workers(Cluster(("localhost:1", up, down), 0), wait=0.2)
    message = str(raised.value)
    assert message.startswith("the chief: waited 0.2 s for the other workers; nothing answers at " + down)
    assert up not in message and "SEQGEN_WORKER_WAIT" in message


@pytest.mark.parametrize("index, silent", [(0, "the other workers"), (1, "the chief at localhost:")])
def test_a_worker_alone_stops_after_the_wait_with_one_line_and_leaves_nothing(tmp_path, index, silent):
    """Worker ``index`` of two, started without the other: exit 2 after SEQGEN_WORKER_WAIT seconds,
    not TensorFlow's wait without end, and no bundle or worker folder left behind."""
    out, tmp = tmp_path / "bundle", tmp_path / "tmp"
    [(code, _, stderr)] = finish(start_workers(out, tmp, only=index, environ={"SEQGEN_WORKER_WAIT": "3"}))
    assert code == 2, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("seqgen: error:")]
    assert len(lines) == 1 and silent in lines[0] and "waited 3 s" in lines[0], stderr[-3000:]
    assert "Traceback" not in stderr
    assert not out.exists() and not list(tmp.iterdir())


# ---------------------------------------------------------------------------- workers out of step

def test_workers_that_disagree_stop_with_one_line(tmp_path):
    results = finish(start_workers(tmp_path / "bundle", tmp_path / "tmp", extra={1: ["--rnn-size=12"]}))
    for code, _, stderr in results:
        assert code == 2, stderr[-3000:]
        assert "the workers do not train the same thing" in stderr
        assert "Traceback" not in stderr
    assert not (tmp_path / "bundle" / "manifest.json").exists()


@pytest.mark.slow
def test_a_killed_worker_is_resumed_from_the_last_checkpoint(tmp_path, tmp_path_factory):
    epochs = ["--epochs=6"]
    reference = tmp_path_factory.mktemp("reference") / "six"
    api.train("tabla", CORPUS, reference, verbose="quiet", **{**TINY, "epochs": 6})
    out = tmp_path / "bundle"
    chief, worker = start_workers(out, tmp_path / "tmp", *epochs)
    # the chief prints a line per epoch once its checkpoint is written; kill the other worker then
    for line in chief.stdout:
        if line.startswith("epoch   1"):
            worker.send_signal(signal.SIGKILL)
            break
    (code, _, stderr), _ = finish([chief, worker])
    assert code == 2, stderr[-3000:]
    assert "lost contact with another worker" in stderr and "--resume" in stderr
    done = [row["epoch"] for row in api.read_history(out / "history.csv")]
    assert 1 <= len(done) < 6, done  # the run stopped part-way and kept its complete epochs
    (chief_code, chief_out, chief_err), (worker_code, _, worker_err) = finish(
        start_workers(out, tmp_path / "tmp", *epochs, "--resume"))
    assert chief_code == 0, chief_err[-3000:]
    assert worker_code == 0, worker_err[-3000:]
    # it went on from the last checkpoint rather than starting over: only the missing epochs ran
    printed = [int(line.split()[1]) for line in chief_out.splitlines() if line.startswith("epoch ")]
    assert printed == list(range(len(done) + 1, 7)), (printed, done)
    assert [row["epoch"] for row in api.read_history(out / "history.csv")] == [1, 2, 3, 4, 5, 6]
    assert_same_model(out, reference)


@pytest.mark.slow
def test_an_interrupted_chief_keeps_its_complete_epochs_and_the_other_worker_stops(tmp_path):
    out = tmp_path / "bundle"
    chief, worker = start_workers(out, tmp_path / "tmp", "--epochs=6")
    for line in chief.stdout:
        if line.startswith("epoch   1"):
            chief.send_signal(signal.SIGTERM)  # during epoch 2 (or its end): stop without a hang
            break
    (chief_code, _, chief_err), (worker_code, _, worker_err) = finish([chief, worker])
    assert chief_code == 130, chief_err[-3000:]
    assert "interrupted by SIGTERM" in chief_err and "--resume" in chief_err
    assert worker_code == 2, worker_err[-3000:]
    assert "worker 1 of 2" in worker_err and "lost contact with another worker" in worker_err
    assert "Traceback" not in chief_err + worker_err
    kept = [row["epoch"] for row in api.read_history(out / "history.csv")]
    assert kept and kept == list(range(1, len(kept) + 1)) and len(kept) < 6
    assert api.load(out).compositions(taal="dadra", cycles=1, seed=1)
