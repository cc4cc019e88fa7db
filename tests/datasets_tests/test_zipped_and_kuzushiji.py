"""ZippedImageDataset & co. (zip files of images) and get_kuzushiji_mnist."""

import gzip
import os
import pickle
import struct
import sys
import zipfile

import numpy
import pytest

import rechain
from rechain.dataset import download
from rechain.datasets import (LabeledZippedImageDataset, MultiZippedImageDataset,
                              ZippedImageDataset, get_kuzushiji_mnist,
                              get_kuzushiji_mnist_labels, kuzushiji_mnist)

PIL = pytest.importorskip("PIL.Image")


def _png(array):
    import io
    buf = io.BytesIO()
    PIL.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def images():
    rng = numpy.random.RandomState(0)
    return {
        "rgb.png": rng.randint(0, 256, (6, 5, 3)).astype(numpy.uint8),
        "dir/grey.png": rng.randint(0, 256, (4, 7)).astype(numpy.uint8),
        "rgba.png": rng.randint(0, 256, (3, 3, 4)).astype(numpy.uint8),
    }


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("dir/", b"")   # a directory entry: not an example
        for name, array in members.items():
            zf.writestr(name, _png(array))
    return str(path)


def _chw(array):
    return (array[:, :, None] if array.ndim == 2 else array).transpose(2, 0, 1)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.int32])
def test_zipped_images(tmp_path, images, dtype):
    ds = ZippedImageDataset(_zip(tmp_path / "a.zip", images), dtype=dtype)
    assert len(ds) == 3
    for i, (name, array) in enumerate(images.items()):
        got = ds[i]
        assert got.dtype == dtype and got.shape == _chw(array).shape
        numpy.testing.assert_array_equal(got, _chw(array))
        numpy.testing.assert_array_equal(ds.get_example(name), got)
    assert ds[-1].shape == (4, 3, 3)
    assert [x.shape for x in ds[0:2]] == [(3, 6, 5), (1, 4, 7)]
    with pytest.raises(KeyError, match="has no member 'nope.png'"):
        ds.get_example("nope.png")
    with pytest.raises(IndexError):
        ds[3]


def test_zipped_default_dtype_follows_config(tmp_path, images):
    path = _zip(tmp_path / "a.zip", images)
    assert ZippedImageDataset(path)[0].dtype == numpy.float32
    with rechain.using_config("dtype", numpy.float64):
        assert ZippedImageDataset(path)[0].dtype == numpy.float64


def test_zipped_pickles_without_the_open_file(tmp_path, images):
    ds = ZippedImageDataset(_zip(tmp_path / "a.zip", images))
    ds[0]
    blob = pickle.dumps(ds)
    assert b"ZipFile" not in blob
    copy = pickle.loads(blob)
    numpy.testing.assert_array_equal(copy[1], ds[1])
    assert copy._zf is not None   # reopened on first use


def test_zipped_reopens_after_a_fork(tmp_path, images, monkeypatch):
    ds = ZippedImageDataset(_zip(tmp_path / "a.zip", images))
    first = ds._zf
    monkeypatch.setattr(os, "getpid", lambda: -1)   # as in a forked child
    numpy.testing.assert_array_equal(ds[0], _chw(images["rgb.png"]))
    assert ds._zf is not first


def test_multi_zipped(tmp_path, images):
    names = list(images)
    a = _zip(tmp_path / "a.zip", {n: images[n] for n in names[:2]})
    b = _zip(tmp_path / "b.zip", {n: images[n] for n in names[2:]})
    c = _zip(tmp_path / "c.zip", {n: images[n] for n in names})
    ds = MultiZippedImageDataset([a, b, c], dtype=numpy.int32)
    assert len(ds) == 6
    order = names[:2] + names[2:] + names
    for i, name in enumerate(order):
        numpy.testing.assert_array_equal(ds[i], _chw(images[name]))
    numpy.testing.assert_array_equal(ds[-4], _chw(images["rgba.png"]))
    again = pickle.loads(pickle.dumps(ds))
    numpy.testing.assert_array_equal(again[4], ds[4])
    with pytest.raises(IndexError, match="index 6 is out of range for 6 images"):
        ds.get_example(6)
    with pytest.raises(TypeError, match="list of paths, not one path"):
        MultiZippedImageDataset(a)


