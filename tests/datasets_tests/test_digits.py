import importlib.resources

import numpy
import pytest

from rechain.datasets import TupleDataset, get_digits


def _arrays(ds):
    xs = numpy.stack([ex[0] for ex in ds])
    ts = numpy.array([ex[1] for ex in ds])
    return xs, ts


def test_raw_file_contents():
    resource = importlib.resources.files("rechain.datasets").joinpath("digits.npz")
    with resource.open("rb") as f, numpy.load(f) as data:
        images, labels, test_indices = data["images"], data["labels"], data["test_indices"]
    assert images.shape == (1797, 8, 8) and images.dtype == numpy.uint8
    assert labels.shape == (1797,) and labels.dtype == numpy.uint8
    assert images.min() == 0 and images.max() == 16
    assert numpy.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert len(numpy.unique(test_indices)) == 360
    # The first row of scikit-learn's copy is a 0.
    assert labels[0] == 0
    assert images[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_license_file_ships():
    text = importlib.resources.files("rechain.datasets").joinpath("DIGITS_LICENSE.txt").read_text()
    assert "CC BY 4.0" in text and "Alpaydin" in text


def test_default_split_shapes_and_dtypes():
    train, test = get_digits()
    assert isinstance(train, TupleDataset) and isinstance(test, TupleDataset)
    assert len(train) == 1437 and len(test) == 360
    x, t = train[0]
    assert x.shape == (64,) and x.dtype == numpy.float32
    assert t.dtype == numpy.int32


def test_value_range_and_classes():
    train, test = get_digits()
    xs_tr, ts_tr = _arrays(train)
    xs_te, ts_te = _arrays(test)
    for xs in (xs_tr, xs_te):
        assert xs.min() == 0.0 and xs.max() == 1.0
        # Pixels are multiples of 1/16.
        numpy.testing.assert_allclose(xs * 16, numpy.round(xs * 16), atol=1e-5)
    total = numpy.bincount(numpy.concatenate([ts_tr, ts_te]), minlength=10)
    assert total.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    test_counts = numpy.bincount(ts_te, minlength=10)
    assert test_counts.sum() == 360 and test_counts.min() >= 35 and test_counts.max() <= 37
    assert set(ts_tr.tolist()) == set(range(10))


def test_train_and_test_are_disjoint_and_cover_everything():
    train, test = get_digits(withlabel=False)
    images = numpy.concatenate([train, test])
    assert images.shape == (1797, 64)
    resource = importlib.resources.files("rechain.datasets").joinpath("digits.npz")
    with resource.open("rb") as f, numpy.load(f) as data:
        raw = data["images"].reshape(-1, 64).astype(numpy.float32) / 16
        test_indices = data["test_indices"]
    mask = numpy.zeros(1797, dtype=bool)
    mask[test_indices] = True
    numpy.testing.assert_array_equal(train, raw[~mask])
    numpy.testing.assert_array_equal(test, raw[mask])


def test_split_is_deterministic():
    a_train, a_test = get_digits()
    b_train, b_test = get_digits()
    numpy.testing.assert_array_equal(_arrays(a_train)[0], _arrays(b_train)[0])
    numpy.testing.assert_array_equal(_arrays(a_test)[1], _arrays(b_test)[1])


def test_calls_do_not_share_memory():
    train1, _ = get_digits(withlabel=False)
    train1[:] = -5.0
    train2, _ = get_digits(withlabel=False)
    assert train2.min() == 0.0


@pytest.mark.parametrize("ndim, rgb, shape", [
    (1, False, (64,)), (2, False, (8, 8)), (3, False, (1, 8, 8)), (3, True, (3, 8, 8)),
])
def test_ndim(ndim, rgb, shape):
    train, test = get_digits(ndim=ndim, rgb_format=rgb)
    assert train[0][0].shape == shape
    assert test[5][0].shape == shape
    flat, _ = get_digits(withlabel=False)
    x = train[7][0]
    if rgb:
        numpy.testing.assert_array_equal(x[0], x[2])
        x = x[0]
    numpy.testing.assert_array_equal(x.reshape(64), flat[7])


def test_withlabel_false_returns_arrays():
    train, test = get_digits(withlabel=False, ndim=3)
    assert isinstance(train, numpy.ndarray)
    assert train.shape == (1437, 1, 8, 8) and test.shape == (360, 1, 8, 8)


def test_scale_dtype_and_label_dtype():
    train, _ = get_digits(scale=255.0, dtype=numpy.float64, label_dtype=numpy.int64)
    xs, ts = _arrays(train)
    assert xs.dtype == numpy.float64 and ts.dtype == numpy.int64
    assert xs.max() == 255.0 and xs.min() == 0.0
    train16, _ = get_digits(withlabel=False, dtype=numpy.float16, scale=2.0)
    assert train16.dtype == numpy.float16 and float(train16.max()) == 2.0


def test_errors():
    with pytest.raises(ValueError, match="ndim must be 1, 2 or 3, got 4"):
        get_digits(ndim=4)
    with pytest.raises(ValueError, match="rgb_format=True needs ndim=3"):
        get_digits(ndim=1, rgb_format=True)
    with pytest.raises(TypeError, match="dtype must be a floating type"):
        get_digits(dtype=numpy.int32)
    with pytest.raises(TypeError, match="label_dtype must be an integer type"):
        get_digits(label_dtype=numpy.float32)


def test_nearest_centroid_classifier_is_accurate():
    # A real data set: class means alone separate the digits well.
    train, test = get_digits()
    xs_tr, ts_tr = _arrays(train)
    xs_te, ts_te = _arrays(test)
    centroids = numpy.stack([xs_tr[ts_tr == k].mean(axis=0) for k in range(10)])
    dist = ((xs_te[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    accuracy = (dist.argmin(axis=1) == ts_te).mean()
    assert accuracy > 0.85
    # Shuffled labels carry no signal: chance is about 10%.
    rng = numpy.random.default_rng(0)
    shuffled = rng.permutation(ts_tr)
    bad = numpy.stack([xs_tr[shuffled == k].mean(axis=0) for k in range(10)])
    dist = ((xs_te[:, None, :] - bad[None]) ** 2).sum(axis=-1)
    assert (dist.argmin(axis=1) == ts_te).mean() < 0.4
