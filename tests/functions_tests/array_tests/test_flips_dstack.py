import numpy
import pytest

import rechain
import rechain.functions as F


def _forget_matches_plain(func, xs):
    out = []
    for use in (False, True):
        vs = [rechain.Variable(x.copy()) for x in xs]
        g = lambda *a: F.tanh(func(*a))  # noqa: E731
        y = F.forget(g, *vs) if use else g(*vs)
        F.sum(y * y).backward()
        out.append([y.array] + [v.grad for v in vs])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4)])
def test_fliplr_flipud_forward(shape, dtype, rng):
    x = rng.normal(size=shape).astype(dtype)
    numpy.testing.assert_array_equal(F.fliplr(x).array, numpy.fliplr(x))
    numpy.testing.assert_array_equal(F.flipud(x).array, numpy.flipud(x))
    numpy.testing.assert_array_equal(F.flipud(x.ravel()).array, x.ravel()[::-1])


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3), (2, 3)], [(2, 3, 1), (2, 3, 4)],
                                    [(2, 3, 2, 5), (2, 3, 1, 5)], [(4,)]])
def test_dstack_forward(shapes, dtype, rng):
    xs = [rng.normal(size=s).astype(dtype) for s in shapes]
    y = F.dstack(xs)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.dstack(xs))


def test_gradients(check_grads, rng):
    x = rng.normal(size=(2, 3, 2))
    check_grads(F.fliplr, (x,))
    check_grads(F.flipud, (x,))
    check_grads(lambda a, b: F.dstack([a, b]), (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))))
    check_grads(lambda a, b: F.dstack([a, b]), (rng.normal(size=(3,)), rng.normal(size=(3,))))
    check_grads(lambda a, b: F.dstack([a, b]),
                (rng.normal(size=(2, 1, 3, 2)), rng.normal(size=(2, 1, 1, 2))))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x, z = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    _forget_matches_plain(lambda a, b: F.dstack([F.fliplr(a), F.flipud(b)]), (x, z))


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"fliplr: a must have at least 2 dimensions, "
                                                   r"got shape \(3,\)"):
        F.fliplr(numpy.zeros(3))
    with pytest.raises(rechain.InvalidType, match=r"flipud: a must have at least 1 dimensions, "
                                                   r"got shape \(\)"):
        F.flipud(numpy.zeros(()))
    with pytest.raises(rechain.InvalidType, match=r"dstack: xs\[1\] of shape \(2, 4\) does not "
                                                   r"match xs\[0\] of shape \(2, 3\)"):
        F.dstack([numpy.zeros((2, 3)), numpy.zeros((2, 4))])
    with pytest.raises(rechain.InvalidType, match="dstack: xs\\[0\\] and xs\\[1\\] must have "
                                                   "the same dtype, got float64 and float32"):
        F.dstack([numpy.zeros((2, 3)), numpy.zeros((2, 3), numpy.float32)])
    with pytest.raises(ValueError, match="dstack: xs must be a non-empty list"):
        F.dstack([])
