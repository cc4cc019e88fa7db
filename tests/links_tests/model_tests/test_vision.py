"""The pretrained image models: VGG16/19, ResNet50/101/152, GoogLeNet.

Inputs are kept small where the architecture allows (the convolutional
layers take any size; ResNet ends in global average pooling) so the default
run stays fast; what needs 224x224 images or fresh VGG weights (138M draws)
is marked slow.

``chainer_vision_npz_layout.json`` holds, for each model, the key and shape
of every array that Chainer 7.8.1's ``save_npz`` writes for it (measured by
running Chainer 7.8.1's DictionarySerializer on each model built with
``pretrained_model=None``); a Chainer-written npz loads when rechain's model
has exactly these keys and shapes.
"""

import json
import os
import pathlib
import sys

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain.dataset import download
from rechain.initializers import constant
from rechain.links.model.vision import _common, googlenet, resnet, vgg
from rechain.serializers import DictionarySerializer, load_npz, save_npz

LAYOUT = json.loads((pathlib.Path(__file__).parent / "chainer_vision_npz_layout.json")
                    .read_text())

pillow = pytest.mark.skipif(not _common.available, reason="needs Pillow")


class _Recorded(constant.Constant):
    """Stands in for a random initializer: fills a constant, records the arguments."""

    calls = []

    def __init__(self, *args, **kwargs):
        type(self).calls.append((args, kwargs))
        super().__init__(0.01)


@pytest.fixture
def fast_init(monkeypatch):
    """Fresh models without drawing millions of random numbers (arguments recorded)."""
    _Recorded.calls = []
    monkeypatch.setattr(vgg.normal, "Normal", _Recorded)
    monkeypatch.setattr(resnet.normal, "HeNormal", _Recorded)
    monkeypatch.setattr(googlenet.uniform, "LeCunUniform", _Recorded)
    return _Recorded


@pytest.fixture
def dataset_root(tmp_path, monkeypatch):
    root = tmp_path / "dsroot"
    monkeypatch.setattr(download, "_root_override", str(root))
    return root


@pytest.fixture(scope="module")
def resnet50():
    rechain.random.seed(1)
    return L.ResNet50Layers(pretrained_model=None)


@pytest.fixture(scope="module")
def goog():
    rechain.random.seed(2)
    return L.GoogLeNet(pretrained_model=None)


def _x(*shape, dtype=numpy.float32):
    return numpy.random.RandomState(0).uniform(-1, 1, shape).astype(dtype)


def _layout(model):
    s = DictionarySerializer()
    s.save(model)
    return {key.lstrip("/"): list(numpy.shape(v)) for key, v in s.target.items()}


# ---- structure -----------------------------------------------------------------------

@pytest.mark.parametrize("make,name,count", [
    (lambda: L.VGG16Layers(None), "VGG16Layers", 32),
    (lambda: L.VGG19Layers(None), "VGG19Layers", 38),
    (lambda: L.ResNet50Layers(None), "ResNet50Layers", 321),
    (lambda: L.ResNet101Layers(None), "ResNet101Layers", 627),
    (lambda: L.ResNet152Layers(None), "ResNet152Layers", 933),
    (lambda: L.GoogLeNet(None), "GoogLeNet", 128),
])
def test_npz_layout_is_chainers(fast_init, make, name, count):
    layout = _layout(make())
    assert len(layout) == count
    assert layout == LAYOUT[name]


def test_available_layers(fast_init):
    v16, v19 = L.VGG16Layers(None), L.VGG19Layers(None)
    assert len(v16.available_layers) == 22 and len(v19.available_layers) == 25
    assert v16.available_layers[:3] == ["conv1_1", "conv1_2", "pool1"]
    assert v19.available_layers[8:11] == ["conv3_3", "conv3_4", "pool3"]
    assert v16.available_layers[-4:] == ["fc6", "fc7", "fc8", "prob"]
    assert L.ResNet101Layers(None).available_layers == [
        "conv1", "pool1", "res2", "res3", "res4", "res5", "pool5", "fc6", "prob"]
    names = L.GoogLeNet(None).available_layers
    assert len(names) == 21 and names[-3:] == ["prob", "loss1_fc2", "loss2_fc2"]
    assert isinstance(names, list)


