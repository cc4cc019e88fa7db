import re

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check

BHS = L.BinaryHierarchicalSoftmax


def _paths(tree):
    """Reference: word -> [(node, code)] by recursive pre-order numbering."""
    out, counter = {}, [0]

    def walk(node, path):
        if isinstance(node, tuple):
            i = counter[0]
            counter[0] += 1
            walk(node[0], path + [(i, 1.0)])
            walk(node[1], path + [(i, -1.0)])
        else:
            out[node] = path
    walk(tree, [])
    return out, counter[0]


def _ref(x, t, W, tree):
    paths, _ = _paths(tree)
    loss = 0.0
    for xi, ti in zip(x.astype(numpy.float64), t):
        for node, code in paths[int(ti)]:
            loss += numpy.log1p(numpy.exp(-code * W[node].dot(xi)))
    return loss


def test_create_huffman_tree_matches_chainer_examples():
    assert BHS.create_huffman_tree({0: 8, 1: 5, 2: 6, 3: 4}) == ((3, 1), (2, 0))
    assert BHS.create_huffman_tree({"a": 3}) == "a"
    tree = BHS.create_huffman_tree({w: c for w, c in enumerate([10, 1, 1, 1, 1, 20])})
    paths, _ = _paths(tree)
    assert sorted(paths) == list(range(6))
    assert len(paths[5]) == 1 and len(paths[0]) == 2
    with pytest.raises(ValueError, match="create_huffman_tree: word_counts is empty"):
        BHS.create_huffman_tree({})


@pytest.mark.parametrize("tree", [((0, 1), 2), ((3, 1), (2, 0)), (0, (1, (2, (3, 4)))), (0, 1)])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(tree, dtype):
    _, n_nodes = _paths(tree)
    hsm = BHS(3, tree, dtype=dtype)
    assert hsm.W.shape == (n_nodes, 3) and hsm.W.dtype == dtype
    assert numpy.all(abs(hsm.W.array) <= 1)
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=(6, 3)).astype(dtype)
    words = sorted(_paths(tree)[0])
    t = numpy.array([words[i % len(words)] for i in range(6)], numpy.int32)
    y = hsm(x, t)
    assert y.shape == () and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, t, hsm.W.array, tree), rtol=1e-5)


def test_probabilities_sum_to_one():
    tree = BHS.create_huffman_tree({0: 4, 1: 3, 2: 2, 3: 1, 4: 1})
    hsm = BHS(2, tree, dtype=numpy.float64)
    x = numpy.array([[0.3, -0.7]])
    total = sum(numpy.exp(-hsm(x, numpy.array([w])).array) for w in range(5))
    numpy.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_backward_and_double_backward():
    tree = ((0, 1), (2, (3, 4)))
    hsm = BHS(3, tree, dtype=numpy.float64)
    rng = numpy.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    t = numpy.array([0, 4, 2, 3], numpy.int32)
    f = lambda x: F.reshape(hsm(x, t), (1,))  # noqa: E731
    gradient_check.check_backward(f, x, rng.normal(size=1), params=hsm.W)
    gradient_check.check_double_backward(f, x, rng.normal(size=1), rng.normal(size=x.shape),
                                         params=hsm.W,
                                         params_grad_grad=rng.normal(size=hsm.W.shape))


def test_npz_keys(tmp_path):
    hsm = BHS(3, ((0, 1), 2))
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), hsm)
    with numpy.load(str(p)) as f:
        assert f.files == ["W"]


def test_forget_gives_plain_outputs_and_gradients():
    hsm = BHS(3, ((0, 1), (2, 3)), dtype=numpy.float64)
    x_data = numpy.random.default_rng(2).normal(size=(5, 3))
    t = numpy.array([0, 1, 2, 3, 1], numpy.int32)
    out = []
    for use in (False, True):
        hsm.cleargrads()
        x = rechain.Variable(x_data.copy())
        f = lambda x: hsm(F.tanh(x), t)  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        y.backward()
        out.append((y.array, x.grad, hsm.W.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("tree,match", [
    (((0, 1, 2), 3), "BinaryHierarchicalSoftmax: every internal node of the tree must have two "
                     "children, got a tuple of 3: (0, 1, 2)"),
    (((0, 1), 0), "BinaryHierarchicalSoftmax: word 0 appears twice in the tree"),
    (((0, "a"), 1), "BinaryHierarchicalSoftmax: leaves of the tree must be non-negative int "
                    "word ids, got 'a'"),
])
def test_bad_trees(tree, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        BHS(3, tree)


def test_bad_inputs():
    hsm = BHS(3, ((0, 1), 2))
    with pytest.raises(ValueError, match=re.escape("BinaryHierarchicalSoftmax: t[1] = 3 is not "
                                                   "a word of the tree (the tree's words are "
                                                   "ids in [0, 3))")):
        hsm(numpy.ones((2, 3), numpy.float32), numpy.array([0, 3]))
    with pytest.raises(ValueError, match=re.escape("t[0] = 1 is not a word of the tree")):
        BHS(3, (0, 2))(numpy.ones((1, 3), numpy.float32), numpy.array([1]))
    with pytest.raises(ValueError, match=re.escape("t[0] = -1 is not a word of the tree")):
        hsm(numpy.ones((1, 3), numpy.float32), numpy.array([-1]))
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "BinaryHierarchicalSoftmax: x must be 2-d (batch, 3), got shape (2, 4)")):
        hsm(numpy.ones((2, 4), numpy.float32), numpy.array([0, 1]))
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "BinaryHierarchicalSoftmax: t must be 1-d with x.shape[0] = 2 ids, got shape (3,)")):
        hsm(numpy.ones((2, 3), numpy.float32), numpy.array([0, 1, 2]))


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    tree = ((0, 1), 2)
    hsm = BHS(3, tree).to_gpu()
    x = numpy.random.default_rng(3).normal(size=(2, 3)).astype(numpy.float32)
    y = hsm(cp.asarray(x), cp.array([0, 2], cp.int32))
    numpy.testing.assert_allclose(float(y.array),
                                  _ref(x, [0, 2], cp.asnumpy(hsm.W.array), tree), rtol=1e-5)


def test_tree_codes_live_where_chainer_keeps_them():
    # Chainer's tests cast link._func.codes to float64 for a float16 link's
    # numerical gradient; the link reads the codes from there
    tree = ((0, 1), 2)
    hsm = BHS(3, tree, dtype=numpy.float16)
    codes = hsm._func.codes
    assert codes.dtype == numpy.float16 and codes.shape == (3, 2)
    numpy.testing.assert_array_equal(codes, [[1, 1], [1, -1], [-1, 0]])
    hsm._func.codes = codes.astype(numpy.float64)
    hsm.W.array = hsm.W.array.astype(numpy.float64)
    x = numpy.random.default_rng(1).normal(size=(2, 3))
    t = numpy.array([0, 2], numpy.int32)
    loss = hsm(x, t)
    assert loss.dtype == numpy.float64
    numpy.testing.assert_allclose(loss.array, _ref(x, t, hsm.W.array, tree), rtol=1e-12)
