"""Trainer extensions for several processes: evaluator and snapshot.

Reporting extensions (``LogReport``, ``PrintReport``, ``ProgressBar``) need
nothing special: add them on rank 0 only, as ChainerMN programs do::

    if comm.rank == 0:
        trainer.extend(extensions.LogReport())
        trainer.extend(extensions.PrintReport(['epoch', 'main/loss']))

Every rank runs the same collectives (the optimizer's all-reduce, the
multi-node evaluator's mean) whatever extensions it has; what rank 0 reports
as ``validation/...`` is already the mean over the ranks.
"""

import io

import numpy

from rechain.serializers import npz
from rechain.training import extension as _extension


def create_multi_node_evaluator(actual_evaluator, communicator):
    """Make ``actual_evaluator`` report the mean over the ranks of each value.

    Each rank evaluates its own part of the validation set (from
    :func:`scatter_dataset`); the dict of means it computes is then averaged
    over the ranks with one all-reduce, so with parts of equal length (and
    equal batches) the result is the single-process evaluation of the whole
    set. The evaluator object itself is returned, with its ``evaluate``
    replaced, so its name, trigger and priority are unchanged.

    Raises:
        ValueError: (at evaluation) when the ranks report different keys.
    """
    local_evaluate = actual_evaluator.evaluate

    def evaluate():
        local = local_evaluate()
        return _mean_over_ranks(communicator, local, "multi-node evaluator")

    actual_evaluator.evaluate = evaluate
    return actual_evaluator


def _mean_over_ranks(comm, result, who):
    keys = sorted(result)
    all_keys = comm.allgather_obj(keys)
    for rank, k in enumerate(all_keys):
        if k != all_keys[0]:
            raise ValueError(f"{who}: rank 0 reports {all_keys[0]} but rank {rank} "
                             f"reports {k}")
    from rechain import backend, variable
    values = []
    for k in keys:
        v = result[k]
        if isinstance(v, variable.Variable):
            v = v.array
        values.append(float(numpy.asarray(backend.to_cpu(v))))
    summed = comm.allreduce(numpy.array(values, dtype=numpy.float64))
    return {k: s / comm.size for k, s in zip(keys, summed)}


def _parse_replica_sets(replica_sets, size):
    """ChainerMN's replica sets: lists of ranks that share one snapshot; the ranks
    not named form one more set."""
    sets = []
    for s in replica_sets:
        s = {s} if isinstance(s, int) else set(s)
        bad = [r for r in s if not 0 <= r < size]
        if bad:
            raise ValueError(f"multi_node_snapshot: ranks {bad} are not in [0, {size})")
        sets.append(s)
    named = set().union(*sets) if sets else set()
    if sum(len(s) for s in sets) != len(named):
        raise ValueError(f"multi_node_snapshot: a rank is in two replica sets: {sets}")
    rest = set(range(size)) - named
    if rest:
        sets.append(rest)
    return sets


def multi_node_snapshot(comm, snapshot, replica_sets=()):
    """Wrap a ``snapshot`` extension for several processes.

    The ranks are split into replica sets (ChainerMN's notation: ``[]`` is
    one set of all ranks, ``[0]`` is rank 0 alone and the others together);
    within a set the ranks hold the same state, and only the set's lowest
    rank (its master) writes, to the snapshot's file name with ``.<rank>``
    appended, atomically (the snapshot extension's writer). With autoload,
    the master loads its newest complete snapshot and broadcasts the state to
    the other ranks of its set, so every rank resumes from it, and the
    ranks are told together whether anything was loaded. A barrier after
    each save makes the files of one iteration complete before any rank
    goes on.

    The usual choice is ``replica_sets=[]``: rank 0 writes one snapshot and
    every rank resumes from it (rank 0 having the extensions the others lack,
    such as LogReport, is fine: a rank loads only the keys it has).

    Args:
        comm: A communicator.
        snapshot: An extension of ``rechain.training.extensions.snapshot``
            (or ``snapshot_object``).
        replica_sets: See above.
    """
    return _MultiNodeSnapshot(comm, snapshot, replica_sets)


