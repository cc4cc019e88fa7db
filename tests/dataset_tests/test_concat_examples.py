import numpy
import pytest

from rechain import backend
from rechain.dataset import concat_examples, to_device

gpu = pytest.mark.skipif(not backend.gpu_available, reason="needs CuPy and a CUDA GPU")


def test_arrays():
    batch = [numpy.full((2, 3), i, dtype=numpy.float32) for i in range(4)]
    out = concat_examples(batch)
    assert isinstance(out, numpy.ndarray)
    assert out.shape == (4, 2, 3) and out.dtype == numpy.float32
    for i in range(4):
        numpy.testing.assert_array_equal(out[i], batch[i])


def test_result_does_not_alias_inputs():
    batch = [numpy.zeros(2), numpy.ones(2)]
    out = concat_examples(batch)
    out[0, 0] = 7.0
    assert batch[0][0] == 0.0


def test_tuples():
    batch = [(numpy.array([i, i + 1], dtype=numpy.float32), numpy.int32(i)) for i in range(3)]
    xs, ts = concat_examples(batch)
    numpy.testing.assert_array_equal(xs, [[0, 1], [1, 2], [2, 3]])
    assert xs.dtype == numpy.float32
    numpy.testing.assert_array_equal(ts, [0, 1, 2])
    assert ts.dtype == numpy.int32


def test_tuples_of_python_scalars():
    xs, ts = concat_examples([(0.5, 1), (1.5, 2)])
    assert xs.dtype == numpy.float64 and xs.tolist() == [0.5, 1.5]
    assert numpy.issubdtype(ts.dtype, numpy.integer) and ts.tolist() == [1, 2]


def test_dicts():
    batch = [{"x": numpy.full(2, i), "t": i} for i in range(3)]
    out = concat_examples(batch)
    assert set(out) == {"x", "t"}
    numpy.testing.assert_array_equal(out["x"], [[0, 0], [1, 1], [2, 2]])
    numpy.testing.assert_array_equal(out["t"], [0, 1, 2])


def test_scalars_and_lists():
    numpy.testing.assert_array_equal(concat_examples([1, 2, 3]), [1, 2, 3])
    out = concat_examples([[1, 2], [3, 4]])
    assert out.shape == (2, 2) and out.tolist() == [[1, 2], [3, 4]]


def test_padding_arrays():
    batch = [numpy.array([1, 2, 3]), numpy.array([4]), numpy.array([5, 6])]
    out = concat_examples(batch, padding=-1)
    assert out.tolist() == [[1, 2, 3], [4, -1, -1], [5, 6, -1]]
    assert out.dtype == batch[0].dtype


def test_padding_2d():
    batch = [numpy.ones((1, 3), dtype=numpy.float32), numpy.full((2, 2), 2, dtype=numpy.float32)]
    out = concat_examples(batch, padding=0)
    assert out.shape == (2, 2, 3) and out.dtype == numpy.float32
    numpy.testing.assert_array_equal(out[0], [[1, 1, 1], [0, 0, 0]])
    numpy.testing.assert_array_equal(out[1], [[2, 2, 0], [2, 2, 0]])


def test_padding_equal_shapes_and_scalars():
    out = concat_examples([numpy.array([1, 2]), numpy.array([3, 4])], padding=0)
    assert out.tolist() == [[1, 2], [3, 4]]
    assert concat_examples([1, 2], padding=0).tolist() == [1, 2]


def test_padding_per_tuple_field():
    batch = [(numpy.array([1, 2]), numpy.array([1])), (numpy.array([3]), numpy.array([2, 2]))]
    xs, ts = concat_examples(batch, padding=(0, -1))
    assert xs.tolist() == [[1, 2], [3, 0]]
    assert ts.tolist() == [[1, -1], [2, 2]]
    xs, ts = concat_examples(batch, padding=9)
    assert xs.tolist() == [[1, 2], [3, 9]] and ts.tolist() == [[1, 9], [2, 2]]


def test_padding_per_dict_key():
    batch = [{"a": numpy.array([1]), "b": numpy.array([1, 1])},
             {"a": numpy.array([2, 2]), "b": numpy.array([3])}]
    out = concat_examples(batch, padding={"a": 0, "b": -5})
    assert out["a"].tolist() == [[1, 0], [2, 2]]
    assert out["b"].tolist() == [[1, 1], [3, -5]]


def test_padding_list_examples():
    out = concat_examples([[1, 2, 3], [4]], padding=0)
    assert out.tolist() == [[1, 2, 3], [4, 0, 0]]


@pytest.mark.parametrize("device", [None, -1, -2, "-1", "@numpy", numpy,
                                    backend.CpuDevice()])
def test_cpu_devices_keep_numpy(device):
    xs, ts = concat_examples([(numpy.zeros(2), 1), (numpy.ones(2), 0)], device=device)
    assert isinstance(xs, numpy.ndarray) and isinstance(ts, numpy.ndarray)
    assert xs.tolist() == [[0, 0], [1, 1]]


# -- errors -----------------------------------------------------------------------------

def test_empty_batch():
    with pytest.raises(ValueError, match="batch is empty"):
        concat_examples([])


