"""Multi-worker training (``--strategy multi-worker``): the cluster a ``TF_CONFIG`` describes, which
worker is the chief, where the other workers write, and what keeps the workers in step.

Every worker runs the same command; ``TF_CONFIG`` (TensorFlow's standard environment variable) tells
each one the cluster and its own place in it:

    {"cluster": {"worker": ["host1:2222", "host2:2222"]}, "task": {"type": "worker", "index": 0}}

- **The chief** is the ``chief`` task when the cluster names one, else worker 0 (TensorFlow's rule).
  Only the chief writes the bundle and the checkpoints a user sees; every other worker trains into a
  temporary folder that is deleted when it is done (``worker_folder``), Keras' convention for
  multi-worker checkpoints.
- **In step.** Before the first step, ``join`` checks that all workers train the same network on the
  same data, and gives every worker the chief's weights, optimizer state, epoch and best validation
  loss. A restart after a lost worker therefore resumes from the chief's newest checkpoint on every
  worker, although only the chief has it on disk.
- **A lost worker** makes the others' next collective fail (``lost_worker``); training then stops
  like an interrupt, keeping the complete epochs.
- **A worker that never starts.** TensorFlow would wait for it for ever. The chief waits at most
  ``SEQGEN_WORKER_WAIT`` seconds (``worker_wait``) for every other worker's server to answer
  (``await_workers``); the others wait as long for the chief to register them. Then the run stops
  with one line naming who did not answer, before any training step.

TensorFlow is imported only by the functions that run it: reading ``TF_CONFIG`` needs none.
Not here: the fit loop and its checkpoints (``training``), the bundle and who claims it (``api``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from seqgen.errors import SeqgenError

ENVIRONMENT = "TF_CONFIG"
STRATEGY = "multi-worker"
WAIT_ENVIRONMENT = "SEQGEN_WORKER_WAIT"
# seconds a worker waits for the rest of the cluster: long enough for the slowest machine to read and
# tokenize a large corpus before it starts its server, short enough that a worker nobody started is noticed
DEFAULT_WAIT_S = 600.0
_PROBE_INTERVAL_S = 0.5
# the end of every "the cluster did not answer" line
_START_ADVICE = (f"Start every worker with the same command and {ENVIRONMENT} cluster ({WAIT_ENVIRONMENT} sets "
                 "how long a worker waits)")
_JOBS = ("chief", "worker")  # the tasks MultiWorkerMirroredStrategy trains with, the chief first
_EXAMPLE = '{"cluster": {"worker": ["host1:2222", "host2:2222"]}, "task": {"type": "worker", "index": 0}}'


@dataclass(frozen=True)
class Cluster:
    """The workers of a run (``host:port`` each, the chief first) and this process's place among them."""

    workers: tuple[str, ...]
    index: int

    @property
    def is_chief(self) -> bool:
        return self.index == 0

    @property
    def size(self) -> int:
        return len(self.workers)

    def name(self) -> str:
        return "the chief" if self.is_chief else f"worker {self.index} of {self.size}"


def cluster_from_env(environ=None) -> Cluster:
    """The cluster ``TF_CONFIG`` describes.

    Raises:
        SeqgenError: when ``TF_CONFIG`` is missing or is not a cluster this strategy can train on.
    """
    text = (os.environ if environ is None else environ).get(ENVIRONMENT, "")
    if not text.strip():
        raise SeqgenError(f"--strategy {STRATEGY} needs the {ENVIRONMENT} environment variable naming the cluster "
                          f"and this worker's task, for example {ENVIRONMENT}='{_EXAMPLE}'")
    try:
        config = json.loads(text)
    except ValueError as error:
        raise SeqgenError(f"{ENVIRONMENT} is not valid JSON ({error})") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) \
            or not isinstance(config.get("task"), dict):
        raise SeqgenError(f"{ENVIRONMENT} must be a JSON object with \"cluster\" and \"task\", "
                          f"for example '{_EXAMPLE}'")
    jobs = _jobs(config["cluster"])
    return Cluster(tuple(address for job in _JOBS for address in jobs.get(job, [])), _index(config["task"], jobs))


