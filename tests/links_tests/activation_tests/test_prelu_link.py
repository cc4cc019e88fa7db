import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L


def test_default_shared_slope(tmp_path):
    link = L.PReLU()
    assert link.W.shape == () and link.W.array == numpy.float32(0.25)
    x = numpy.array([[-4.0, 2.0], [1.0, -8.0]], numpy.float32)
    y = link(x)
    numpy.testing.assert_array_equal(y.array, [[-1.0, 2.0], [1.0, -2.0]])
    F.sum(y).backward()
    assert link.W.grad == -12.0
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), link)
    with numpy.load(str(p)) as f:
        assert f.files == ["W"]


def test_per_channel_slope_and_init():
    link = L.PReLU(shape=(3,), init=0.5)
    x = numpy.random.default_rng(0).normal(size=(2, 3, 4)).astype(numpy.float32)
    link.W.array[:] = [0.1, 0.2, 0.3]
    y = link(x)
    w = numpy.array([0.1, 0.2, 0.3], numpy.float32)[None, :, None]
    numpy.testing.assert_allclose(y.array, numpy.where(x >= 0, x, w * x), rtol=1e-6)
    assert L.PReLU(shape=(2,), init=0.5).W.array.tolist() == [0.5, 0.5]


def test_forget_gives_plain_outputs_and_gradients():
    link = L.PReLU((3,))
    link.W.array = numpy.array([0.1, 0.2, 0.3])
    x_data = numpy.random.default_rng(1).normal(size=(2, 3))
    out = []
    for use in (False, True):
        link.cleargrads()
        x = rechain.Variable(x_data.copy())
        f = lambda x: link(x * 2)  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, link.W.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input_shape():
    with pytest.raises(rechain.InvalidType, match=r"prelu: W's shape must equal "
                                                   r"x.shape\[1:1 \+ W.ndim\]; got W \(3,\) "
                                                   r"for x \(2, 4\)"):
        L.PReLU((3,))(numpy.ones((2, 4), numpy.float32))
