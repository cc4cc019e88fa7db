import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain.utils import type_check


def test_train_then_test_mode():
    rng = numpy.random.default_rng(0)
    dbn = L.DecorrelatedBatchNormalization(6, groups=3, dtype=numpy.float64)
    assert dbn.avg_mean.shape == (3, 2) and dbn.avg_projection.shape == (3, 2, 2)
    numpy.testing.assert_array_equal(dbn.avg_projection[1], numpy.eye(2))
    x = rng.normal(size=(10, 6, 2))
    y = dbn(x)
    cov = numpy.cov(numpy.moveaxis(y.array, 1, 0).reshape(6, -1)[:2], bias=True)
    numpy.testing.assert_allclose(cov, numpy.eye(2), atol=1e-3)
    assert abs(dbn.avg_mean).sum() > 0
    with rechain.using_config("train", False):
        yt = dbn(x)
    ref = F.fixed_decorrelated_batch_normalization(x, dbn.avg_mean, dbn.avg_projection, 3)
    numpy.testing.assert_array_equal(yt.array, ref.array)


def test_finetune_and_forget():
    x0 = numpy.random.default_rng(1).normal(size=(8, 4)).astype(numpy.float32)
    out = []
    for use in (False, True):
        dbn = L.DecorrelatedBatchNormalization(4, groups=2)
        x = rechain.Variable(x0.copy())
        y = F.forget(lambda x: dbn(x, finetune=True), x) if use else dbn(x, finetune=True)
        F.sum(y * y * y).backward()
        out.append((y.array, x.grad, dbn.avg_mean.copy(), dbn.avg_projection.copy(), dbn.N))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)
    assert out[0][4] == 1


def test_bad_input():
    with pytest.raises(ValueError, match=r"groups must be a positive int dividing size=6"):
        L.DecorrelatedBatchNormalization(6, groups=4)
    with pytest.raises(type_check.InvalidType, match=r"must have 6 channels"):
        L.DecorrelatedBatchNormalization(6, groups=3)(numpy.zeros((4, 5), numpy.float32))


@pytest.mark.parametrize("groups", [1, 3])
def test_loads_the_statistics_of_old_models(tmp_path, groups):
    """Models saved before Chainer v7 kept one (C,) mean and (C, C) projection."""
    rng = numpy.random.default_rng(2)
    mean, proj = rng.uniform(-1, 1, 2), rng.uniform(0.5, 1, (2, 2))
    path = str(tmp_path / "old.npz")
    numpy.savez(path, avg_mean=mean.astype(numpy.float32),
                avg_projection=proj.astype(numpy.float32), N=numpy.array(0))
    dbn = L.DecorrelatedBatchNormalization(2 * groups, groups=groups)
    if groups == 1:
        rechain.serializers.load_npz(path, dbn)
    else:
        with pytest.warns(UserWarning, match="saved before Chainer v7"):
            rechain.serializers.load_npz(path, dbn)
    numpy.testing.assert_allclose(dbn.avg_mean, numpy.broadcast_to(mean, (groups, 2)),
                                  rtol=1e-6)
    numpy.testing.assert_allclose(dbn.avg_projection,
                                  numpy.broadcast_to(proj, (groups, 2, 2)), rtol=1e-6)
    # the new layout loads as it is
    path2 = str(tmp_path / "new.npz")
    rechain.serializers.save_npz(path2, dbn)
    fresh = L.DecorrelatedBatchNormalization(2 * groups, groups=groups)
    rechain.serializers.load_npz(path2, fresh)
    numpy.testing.assert_array_equal(fresh.avg_projection, dbn.avg_projection)
