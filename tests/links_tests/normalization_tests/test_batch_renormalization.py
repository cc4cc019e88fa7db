import numpy

import rechain
import rechain.functions as F
import rechain.links as L


def test_train_and_test_modes():
    rng = numpy.random.default_rng(0)
    brn = L.BatchRenormalization(3, rmax=2.0, dmax=0.5, dtype=numpy.float64)
    assert brn.gamma.shape == (3,) and brn.avg_var.dtype == numpy.float64
    x = rng.uniform(-1, 1, (6, 3)) * 3 + 1
    rm, rv = brn.avg_mean.copy(), brn.avg_var.copy()
    y = brn(x)
    ref = F.batch_renormalization(x, numpy.ones(3), numpy.zeros(3), 2.0, 0.5,
                                  running_mean=rm, running_var=rv)
    numpy.testing.assert_allclose(y.array, ref.array, rtol=1e-12)
    numpy.testing.assert_allclose(brn.avg_mean, 0.1 * x.mean(0), rtol=1e-12)
    with rechain.using_config("train", False):
        yt = brn(x)
    numpy.testing.assert_allclose(
        yt.array, (x - brn.avg_mean) / numpy.sqrt(brn.avg_var + 2e-5), rtol=1e-10)


def test_forget_updates_once_and_gives_plain_gradients():
    rng = numpy.random.default_rng(1)
    x0 = rng.uniform(-1, 1, (5, 4)).astype(numpy.float32)
    out = []
    for use in (False, True):
        model = rechain.Sequential(L.Linear(4, 3, initialW=0.3), L.BatchRenormalization(
            3, rmax=1.5, dmax=0.2))
        model[1].avg_mean[...] = 0.2
        x = rechain.Variable(x0.copy())
        y = F.forget(model, x) if use else model(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, model[0].W.grad, model[1].gamma.grad,
                    model[1].avg_mean.copy(), model[1].avg_var.copy()))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)