def test_fresh_initializers_are_the_papers(fast_init):
    model = L.VGG16Layers(None)
    assert fast_init.calls == [((0.01,), {})]            # Normal(0.01) for every W
    assert not model.fc8.b.array.any() and not model.conv5_3.b.array.any()
    assert numpy.all(model.conv1_1.W.array == numpy.float32(0.01))
    fast_init.calls.clear()
    model = L.ResNet50Layers(None)
    assert fast_init.calls == [((), {"scale": 1.0})]    # HeNormal(scale=1.0)
    assert numpy.all(model.res4.b3.conv2.W.array == numpy.float32(0.01))
    assert not model.fc6.b.array.any()
    fast_init.calls.clear()
    model = L.GoogLeNet(None)
    assert fast_init.calls == [((), {"scale": 1.0})]    # LeCunUniform(scale=1.0)
    assert numpy.all(model.loss2_fc1.W.array == numpy.float32(0.01))


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_layers must be 16 or 19"):
        vgg.VGGLayers(None, n_layers=11)
    with pytest.raises(ValueError, match="n_layers must be 50, 101 or 152"):
        resnet.ResNetLayers(None, 34)
    with pytest.raises(TypeError, match="pretrained_model must be"):
        L.GoogLeNet(pretrained_model=3)


def test_resnet_depths_and_downsampling(fast_init):
    r101, r152 = L.ResNet101Layers(None), L.ResNet152Layers(None, downsample_fb=True)
    assert [len(getattr(r101, f"res{i}")._forward) for i in range(2, 6)] == [3, 4, 23, 3]
    assert [len(getattr(r152, f"res{i}")._forward) for i in range(2, 6)] == [3, 8, 36, 3]
    assert r101.res3._forward[:3] == ["a", "b1", "b2"]
    # MSRA: stride 2 on the first 1x1 convolution; Facebook: on the 3x3 one.
    def stride(conv):
        return tuple(numpy.broadcast_to(conv.stride, (2,)))

    a101, a152 = r101.res3.a, r152.res3.a
    assert stride(a101.conv1) == (2, 2) and stride(a101.conv2) == (1, 1)
    assert stride(a152.conv1) == (1, 1) and stride(a152.conv2) == (2, 2)
    assert stride(a152.conv4) == (2, 2) and stride(r101.res2.a.conv4) == (1, 1)
    y101 = r101(_x(1, 3, 32, 32), layers=["res3"])["res3"]
    assert y101.shape == r152(_x(1, 3, 32, 32), layers=["res3"])["res3"].shape == (1, 512, 4, 4)
    assert r101.res4.a.conv4.b is None and r101.res4.b7.conv2.b is None
    assert r101.conv1.b is not None


def test_building_block_n_layer_is_deprecated():
    with pytest.warns(DeprecationWarning, match="n_layers"):
        block = resnet.BuildingBlock(n_layer=2, in_channels=4, mid_channels=2, out_channels=8,
                                     stride=1)
    assert block._forward == ["a", "b1"]
    assert block(_x(1, 4, 5, 5)).shape == (1, 8, 5, 5)
    with pytest.raises(ValueError, match="n_layers"):
        resnet.BuildingBlock(0, 4, 2, 8, 1)


def test_copy_keeps_the_layer_table_on_the_copy(resnet50, goog):
    copied = resnet50.copy()
    assert copied.conv1 is copied.functions["conv1"][0]
    assert copied.conv1 is not resnet50.conv1
    assert copied.res2.a is getattr(copied.res2, copied.res2._forward[0])
    assert goog.copy().inc3a is not goog.inc3a


# ---- forward -------------------------------------------------------------------------

def test_resnet_layer_shapes_small_input(resnet50):
    with rechain.using_config("train", False):
        out = resnet50(_x(2, 3, 64, 64), layers=resnet50.available_layers)
    shapes = {k: v.shape for k, v in out.items()}
    assert shapes == {
        "conv1": (2, 64, 32, 32), "pool1": (2, 64, 16, 16), "res2": (2, 256, 16, 16),
        "res3": (2, 512, 8, 8), "res4": (2, 1024, 4, 4), "res5": (2, 2048, 2, 2),
        "pool5": (2, 2048), "fc6": (2, 1000), "prob": (2, 1000)}
    numpy.testing.assert_allclose(out["pool5"].array, out["res5"].array.mean(axis=(2, 3)),
                                  rtol=1e-5, atol=1e-7)
    numpy.testing.assert_allclose(out["prob"].array, F.softmax(out["fc6"]).array, rtol=1e-6)
    assert numpy.all(out["pool1"].array >= 0)   # after ReLU
    # Any input size works up to the classifier (global pooling).
    assert resnet50(_x(1, 3, 40, 56), layers=["prob"])["prob"].shape == (1, 1000)


