import re

import numpy
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import rechain
import rechain.functions as F
import rechain.links as L


def _npz_keys(link, tmp_path):
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), link)
    with numpy.load(str(p)) as f:
        return sorted(f.files)


def conv(x, W, b=None, pad=0, stride=1):
    """NumPy reference convolution (NCHW)."""
    k = W.shape[2]
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    y = numpy.einsum("nchwij,ocij->nohw", win, W)
    return y if b is None else y + b[None, :, None, None]


def pool(x, kind, stride=1):
    fill = -numpy.inf if kind == "max" else 0.0
    xp = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    win = sliding_window_view(xp, (3, 3), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.max(axis=(4, 5)) if kind == "max" else win.mean(axis=(4, 5))


def relu(x):
    return numpy.maximum(x, 0)


def bn(x, eps=2e-5):
    m = x.mean(axis=(0, 2, 3), keepdims=True)
    v = x.var(axis=(0, 2, 3), keepdims=True)
    return (x - m) / numpy.sqrt(v + eps)


def _arr(p):
    return p.array.astype(numpy.float64)


def test_inception_forward():
    m = L.Inception(3, 2, 2, 4, 1, 2, 3, bias_init=0.1)
    x = numpy.random.default_rng(0).normal(size=(2, 3, 6, 5)).astype(numpy.float32)
    y = m(x)
    assert y.shape == (2, 2 + 4 + 2 + 3, 6, 5)
    p = {name: _arr(v) for name, v in m.namedparams()}
    xd = x.astype(numpy.float64)
    ref = relu(numpy.concatenate([
        conv(xd, p["/conv1/W"], p["/conv1/b"]),
        conv(relu(conv(xd, p["/proj3/W"], p["/proj3/b"])), p["/conv3/W"], p["/conv3/b"], 1),
        conv(relu(conv(xd, p["/proj5/W"], p["/proj5/b"])), p["/conv5/W"], p["/conv5/b"], 2),
        conv(pool(xd, "max"), p["/projp/W"], p["/projp/b"]),
    ], axis=1))
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_array_equal(p["/conv3/b"], numpy.float32(0.1))


def test_inception_npz_keys(tmp_path):
    keys = _npz_keys(L.Inception(3, 2, 2, 4, 1, 2, 3), tmp_path)
    assert keys == sorted(f"{c}/{p}" for c in ("conv1", "proj3", "conv3", "proj5", "conv5",
                                                "projp") for p in ("W", "b"))


def test_inception_conv_init():
    m = L.Inception(2, 1, 1, 1, 1, 1, 1, conv_init=0.5, bias_init=-1.0)
    for name, p in m.namedparams():
        numpy.testing.assert_array_equal(p.array, 0.5 if name.endswith("W") else -1.0)


@pytest.mark.parametrize("pooltype,proj_pool,out1,stride", [("max", 3, 2, 1), ("avg", 3, 2, 1),
                                                            ("max", None, 0, 2),
                                                            ("avg", 2, 0, 2)])
def test_inceptionbn_forward_train(pooltype, proj_pool, out1, stride):
    m = L.InceptionBN(3, out1, 2, 4, 1, 2, pooltype, proj_pool, stride=stride)
    x = numpy.random.default_rng(1).normal(size=(4, 3, 6, 6)).astype(numpy.float32)
    y = m(x)
    p = {name: _arr(v) for name, v in m.namedparams()}
    xd = x.astype(numpy.float64)
    outs = []
    if out1:
        outs.append(relu(bn(conv(xd, p["/conv1/W"]))))
    h3 = relu(bn(conv(xd, p["/proj3/W"])))
    outs.append(relu(bn(conv(h3, p["/conv3/W"], pad=1, stride=stride))))
    h33 = relu(bn(conv(xd, p["/proj33/W"])))
    h33 = relu(bn(conv(h33, p["/conv33a/W"], pad=1)))
    outs.append(relu(bn(conv(h33, p["/conv33b/W"], pad=1, stride=stride))))
    q = pool(xd, pooltype, stride)
    if proj_pool is not None:
        q = relu(bn(conv(q, p["/poolp/W"])))
    outs.append(q)
    ref = numpy.concatenate(outs, axis=1)
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.array, ref, rtol=2e-3, atol=2e-3)


def test_inceptionbn_npz_keys(tmp_path):
    keys = _npz_keys(L.InceptionBN(3, 2, 2, 4, 1, 2, "max", 3), tmp_path)
    convs = ["conv1", "proj3", "conv3", "proj33", "conv33a", "conv33b", "poolp"]
    bns = ["conv1n", "proj3n", "conv3n", "proj33n", "conv33an", "conv33bn", "poolpn"]
    assert keys == sorted([f"{c}/W" for c in convs] + [f"{b}/{k}" for b in bns
                                                       for k in ("N", "avg_mean", "avg_var",
                                                                 "beta", "gamma")])