@pytest.mark.parametrize("label_dtype", [numpy.int32, numpy.float32])
def test_labeled_zipped(tmp_path, images, label_dtype):
    path = _zip(tmp_path / "a.zip", images)
    labels = tmp_path / "labels.txt"
    labels.write_text("rgba.png 7\n\ndir/grey.png 2\nrgb.png 0\nrgba.png 1\n")
    ds = LabeledZippedImageDataset(path, str(labels), dtype=numpy.float32,
                                   label_dtype=label_dtype)
    assert len(ds) == 4
    image, label = ds[1]
    numpy.testing.assert_array_equal(image, _chw(images["dir/grey.png"]))
    assert label.dtype == label_dtype and label.shape == () and label == 2
    assert [int(ds[i][1]) for i in range(4)] == [7, 2, 0, 1]
    assert ds[0][0].shape == ds[3][0].shape == (4, 3, 3)


def test_labeled_zipped_bad_label_files(tmp_path, images):
    path = _zip(tmp_path / "a.zip", images)
    bad = tmp_path / "bad.txt"
    bad.write_text("rgb.png 0 extra\n")
    with pytest.raises(ValueError, match="line 1 of .*bad.txt must be '<path> <label>'"):
        LabeledZippedImageDataset(path, str(bad))
    missing = tmp_path / "missing.txt"
    missing.write_text("rgb.png 0\nother.png 1\n")
    with pytest.raises(ValueError, match=r"does not have: \['other.png'\]"):
        LabeledZippedImageDataset(path, str(missing))


def test_without_pillow_says_so(tmp_path, images, monkeypatch):
    path = _zip(tmp_path / "a.zip", images)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="ZippedImageDataset needs Pillow"):
        ZippedImageDataset(path)


# -- Kuzushiji-MNIST -------------------------------------------------------------------

def _idx_images(x):
    return gzip.compress(struct.pack(">HBBIII", 0, 8, 3, len(x), 28, 28) + x.tobytes())


def _idx_labels(y):
    return gzip.compress(struct.pack(">HBBI", 0, 8, 1, len(y)) + y.tobytes())


def test_kuzushiji_url_and_labels():
    assert kuzushiji_mnist.KUZUSHIJI_MNIST_URLS == [
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    labels = get_kuzushiji_mnist_labels()
    assert len(labels) == 10
    assert labels[0] == ("o", "\u304a") and labels[9] == ("wo", "\u3092")
    assert labels[3] == ("tsu", "\u3064")
    labels.clear()
    assert len(get_kuzushiji_mnist_labels()) == 10


def test_get_kuzushiji_mnist(file_server, dataset_root, monkeypatch):
    rng = numpy.random.default_rng(4)
    data = {}
    for prefix, n in (("train", 4), ("t10k", 3)):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=numpy.uint8)
        y = rng.integers(0, 10, size=n, dtype=numpy.uint8)
        file_server.files[f"/k/{prefix}-images-idx3-ubyte.gz"] = _idx_images(x)
        file_server.files[f"/k/{prefix}-labels-idx1-ubyte.gz"] = _idx_labels(y)
        data[prefix] = (x, y)
    monkeypatch.setattr(kuzushiji_mnist, "KUZUSHIJI_MNIST_URLS", [file_server.url("/k/")])
    train, test = get_kuzushiji_mnist(ndim=2, scale=255.0)
    assert len(train) == 4 and len(test) == 3
    image, label = train[2]
    assert image.shape == (28, 28) and image.dtype == numpy.float32
    numpy.testing.assert_allclose(image, data["train"][0][2].astype(numpy.float32), rtol=1e-5)
    assert label.dtype == numpy.int32 and int(label) == int(data["train"][1][2])
    assert int(test[1][1]) == int(data["t10k"][1][1])
    assert (dataset_root / "pfnet/chainer/kuzushiji_mnist/train.npz").exists()
    assert (dataset_root / "pfnet/chainer/kuzushiji_mnist/test.npz").exists()
    requests = len(file_server.requests)
    flat = get_kuzushiji_mnist(withlabel=False)[0]   # from the cache: no new request
    assert flat.shape == (4, 784) and float(flat.max()) <= 1.0
    assert len(file_server.requests) == requests
    rgb = get_kuzushiji_mnist(ndim=3, rgb_format=True)[1]
    assert rgb[0][0].shape == (3, 28, 28)


def test_kuzushiji_offline_error(dataset_root, monkeypatch):
    monkeypatch.setattr(kuzushiji_mnist, "KUZUSHIJI_MNIST_URLS", ["http://127.0.0.1:9/"])
    with pytest.raises(download.DownloadError) as info:
        get_kuzushiji_mnist()
    message = str(info.value)
    assert "get_kuzushiji_mnist" in message and "offline" in message
    assert "train-images-idx3-ubyte.gz" in message
    assert not (dataset_root / "pfnet/chainer/kuzushiji_mnist/train.npz").exists()
    with pytest.raises(ValueError, match="get_kuzushiji_mnist: ndim must be 1, 2 or 3"):
        get_kuzushiji_mnist(ndim=4)
