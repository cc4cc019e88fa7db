"""ChainList as a mutable sequence of links; Sequential.repeat nesting and its npz keys."""

import collections.abc

import numpy
import pytest

import rechain.functions as F
import rechain.links as L
from rechain import ChainList, Sequential, serializers


def _names(cl):
    return [c.name for c in cl]


def _lin(n):
    return L.Linear(n, n)


def test_extend_insert_pop_remove_clear_rename():
    a, b, c, d = _lin(1), _lin(2), _lin(3), _lin(4)
    cl = ChainList(a)
    cl.extend([b, c])
    assert list(cl) == [a, b, c] and _names(cl) == ["0", "1", "2"]
    cl.insert(1, d)
    assert list(cl) == [a, d, b, c] and _names(cl) == ["0", "1", "2", "3"]
    assert cl.pop(0) is a and _names(cl) == ["0", "1", "2"]
    assert cl.pop() is c and list(cl) == [d, b]
    cl.remove(d)
    assert list(cl) == [b] and b.name == "0"
    cl.append(a)
    assert a.name == "1"
    cl.clear()
    assert len(cl) == 0 and list(cl.params()) == []


def test_params_follow_mutations():
    a, b = _lin(1), _lin(2)
    cl = ChainList(a, b)
    cl.insert(0, _lin(3))
    assert sorted(n for n, _ in cl.namedparams()) == ["/0/W", "/0/b", "/1/W", "/1/b",
                                                      "/2/W", "/2/b"]
    assert dict(cl.namedparams())["/2/W"] is b.W


def test_setitem_delitem_contains_index_reversed():
    a, b, c = _lin(1), _lin(2), _lin(3)
    cl = ChainList(a, b)
    cl[1] = c
    assert list(cl) == [a, c] and c.name == "1"
    cl[0:1] = [b, a]
    assert list(cl) == [b, a, c] and _names(cl) == ["0", "1", "2"]
    del cl[0]
    assert list(cl) == [a, c] and _names(cl) == ["0", "1"]
    assert a in cl and b not in cl
    assert cl.index(c) == 1 and cl.count(a) == 1
    assert list(reversed(cl)) == [c, a]
    assert isinstance(cl, collections.abc.MutableSequence)


def test_bad_mutations_raise():
    cl = ChainList(_lin(1))
    with pytest.raises(TypeError, match=r"ChainList.insert: expected a Link, got function"):
        cl.insert(0, F.relu)
    with pytest.raises(TypeError, match=r"ChainList.append: expected a Link, got int"):
        cl.extend([3])
    with pytest.raises(TypeError, match=r"ChainList.__setitem__: expected a Link, got str"):
        cl[0] = "x"
    with pytest.raises(TypeError, match=r"indices must be integers or slices, not str"):
        cl["a"] = _lin(1)
    with pytest.raises(ValueError, match=r"ChainList.remove: the link is not a child"):
        cl.remove(_lin(1))
    with pytest.raises(ValueError, match=r"its own child"):
        cl.insert(0, cl)
    assert len(cl) == 1


def test_sequential_clear_and_contains():
    s = Sequential(_lin(2), F.relu)
    assert F.relu in s
    s.clear()
    assert len(s) == 0 and list(s.children()) == []
    s.extend([_lin(2), F.tanh])
    assert len(s) == 2 and [c.name for c in s.children()] == ["0"]


def test_sequential_repeat_nests_like_chainer(tmp_path):
    block = Sequential(L.Linear(2, 3), F.relu, L.Linear(3, 2))
    net = block.repeat(3)
    assert len(net) == 3 and all(isinstance(b, Sequential) for b in net)
    path = tmp_path / "rep.npz"
    serializers.save_npz(str(path), net)
    with numpy.load(str(path)) as f:
        keys = sorted(f.files)
    assert keys == sorted(f"{i}/{j}/{p}" for i in range(3) for j in range(2) for p in "Wb")
    # a fresh repeat loads them back
    other = block.repeat(3)
    serializers.load_npz(str(path), other)
    numpy.testing.assert_array_equal(other[2][2].W.array, net[2][2].W.array)
    x = numpy.ones((4, 2), numpy.float32)
    numpy.testing.assert_array_equal(other(x).array, net(x).array)


