"""MultiNodeBatchNormalization and allreduce against single-process references.

A numerical gradient check cannot run across ranks (every rank perturbs its
own input at once), so the gradients of every order are checked against
single-process batch normalization on the concatenated batch, whose own
gradients are checked numerically in tests/functions_tests.
"""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
import rechain.distributed as chainermn
from rechain.distributed import functions as dfunctions

pytestmark = pytest.mark.mpi


def _data(comm, shape, dtype=numpy.float64, seed=0):
    rng = numpy.random.default_rng(seed)
    whole = rng.standard_normal((comm.size * shape[0],) + shape[1:]) * 2 + 0.5
    mine = whole[comm.rank * shape[0]:(comm.rank + 1) * shape[0]]
    return whole.astype(dtype), mine.astype(dtype)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5)])
def test_outputs_and_gradients_of_all_orders(comm, shape):
    whole, mine = _data(comm, shape)
    w_whole, w_mine = _data(comm, shape, seed=1)
    v_whole, v_mine = _data(comm, shape, seed=2)
    kw = dict(dtype=numpy.float64, initial_gamma=1.5, initial_beta=0.25)
    ref = L.BatchNormalization(shape[1], **kw)
    mn = chainermn.MultiNodeBatchNormalization(shape[1], comm, **kw)

    def grads(link, x0, w, v):
        x = rechain.Variable(x0)
        y = link(x)
        gx, = rechain.grad([F.sum(y * w)], [x], enable_double_backprop=True)
        link.cleargrads()
        (F.sum(y * w) + F.sum(gx * gx * v)).backward()
        return y.array, gx.array, x.grad, link.gamma.grad, link.beta.grad

    r = grads(ref, whole, w_whole, v_whole)
    d = grads(mn, mine, w_mine, v_mine)
    sl = slice(comm.rank * shape[0], (comm.rank + 1) * shape[0])
    numpy.testing.assert_allclose(d[0], r[0][sl], rtol=1e-10, atol=1e-12)   # y
    numpy.testing.assert_allclose(d[1], r[1][sl], rtol=1e-9, atol=1e-12)    # dJ/dx
    numpy.testing.assert_allclose(d[2], r[2][sl], rtol=1e-8, atol=1e-10)    # second order
    # gamma and beta: each rank has its part; the parts sum to the whole.
    numpy.testing.assert_allclose(comm.allreduce(d[3]), r[3], rtol=1e-8, atol=1e-10)
    numpy.testing.assert_allclose(comm.allreduce(d[4]), r[4], rtol=1e-8, atol=1e-10)
    # running statistics: those of the whole batch, on every rank
    numpy.testing.assert_allclose(mn.avg_mean, ref.avg_mean, rtol=1e-12)
    numpy.testing.assert_allclose(mn.avg_var, ref.avg_var, rtol=1e-12)
    with rechain.using_config("train", False):
        numpy.testing.assert_allclose(mn(mine).array, ref(whole).array[sl], rtol=1e-12)


def test_float32_and_forget(comm):
    whole, mine = _data(comm, (5, 4), numpy.float32)
    ref = L.BatchNormalization(4)
    mn = chainermn.MultiNodeBatchNormalization(4, comm)
    mn2 = chainermn.MultiNodeBatchNormalization(4, comm)
    x = rechain.Variable(mine)
    y = mn(x)
    F.sum(y * y).backward()
    x2 = rechain.Variable(mine)
    y2 = F.forget(lambda h: F.relu(mn2(h)) + mn2(h), x2)  # two calls, replayed in backward
    F.sum(y2 * y2).backward()
    xr = rechain.Variable(whole)
    ref(xr)
    sl = slice(comm.rank * 5, (comm.rank + 1) * 5)
    numpy.testing.assert_allclose(y.array, ref(whole).array[sl], rtol=1e-5, atol=1e-5)
    # F.forget gives the plain outputs and gradients
    x3 = rechain.Variable(mine)
    mn3 = chainermn.MultiNodeBatchNormalization(4, comm)
    y3 = F.relu(mn3(x3)) + mn3(x3)
    F.sum(y3 * y3).backward()
    numpy.testing.assert_array_equal(y2.array, y3.array)
    numpy.testing.assert_array_equal(x2.grad, x3.grad)
    numpy.testing.assert_array_equal(mn2.gamma.grad, mn3.gamma.grad)


def test_allreduce_and_its_gradient(comm):
    rng = numpy.random.default_rng(comm.rank)
    x = rechain.Variable(rng.standard_normal(3))
    gy = rng.standard_normal(3)
    xs = comm.allgather(x.array)
    gys = comm.allgather(gy)
    y = dfunctions.allreduce(comm, x)
    numpy.testing.assert_allclose(y.array, numpy.sum(xs, axis=0), rtol=1e-14)
    gyv = rechain.Variable(gy)
    gx, = rechain.grad([y], [x], [gyv], enable_double_backprop=True)
    numpy.testing.assert_allclose(gx.array, numpy.sum(gys, axis=0), rtol=1e-14)
    # second order: the job's sum_r sum(gx_r**2), with gx_r = sum_s gy_s, has the
    # gradient 2 * size * sum_s gy_s for every gy_r
    ggy, = rechain.grad([F.sum(gx * gx)], [gyv])
    numpy.testing.assert_allclose(ggy.array, 2 * comm.size * numpy.sum(gys, axis=0),
                                  rtol=1e-13)
    with pytest.raises(rechain.InvalidType, match="allreduce: x must have a floating"):
        dfunctions.allreduce(comm, numpy.arange(3))


def test_bad_backend_named(comm):
    with pytest.raises(ValueError, match="communication_backend"):
        chainermn.MultiNodeBatchNormalization(3, comm, communication_backend="nccl")


def test_create_mnbn_model(comm, models):
    net = models.make_net(None)
    seq = rechain.Sequential(L.Linear(5, 4), L.BatchNormalization(4), F.relu)
    conv = chainermn.create_mnbn_model(net, comm)
    conv_seq = chainermn.create_mnbn_model(seq, comm)
    assert all(type(b.bn) is chainermn.MultiNodeBatchNormalization for b in conv.blocks)
    assert type(conv_seq[1]) is chainermn.MultiNodeBatchNormalization
    assert all(type(b.bn) is L.BatchNormalization for b in net.blocks)   # a copy
    ref = models.make_net(comm)          # built with MultiNodeBatchNormalization
    assert sorted(n for n, _ in conv.namedparams()) == sorted(n for n, _ in ref.namedparams())
    x, _ = models.global_batch(0, comm.size * 3)
    mine = x[comm.rank * 3:(comm.rank + 1) * 3]
    numpy.testing.assert_array_equal(conv(mine).array, ref(mine).array)
    numpy.testing.assert_allclose(conv(mine).array, net(x).array[comm.rank * 3:][:3],
                                  rtol=1e-10)
    with pytest.raises(ValueError, match="not initialised"):
        chainermn.create_mnbn_model(L.BatchNormalization(), comm)
