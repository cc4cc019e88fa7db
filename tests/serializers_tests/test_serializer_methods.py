"""Serializer.save(obj) / Deserializer.load(obj), as Chainer's."""

import numpy
import pytest

import rechain.links as L
from rechain import serializers


def test_dictionary_serializer_save_then_npz_deserializer_load():
    src = L.Linear(3, 2)
    s = serializers.DictionarySerializer()
    s.save(src)
    assert sorted(s.target) == ["W", "b"]
    dst = L.Linear(3, 2)
    serializers.NpzDeserializer(s.target).load(dst)
    numpy.testing.assert_array_equal(dst.W.array, src.W.array)
    numpy.testing.assert_array_equal(dst.b.array, src.b.array)


def test_load_from_numpy_npz_file(tmp_path):
    src = L.Linear(3, 2)
    path = str(tmp_path / "m.npz")
    serializers.save_npz(path, src)
    dst = L.Linear(3, 2)
    with numpy.load(path) as f:
        serializers.NpzDeserializer(f).load(dst)
    numpy.testing.assert_array_equal(dst.W.array, src.W.array)


def test_load_with_path_prefix():
    src = L.Classifier(L.Linear(3, 2))
    s = serializers.DictionarySerializer()
    s.save(src)
    dst = L.Linear(3, 2)
    serializers.NpzDeserializer(s.target, path="predictor/").load(dst)
    numpy.testing.assert_array_equal(dst.W.array, src.predictor.W.array)


def test_failed_load_changes_nothing():
    s = serializers.DictionarySerializer()
    s.save(L.Linear(3, 2))
    del s.target["b"]
    dst = L.Linear(3, 2)
    before = dst.W.array.copy()
    with pytest.raises(KeyError, match=r"'b' is not in"):
        serializers.NpzDeserializer(s.target).load(dst)
    numpy.testing.assert_array_equal(dst.W.array, before)


def test_shape_mismatch_raises_before_changing():
    s = serializers.DictionarySerializer()
    s.save(L.Linear(3, 2))
    dst = L.Linear(4, 2)
    before = dst.b.array.copy()
    with pytest.raises(ValueError, match=r"'W' has shape \(2, 3\)"):
        serializers.NpzDeserializer(s.target).load(dst)
    numpy.testing.assert_array_equal(dst.b.array, before)


def test_objects_without_serialize_raise():
    with pytest.raises(TypeError, match=r"DictionarySerializer.save: int has no serialize"):
        serializers.DictionarySerializer().save(3)
    with pytest.raises(TypeError, match=r"NpzDeserializer.load: list has no serialize"):
        serializers.NpzDeserializer({}).load([])


def test_deserializer_save_is_refused():
    with pytest.raises(TypeError, match=r"NpzDeserializer.save: a deserializer loads"):
        serializers.NpzDeserializer({}).save(L.Linear(2, 2))