def test_layers_selection_and_what_runs(resnet50, goog, monkeypatch):
    out = resnet50(_x(1, 3, 32, 32), layers=["res3", "pool1"])
    assert list(out) == ["res3", "pool1"]

    def boom(*args):
        raise AssertionError("a layer nobody asked for ran")

    monkeypatch.setattr(resnet50.res4, "forward", boom)
    assert resnet50(_x(1, 3, 32, 32), layers=["res3"])["res3"].shape == (1, 512, 4, 4)
    assert resnet50(_x(1, 3, 32, 32), layers=[]) == {}
    # GoogLeNet's auxiliary heads branch off inception_4a / 4d: the main path after
    # them does not run.
    monkeypatch.setattr(goog.inc4b, "forward", boom)
    monkeypatch.setattr(goog.inc5b, "forward", boom)
    y = goog(_x(1, 3, 224, 224), layers=["loss1_fc2", "inception_4a"])
    assert y["loss1_fc2"].shape == (1, 1000) and y["inception_4a"].shape == (1, 512, 14, 14)


def test_googlenet_heads_read_their_branch(goog):
    x = _x(1, 3, 224, 224)
    with rechain.using_config("train", False):
        out = goog(x, layers=["inception_4a", "inception_4d", "loss1_fc2", "loss2_fc2",
                              "pool5", "prob"])
        h = F.average_pooling_2d(out["inception_4a"], 5, 3)
        h = F.relu(goog.loss1_fc1(F.relu(goog.loss1_conv(h))))
        numpy.testing.assert_allclose(out["loss1_fc2"].array, goog.loss1_fc2(h).array,
                                      rtol=1e-5, atol=1e-6)
        h = F.average_pooling_2d(out["inception_4d"], 5, 3)
        h = F.relu(goog.loss2_fc1(F.relu(goog.loss2_conv(h))))
        numpy.testing.assert_allclose(out["loss2_fc2"].array, goog.loss2_fc2(h).array,
                                      rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(
            out["prob"].array, F.softmax(goog.loss3_fc(out["pool5"])).array, rtol=1e-5)
    assert out["pool5"].shape == (1, 1024, 1, 1)


def test_googlenet_small_input_shapes(goog):
    out = goog(_x(1, 3, 64, 48), layers=["conv1", "pool1", "conv2", "pool2", "inception_3b",
                                          "pool3"])
    assert {k: v.shape for k, v in out.items()} == {
        "conv1": (1, 64, 32, 24), "pool1": (1, 64, 16, 12), "conv2": (1, 192, 16, 12),
        "pool2": (1, 192, 8, 6), "inception_3b": (1, 480, 8, 6), "pool3": (1, 480, 4, 3)}


def test_vgg_small_input_shapes(fast_init):
    model = L.VGG19Layers(None)
    out = model(_x(1, 3, 32, 48), layers=["conv1_1", "pool1", "conv3_4", "pool5"])
    assert {k: v.shape for k, v in out.items()} == {
        "conv1_1": (1, 64, 32, 48), "pool1": (1, 64, 16, 24), "conv3_4": (1, 256, 8, 12),
        "pool5": (1, 512, 1, 2)}


def test_gradients_reach_the_parameters(resnet50):
    resnet50.cleargrads()
    y = resnet50(_x(2, 3, 32, 32), layers=["fc6"])["fc6"]
    F.sum(y * y).backward()
    assert resnet50.conv1.W.grad is not None and numpy.abs(resnet50.conv1.W.grad).sum() > 0
    assert resnet50.res5.b2.bn3.gamma.grad is not None
    resnet50.cleargrads()


def test_float16_follows_config_dtype(fast_init):
    with rechain.using_config("dtype", numpy.float16):
        model = L.GoogLeNet(None)
        y = model(_x(1, 3, 32, 32, dtype=numpy.float16), layers=["inception_3a"])
    assert model.conv1.W.dtype == numpy.float16
    assert y["inception_3a"].dtype == numpy.float16


def test_forward_bad_input(resnet50):
    x = _x(1, 3, 32, 32)
    with pytest.raises(ValueError, match=r"unknown layers \['res6'\].*available layers"):
        resnet50(x, layers=["pool1", "res6"])
    with pytest.raises(TypeError, match=r"not the string 'pool1'.*\['pool1'\]"):
        resnet50(x, layers="pool1")
    with pytest.raises(ValueError, match="test argument is not supported"):
        resnet50(x, test=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        resnet50(x, layers=["pool1"], colour=1)


# ---- weights -------------------------------------------------------------------------

def _same_state(a, b):
    sa, sb = DictionarySerializer(), DictionarySerializer()
    sa.save(a)
    sb.save(b)
    assert sa.target.keys() == sb.target.keys()
    for key in sa.target:
        numpy.testing.assert_array_equal(sa.target[key], sb.target[key], err_msg=key)


def _randomize_bn(model, seed):
    rng = numpy.random.RandomState(seed)
    for link in model.links():
        if isinstance(link, L.BatchNormalization):
            link.avg_mean[...] = rng.uniform(-0.1, 0.1, link.avg_mean.shape)
            link.avg_var[...] = rng.uniform(0.5, 1.5, link.avg_var.shape)


def test_save_load_round_trip_resnet(resnet50, tmp_path):
    _randomize_bn(resnet50, 0)
    path = str(tmp_path / "r50.npz")
    save_npz(path, resnet50, compression=False)
    loaded = L.ResNet50Layers(pretrained_model=path)
    _same_state(resnet50, loaded)
    x = _x(1, 3, 32, 32)
    with rechain.using_config("train", False):
        numpy.testing.assert_array_equal(resnet50(x, layers=["fc6"])["fc6"].array,
                                         loaded(x, layers=["fc6"])["fc6"].array)


def test_auto_loads_from_the_models_directory(goog, dataset_root):
    directory = dataset_root / "pfnet" / "chainer" / "models"
    directory.mkdir(parents=True)
    save_npz(str(directory / "bvlc_googlenet.npz"), goog, compression=False)
    _same_state(goog, L.GoogLeNet())
    _same_state(goog, L.GoogLeNet(pretrained_model="auto"))


def test_auto_resnet_caffemodel_name_means_the_converted_npz(resnet50, dataset_root):
    directory = dataset_root / "pfnet" / "chainer" / "models"
    directory.mkdir(parents=True)
    save_npz(str(directory / "ResNet-50-model.npz"), resnet50, compression=False)
    _same_state(resnet50, L.ResNet50Layers(pretrained_model="ResNet-50-model.caffemodel"))
    _same_state(resnet50, L.ResNet50Layers())
    # As in Chainer, any Caffe model path means the converted npz of the models directory.
    _same_state(resnet50, L.ResNet50Layers(pretrained_model="/elsewhere/x.caffemodel"))
    with pytest.raises(FileNotFoundError, match="ResNet-101-model.npz are not at"):
        L.ResNet101Layers(pretrained_model="ResNet-101-model.caffemodel")


@pytest.mark.parametrize("make,name", [
    (L.VGG16Layers, "VGG_ILSVRC_16_layers.npz"),
    (L.VGG19Layers, "VGG_ILSVRC_19_layers.npz"),
    (L.ResNet50Layers, "ResNet-50-model.npz"),
    (L.ResNet101Layers, "ResNet-101-model.npz"),
    (L.ResNet152Layers, "ResNet-152-model.npz"),
    (L.GoogLeNet, "bvlc_googlenet.npz"),
])
def test_auto_offline_error_names_the_file_and_place(make, name, dataset_root, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried the network")

    monkeypatch.setattr(download, "cached_download", no_network)
    monkeypatch.setattr(download.urllib.request, "urlopen", no_network)
    expected = os.path.join(str(dataset_root), "pfnet/chainer/models", name)
    with pytest.raises(FileNotFoundError) as info:
        make()
    message = str(info.value)
    assert expected in message
    assert "RECHAIN_DATASET_ROOT" in message and "offline" in message
    assert f"{make.__name__}(pretrained_model='auto')" in message
    assert not dataset_root.exists()   # nothing created while looking


def test_pretrained_path_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="GoogLeNet: the pretrained_model file"):
        L.GoogLeNet(pretrained_model=str(tmp_path / "nope.npz"))
    with pytest.raises(ValueError, match="cannot read Caffe models"):
        L.GoogLeNet(pretrained_model=str(tmp_path / "bvlc_googlenet.caffemodel"))
    with pytest.raises(NotImplementedError, match="no Caffe model reader"):
        L.VGG16Layers.convert_caffemodel_to_npz("a.caffemodel", "a.npz")


def test_wrong_file_is_refused(resnet50, tmp_path, fast_init):
    path = str(tmp_path / "g.npz")
    save_npz(path, L.GoogLeNet(None), compression=False)
    with pytest.raises(Exception, match="conv1|res2|bn1|fc6"):
        L.ResNet50Layers(pretrained_model=path)


def test_chainer_layout_npz_loads(tmp_path, fast_init):
    # A file with exactly Chainer's keys and shapes (values made up) loads in full.
    rng = numpy.random.RandomState(0)
    arrays = {k: rng.uniform(-1, 1, s).astype(numpy.float32)
              for k, s in LAYOUT["GoogLeNet"].items()}
    path = str(tmp_path / "chainer_googlenet.npz")
    numpy.savez(path, **arrays)
    model = L.GoogLeNet(pretrained_model=path)
    numpy.testing.assert_array_equal(model.inc4e.proj5.W.array, arrays["inc4e/proj5/W"])
    numpy.testing.assert_array_equal(model.loss2_fc1.b.array, arrays["loss2_fc1/b"])


# ---- images --------------------------------------------------------------------------

@pillow
@pytest.mark.parametrize("module", [vgg, resnet, googlenet])
def test_prepare_shapes_and_dtypes(module):
    rng = numpy.random.RandomState(0)
    u8 = lambda *s: rng.uniform(0, 255, s).astype(numpy.uint8)  # noqa: E731
    assert module.prepare(u8(32, 24, 3)).shape == (3, 224, 224)
    assert module.prepare(u8(32, 24)).shape == (3, 224, 224)
    assert module.prepare(u8(3, 32, 24), size=None).shape == (3, 32, 24)
    assert module.prepare(u8(1, 32, 24)).shape == (3, 224, 224)
    assert module.prepare(u8(32, 24, 3), size=(40, 30)).shape == (3, 30, 40)  # (w, h)
    y = module.prepare(u8(32, 24, 3), size=None)
    assert y.shape == (3, 32, 24) and y.dtype == numpy.float32 and y.flags.c_contiguous
    with rechain.using_config("dtype", numpy.float16):
        assert module.prepare(u8(8, 8)).dtype == numpy.float16


@pillow
@pytest.mark.parametrize("module", [vgg, resnet, googlenet])
def test_prepare_values_bgr_minus_mean(module):
    image = numpy.zeros((4, 5, 3), numpy.uint8)
    image[...] = (10, 20, 30)   # RGB
    y = module.prepare(image, size=None)
    expected = numpy.array([30, 20, 10], numpy.float32) - numpy.array(module.MEAN_BGR,
                                                                      numpy.float32)
    numpy.testing.assert_allclose(y[:, 0, 0], expected, rtol=1e-6)
    assert numpy.all(y == y[:, :1, :1])
    from PIL import Image
    numpy.testing.assert_array_equal(module.prepare(Image.fromarray(image), size=None), y)
    numpy.testing.assert_array_equal(module.prepare(image.transpose(2, 0, 1), size=None), y)


@pillow
def test_prepare_bad_input():
    with pytest.raises(ValueError, match=r"vgg.prepare: an image array .* \(2, 3, 4, 5\)"):
        vgg.prepare(numpy.zeros((2, 3, 4, 5), numpy.uint8))
    with pytest.raises(ValueError, match=r"\(4, 5, 2\)"):
        vgg.prepare(numpy.zeros((4, 5, 2), numpy.uint8))
    with pytest.raises(TypeError, match="PIL image or a numpy.ndarray, not list"):
        resnet.prepare([[1, 2]])


def test_prepare_without_pillow_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"googlenet.prepare needs Pillow.*pip install"):
        googlenet.prepare(numpy.zeros((4, 4, 3), numpy.uint8))


@pillow
def test_extract_keeps_config_and_defaults(resnet50, goog):
    rng = numpy.random.RandomState(0)
    images = [rng.uniform(0, 255, (40, 30, 3)).astype(numpy.uint8),
              rng.uniform(0, 255, (40, 30)).astype(numpy.uint8)]
    out = resnet50.extract(images, size=(64, 64))
    assert list(out) == ["pool5"] and out["pool5"].shape == (2, 2048)
    assert out["pool5"].creator is not None        # graph kept: config untouched
    out = goog.extract(images, layers=["pool1", "conv2"], size=None)
    assert out["pool1"].shape == (2, 64, 10, 7) and out["conv2"].shape == (2, 192, 10, 7)
    with rechain.no_backprop_mode():
        assert goog.extract(images[:1], layers=["pool1"], size=None)["pool1"].creator is None
    x = numpy.stack([googlenet.prepare(im, size=None) for im in images])
    numpy.testing.assert_allclose(out["pool1"].array, goog(x, layers=["pool1"])["pool1"].array,
                                  rtol=1e-6)
    with pytest.raises(ValueError, match="images is empty"):
        goog.extract([])
    with pytest.raises(ValueError, match="volatile argument is not supported"):
        goog.extract(images, volatile=True)


class _Tiny(_common.PretrainedLayers):
    """A model whose 'prob' is a cheap known function of the input (a mean per channel)."""

    seen = []

    @property
    def functions(self):
        def record(x):
            type(self).seen.append((x.shape, rechain.config.train,
                                    rechain.config.enable_backprop))
            return x
        return {"pool5": [record, lambda x: F.mean(x, axis=(2, 3))],
                "prob": [lambda h: h * h]}

    _prepare = staticmethod(vgg.prepare)


@pillow
def test_predict_crops_and_averages():
    rng = numpy.random.RandomState(0)
    images = [rng.uniform(0, 255, (300, 260, 3)).astype(numpy.uint8) for _ in range(2)]
    model = _Tiny()
    x = numpy.stack([vgg.prepare(im, size=(256, 256)) for im in images])
    _Tiny.seen = []
    y = model.predict(images, oversample=False)
    assert _Tiny.seen == [((2, 3, 224, 224), False, False)]
    center = x[:, :, 16:240, 16:240].mean(axis=(2, 3))
    numpy.testing.assert_allclose(y.array, center ** 2, rtol=1e-5)
    _Tiny.seen = []
    y = model.predict(images)
    assert _Tiny.seen == [((20, 3, 224, 224), False, False)] and y.creator is None
    crops = [x[:, :, a:a + 224, b:b + 224] for a, b in
             [(0, 0), (0, 32), (32, 0), (32, 32), (16, 16)]]
    # The mirror crops have the same channel means: the average over ten is that of five.
    expected = numpy.mean([c.mean(axis=(2, 3)) ** 2 for c in crops], axis=0)
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5)
    assert rechain.config.train and rechain.config.enable_backprop


