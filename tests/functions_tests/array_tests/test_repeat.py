import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), 3, None), ((3,), 2, None), ((3,), [1, 0, 2], 0), ((2, 3), 2, None),
         ((2, 3), 2, 1), ((2, 3), [2, 1], 0), ((2, 3), [1, 3, 0], -1), ((2, 3), [2, 2, 2], 1),
         ((2, 3), (3,), 0)]


@pytest.mark.parametrize("shape,repeats,axis", CASES)
def test_forward(shape, repeats, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.repeat(x, repeats, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.repeat(x, repeats, axis))


@pytest.mark.parametrize("shape,repeats,axis", CASES)
def test_grads(shape, repeats, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.repeat(x, repeats, axis), x)


def test_gradient_sums_runs():
    x = rechain.Variable(numpy.ones((3,), numpy.float32))
    y = F.repeat(x, [1, 0, 3])
    F.sum(y * numpy.arange(4, dtype=numpy.float32)).backward()
    numpy.testing.assert_array_equal(x.grad, [0, 0, 6])


def test_bad_repeats():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"repeat: 2 repeats given for 3 elements "
                                                  r"along axis 1 \(x shape \(2, 3\)\)"):
        F.repeat(x, [1, 2], 1)
    with pytest.raises(ValueError, match=r"repeat: repeats must be non-negative, got "
                                         r"\(-1,\) \(x shape \(2, 3\)\)"):
        F.repeat(x, -1, 0)
    with pytest.raises(rechain.InvalidType,
                       match=r"repeat: axis=2 is out of range for x of shape \(2, 3\)"):
        F.repeat(x, 2, 2)


def test_bool_repeats_count_as_zero_or_one_as_in_numpy():
    x = rechain.Variable(numpy.arange(6.0).reshape(2, 3))
    for repeats, axis in [(True, None), ((True,), 1), ((True, False, True), 1), (False, 0),
                          (numpy.bool_(True), 0)]:
        y = F.repeat(x, repeats, axis)
        numpy.testing.assert_array_equal(y.array, numpy.repeat(x.array, repeats, axis))
    y = F.repeat(x, (True, False, True), 1)
    F.sum(y * y).backward()
    numpy.testing.assert_array_equal(x.grad, [[0, 0, 4], [6, 0, 10]])
    with pytest.raises(TypeError, match=r"repeat: axis must be an int, not bool"):
        F.repeat(x, 1, True)
    with pytest.raises(TypeError, match=r"repeat: repeats\[1\] must be an int, not float"):
        F.repeat(x, (1, 1.5, 1), 1)