def _jobs(cluster: dict) -> dict[str, list[str]]:
    other = sorted(set(cluster) - set(_JOBS))
    if other:
        raise SeqgenError(f"{ENVIRONMENT}: --strategy {STRATEGY} trains with \"chief\" and \"worker\" tasks only, "
                          f"not {', '.join(map(repr, other))}")
    for job, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses:
            raise SeqgenError(f"{ENVIRONMENT}: cluster {job!r} must be a non-empty list of \"host:port\" addresses")
        for address in addresses:
            _check_address(job, address)
    if len(cluster.get("chief", [])) > 1:
        raise SeqgenError(f"{ENVIRONMENT}: a cluster has at most one chief, got {len(cluster['chief'])}")
    if "worker" not in cluster and "chief" not in cluster:
        raise SeqgenError(f"{ENVIRONMENT}: the cluster names no worker")
    every = [address for addresses in cluster.values() for address in addresses]
    repeated = sorted({address for address in every if every.count(address) > 1})
    if repeated:
        raise SeqgenError(f"{ENVIRONMENT}: {', '.join(repeated)} is given to more than one task")
    return cluster


def _check_address(job: str, address) -> None:
    if _host_port(address) is None:
        raise SeqgenError(f"{ENVIRONMENT}: {job} address {address!r} is not \"host:port\"")


def _host_port(address) -> tuple[str, int] | None:
    """``(host, port)`` of a ``"host:port"`` address (an IPv6 host in brackets loses them), or None."""
    host, _, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host.strip("[]"), int(port)


def _index(task: dict, jobs: dict[str, list[str]]) -> int:
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in jobs:
        raise SeqgenError(f"{ENVIRONMENT}: task type {kind!r} is not in the cluster (it has "
                          f"{', '.join(map(repr, jobs))})")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(jobs[kind]):
        raise SeqgenError(f"{ENVIRONMENT}: task index {index!r} is not one of the cluster's {len(jobs[kind])} "
                          f"{kind} tasks (0 to {len(jobs[kind]) - 1})")
    # the chief's job comes first in Cluster.workers (TensorFlow numbers the tasks the same way)
    return index if kind == "chief" else len(jobs.get("chief", [])) + index