@pillow
def test_predict_googlenet_center_crop(goog):
    rng = numpy.random.RandomState(0)
    images = [rng.uniform(0, 255, (60, 50, 3)).astype(numpy.uint8)]
    y = goog.predict(images, oversample=False)
    assert y.shape == (1, 1000) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array.sum(axis=1), 1, rtol=1e-5)
    # Inference mode: dropout is off, so two calls agree.
    numpy.testing.assert_array_equal(goog.predict(images, oversample=False).array, y.array)


# ---- the slow ones: full size, fresh VGG weights ----------------------------------------

@pytest.mark.slow
@pillow
@pytest.mark.parametrize("make", [L.VGG16Layers, L.VGG19Layers])
def test_vgg_full(make):
    model = make(pretrained_model=None)
    w = model.conv3_1.W.array
    assert abs(float(w.std()) - 0.01) < 5e-4 and not model.fc7.b.array.any()
    out = model(_x(1, 3, 224, 224), layers=["pool5", "fc7", "prob"])
    assert out["pool5"].shape == (1, 512, 7, 7) and out["fc7"].shape == (1, 4096)
    numpy.testing.assert_allclose(out["prob"].array.sum(), 1, rtol=1e-5)
    rng = numpy.random.RandomState(0)
    images = [rng.uniform(0, 255, (60, 50, 3)).astype(numpy.uint8)] * 2
    assert model.predict(images, oversample=False).shape == (2, 1000)


@pytest.mark.slow
@pillow
@pytest.mark.parametrize("make", [L.ResNet101Layers, L.ResNet152Layers])
def test_resnet_deep_full(make):
    model = make(pretrained_model=None)
    assert model(_x(1, 3, 224, 224))["prob"].shape == (1, 1000)


@pytest.mark.slow
@pillow
def test_predict_oversample_googlenet(goog):
    rng = numpy.random.RandomState(0)
    images = [rng.uniform(0, 255, (60, 50, 3)).astype(numpy.uint8)]
    y = goog.predict(images, oversample=True)
    assert y.shape == (1, 1000)
    numpy.testing.assert_allclose(y.array.sum(axis=1), 1, rtol=1e-5)