def test_ragged_arrays_without_padding():
    batch = [numpy.zeros(3), numpy.zeros(3), numpy.zeros(2)]
    message = r"example 2 has shape \(2,\), but example 0 has shape \(3,\)"
    with pytest.raises(ValueError, match=message):
        concat_examples(batch)


def test_ragged_tuple_field_names_field():
    batch = [(numpy.zeros(2), 0), (numpy.zeros((2, 1)), 1)]
    with pytest.raises(ValueError, match=r"example 1 \(1st field\) has shape \(2, 1\)"):
        concat_examples(batch)


def test_ragged_dict_value_names_key():
    batch = [{"x": numpy.zeros(2)}, {"x": numpy.zeros(4)}]
    with pytest.raises(ValueError, match=r"example 1 \(key 'x'\) has shape \(4,\)"):
        concat_examples(batch)


def test_ragged_python_lists():
    with pytest.raises(ValueError, match=r"example 1 has shape \(1,\)"):
        concat_examples([[1, 2], [3]])


def test_padding_cannot_fix_ndim():
    with pytest.raises(ValueError, match="example 1 has 2 dimensions"):
        concat_examples([numpy.zeros(2), numpy.zeros((2, 2))], padding=0)


def test_mismatched_tuple_lengths():
    message = "example 0 is a tuple of 2 fields but example 1 is a tuple of 3"
    with pytest.raises(ValueError, match=message):
        concat_examples([(1, 2), (1, 2, 3)])
    with pytest.raises(ValueError, match="example 2 is a list"):
        concat_examples([(1, 2), (1, 2), [1, 2]])


def test_mismatched_dict_keys():
    with pytest.raises(ValueError, match=r"example 1 is a dict with keys \['a', 'c'\]"):
        concat_examples([{"a": 1, "b": 2}, {"a": 1, "c": 2}])
    with pytest.raises(ValueError, match="example 1 is a tuple"):
        concat_examples([{"a": 1}, (1,)])


def test_mixed_array_and_tuple():
    with pytest.raises(ValueError, match="example 0 is a ndarray but example 1 is a tuple"):
        concat_examples([numpy.zeros(2), (1, 2)])


def test_bad_padding_structure():
    with pytest.raises(ValueError, match="padding has 3 values but the examples have 2 fields"):
        concat_examples([(1, 2)], padding=(0, 0, 0))
    with pytest.raises(ValueError, match=r"padding has no value for keys \['b'\]"):
        concat_examples([{"a": 1, "b": 2}], padding={"a": 0})


@pytest.mark.parametrize("device,error,message", [
    ("tpu", ValueError, "get_device: 'tpu' is not a rechain device specifier"),
    ("cpu", ValueError, "use '@numpy'"),
    ("cuda:0", ValueError, "use '@cupy:0'"),
    ("@cupy:x", ValueError, "unknown device specifier '@cupy:x'"),
    (1.5, TypeError, "get_device: cannot make a device of an object of type float"),
])
def test_bad_device(device, error, message):
    with pytest.raises(error, match=message):
        concat_examples([1, 2], device=device)
    with pytest.raises(error, match=message):
        to_device(device, numpy.zeros(2))


# -- to_device ------------------------------------------------------------------------------

def test_to_device_cpu_and_none():
    x = numpy.arange(3)
    assert to_device(None, x) is x
    assert to_device(-1, x) is x
    assert to_device("@numpy", x) is x
    assert to_device(backend.CpuDevice(), x) is x
    out = to_device("@numpy", {"a": [x, 2.0]})
    assert out["a"][0] is x and isinstance(out["a"][1], numpy.ndarray)


def test_to_device_uses_send():
    class _Device:
        def send(self, x):
            return ("sent", x)

    assert to_device(_Device(), 5) == ("sent", 5)
    assert concat_examples([1, 2], device=_Device())[0] == "sent"


@pytest.mark.skipif(backend.gpu_available, reason="checks the error raised without a GPU")
def test_gpu_request_without_gpu_fails_loudly():
    with pytest.raises(RuntimeError, match=r"get_device\(0\): CuPy"):
        concat_examples([numpy.zeros(2), numpy.ones(2)], device=0)
    with pytest.raises(RuntimeError, match=r"get_device\('@cupy:0'\): CuPy"):
        to_device("@cupy:0", numpy.zeros(2))


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("device", [0, "0", "@cupy:0"])
def test_to_gpu(device):
    cupy = backend.cupy
    xs, ts = concat_examples([(numpy.zeros(2, dtype=numpy.float32), 1),
                              (numpy.ones(2, dtype=numpy.float32), 0)], device=device)
    assert isinstance(xs, cupy.ndarray) and isinstance(ts, cupy.ndarray)
    assert xs.device.id == 0
    assert cupy.asnumpy(xs).tolist() == [[0, 0], [1, 1]]


@pytest.mark.gpu
@gpu
def test_gpu_examples_stay_on_gpu_and_pad():
    cupy = backend.cupy
    batch = [cupy.array([1, 2, 3]), cupy.array([4])]
    out = concat_examples(batch, padding=0)
    assert isinstance(out, cupy.ndarray)
    assert cupy.asnumpy(out).tolist() == [[1, 2, 3], [4, 0, 0]]
    back = concat_examples([cupy.zeros(2), cupy.ones(2)], device=-1)
    assert isinstance(back, numpy.ndarray) and back.tolist() == [[0, 0], [1, 1]]
