"""The multi-node evaluator, the multi-node snapshot and rank-0-only reporting in a
Trainer."""

import io
import os
import shutil
import tempfile
import contextlib

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
import rechain.distributed as chainermn
from rechain import iterators
from rechain import training
from rechain.datasets import TupleDataset
from rechain.training import extensions

pytestmark = pytest.mark.mpi


def _dataset(n=24):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype(numpy.float32)
    t = (x.sum(axis=1) > 0).astype(numpy.int32)
    return TupleDataset(x, t)


def _model():
    rechain.random.seed(0)
    return L.Classifier(rechain.Sequential(L.Linear(4, 6), F.relu, L.Linear(6, 2)))


@pytest.fixture
def outdir(comm):
    path = tempfile.mkdtemp(prefix="rechain-mn-") if comm.rank == 0 else None
    path = comm.bcast_obj(path)
    yield path
    comm.barrier()
    if comm.rank == 0:
        shutil.rmtree(path, ignore_errors=True)


def test_evaluator_mean_equals_single_process(comm):
    n = 12 * comm.size          # parts of equal length, no repeats
    data = _dataset(n)
    model = _model()
    part = chainermn.scatter_dataset(data, comm)
    ev = extensions.Evaluator(iterators.SerialIterator(part, 3, repeat=False, shuffle=False),
                              model)
    mn_ev = chainermn.create_multi_node_evaluator(ev, comm)
    assert mn_ev is ev
    got = mn_ev()
    want = extensions.Evaluator(iterators.SerialIterator(data, 3, repeat=False,
                                                         shuffle=False), model)()
    assert sorted(got) == sorted(want) == ["main/accuracy", "main/loss"]
    for k in want:
        assert got[k] == pytest.approx(float(want[k]), rel=1e-6)


def _trainer(comm, out, stop, autoload=False, report_to=None):
    model = _model()
    opt = chainermn.create_multi_node_optimizer(rechain.optimizers.Adam(1e-2), comm)
    opt.setup(model)
    part = chainermn.scatter_dataset(_dataset(), comm, shuffle=True, seed=0)
    it = iterators.SerialIterator(part, 4, shuffle=True, seed=comm.rank)
    updater = training.updaters.StandardUpdater(it, opt)
    trainer = training.Trainer(updater, stop, out=out)
    snap = chainermn.multi_node_snapshot(
        comm, extensions.snapshot(filename="snap_{.updater.iteration}", autoload=autoload),
        replica_sets=[])
    trainer.extend(snap, trigger=(2, "iteration"))
    ev = chainermn.create_multi_node_evaluator(
        extensions.Evaluator(iterators.SerialIterator(part, 4, repeat=False), model), comm)
    trainer.extend(ev, trigger=(2, "iteration"))
    if comm.rank == 0 and report_to is not None:
        trainer.extend(extensions.LogReport(trigger=(2, "iteration")))
        trainer.extend(extensions.PrintReport(["iteration", "main/loss",
                                               "validation/main/loss"], out=report_to))
        trainer.extend(extensions.ProgressBar(update_interval=1, out=report_to))
    return trainer, model, snap


def test_snapshot_once_by_rank0_and_every_rank_resumes(comm, outdir):
    buf = io.StringIO()
    trainer, model, _ = _trainer(comm, outdir, (4, "iteration"), report_to=buf)
    trainer.run()
    comm.barrier()
    files = sorted(f for f in os.listdir(outdir) if f.startswith("snap_"))
    assert files == ["snap_2.0", "snap_4.0"]      # one file per save, rank 0's
    if comm.rank == 0:
        assert "validation/main/loss" in buf.getvalue()
        assert "4/4" in buf.getvalue() or "iters/sec" in buf.getvalue()  # the bar
        assert os.path.exists(os.path.join(outdir, "log"))
    else:
        assert buf.getvalue() == ""
    # A new job (new trainers, other initial values) resumes from rank 0's
    # snapshot of iteration 4 on every rank: the snapshot's initialize loads it.
    full = {k: p.array.copy() for k, p in model.namedparams()}
    rechain.random.seed(1)
    t2, model2, snap2 = _trainer(comm, outdir, (6, "iteration"), autoload=True)
    with contextlib.redirect_stdout(io.StringIO()):
        snap2.initialize(t2)
    assert snap2.loaded_from is not None and snap2.loaded_from.endswith("snap_4.0")
    assert t2.updater.iteration == 4
    for k, p in model2.namedparams():
        numpy.testing.assert_array_equal(p.array, full[k])
    # every rank's loaded state is the same model
    flat = numpy.concatenate([p.array.ravel() for _, p in sorted(model2.namedparams())])
    for other in comm.allgather(flat):
        numpy.testing.assert_array_equal(other, flat)


def test_replica_sets_and_checkpointer(comm):
    from rechain.distributed.extensions import _parse_replica_sets
    assert _parse_replica_sets([], 4) == [{0, 1, 2, 3}]
    assert _parse_replica_sets([0], 4) == [{0}, {1, 2, 3}]
    assert _parse_replica_sets([[0, 1], [2, 3]], 4) == [{0, 1}, {2, 3}]
    with pytest.raises(ValueError, match="two replica sets"):
        _parse_replica_sets([[0, 1], [1]], 4)
    with pytest.raises(NotImplementedError, match="multi_node_snapshot"):
        chainermn.create_multi_node_checkpointer("x", comm)


def test_demo_distributed(comm):
    from rechain import demo
    out = io.StringIO()
    results = demo.run_demo(runs=("plain", "forget"), progress=False, out=out, comm=comm,
                            n_blocks=2, width=16, batch_size=64, epochs=1)
    plain, forgot = results
    assert plain["processes"] == comm.size
    numpy.testing.assert_array_equal(plain["losses"], forgot["losses"])
    n_part = -(-len(demo.datasets.get_digits()[0]) // comm.size)
    assert len(plain["losses"]) == demo.iterations(n_part, 64 // comm.size, 1)
    # the ranks trained one model: the same test accuracy everywhere
    assert len(set(comm.allgather_obj(plain["accuracy"]))) == 1
    text = out.getvalue()
    if comm.rank == 0:
        assert f"data-parallel over {comm.size} processes" in text
        assert "largest difference between the runs' losses: 0" in text
    else:
        assert text == ""


def test_allreduce_persistent_averages_running_statistics(comm):
    bn = L.BatchNormalization(3)
    bn64 = L.BatchNormalization(2, dtype=numpy.float64)
    model = rechain.ChainList(bn, bn64)
    bn.avg_mean[...] = comm.rank
    bn64.avg_var[...] = 2.0 * comm.rank
    bn.N = comm.rank
    chainermn.AllreducePersistent(model, comm)()
    mean_rank = (comm.size - 1) / 2
    numpy.testing.assert_allclose(bn.avg_mean, numpy.full(3, mean_rank), rtol=1e-6)
    numpy.testing.assert_allclose(bn64.avg_var, numpy.full(2, 2 * mean_rank), rtol=1e-12)
    numpy.testing.assert_array_equal(bn.avg_var, numpy.ones(3))     # equal already
    assert bn.N == comm.rank                                         # counters stay
