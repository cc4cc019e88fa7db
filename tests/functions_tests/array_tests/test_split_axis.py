import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((6,), 3, 0), ((6,), [2, 5], 0), ((2, 6), 2, 1), ((2, 6), [1, 4], -1),
         ((4, 3), [1, 1, 3], 0), ((4, 3), [0, 2], 0), ((4, 3), 1, 0),
         ((4, 3), numpy.array([1, 3]), 0), ((2, 5), [-2], 1)]


@pytest.mark.parametrize("shape,ios,axis", CASES)
def test_forward(shape, ios, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    ys = F.split_axis(x, ios, axis)
    expect = numpy.split(x, ios, axis)
    assert isinstance(ys, tuple) and len(ys) == len(expect)
    for y, e in zip(ys, expect):
        assert y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, e)


@pytest.mark.parametrize("shape,ios,axis", CASES)
def test_grads(shape, ios, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.split_axis(x, ios, axis), x)


@pytest.mark.parametrize("used", [0, 1, 2])
def test_only_one_output_in_loss(used, dtype, rng, check_grads):
    a = rng.standard_normal((2, 6)).astype(dtype)
    x = rechain.Variable(a)
    ys = F.split_axis(x, [1, 4], 1)
    F.sum(ys[used] * ys[used]).backward()
    expect = numpy.zeros_like(a)
    piece = numpy.split(a, [1, 4], 1)[used]
    numpy.split(expect, [1, 4], 1)[used][...] = 2 * piece
    assert x.grad.dtype == dtype
    numpy.testing.assert_allclose(x.grad, expect, rtol=1e-6)
    check_grads(lambda x: F.split_axis(x, [1, 4], 1)[used] ** 2, a)


def test_force_tuple():
    x = numpy.zeros((2, 3), numpy.float32)
    y = F.split_axis(x, 1, 1, force_tuple=False)
    assert isinstance(y, rechain.Variable) and y.shape == (2, 3)
    assert isinstance(F.split_axis(x, 1, 1), tuple)
    assert len(F.split_axis(x, 3, 1, force_tuple=False)) == 3


def test_sections_not_dividing():
    x = numpy.zeros((2, 5), numpy.float32)
    with pytest.raises(rechain.InvalidType,
                       match=r"split_axis: x of shape \(2, 5\) cannot be split into 3 equal "
                             r"sections along axis 1 of length 5"):
        F.split_axis(x, 3, 1)


def test_bad_indices():
    x = numpy.zeros((2, 5), numpy.float32)
    with pytest.raises(rechain.InvalidType,
                       match=r"split_axis: indices \(3, 1\) must be non-decreasing .* "
                             r"shape \(2, 5\)"):
        F.split_axis(x, [3, 1], 1)
    with pytest.raises(rechain.InvalidType,
                       match=r"split_axis: the number of sections must be positive, got 0"):
        F.split_axis(x, 0, 1)
    with pytest.raises(rechain.InvalidType,
                       match=r"split_axis: axis=2 is out of range for x of shape \(2, 5\)"):
        F.split_axis(x, 1, 2)
