"""L.BatchNormalizationReLU: relu(L.BatchNormalization) bit for bit, the same
parameters and npz keys, lean in training mode; demo.ResBlock(lean=True)."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import demo
from rechain import serializers


def _bits(a):
    return a.view(numpy.uint32 if a.dtype == numpy.float32 else numpy.uint64)


def assert_bitwise(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    numpy.testing.assert_array_equal(_bits(got), _bits(want))


def _pair(size=4, **kw):
    return L.BatchNormalization(size, **kw), L.BatchNormalizationReLU(size, **kw)


def _state(link):
    return [link.gamma.array, link.beta.array, link.avg_mean, link.avg_var]


SHAPES = [(6, 4), (3, 4, 5, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("finetune", [False, True])
def test_bitwise_equal_to_relu_of_batch_normalization(shape, train, finetune):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal(shape).astype(numpy.float32)
    gy = rng.standard_normal(shape).astype(numpy.float32)
    results = []
    for lean, link in zip((False, True), _pair(4, decay=0.7)):
        link.gamma.array[...] = numpy.linspace(0.5, 1.5, 4, dtype=numpy.float32)
        link.beta.array[...] = numpy.linspace(-0.4, 0.4, 4, dtype=numpy.float32)
        link.avg_mean[...] = 0.1
        link.avg_var[...] = 1.5
        xv = rechain.Variable(x)
        with rechain.using_config("train", train):
            for _ in range(2):  # the running statistics advance twice
                link.cleargrads()
                y = link(xv, finetune=finetune) if train else link(xv)
                y = y if lean else F.relu(y)
                y.grad = gy
                y.backward()
        results.append([y.array, xv.grad, link.gamma.grad, link.beta.grad,
                        link.avg_mean, link.avg_var, numpy.array(link.N)])
        xv.cleargrad()
    for g, w in zip(*results):
        if w.dtype.kind == "f":
            assert_bitwise(g, w)
        else:
            assert g == w


def test_same_parameters_and_npz_keys_as_batch_normalization(tmp_path):
    plain, lean = _pair(3)
    assert isinstance(lean, L.BatchNormalization)
    assert sorted(n for n, _ in plain.namedparams()) == sorted(n for n, _ in lean.namedparams())
    plain.gamma.array[...] = [1.0, 2.0, 3.0]
    plain.avg_var[...] = [4.0, 5.0, 6.0]
    plain.N = 7
    serializers.save_npz(str(tmp_path / "bn.npz"), plain)
    with numpy.load(str(tmp_path / "bn.npz")) as f:
        keys = sorted(f.files)
    serializers.save_npz(str(tmp_path / "lean.npz"), lean)
    with numpy.load(str(tmp_path / "lean.npz")) as f:
        assert sorted(f.files) == keys
    serializers.load_npz(str(tmp_path / "bn.npz"), lean)
    for g, w in zip(_state(lean), _state(plain)):
        assert_bitwise(g, w)
    assert lean.N == 7


def test_running_statistics_updated_once_under_forget():
    x = numpy.random.default_rng(1).standard_normal((8, 4)).astype(numpy.float32)
    plain, lean = _pair(4)
    plain(rechain.Variable(x))  # one update
    y = F.forget(lean, rechain.Variable(x))
    F.sum(y).backward()   # replays lean under in_recomputing: no second update
    for g, w in zip(_state(lean), _state(plain)):
        assert_bitwise(g, w)


def _resnet(lean):
    rechain.random.seed(0)
    return rechain.ChainList(*[demo.ResBlock(16, lean=lean) for _ in range(3)])


@pytest.mark.parametrize("mode", ["plain", "forget"])
def test_resblock_lean_is_bitwise_the_plain_block(mode, tmp_path):
    x = numpy.random.default_rng(2).standard_normal((12, 16)).astype(numpy.float32)
    results = []
    for lean in (False, True):
        model = _resnet(lean)
        for _ in range(2):
            model.cleargrads()
            h = rechain.Variable(x)
            for b in model:
                h = F.forget(b, h) if mode == "forget" else b(h)
            loss = F.sum(h * h)
            loss.backward()
        serializers.save_npz(str(tmp_path / f"{lean}.npz"), model)
        results.append([loss.array] + [p.grad for _, p in sorted(model.namedparams())]
                       + [b.bn.avg_mean for b in model] + [b.bn.avg_var for b in model])
    for g, w in zip(*results):
        assert_bitwise(g, w)
    with numpy.load(str(tmp_path / "False.npz")) as a, numpy.load(str(tmp_path / "True.npz")) as b:
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            numpy.testing.assert_array_equal(a[k], b[k])