@contextmanager
def worker_folder(cluster: Cluster) -> Iterator[Path]:
    """A folder for the bundle of a worker other than the chief, deleted with all it holds afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"seqgen-worker{cluster.index}-") as folder:
        yield Path(folder) / "bundle"


# ---------------------------------------------------------------------------------------- TensorFlow

def worker_wait(environ=None) -> float:
    """How many seconds a worker waits for the rest of the cluster: ``SEQGEN_WORKER_WAIT``, else 600.

    Raises:
        SeqgenError: when the variable is set to anything but a number of seconds above 0.
    """
    text = (os.environ if environ is None else environ).get(WAIT_ENVIRONMENT, "").strip()
    if not text:
        return DEFAULT_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise SeqgenError(f"{WAIT_ENVIRONMENT} must be a number of seconds above 0, got {text!r}")
    return seconds


def await_workers(cluster: Cluster, wait: float) -> None:
    """On the chief: return once the server of every other worker answers at its address.

    A worker starts its server on reaching ``make_strategy`` and keeps it up while it waits to be
    registered, so the chief checks for it before starting its own: a worker that never comes is
    then a clear error here, not TensorFlow's wait without end.

    Raises:
        SeqgenError: naming the workers that did not answer within ``wait`` seconds, and why.
    """
    deadline = time.monotonic() + wait
    silent = {address: "" for address in cluster.workers if address != cluster.workers[cluster.index]}
    while True:
        for address in list(silent):
            reason = _unanswered(address)
            if reason is None:
                del silent[address]
            else:
                silent[address] = reason
        if not silent:
            return
        if time.monotonic() >= deadline:
            missing = ", ".join(f"{address} ({reason})" for address, reason in silent.items())
            raise SeqgenError(f"{cluster.name()}: waited {wait:g} s for the other workers; nothing answers at "
                              f"{missing}. {_START_ADVICE}")
        time.sleep(_PROBE_INTERVAL_S)


def _unanswered(address: str) -> str | None:
    """None when a server accepts a connection at ``host:port`` (checked by ``cluster_from_env``), else
    why not."""
    try:
        with socket.create_connection(_host_port(address), timeout=2):
            return None
    except OSError as error:
        return error.strerror or type(error).__name__


def make_strategy():
    """``MultiWorkerMirroredStrategy`` over the cluster of ``TF_CONFIG``. TensorFlow picks the collective:
    ring all-reduce over gRPC between CPUs, NCCL between GPUs.

    Raises:
        SeqgenError: when the rest of the cluster does not answer within ``worker_wait()`` seconds.
    """
    cluster = cluster_from_env()  # a clear line for a bad TF_CONFIG, before TensorFlow reads it
    wait = worker_wait()
    import tensorflow as tf

    if cluster.is_chief:
        await_workers(cluster, wait)
    else:
        _limit_registration(wait)
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.AUTO)
    try:
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    except tf.errors.DeadlineExceededError:
        raise SeqgenError(f"{cluster.name()}: waited {wait:g} s for the chief at {cluster.workers[0]} to register "
                          f"this worker, and it did not answer. {_START_ADVICE}") from None


def _limit_registration(wait: float) -> None:
    """Give up registering with the chief after ``wait`` seconds, not TensorFlow's own, far longer limit.

    This is the coordination service ``MultiWorkerMirroredStrategy`` configures for itself, with the
    same leader and jobs, plus the timeout. Its parts live in TensorFlow's private modules: where a
    version moves them, the strategy configures itself as before, with its own limit.
    """
    import tensorflow as tf

    try:
        from tensorflow.compiler.xla.tsl.protobuf.coordination_config_pb2 import CoordinatedJob
        from tensorflow.python.distribute import multi_worker_util
        from tensorflow.python.eager import context
    except ImportError:
        return
    spec = tf.distribute.cluster_resolver.TFConfigClusterResolver().cluster_spec()
    jobs = [CoordinatedJob(name=job, num_tasks=spec.num_tasks(job)) for job in _JOBS if job in spec.jobs]
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=multi_worker_util.coordination_leader(spec),
        coordinated_jobs=jobs, cluster_register_timeout_in_ms=int(wait * 1000))


def fingerprint(*parts) -> bytes:
    """A digest of what the workers must agree on: settings as JSON-able values, data as arrays."""
    import numpy as np

    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(np.ascontiguousarray(part).view(np.uint8).data)
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.digest()


def agree(strategy, agreement: bytes) -> None:
    """Check that every worker has the same ``agreement`` (a ``fingerprint``); call it before building
    the model, whose variables the strategy creates in step on all workers.

    Raises:
        SeqgenError: when the workers' settings or data differ (on every worker).
    """
    import numpy as np

    pieces = np.frombuffer(agreement[:16], dtype=np.uint32).astype(np.float64)  # exact in a float64 sum
    if not np.array_equal(_all_reduce(strategy, [pieces])[0], pieces * strategy.num_replicas_in_sync):
        raise SeqgenError(f"{cluster_from_env().name()}: the workers do not train the same thing (their settings "
                          f"or corpus differ); start every worker with the same command on the same corpus")


def join(strategy, trainable, checkpoint: Path | None, first_epoch: int, best: float) -> tuple[int, float]:
    """Start every worker from the chief's state; returns the chief's (epochs done, best validation loss).

    Args:
        strategy: the multi-worker strategy ``trainable`` was built under.
        trainable: the compiled model, built the same way on every worker (the strategy creates
            variables in step on all workers, so all of them must create the same ones).
        checkpoint: on the chief, the checkpoint to resume from (its weights and optimizer state are
            loaded into ``trainable``); elsewhere ignored.
        first_epoch, best: this worker's view; the chief's wins.
    """
    import tensorflow as tf

    with strategy.scope():
        trainable.optimizer.build(trainable.trainable_variables)  # its variables exist before fit, everywhere
    if checkpoint is not None and cluster_from_env().is_chief:
        _load_weights(trainable, checkpoint)
    variables = list(trainable.variables) + list(trainable.optimizer.variables)
    values = [tf.convert_to_tensor(variable.value) for variable in variables]
    chief = _from_chief(strategy, values + [tf.constant([float(first_epoch), best], tf.float64)])
    for variable, value in zip(variables, chief):
        variable.assign(value)
    return int(chief[-1][0]), float(chief[-1][1])


def _load_weights(trainable, checkpoint: Path) -> None:
    from seqgen.bundle import BundleError

    try:
        trainable.load_weights(checkpoint)
    except Exception as error:  # Keras raises several kinds for a file of another network
        raise BundleError(f"{checkpoint}: cannot resume from this checkpoint ({type(error).__name__}: "
                          f"{str(error).splitlines()[0][:200] if str(error) else 'no detail'})") from None


def _from_chief(strategy, values: list) -> list:
    """The chief's ``values`` on every worker: a sum to which only the first replica, the chief's,
    adds anything (exact: x + 0 == x)."""
    import tensorflow as tf

    def keep_first(tensors):
        first = tf.equal(tf.distribute.get_replica_context().replica_id_in_sync_group, 0)
        return [tf.where(first, tensor, tf.zeros_like(tensor)) for tensor in tensors]

    return _all_reduce(strategy, values, keep_first)


def _all_reduce(strategy, values: list, local=None) -> list:
    """The sum over all replicas of ``local(values)`` (default: ``values``), as NumPy arrays. Everything
    travels as float64 (one all-reduce takes one dtype), exact for float32 and for integers below 2**53."""
    import tensorflow as tf

    tensors = [tf.convert_to_tensor(value) for value in values]
    dtypes = [tensor.dtype for tensor in tensors]
    carried = [tf.cast(tensor, tf.float64) for tensor in tensors]

    @tf.function
    def reduce(tensors):
        def replica(tensors):
            # an op made here sits on this replica's device, which the all-reduce needs to know
            tensors = local(tensors) if local else [tf.identity(tensor) for tensor in tensors]
            return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, tensors)

        return strategy.run(replica, args=(tensors,))

    results = [strategy.experimental_local_results(result)[0] for result in reduce(carried)]
    return [tf.cast(result, dtype).numpy() for result, dtype in zip(results, dtypes)]


def adapt_model(trainable, strategy) -> None:
    """Let Keras 3's ``fit`` and ``evaluate`` run under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585).

    Keras 3 meets two errors there: before the first step it averages a batch of input ids across
    the workers to build the model symbolically (a nested ``strategy.reduce`` it cannot do), and after
    each step it reduces every scalar metric with ``strategy.reduce("MEAN", value, axis=0)``, which
    needs a vector. So the symbolic build is given this worker's own part of the first batch (its
    shapes are all it needs), and the steps return their metrics as vectors of one.
    """
    import tensorflow as tf

    symbolic_build = trainable._maybe_symbolic_build

    def build_from_local_batch(iterator=None, data_batch=None):
        if iterator is not None and data_batch is None:
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(lambda value: strategy.experimental_local_results(value)[0],
                                                   next(batches))
                break
        return symbolic_build(data_batch=data_batch)

    def vector_logs(step):
        def run(data):
            return {name: tf.reshape(value, [1]) for name, value in step(data).items()}

        return run

    trainable._maybe_symbolic_build = build_from_local_batch
    trainable.train_step = vector_logs(trainable.train_step)
    trainable.test_step = vector_logs(trainable.test_step)


def lost_worker(error: BaseException) -> bool:
    """Whether ``error`` is how a collective fails when another worker is gone (killed, crashed, cut off)."""
    import tensorflow as tf

    return isinstance(error, (tf.errors.UnavailableError, tf.errors.CancelledError, tf.errors.AbortedError,
                              tf.errors.DeadlineExceededError))


def describe(error: BaseException) -> str:
    """A collective's error in one line: the line that says why the collective was aborted when there
    is one (graph errors start with a stack of where the op was defined), else the first; without
    TensorFlow's node names, and with the next line when it only announces that one ("...:")."""
    lines = [line.strip() for line in (getattr(error, "message", None) or str(error)).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    index = next((number for number, line in enumerate(lines) if "aborted by" in line), 0)
    text = lines[index].split("} ", 1)[-1]
    if text.endswith(":") and index + 1 < len(lines):
        text = f"{text} {lines[index + 1]}"
    return text[:300]
