import sys

import numpy
import pytest

from rechain.datasets import ImageDataset, LabeledImageDataset

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def images(tmp_path):
    rgb = numpy.arange(2 * 3 * 3, dtype=numpy.uint8).reshape(2, 3, 3)  # h=2, w=3, 3 channels
    grey = numpy.array([[0, 255], [7, 9]], dtype=numpy.uint8)
    Image.fromarray(rgb, "RGB").save(tmp_path / "rgb.png")
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    return tmp_path, rgb, grey


def test_image_dataset(images):
    root, rgb, grey = images
    ds = ImageDataset(["rgb.png", "grey.png"], root=str(root))
    assert len(ds) == 2
    x = ds[0]
    assert x.dtype == numpy.float32 and x.shape == (3, 2, 3)
    numpy.testing.assert_array_equal(x, rgb.transpose(2, 0, 1))
    g = ds[1]
    assert g.shape == (1, 2, 2)
    numpy.testing.assert_array_equal(g[0], grey)
    assert ImageDataset(["grey.png"], root=str(root), dtype=numpy.float64)[0].dtype == numpy.float64


def test_image_dataset_from_list_file(images):
    root, rgb, _ = images
    (root / "list.txt").write_text("rgb.png\n\ngrey.png\n")
    ds = ImageDataset(str(root / "list.txt"), root=str(root))
    assert len(ds) == 2 and ds[0].shape == (3, 2, 3)


def test_labeled_image_dataset(images):
    root, rgb, grey = images
    ds = LabeledImageDataset([("rgb.png", 3), ("grey.png", 7)], root=str(root))
    x, t = ds[1]
    assert x.shape == (1, 2, 2) and t.dtype == numpy.int32 and t.shape == () and int(t) == 7
    (root / "pairs.txt").write_text("rgb.png 1\ngrey.png 0\n")
    ds = LabeledImageDataset(str(root / "pairs.txt"), root=str(root), label_dtype=numpy.int64)
    assert [int(t) for _, t in ds[0:2]] == [1, 0] and ds[0][1].dtype == numpy.int64
    (root / "bad.txt").write_text("rgb.png 1\ngrey.png\n")
    with pytest.raises(ValueError, match=r"line 2 of .*bad.txt must be '<path> <label>'"):
        LabeledImageDataset(str(root / "bad.txt"))
    (root / "bad2.txt").write_text("rgb.png one\n")
    with pytest.raises(ValueError, match=r"line 1 .*the label 'one' is not an integer"):
        LabeledImageDataset(str(root / "bad2.txt"))


def test_clear_error_without_pillow(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"ImageDataset needs Pillow.*pip install Pillow"):
        ImageDataset(["a.png"])
    with pytest.raises(ImportError, match=r"LabeledImageDataset needs Pillow"):
        LabeledImageDataset([("a.png", 0)])
