"""The chainer.utils names Chainer code and tests use."""

import os
import warnings

import numpy
import pytest

import rechain
from rechain import utils


def test_force_array_turns_scalars_into_arrays():
    a = utils.force_array(numpy.float32(2.5))
    assert isinstance(a, numpy.ndarray) and a.shape == () and a.dtype == numpy.float32
    assert utils.force_array(3.0, numpy.float16).dtype == numpy.float16
    x = numpy.ones(3, numpy.float32)
    assert utils.force_array(x) is x
    assert utils.force_array(x, numpy.float32) is x  # no copy when the dtype is right
    assert utils.force_array(x, numpy.float64).dtype == numpy.float64


def test_force_type():
    s = utils.force_type(numpy.dtype(numpy.float16), 1.5)
    assert isinstance(s, numpy.float16) and s == 1.5
    x = numpy.ones(2, numpy.float32)
    assert utils.force_type(numpy.float32, x) is x
    assert utils.force_type(numpy.float64, x).dtype == numpy.float64


def test_size_of_shape():
    assert utils.size_of_shape((2, 3, 4)) == 24
    assert utils.size_of_shape(()) == 1
    assert type(utils.size_of_shape((numpy.int64(2), 3))) is int


def test_sum_to_undoes_broadcasting():
    x = numpy.arange(24.0).reshape(2, 3, 4)
    numpy.testing.assert_array_equal(utils.sum_to(x, (3, 1)), x.sum(axis=(0, 2))[:, None])
    numpy.testing.assert_array_equal(utils.sum_to(x, (4,)), x.sum(axis=(0, 1)))
    assert utils.sum_to(x, (2, 3, 4)) is x
    with pytest.raises(TypeError, match="functions.sum_to"):
        utils.sum_to(rechain.Variable(x), (4,))
    with pytest.raises(ValueError, match="does not broadcast"):
        utils.sum_to(x, (2, 4))


def test_conv_outsizes_agree_with_a_direct_count():
    for size, k, s, p, d in [(7, 3, 1, 0, 1), (8, 3, 2, 1, 1), (9, 2, 3, 1, 2), (5, 5, 1, 2, 1)]:
        extent = (k - 1) * d + 1
        starts = range(-p, size + p - extent + 1, s)
        assert utils.get_conv_outsize(size, k, s, p, d=d) == len(starts)
        # the transposed convolution maps that output length back to an input length
        out = utils.get_conv_outsize(size, k, s, p, d=d)
        back = utils.get_deconv_outsize(out, k, s, p, d=d)
        assert back <= size < back + s
    # cover_all adds the last partial window
    assert utils.get_conv_outsize(8, 3, 2, 0) == 3
    assert utils.get_conv_outsize(8, 3, 2, 0, cover_all=True) == 4
    assert utils.conv.get_conv_outsize is utils.get_conv_outsize


def test_nondeterministic_warns_only_when_asked():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        utils.nondeterministic("f")
        assert not w
        with rechain.using_config("warn_nondeterministic", True):
            utils.nondeterministic("scatter_add")
    assert len(w) == 1 and "scatter_add" in str(w[0].message)


def test_experimental_warns_unless_disabled(monkeypatch):
    with pytest.warns(FutureWarning, match="rechain.foo is experimental"):
        utils.experimental("rechain.foo")
    monkeypatch.setattr(rechain, "disable_experimental_feature_warning", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utils.experimental("rechain.foo")


def test_tempdir_is_removed():
    with utils.tempdir(prefix="rechain_") as d:
        assert os.path.isdir(d) and os.path.basename(d).startswith("rechain_")
        open(os.path.join(d, "f"), "w").close()
    assert not os.path.exists(d)


def test_parse_kwargs():
    kwargs = {"a": 1}
    assert utils.argument.parse_kwargs(kwargs, ("a", 0), ("b", 2)) == (1, 2)
    with pytest.raises(TypeError, match="unexpected keyword argument.*'c'"):
        utils.argument.parse_kwargs({"c": 1}, ("a", 0))
    with pytest.raises(ValueError, match="train is gone"):
        utils.argument.parse_kwargs({"train": 1}, ("a", 0), train="train is gone")


def test_link_module_and_array_types():
    import rechain.link
    assert rechain.link.Chain is rechain.Chain and rechain.link.Link is rechain.Link
    assert rechain.link.ChainList is rechain.ChainList
    assert numpy.ndarray in rechain.get_array_types()
    assert utils.collections_abc.Sequence is not None
    # rechain calls no cuDNN: the top-level query is always False, as without cuDNN
    assert rechain.should_use_cudnn(">=auto") is False
    assert rechain.should_use_cudnn_tensor_core(numpy.float16) is False


def test_intel64_says_ideep_is_unavailable():
    from rechain.backends import intel64
    assert intel64.is_ideep_available() is False
    assert intel64.should_use_ideep(">=auto") is False
    assert intel64.inputs_all_ready((numpy.ones((2, 2)),)) is False
    assert intel64.ideep is None and intel64.mdarray is None
    with pytest.raises(RuntimeError, match="iDeep is not available"):
        intel64.check_ideep_available()
    with pytest.raises(ValueError, match="invalid iDeep use level"):
        intel64.should_use_ideep("sometimes")
    with rechain.using_config("use_ideep", "maybe"):
        with pytest.raises(ValueError, match="invalid use_ideep"):
            intel64.should_use_ideep("==always")


def test_memory_layouts_names_and_shapes():
    from rechain import memory_layouts as ml
    assert ml.CUDNN_CHANNEL_FIRST_X is None and ml.CUDNN_CHANNEL_LAST_X == "CUDNN_CHANNEL_LAST_X"
    x = rechain.Variable(numpy.zeros((2, 3, 4, 5), numpy.float32))
    assert ml.get_raw_shape(x) == (2, 3, 4, 5) == ml.get_semantic_shape(x.array)
    with pytest.raises(ValueError, match="standard layout only"):
        ml.get_semantic_shape(x, assumed_layout=ml.CUDNN_CHANNEL_LAST_X)


def test_initializer_and_serializer_modules_under_chainer_paths():
    from rechain import initializer, serializer, serializers
    assert initializer.Initializer is rechain.Initializer
    assert initializer.get_fans((4, 3, 2, 2)) == (12, 16)
    assert serializer.Serializer is rechain.Serializer
    assert serializer.Deserializer is rechain.Deserializer
    saver = serializers.DictionarySerializer()
    assert isinstance(saver, serializer.AbstractSerializer)
    assert isinstance(serializers.NpzDeserializer({}), serializer.AbstractSerializer)
