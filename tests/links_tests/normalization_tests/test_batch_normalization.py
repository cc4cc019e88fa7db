import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.links import link as link_module
from rechain.links.connection.linear import Linear
from rechain.links.normalization.batch_normalization import BatchNormalization
from rechain.serializers import DictionarySerializer
from rechain.utils.type_check import InvalidType


def _ref(x, gamma, beta, mean, var, eps, axes):
    shape = [1 if i in axes else s for i, s in enumerate(x.shape)]
    return (gamma.reshape(shape) * (x - mean.reshape(shape))
            / numpy.sqrt(var.reshape(shape) + eps) + beta.reshape(shape))


@pytest.mark.parametrize("shape,axes", [((6, 3), (0,)), ((4, 3, 2, 5), (0, 2, 3))])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_train_mode_output_and_running_statistics(shape, axes, dtype):
    with rechain.using_config("dtype", numpy.dtype(dtype)):
        bn = BatchNormalization(3, decay=0.8, initial_gamma=2.0, initial_beta=0.5)
    x = numpy.random.randn(*shape).astype(dtype) * 3 + 1
    y = bn(x)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    tol = 1e-4 if dtype == numpy.float32 else 1e-10
    numpy.testing.assert_allclose(y.array, _ref(x, 2 * numpy.ones(3), 0.5 * numpy.ones(3),
                                                mean, var, bn.eps, axes), rtol=tol, atol=tol)
    m = x.size // 3
    numpy.testing.assert_allclose(bn.avg_mean, 0.2 * mean, rtol=tol)
    numpy.testing.assert_allclose(bn.avg_var, 0.8 + 0.2 * var * m / (m - 1), rtol=tol)
    assert bn.avg_mean.dtype == dtype and y.dtype == dtype and bn.N == 0


def test_test_mode_uses_running_statistics():
    bn = BatchNormalization(3, initial_avg_mean=numpy.array([1, 2, 3], numpy.float32),
                            initial_avg_var=4.0)
    x = numpy.random.rand(5, 3).astype(numpy.float32)
    before = bn.avg_mean.copy()
    with rechain.using_config("train", False):
        y = bn(x)
    numpy.testing.assert_allclose(y.array, (x - [1, 2, 3]) / numpy.sqrt(4 + bn.eps), rtol=1e-5)
    numpy.testing.assert_array_equal(bn.avg_mean, before)


def test_finetune_is_a_cumulative_average():
    bn = BatchNormalization(2)
    xs = [numpy.random.randn(4, 2).astype(numpy.float32) + i for i in range(3)]
    for x in xs:
        bn(x, finetune=True)
    assert bn.N == 3
    numpy.testing.assert_allclose(bn.avg_mean, numpy.mean([x.mean(0) for x in xs], 0),
                                  rtol=1e-5)
    numpy.testing.assert_allclose(bn.avg_var, numpy.mean([x.var(0, ddof=1) for x in xs], 0),
                                  rtol=1e-5)
    bn.start_finetuning()
    assert bn.N == 0


@pytest.mark.parametrize("finetune", [False, True])
def test_in_recomputing_leaves_statistics_alone(finetune):
    bn = BatchNormalization(3)
    bn(numpy.random.rand(4, 3).astype(numpy.float32), finetune=finetune)
    mean, var, n = bn.avg_mean.copy(), bn.avg_var.copy(), bn.N
    x = numpy.random.rand(4, 3).astype(numpy.float32)
    with rechain.using_config("in_recomputing", True):
        y_re = bn(x, finetune=finetune)
    numpy.testing.assert_array_equal(bn.avg_mean, mean)
    numpy.testing.assert_array_equal(bn.avg_var, var)
    assert bn.N == n
    y = bn(x, finetune=finetune)
    numpy.testing.assert_array_equal(y_re.array, y.array)
    assert not numpy.array_equal(bn.avg_mean, mean)