@pytest.mark.parametrize("mode", ["init", "copy", "share"])
def test_repeat_modes(mode):
    block = Sequential(L.Linear(2, 2), F.relu)
    net = block.repeat(2, mode)
    w0, w1 = net[0][0].W, net[1][0].W
    if mode == "share":
        assert w0.array is w1.array
    elif mode == "copy":
        assert w0.array is not w1.array
        numpy.testing.assert_array_equal(w0.array, w1.array)
    else:
        assert not numpy.array_equal(w0.array, w1.array)
    assert net[0][1] is F.relu


def test_repeat_zero_is_empty():
    assert len(L.Linear(2, 2).repeat(0)) == 0


def test_chainlist_iadd_extends_and_renames():
    a, b, c = L.Linear(2, 2), L.Linear(2, 2), L.Linear(2, 2)
    cl = ChainList(a)
    other = ChainList(b, c)
    same = cl
    cl += other
    assert cl is same and list(cl) == [a, b, c] and c.name == "2"
    cl += [L.Linear(2, 2)]
    assert len(cl) == 4
    with pytest.raises(TypeError):
        cl += [3]


def test_sequential_by_layer_type_flatten_and_iadd():
    l1, l2, l3 = L.Linear(3, 3), L.Linear(3, 3), L.Linear(3, 2)
    inner = Sequential(l2, F.relu)
    seq = Sequential(l1, F.relu, inner)
    assert seq.count_by_layer_type("Linear") == 1
    assert seq.count_by_layer_type("relu") == 1
    flat = seq.flatten()
    assert list(flat) == [l1, F.relu, l2, F.relu]
    assert flat.count_by_layer_type("Linear") == 2
    flat.remove_by_layer_type("relu")
    assert list(flat) == [l1, l2]
    flat += Sequential(l3)
    assert list(flat) == [l1, l2, l3] and len(list(flat.params())) == 6
    x = numpy.ones((2, 3), numpy.float32)
    assert flat(x).shape == (2, 2)
    with pytest.raises(TypeError, match=r"Sequential \+=: the right side must be a Sequential"):
        flat += 1


def test_sequential_bad_layers_are_type_and_value_errors():
    # Chainer raises ValueError; a TypeError is Python's word for it: both catch it
    from rechain.links.link import InvalidLayer
    assert issubclass(InvalidLayer, TypeError) and issubclass(InvalidLayer, ValueError)
    seq = Sequential(F.relu)
    for bad in (lambda: Sequential(0), lambda: seq.append(0), lambda: seq + 0):
        with pytest.raises(ValueError, match="must be"):
            bad()
    with pytest.raises(ValueError, match=r"Sequential \+="):
        seq += 0
    assert len(seq + F.sigmoid) == 2  # a single callable still adds (rechain's extension)


def test_sequential_insert_out_of_range_is_an_index_error():
    seq = Sequential()
    with pytest.raises(IndexError, match="index 1 is out of range for 0 layers"):
        seq.insert(1, F.relu)
    with pytest.raises(IndexError):
        seq.insert(-1, F.relu)
    seq.insert(0, F.relu)
    seq.insert(-1, F.sigmoid)
    seq.insert(2, F.tanh)
    assert list(seq) == [F.sigmoid, F.relu, F.tanh]
    with pytest.raises(IndexError):
        seq.insert(-4, F.relu)


def test_sequential_prints_as_chainer_and_refuses_to_pickle_lambdas():
    import functools
    import pickle
    partial = functools.partial(F.leaky_relu, slope=0.2)
    seq = Sequential(L.Linear(2, 3), lambda x: F.leaky_relu(x, slope=0.2), partial, F.relu)
    assert str(seq) == (
        "Sequential(\n  (0): Linear(in_size=2, out_size=3, nobias=False),\n"
        "  (1): seq = Sequential(L.Linear(2, 3), lambda x: F.leaky_relu(x, slope=0.2), "
        "partial, F.relu),\n"
        f"  (2): {partial},\n  (3): {F.relu},\n)")
    assert str(Sequential()) == "Sequential()"
    with pytest.raises(ValueError, match="layer 1 is a lambda"):
        pickle.dumps(seq)
    shared = seq.copy("share")  # copying is not pickling
    assert len(shared) == 4 and shared[1] is seq[1]
    del seq[1]
    again = pickle.loads(pickle.dumps(seq))
    assert len(again) == 3 and again[0].W.shape == (3, 2)
