import numpy
import pytest

from rechain import backend
from rechain import dataset


def test_converter_decorator():
    calls = []

    @dataset.converter()
    def conv(batch, device):
        calls.append(device)
        return dataset.to_device(device, numpy.asarray(batch))

    assert isinstance(conv, dataset.Converter)
    assert conv.__name__ == "conv"
    out = conv([1, 2], -1)
    # As in Chainer, the function receives a device object.
    assert out.tolist() == [1, 2] and calls == [backend.CpuDevice()]
    assert isinstance(calls[0], backend.CpuDevice)
    conv([1], device=None)
    assert calls == [backend.CpuDevice(), None]
    conv([1], device="@numpy")
    assert isinstance(calls[-1], backend.CpuDevice)
    with pytest.raises(ValueError, match="get_device: 'tpu' is not a rechain device"):
        conv([1], "tpu")
    assert len(calls) == 3  # the bad device failed before the function ran


def test_converter_decorator_rejects_non_callable():
    with pytest.raises(TypeError, match="converter: the decorated object must be callable"):
        dataset.converter()(3)


def test_converter_base():
    class Double(dataset.Converter):
        def __call__(self, batch, device):
            return [2 * b for b in batch]

    assert Double()([1, 2], None) == [2, 4]
    with pytest.raises(NotImplementedError, match="must implement __call__"):
        dataset.Converter()([1], None)


def test_concat_examples_is_a_converter():
    assert isinstance(dataset.concat_examples, dataset.Converter)
    xs, ts = dataset.concat_examples([(numpy.zeros(2), 0), (numpy.ones(2), 1)], -1)
    assert xs.shape == (2, 2) and ts.tolist() == [0, 1]
