"""Data-parallel training equals single-process training on the concatenated batch.

Every rank computes the single-process reference itself (same seed, the
global batch of every step), so each rank checks its own parameters.
"""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
import rechain.distributed as chainermn

pytestmark = pytest.mark.mpi

B = 4          # examples per rank
STEPS = 20


def _train_reference(models, n, lr=0.05, **net):
    ref = models.make_net(None, **net)
    opt = rechain.optimizers.MomentumSGD(lr=lr)
    opt.setup(ref)
    for step in range(STEPS):
        x, t = models.global_batch(step, n)
        ref.cleargrads()
        F.mean_squared_error(ref(x), t).backward()
        opt.update()
    return ref


def _train_distributed(models, comm, mode="plain", plans=None, optimizer=None, b=B, **net):
    # Each rank starts from its own initial values; setup broadcasts rank 0's.
    net = models.make_net(comm, seed=comm.rank, **net)
    if mode == "planned":
        net.planned = net.blocks.forget(**plans[comm.rank % len(plans)])
    opt = chainermn.create_multi_node_optimizer(
        optimizer or rechain.optimizers.MomentumSGD(lr=0.05), comm)
    opt.setup(net)
    for step in range(STEPS):
        x, t = models.global_batch(step, comm.size * b)
        sl = slice(comm.rank * b, (comm.rank + 1) * b)
        net.cleargrads()
        F.mean_squared_error(net(x[sl], mode), t[sl]).backward()
        opt.update()
    return net, opt


def _assert_same(models, comm, net, ref, stats=True):
    got = dict(net.namedparams())
    for name, p in ref.namedparams():
        assert models.rel_err(got[name].array, p.array) < 1e-6, name
    if stats:
        links = dict(net.namedlinks())
        for name, link in ref.namedlinks():
            if isinstance(link, L.BatchNormalization):
                assert models.rel_err(links[name].avg_mean, link.avg_mean) < 1e-6, name
                assert models.rel_err(links[name].avg_var, link.avg_var) < 1e-6, name
    # and the ranks hold one model
    flat = numpy.concatenate([p.array.ravel() for _, p in sorted(net.namedparams())])
    for other in comm.allgather(flat):
        numpy.testing.assert_allclose(other, flat, rtol=1e-13, atol=0)


@pytest.mark.parametrize("mode", ["plain", "forget"])
def test_data_parallel_equals_concatenated_batch(models, comm, mode):
    net, opt = _train_distributed(models, comm, mode)
    assert opt.t == STEPS
    assert isinstance(net.blocks[0].bn, chainermn.MultiNodeBatchNormalization)
    # The reference starts from rank 0's initial values (seed 0).
    ref = _train_reference(models, comm.size * B)
    _assert_same(models, comm, net, ref)


@pytest.mark.parametrize("plans", [
    [{"segments": 1}, {"segments": 2}, {"segments": 3}],
    [{"budget": "100%"}, {"budget": "70%"}, {"budget": "85%"}],
], ids=["segments", "budgets"])
def test_planned_chains_with_a_plan_per_rank(models, comm, plans):
    # Every rank recomputes differently: the replays of MultiNodeBatchNormalization
    # must not communicate (a budget's plan is measured on every rank alike).
    net_kw = dict(width=16, n_blocks=6)
    net, _ = _train_distributed(models, comm, "planned", plans=plans, b=128, **net_kw,
                                optimizer=rechain.optimizers.MomentumSGD(lr=0.005))
    ref = _train_reference(models, comm.size * 128, lr=0.005, **net_kw)
    # The plans' measuring runs update the running statistics, so compare parameters.
    _assert_same(models, comm, net, ref, stats=False)


def test_adam_and_one_all_reduce_per_dtype(models, comm):
    net, opt = _train_distributed(models, comm, optimizer=rechain.optimizers.Adam(1e-2))
    ref = models.make_net(None)
    ropt = rechain.optimizers.Adam(1e-2)
    ropt.setup(ref)
    for step in range(STEPS):
        x, t = models.global_batch(step, comm.size * B)
        ref.cleargrads()
        F.mean_squared_error(ref(x), t).backward()
        ropt.update()
    _assert_same(models, comm, net, ref)
    n = sum(p.size for p in net.params())
    n_params = len(list(net.params()))
    assert comm.last_allreduce["messages"] == 1           # one dtype, float64
    assert comm.last_allreduce["bytes"] == 8 * (n + n_params)