class _MultiNodeSnapshot(_extension.Extension):

    def __init__(self, comm, snapshot, replica_sets):
        self.comm = comm
        self.snapshot = snapshot
        self.trigger = getattr(snapshot, "trigger", (1, "epoch"))
        self.priority = getattr(snapshot, "priority", -100)
        fmt = snapshot.filename
        if callable(fmt):
            snapshot.filename = lambda trainer: f"{fmt(trainer)}.{comm.rank}"
        else:
            snapshot.filename = f"{fmt}.{comm.rank}"
        self.replica_set = None
        for s in _parse_replica_sets(replica_sets, comm.size):
            if comm.rank in s:
                self.replica_set = sorted(s)
        self.master = self.replica_set[0]
        if len(self.replica_set) > 1:
            color = self.master
            self._set_comm = comm.split(color, comm.rank)
        else:
            self._set_comm = None
        self.loaded_from = None

    @property
    def is_master(self):
        return self.comm.rank == self.master

    def initialize(self, trainer):
        snap = self.snapshot
        autoload = snap.autoload
        if self.is_master:
            snap.initialize(trainer)
        if not autoload or self._set_comm is None:
            self.loaded_from = snap.loaded_from if self.is_master else None
            return
        target = trainer if snap._target is None else snap._target
        data = None
        if self.is_master and snap.loaded_from is not None:
            buf = io.BytesIO()
            npz.save_npz(buf, target)
            data = (snap.loaded_from, buf.getvalue())
        data = self._set_comm.bcast_obj(data, root=0)
        if data is not None:
            self.loaded_from = data[0]
            if not self.is_master:
                npz.load_npz(io.BytesIO(data[1]), target)

    def __call__(self, trainer):
        if self.is_master:
            self.snapshot(trainer)
        self.comm.barrier()

    def on_error(self, trainer, exc, tb):
        if self.is_master:
            self.snapshot.on_error(trainer, exc, tb)

    def finalize(self):
        if self.is_master:
            self.snapshot.finalize()


class AllreducePersistent(_extension.Extension):
    """Replace the model's floating-point persistent values (BatchNormalization's
    running averages) by their mean over the ranks, with one all-reduce per dtype.

    With per-rank BatchNormalization the parameters are the same on every rank
    but the running statistics are each rank's own; call this (or add it to the
    trainer) before evaluating or saving so that every rank uses the same ones.
    Integer persistent values (counters) are left alone.

    Args:
        model (Link): The model.
        comm: A communicator.
    """

    trigger = 1, "epoch"
    priority = _extension.PRIORITY_WRITER + 1     # before evaluators and snapshots

    def __init__(self, model, comm):
        self.model = model
        self.comm = comm

    def __call__(self, trainer=None):
        groups = {}
        for lname, link in sorted(self.model.namedlinks()):
            for pname in sorted(link._persistent):
                value = link.__dict__[pname]
                if hasattr(value, "dtype") and value.dtype.kind == "f":
                    groups.setdefault(value.dtype, []).append(value)
        for dtype, values in sorted(groups.items(), key=lambda kv: kv[0].str):
            flat = numpy.concatenate([numpy.asarray(v).ravel() for v in values])
            mean = self.comm.allreduce(flat) / self.comm.size
            off = 0
            for v in values:
                v[...] = mean[off:off + v.size].reshape(v.shape)
                off += v.size


def create_multi_node_checkpointer(name, comm, cp_interval=5, gc_interval=5, path=None):
    """Not provided: ChainerMN's checkpointer saves every rank's state separately
    and needs the same number of ranks to resume. ``multi_node_snapshot`` with
    ``autoload=True`` covers resuming (with any number of ranks when
    ``replica_sets=[]``)."""
    raise NotImplementedError(
        "create_multi_node_checkpointer is not provided by rechain.distributed; use "
        "multi_node_snapshot(comm, extensions.snapshot(autoload=True)) (one snapshot "
        "written by rank 0, every rank resumes from it)")
