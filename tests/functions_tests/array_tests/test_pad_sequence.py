import numpy
import pytest

import rechain
import rechain.functions as F


@pytest.mark.parametrize("length", [None, 6])
@pytest.mark.parametrize("tail", [(), (2, 3)])
def test_forward(length, tail, dtype, rng):
    lens = [3, 5, 0, 1]
    xs = [rng.normal(size=(n,) + tail).astype(dtype) for n in lens]
    y = F.pad_sequence(xs, length=length, padding=-2)
    L = length or 5
    assert y.dtype == dtype and y.shape == (4, L) + tail
    for i, n in enumerate(lens):
        numpy.testing.assert_array_equal(y.array[i, :n], xs[i])
        assert (y.array[i, n:] == -2).all()


def test_gradients_skip_the_padding(check_grads, rng):
    xs = (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(1, 3)))
    check_grads(lambda *xs: F.pad_sequence(list(xs), length=5), xs)
    vs = [rechain.Variable(x) for x in xs]
    F.sum(F.pad_sequence(vs, length=5, padding=3.0)).backward()
    for v in vs:
        numpy.testing.assert_array_equal(v.grad, numpy.ones_like(v.array))


def test_forget_gives_plain_outputs_and_gradients(rng):
    xs = [rng.normal(size=(n, 2)) for n in (3, 1, 2)]
    out = []
    for use in (False, True):
        vs = [rechain.Variable(x.copy()) for x in xs]
        g = lambda *a: F.tanh(F.pad_sequence([F.sin(v) for v in a], padding=1))  # noqa: E731
        y = F.forget(g, *vs) if use else g(*vs)
        F.sum(y * y).backward()
        out.append([y.array] + [v.grad for v in vs])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"pad_sequence: xs\[1\] of shape \(2, 4\) does "
                                                   r"not match xs\[0\] of shape \(3, 3\) after "
                                                   r"axis 0"):
        F.pad_sequence([numpy.zeros((3, 3)), numpy.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"pad_sequence: length=2 is shorter than xs\[0\] "
                                         r"\(shape \(3,\)\)"):
        F.pad_sequence([numpy.zeros(3), numpy.zeros(1)], length=2)
    with pytest.raises(rechain.InvalidType, match=r"pad_sequence: xs\[0\] must have at least 1 "
                                                   r"dimensions, got shape \(\)"):
        F.pad_sequence([numpy.zeros(())])