def test_inceptionbn_test_mode_uses_running_statistics():
    m = L.InceptionBN(2, 0, 1, 2, 1, 2, "avg")
    x = numpy.random.default_rng(2).normal(size=(3, 2, 4, 4)).astype(numpy.float32)
    m(x)
    assert numpy.any(m.proj3n.avg_mean != 0)
    before = m.proj3n.avg_mean.copy()
    with rechain.using_config("train", False):
        m(x)
    numpy.testing.assert_array_equal(m.proj3n.avg_mean, before)


@pytest.mark.parametrize("kw,match", [
    (dict(pooltype="min"), "InceptionBN: pooltype must be 'max' or 'avg', got 'min'"),
    (dict(stride=2), "InceptionBN: the 1x1 branch (out1=2) needs stride=1, got stride=2"),
    (dict(proj_pool=None), "InceptionBN: the 1x1 branch (out1=2) needs proj_pool"),
])
def test_inceptionbn_bad_arguments(kw, match):
    args = dict(in_channels=3, out1=2, proj3=2, out3=2, proj33=2, out33=2, pooltype="max",
                proj_pool=2)
    args.update(kw)
    with pytest.raises(ValueError, match=re.escape(match)):
        L.InceptionBN(**args)


def test_inceptionbn_unknown_pooltype_is_also_chainers_not_implemented_error():
    with pytest.raises(NotImplementedError, match="pooltype must be 'max' or 'avg'"):
        L.InceptionBN(3, 2, 2, 2, 2, 2, "min", 2)


def test_mlp_convolution_2d_forward_and_keys(tmp_path):
    m = L.MLPConvolution2D(3, (4, 5, 2), 3, stride=1, pad=1, bias_init=0.1)
    assert [c.W.shape for c in m] == [(4, 3, 3, 3), (5, 4, 1, 1), (2, 5, 1, 1)]
    x = numpy.random.default_rng(3).normal(size=(2, 3, 5, 5)).astype(numpy.float32)
    y = m(x)
    h = x.astype(numpy.float64)
    h = relu(conv(h, _arr(m[0].W), _arr(m[0].b), 1))
    h = relu(conv(h, _arr(m[1].W), _arr(m[1].b)))
    ref = conv(h, _arr(m[2].W), _arr(m[2].b))
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-4)
    assert _npz_keys(m, tmp_path) == ["0/W", "0/b", "1/W", "1/b", "2/W", "2/b"]


def test_mlp_convolution_2d_short_form_and_activation():
    m = L.MLPConvolution2D((3, 2), 3, activation=F.tanh)
    y = m(numpy.ones((1, 4, 5, 5), numpy.float32))
    assert y.shape == (1, 2, 3, 3) and m[0].W.shape == (3, 4, 3, 3)
    assert m.activation is F.tanh


def test_mlp_convolution_2d_bad_out_channels():
    with pytest.raises(ValueError, match="MLPConvolution2D: out_channels must not be empty"):
        L.MLPConvolution2D(3, (), 3)
    with pytest.raises(TypeError, match="MLPConvolution2D: out_channels must be a sequence of "
                                        "ints, not int"):
        L.MLPConvolution2D(3, 4, 3)


def test_mlp_convolution_2d_refuses_wscale_as_chainer():
    with pytest.raises(ValueError, match="wscale is not supported anymore; use conv_init"):
        L.MLPConvolution2D(3, (4,), wscale=1)
    with pytest.raises(TypeError, match="unexpected keyword argument\\(s\\) 'scale'"):
        L.MLPConvolution2D(3, (4,), 3, scale=1)


def test_forget_gives_plain_outputs_and_gradients():
    m = L.Inception(2, 1, 1, 2, 1, 1, 1)
    for p in m.params():
        p.array = p.array.astype(numpy.float64)
    x_data = numpy.random.default_rng(4).normal(size=(2, 2, 4, 4))
    out = []
    for use in (False, True):
        m.cleargrads()
        x = rechain.Variable(x_data.copy())
        y = F.forget(m, x) if use else m(x)
        F.sum(y * y).backward()
        out.append([y.array, x.grad] + [p.grad for _, p in sorted(m.namedparams())])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_inceptionbn_under_forget_updates_statistics_once():
    x = numpy.random.default_rng(5).normal(size=(3, 2, 4, 4)).astype(numpy.float32)
    a = L.InceptionBN(2, 0, 1, 2, 1, 2, "max")
    b = a.copy(mode="copy")
    F.sum(a(x)).backward()
    F.sum(F.forget(b, x)).backward()
    numpy.testing.assert_array_equal(a.proj3n.avg_mean, b.proj3n.avg_mean)
    numpy.testing.assert_array_equal(a.proj3.W.grad, b.proj3.W.grad)