class Block(link_module.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = Linear(4, 4)
            self.bn = BatchNormalization(4)

    def forward(self, h):
        return F.relu(self.bn(self.l(h)))


def test_forget_updates_statistics_once_and_gradients_match():
    plain = Block()
    forgot = plain.copy("copy")
    x = numpy.random.rand(6, 4).astype(numpy.float32)
    for _ in range(2):  # two iterations: forward + backward each
        plain.cleargrads()
        forgot.cleargrads()
        F.sum(plain(x) ** 2).backward()
        F.sum(F.forget(forgot, x) ** 2).backward()
        numpy.testing.assert_array_equal(forgot.bn.avg_mean, plain.bn.avg_mean)
        numpy.testing.assert_array_equal(forgot.bn.avg_var, plain.bn.avg_var)
        for (name, p), (_, q) in zip(plain.namedparams(), forgot.namedparams()):
            numpy.testing.assert_allclose(q.grad, p.grad, rtol=1e-6, err_msg=name)


def test_lazy_size_and_dtype_from_input():
    bn = BatchNormalization()
    assert bn.avg_mean is None and not bn.gamma.is_initialized
    y = bn(numpy.random.rand(4, 5, 2, 2))
    assert bn.gamma.shape == (5,) and bn.avg_var.shape == (5,)
    assert bn.gamma.dtype == numpy.float64 and y.dtype == numpy.float64


@pytest.mark.parametrize("shape,axis,param_shape", [
    ((4, 6, 3), (0, 1), (3,)),
    ((4, 3, 5), 0, (3, 5)),
    ((4, 3, 5), (0, 2), (3,)),
])
def test_axis(shape, axis, param_shape):
    bn = BatchNormalization(axis=axis)
    x = numpy.random.rand(*shape).astype(numpy.float32)
    y = bn(x)
    assert bn.avg_mean.shape == param_shape
    axes = (axis,) if isinstance(axis, int) else axis
    numpy.testing.assert_allclose(y.array.mean(axis=axes), 0, atol=1e-5)


def test_tuple_size_with_default_axis():
    bn = BatchNormalization((3, 4))
    x = numpy.random.rand(5, 3, 4, 2).astype(numpy.float32)
    y = bn(x)
    numpy.testing.assert_allclose(y.array.mean(axis=(0, 3)), 0, atol=1e-5)


def test_without_gamma_and_beta():
    bn = BatchNormalization(3, use_gamma=False, use_beta=False)
    assert list(bn.params()) == []
    y = bn(numpy.random.rand(8, 3).astype(numpy.float32))
    numpy.testing.assert_allclose(y.array.std(axis=0), 1, rtol=1e-3)


def test_size_mismatch_names_link_and_shapes():
    bn = BatchNormalization(3)
    with pytest.raises(InvalidType, match=r"BatchNormalization.*\(2, 4\).*\(4,\).*\(3,\)"):
        bn(numpy.ones((2, 4), numpy.float32))
    with pytest.raises(InvalidType, match="cannot infer"):
        BatchNormalization()(numpy.ones(3, numpy.float32))


def test_gradients_reach_gamma_and_beta():
    bn = BatchNormalization(2)
    x = numpy.random.rand(5, 2).astype(numpy.float32)
    y = bn(x)
    gy = numpy.random.rand(5, 2).astype(numpy.float32)
    y.grad = gy
    y.backward()
    xhat = (x - x.mean(0)) / numpy.sqrt(x.var(0) + bn.eps)
    numpy.testing.assert_allclose(bn.gamma.grad, (gy * xhat).sum(0), rtol=1e-4)
    numpy.testing.assert_allclose(bn.beta.grad, gy.sum(0), rtol=1e-5)


def test_persistents_are_serialized():
    bn = BatchNormalization(2)
    s = DictionarySerializer()
    bn.serialize(s)
    assert sorted(s.target) == ["N", "avg_mean", "avg_var", "beta", "gamma"]


@pytest.mark.gpu
def test_gpu_lazy_and_statistics():
    cupy = rechain.backend.cupy
    bn = BatchNormalization().to_gpu()
    x = numpy.random.rand(4, 3, 2, 2).astype(numpy.float32)
    y = bn(cupy.asarray(x))
    assert isinstance(bn.avg_mean, cupy.ndarray) and isinstance(bn.gamma.array, cupy.ndarray)
    numpy.testing.assert_allclose(cupy.asnumpy(bn.avg_mean), 0.1 * x.mean(axis=(0, 2, 3)),
                                  rtol=1e-5)
    assert isinstance(y.array, cupy.ndarray)


def test_batch_of_one_in_training_is_an_error_and_fine_in_test_mode():
    bn = BatchNormalization(3)
    x = numpy.random.rand(1, 3).astype(numpy.float32)
    with pytest.raises(InvalidType, match="one value per channel"):
        bn(x)
    bn(numpy.random.rand(4, 3).astype(numpy.float32))
    with rechain.using_config("train", False):
        assert bn(x).shape == (1, 3)


@pytest.mark.parametrize("eps", [0, -1.0])
def test_non_positive_eps_is_an_error_at_construction(eps):
    with pytest.raises(ValueError, match="BatchNormalization: eps must be positive"):
        BatchNormalization(3, eps=eps)
