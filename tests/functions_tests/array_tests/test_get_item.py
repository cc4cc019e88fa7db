import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import backend

SHAPE = (4, 3, 2)
KEYS = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(1, 3),
    "negative_step": (slice(None), slice(None, None, -2)),
    "none": (None, 0),
    "ellipsis": (Ellipsis, 1),
    "mixed_basic": (slice(None, 3), None, -2, Ellipsis),
    "all_ints": (3, 2, 1),
    "empty_tuple": (),
    "int_list": [0, 2],
    "int_array": numpy.array([3, 1]),
    "negative_array": (slice(None), numpy.array([-1, -3])),
    "repeated": numpy.array([1, 1, 3, 1]),
    "2d_array": numpy.array([[0, 1], [1, 3]]),
    "broadcast_arrays": (numpy.array([[0], [3]]), numpy.array([0, 2])),
    "arrays_split_by_slice": (numpy.array([0, 3]), slice(None), numpy.array([1, 1])),
    "array_slice_none": (slice(1, None), [2, 0, 0], None),
    "mask": numpy.array([True, False, True, True]),
    "mask_2d": (numpy.arange(12).reshape(4, 3) % 2 == 0),
    "mask_after_slice": (slice(None), numpy.array([False, True, True])),
    "mask_and_ints": (numpy.array([True, False, False, True]), [2, 2]),
    "bool_scalar": True,
}


def _x(dtype, rng, shape=SHAPE):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("name", list(KEYS))
def test_forward(name, dtype, rng):
    x = _x(dtype, rng)
    key = KEYS[name]
    y = F.get_item(x, key)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.asarray(x[key]))


@pytest.mark.parametrize("name", list(KEYS))
def test_grads(name, dtype, rng, check_grads):
    x = _x(dtype, rng)
    key = KEYS[name]
    check_grads(lambda x: F.get_item(x, key), x)


@pytest.mark.parametrize("key", [(), None, Ellipsis, (None, Ellipsis)])
def test_zero_dim(key, dtype, rng, check_grads):
    x = numpy.asarray(rng.standard_normal(), dtype=dtype)
    y = F.get_item(x, key)
    numpy.testing.assert_array_equal(y.array, x[key])
    check_grads(lambda x: F.get_item(x, key), x)


@pytest.mark.parametrize("key", [[0, 0, 0, 2], numpy.array([0, 0, 0, 2]),
                                 numpy.array([-4, 0, 0, 2])])
def test_repeated_indices_accumulate(key):
    x = rechain.Variable(numpy.arange(4, dtype=numpy.float32))
    y = x[key]
    F.sum(y * numpy.array([1, 2, 3, 4], numpy.float32)).backward()
    numpy.testing.assert_array_equal(x.grad, [6, 0, 4, 0])
    assert x.grad.dtype == numpy.float32


def test_repeated_indices_double_backprop():
    a = numpy.array([1.0, 2.0, 3.0])
    x = rechain.Variable(a)
    y = x[[0, 0, 2]]
    gx, = rechain.grad([F.sum(y * y * y)], [x], enable_double_backprop=True)
    numpy.testing.assert_allclose(gx.array, [6 * 1.0, 0, 27])  # 3 x^2 summed twice at 0
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, [12 * 1.0, 0, 18])


def test_variable_getitem_and_iteration(rng):
    a = rng.standard_normal((3, 2))
    x = rechain.Variable(a)
    numpy.testing.assert_array_equal(x[1:, 0].array, a[1:, 0])
    rows = [r.array for r in x]
    assert len(rows) == 3
    numpy.testing.assert_array_equal(rows[2], a[2])


def test_index_given_as_variable(rng):
    a = rng.standard_normal((4,))
    idx = rechain.Variable(numpy.array([3, 3]), requires_grad=False)
    x = rechain.Variable(a)
    y = x[idx]
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [0, 0, 0, 2])


def test_graph_retains_index_arrays_only():
    x = rechain.Variable(numpy.zeros((4, 3), numpy.float32))
    y = x[numpy.array([0, 2])]
    f = y.creator
    attrs = list(vars(f).values()) + list(f.template)
    assert not any(isinstance(v, numpy.ndarray) for v in attrs)
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(f)]
    assert kinds == [("input", 1)]
    z = x[1:, 0]
    assert list(rechain.function_node.retained_arrays(z.creator)) == []


@pytest.mark.parametrize("key,axis,size,index", [
    (4, 0, 4, 4), (-5, 0, 4, -5), ((0, 3), 1, 3, 3), ((Ellipsis, 2), 2, 2, 2),
    ((None, 0, slice(None), -4), 2, 2, -4)])
def test_int_out_of_bounds(key, axis, size, index):
    x = numpy.zeros(SHAPE, numpy.float32)
    with pytest.raises(IndexError,
                       match=rf"get_item: index {index} is out of bounds for axis {axis} "
                             rf"with size {size} \(x shape \(4, 3, 2\)\)"):
        F.get_item(x, key)


@pytest.mark.parametrize("key,axis,size,index", [
    ([0, 4], 0, 4, 4), ((slice(None), numpy.array([-4, 0])), 1, 3, -4),
    ((slice(None), [0], numpy.array([[2]])), 2, 2, 2)])
def test_array_out_of_bounds(key, axis, size, index):
    x = numpy.zeros(SHAPE, numpy.float32)
    with pytest.raises(IndexError,
                       match=rf"get_item: index {index} is out of bounds for axis {axis} "
                             rf"with size {size} \(x shape \(4, 3, 2\)\)"):
        F.get_item(x, key)


def test_bad_keys():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(IndexError, match=r"get_item: too many indices for x of shape "
                                         r"\(2, 3\): 3 dimensions are indexed"):
        F.get_item(x, (0, 0, 0))
    with pytest.raises(IndexError, match=r"get_item: boolean index of shape \(3,\) does "
                                         r"not match axes 0 to 0 of x of shape \(2, 3\)"):
        F.get_item(x, numpy.array([True, False, True]))
    with pytest.raises(IndexError, match=r"get_item: index arrays must have an integer or "
                                         r"boolean dtype, got float64 .*\(2, 3\)"):
        F.get_item(x, numpy.array([0.0]))
    with pytest.raises(TypeError, match=r"get_item: index element 1 of type str is not "
                                        r"supported.*\(2, 3\)"):
        F.get_item(x, (0, "a"))
    with pytest.raises(IndexError, match="get_item: an index can only have a single "
                                         "ellipsis"):
        F.get_item(x, (Ellipsis, Ellipsis))
    with pytest.raises(TypeError, match="get_item: x must be a Variable or an ndarray"):
        F.get_item([1.0], 0)


@pytest.mark.gpu
def test_gpu_repeated_indices():
    cupy = backend.cupy
    x = rechain.Variable(cupy.arange(4, dtype=cupy.float32))
    y = x[cupy.array([0, 0, 3])]
    F.sum(y).backward()
    numpy.testing.assert_array_equal(backend.to_cpu(x.grad), [2, 0, 0, 1])
