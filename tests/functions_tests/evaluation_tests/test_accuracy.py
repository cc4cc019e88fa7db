import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(y, t, ignore_label=None):
    pred = y.argmax(axis=1).reshape(t.shape)
    if ignore_label is None:
        return (pred == t).mean()
    valid = t != ignore_label
    return (pred == t)[valid].mean() if valid.any() else 0.0


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", [(10, 4), (3, 4, 5), (6, 3, 1)])
@pytest.mark.parametrize("ignore_label", [None, -1])
def test_values(dtype, shape, ignore_label):
    rng = numpy.random.default_rng(0)
    y = rng.normal(size=shape).astype(dtype)
    t_shape = (shape[0],) + tuple(s for s in shape[2:] if s != 1)
    t = rng.integers(0, shape[1], t_shape).astype(numpy.int32)
    if ignore_label is not None:
        t.reshape(-1)[:2] = ignore_label
    # make sure some predictions are right
    t.reshape(-1)[2] = y.argmax(axis=1).reshape(-1)[2]
    acc = F.accuracy(y, t, ignore_label=ignore_label)
    assert isinstance(acc, rechain.Variable)
    assert acc.shape == () and acc.dtype == dtype
    assert isinstance(acc.array, numpy.ndarray)
    numpy.testing.assert_allclose(acc.array, _ref(y, t, ignore_label), rtol=1e-3)


def test_ignored_labels_leave_the_denominator():
    y = numpy.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], numpy.float32)
    t = numpy.array([1, 1, -1, -1], numpy.int32)
    assert F.accuracy(y, t, ignore_label=-1).array == 0.5
    assert F.accuracy(y, numpy.array([1, 0, 0, 1], numpy.int32)).array == 1.0


def test_all_ignored_gives_zero():
    y = numpy.ones((2, 3), numpy.float32)
    acc = F.accuracy(y, numpy.array([-1, -1], numpy.int32), ignore_label=-1)
    assert acc.array == 0.0 and acc.dtype == numpy.float32


def test_not_differentiable():
    y = rechain.Variable(numpy.random.default_rng(1).normal(size=(4, 3)).astype(numpy.float32))
    acc = F.accuracy(y, numpy.array([0, 1, 2, 0], numpy.int32))
    assert acc.creator is None and not acc.requires_grad


def test_binary_accuracy():
    y = numpy.array([[-1.0, 2.0], [0.5, -0.1]], numpy.float32)
    t = numpy.array([[0, 0], [1, -1]], numpy.int32)
    acc = F.binary_accuracy(y, t)
    assert acc.dtype == numpy.float32
    numpy.testing.assert_allclose(acc.array, 2 / 3)
    assert F.binary_accuracy(y, numpy.full((2, 2), -1, numpy.int32)).array == 0.0


# -- bad input ------------------------------------------------------------------

def test_mismatched_batch_sizes_raise():
    with pytest.raises(rechain.InvalidType, match=r"accuracy: y and t must have the same batch "
                                                   r"size, got y \(4, 3\) and t \(5,\)"):
        F.accuracy(numpy.zeros((4, 3), numpy.float32), numpy.zeros(5, numpy.int32))


def test_mismatched_spatial_shape_raises():
    with pytest.raises(rechain.InvalidType, match=r"accuracy: t of shape \(4, 2\) does not match "
                                                   r"y of shape \(4, 3, 5\)"):
        F.accuracy(numpy.zeros((4, 3, 5), numpy.float32), numpy.zeros((4, 2), numpy.int32))


def test_float_labels_raise():
    with pytest.raises(rechain.InvalidType, match=r"accuracy: t must have an integer dtype, got "
                                                   r"float32 \(shape \(4,\)\)"):
        F.accuracy(numpy.zeros((4, 3), numpy.float32), numpy.zeros(4, numpy.float32))


def test_binary_accuracy_shape_mismatch_raises():
    with pytest.raises(rechain.InvalidType, match=r"binary_accuracy: y and t must have the same "
                                                   r"shape, got y \(4,\) and t \(3,\)"):
        F.binary_accuracy(numpy.zeros(4, numpy.float32), numpy.zeros(3, numpy.int32))


# -- hardening (issue 12): bad labels and empty batches are errors, not a wrong number ----

@pytest.mark.parametrize("label", [3, -1, 100])
def test_out_of_range_label_is_an_error(label):
    y = numpy.zeros((3, 3), numpy.float32)
    t = numpy.array([0, label, 1], numpy.int32)
    with pytest.raises(ValueError, match=rf"accuracy: label {label} at position 1 .*\[0, 3\)"):
        F.accuracy(y, t)


def test_out_of_range_label_at_a_spatial_position():
    y = numpy.zeros((2, 3, 2), numpy.float32)
    t = numpy.array([[0, 1], [2, 7]], numpy.int32)
    with pytest.raises(ValueError, match=r"label 7 at position \(1, 1\)"):
        F.accuracy(y, t)


def test_ignore_label_may_be_out_of_range():
    y = numpy.array([[0., 1.], [1., 0.]], numpy.float32)
    t = numpy.array([1, -1], numpy.int32)
    assert float(F.accuracy(y, t, ignore_label=-1).array) == 1.0
    with pytest.raises(ValueError, match="label 5 .* or -1 \\(ignore_label\\)"):
        F.accuracy(y, numpy.array([5, -1], numpy.int32), ignore_label=-1)


def test_empty_batch_is_an_error():
    with pytest.raises(ValueError, match="accuracy: the batch is empty"):
        F.accuracy(numpy.zeros((0, 3), numpy.float32), numpy.zeros(0, numpy.int32))
    with pytest.raises(ValueError, match="binary_accuracy: the batch is empty"):
        F.binary_accuracy(numpy.zeros(0, numpy.float32), numpy.zeros(0, numpy.int32))


def test_binary_accuracy_label_outside_0_1_minus_1():
    with pytest.raises(ValueError, match="binary_accuracy: label 2 at position 1"):
        F.binary_accuracy(numpy.zeros(2, numpy.float32), numpy.array([0, 2], numpy.int32))
