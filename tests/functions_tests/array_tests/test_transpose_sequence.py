import numpy
import pytest

import rechain
import rechain.functions as F

LENGTHS = [[3, 2, 1], [4, 4, 2], [1], [2, 2], [3, 0], [2, 1, 1, 0]]


def _seqs(lengths, unit, dtype, rng):
    return [rng.standard_normal((n,) + unit).astype(dtype) for n in lengths]


def _ref(xs):
    steps = max(len(x) for x in xs)
    return [numpy.stack([x[t] for x in xs if len(x) > t]) for t in range(steps)]


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("unit", [(), (3,), (2, 2)])
def test_forward(lengths, unit, dtype, rng):
    xs = _seqs(lengths, unit, dtype, rng)
    ys = F.transpose_sequence(xs)
    ref = _ref(xs)
    assert isinstance(ys, tuple) and len(ys) == len(ref)
    for y, r in zip(ys, ref):
        assert y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, r)


def test_example_from_the_docstring():
    xs = [numpy.array([0, 1, 2, 3]), numpy.array([4, 5]), numpy.array([6])]
    ys = F.transpose_sequence(xs)
    assert [y.array.tolist() for y in ys] == [[0, 4, 6], [1, 5], [2], [3]]


@pytest.mark.parametrize("lengths", LENGTHS)
def test_is_its_own_inverse(lengths, rng):
    xs = _seqs(lengths, (2,), numpy.float32, rng)
    back = F.transpose_sequence(F.transpose_sequence(xs))
    nonempty = [x for x in xs if len(x)]   # empty sequences have no step to come back from
    assert len(back) == len(nonempty)
    for b, x in zip(back, nonempty):
        assert b.shape == x.shape
        numpy.testing.assert_array_equal(b.array, x)


@pytest.mark.parametrize("lengths", [[3, 2, 1], [2, 2], [3, 0], [2, 1, 1]])
def test_grads(lengths, dtype, rng, check_grads):
    xs = _seqs(lengths, (2,), dtype, rng)
    check_grads(lambda *vs: F.transpose_sequence(vs), xs)


def test_gradient_of_an_unused_step_is_zero(rng):
    xs = [rechain.Variable(x) for x in _seqs([3, 2, 1], (2,), numpy.float64, rng)]
    ys = F.transpose_sequence(xs)
    F.sum(ys[1] * 2).backward()   # only step 1 reaches the loss
    numpy.testing.assert_array_equal(xs[0].grad, [[0, 0], [2, 2], [0, 0]])
    numpy.testing.assert_array_equal(xs[1].grad, [[0, 0], [2, 2]])
    numpy.testing.assert_array_equal(xs[2].grad, [[0, 0]])


def test_under_forget_matches_the_plain_run(rng):
    data = _seqs([3, 2, 2], (2,), numpy.float64, rng)
    w = rng.standard_normal((3, 2))

    def block(*vs):
        steps = F.transpose_sequence([F.tanh(v) for v in vs])
        return sum(F.sum(F.tanh(s) * w[:len(s)]) for s in steps)

    results = []
    for use_forget in (False, True):
        xs = [rechain.Variable(x.copy()) for x in data]
        loss = F.forget(block, *xs) if use_forget else block(*xs)
        loss.backward()
        results.append([loss.array] + [x.grad for x in xs])
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)


def test_empty_inputs():
    assert F.transpose_sequence([]) == ()
    assert F.transpose_sequence([numpy.zeros((0, 2), numpy.float32)]) == ()


def test_unsorted_lengths_name_the_positions():
    xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((1, 3), numpy.float32),
          numpy.zeros((3, 3), numpy.float32)]
    with pytest.raises(rechain.InvalidType,
                       match=r"transpose_sequence: xs must be sorted by non-increasing "
                             r"length, but xs\[2\] has length 3 \(shape \(3, 3\)\) > length "
                             r"1 of xs\[1\] \(shape \(1, 3\)\)"):
        F.transpose_sequence(xs)


def test_mismatched_trailing_shape_and_dtype():
    with pytest.raises(rechain.InvalidType, match=r"transpose_sequence: xs\[1\] of shape "
                                                  r"\(1, 2\) does not match xs\[0\] of shape "
                                                  r"\(2, 3\)"):
        F.transpose_sequence([numpy.zeros((2, 3)), numpy.zeros((1, 2))])
    with pytest.raises(rechain.InvalidType, match=r"xs\[1\] has dtype float32 but xs\[0\] "
                                                  r"has dtype float64"):
        F.transpose_sequence([numpy.zeros((2, 3)), numpy.zeros((1, 3), numpy.float32)])


def test_bad_container_and_elements():
    with pytest.raises(TypeError, match=r"transpose_sequence: xs must be a list"):
        F.transpose_sequence(3)
    with pytest.raises(TypeError, match=r"transpose_sequence: xs\[1\] must be a Variable "
                                        r"or an ndarray, not int"):
        F.transpose_sequence([numpy.zeros(2), 5])
    with pytest.raises(rechain.InvalidType, match=r"xs\[0\] is zero-dimensional"):
        F.transpose_sequence([numpy.float64(1.0)])