def test_mixed_dtypes_and_float16_packing(comm):
    rechain.random.seed(0)
    model = rechain.ChainList(L.Linear(3, 2), L.Linear(2, 2))
    for p in model[1].params():
        p.array = p.array.astype(numpy.float64)
    rng = numpy.random.default_rng(comm.rank)
    grads = {name: rng.standard_normal(p.shape).astype(p.dtype)
             for name, p in model.namedparams()}
    every = comm.allgather_obj(grads)
    expected = {k: numpy.mean([g[k] for g in every], axis=0) for k in grads}
    for name, p in model.namedparams():
        p.grad = grads[name].copy()
    comm.multi_node_mean_grad(model)
    assert comm.last_allreduce["messages"] == 2
    for name, p in model.namedparams():
        assert p.grad.dtype == p.dtype
        numpy.testing.assert_allclose(p.grad, expected[name], rtol=1e-6)
    half = chainermn.create_communicator("pure_nccl", allreduce_grad_dtype=numpy.float16)
    for name, p in model.namedparams():
        p.grad = grads[name].copy()
    half.multi_node_mean_grad(model)
    assert half.last_allreduce["messages"] == 1
    n = sum(p.size for p in model.params())
    assert half.last_allreduce["bytes"] == 2 * (n + 4)
    for name, p in model.namedparams():
        assert p.grad.dtype == p.dtype
        numpy.testing.assert_allclose(p.grad, expected[name], rtol=5e-3, atol=5e-3)


def test_missing_gradients(comm):
    rechain.random.seed(0)
    model = rechain.ChainList(L.Linear(2, 2), L.Linear(2, 2))
    # Only rank 0 has a gradient for model[0]; no rank for model[1].
    for p in model[0].params():
        p.grad = numpy.ones_like(p.array) if comm.rank == 0 else None
    comm.multi_node_mean_grad(model)
    for p in model[0].params():
        numpy.testing.assert_array_equal(p.grad, numpy.full(p.shape, 1.0 / comm.size,
                                                            numpy.float32))
    for p in model[1].params():
        assert p.grad is None
    comm.multi_node_mean_grad(model, zero_fill=True)
    for p in model[1].params():
        numpy.testing.assert_array_equal(p.grad, numpy.zeros(p.shape, numpy.float32))


def test_lazily_initialised_parameters(comm):
    rechain.random.seed(comm.rank)        # different values on every rank
    model = L.Linear(None, 3)
    opt = chainermn.create_multi_node_optimizer(rechain.optimizers.SGD(0.1), comm)
    opt.setup(model)                       # nothing to broadcast yet
    x = numpy.ones((2, 4), numpy.float32) * (comm.rank + 1)
    model.cleargrads()
    F.sum(model(x)).backward()
    mine = model.W.array.copy()
    opt.update()                           # broadcasts; gradients were of other values
    w0 = comm.bcast(mine)
    numpy.testing.assert_array_equal(model.W.array, w0)
    assert opt.t == 0                      # skipped, as ChainerMN's first update
    model.cleargrads()
    F.sum(model(x)).backward()
    opt.update()
    assert opt.t == 1
    mean_x = numpy.mean([r + 1 for r in range(comm.size)]) * 2
    numpy.testing.assert_allclose(model.W.array, w0 - 0.1 * mean_x, rtol=1e-6)


def test_same_initial_values_lose_no_update(comm):
    rechain.random.seed(0)                 # the same values everywhere
    model = L.Linear(None, 3)
    opt = chainermn.create_multi_node_optimizer(rechain.optimizers.SGD(0.1), comm)
    opt.setup(model)
    model.cleargrads()
    F.sum(model(numpy.ones((2, 4), numpy.float32))).backward()
    opt.update()
    assert opt.t == 1


def test_double_buffering_says_why(comm):
    with pytest.raises(NotImplementedError, match="double_buffering"):
        chainermn.create_multi_node_optimizer(rechain.optimizers.SGD(), comm,
                                              double_buffering=True)


def test_shape_mismatch_names_the_parameter(comm):
    rechain.random.seed(0)
    width = 3 if comm.rank == comm.size - 1 else 2
    model = rechain.ChainList(L.Linear(2, 2), L.Linear(2, width))
    for p in model.params():
        p.grad = numpy.zeros_like(p.array)
    with pytest.raises(ValueError, match=r"parameter '/1/W' has shape \(2, 2\).* shape "
                                         r"\(3, 2\).* rank " + str(comm.size - 1)):
        comm.multi_node_mean_grad(model)
    extra = rechain.ChainList(*[L.Linear(2, 2) for _ in range(1 + (comm.rank == 1))])
    with pytest.raises(ValueError, match="rank 0 has 2 parameters, rank 1 4"):
        comm.bcast_data(extra)
