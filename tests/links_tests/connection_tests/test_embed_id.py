import numpy
import pytest

import rechain.functions as F
from rechain.links.connection.embed_id import EmbedID


def test_lookup_and_gradient():
    e = EmbedID(5, 3, initialW=numpy.arange(15, dtype=numpy.float32).reshape(5, 3))
    ids = numpy.array([[1, 4], [1, 0]], numpy.int32)
    y = e(ids)
    numpy.testing.assert_array_equal(y.array, e.W.array[ids])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(e.W.grad[:, 0], [1, 2, 0, 0, 1])


def test_ignore_label():
    e = EmbedID(4, 2, ignore_label=-1)
    y = e(numpy.array([-1, 2], numpy.int32))
    numpy.testing.assert_array_equal(y.array[0], [0, 0])
    numpy.testing.assert_array_equal(y.array[1], e.W.array[2])


def test_default_initializer_is_unit_normal():
    e = EmbedID(200, 100)
    assert e.W.shape == (200, 100)
    assert e.W.array.std() == pytest.approx(1.0, rel=0.05)


def test_out_of_range_id():
    with pytest.raises(ValueError, match="id 7.*vocabulary size 4"):
        EmbedID(4, 2)(numpy.array([7], numpy.int32))
