"""BinaryHierarchicalSoftmax: softmax over a vocabulary through a binary tree."""

import heapq

import numpy

from rechain import backend
from rechain import configuration
from rechain import initializers
from rechain import variable as _variable
from rechain.functions.activation.softplus import softplus
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.expand_dims import expand_dims
from rechain.functions.connection.embed_id import embed_id
from rechain.functions.math.sum import sum as _sum
from rechain.links import link as _link
from rechain.utils import type_check


def _parse_tree(tree):
    """Return ``{word: (nodes, codes)}`` and the number of internal nodes.

    Internal nodes are 2-tuples, numbered in pre-order from 0; leaves are
    word ids (ints). The code of a step is ``+1`` into the left child and
    ``-1`` into the right one.
    """
    paths = {}
    count = 0
    # Iterative pre-order walk: (node, path so far, codes so far).
    stack = [(tree, (), ())]
    while stack:
        node, nodes, codes = stack.pop()
        if isinstance(node, tuple):
            if len(node) != 2:
                raise ValueError(f"BinaryHierarchicalSoftmax: every internal node of the tree "
                                 f"must have two children, got a tuple of {len(node)}: "
                                 f"{node!r}")
            idx = count
            count += 1
            left, right = node
            stack.append((right, nodes + (idx,), codes + (-1.0,)))
            stack.append((left, nodes + (idx,), codes + (1.0,)))
        else:
            if isinstance(node, bool) or not isinstance(node, (int, numpy.integer)) or node < 0:
                raise ValueError(f"BinaryHierarchicalSoftmax: leaves of the tree must be "
                                 f"non-negative int word ids, got {node!r}")
            if int(node) in paths:
                raise ValueError(f"BinaryHierarchicalSoftmax: word {int(node)} appears twice "
                                 f"in the tree")
            paths[int(node)] = (nodes, codes)
    return paths, count


class _TreeTables:
    """The padded per-word tables of a tree: ``nodes`` (int32), ``codes`` (+1 left,
    -1 right, 0 past the path's end) and ``mask``, each ``(n_vocab, depth)``.

    A link keeps them as ``_func``, the name of Chainer's object holding its
    tree's codes (Chainer's tests cast ``link._func.codes`` to float64).
    """

    def __init__(self, nodes, codes, mask):
        self.nodes, self.codes, self.mask = nodes, codes, mask


class BinaryHierarchicalSoftmax(_link.Link):
    """Hierarchical softmax loss over a binary tree (Morin & Bengio, 2005).

    The probability of word ``w`` is the product, along the path from the
    root to the leaf ``w``, of ``sigmoid(code * W[node] . x)``, with code ``+1``
    for a step into the left child and ``-1`` into the right one; the loss is
    ``-log`` of that, summed over the batch. The cost per example is the
    length of the path (``O(log V)`` for a balanced or Huffman tree).

    Args:
        in_size (int): Dimension of the inputs.
        tree: Nested 2-tuples whose leaves are word ids, e.g. ``((0, 1), 2)``;
            see :meth:`create_huffman_tree`.
        dtype: dtype of ``W`` (default ``config.dtype``).

    Attributes:
        W (Parameter): ``(number of internal nodes, in_size)``, drawn from
            U[-1, 1).

    Example:
        >>> tree = L.BinaryHierarchicalSoftmax.create_huffman_tree({0: 8, 1: 5, 2: 6})
        >>> hsm = L.BinaryHierarchicalSoftmax(4, tree)
        >>> hsm(numpy.ones((2, 4), numpy.float32), numpy.array([0, 2], numpy.int32)).shape
        ()
    """

    def __init__(self, in_size, tree, dtype=None):
        super().__init__()
        dtype = numpy.dtype(configuration.config.dtype if dtype is None else dtype)
        paths, n_nodes = _parse_tree(tree)
        n_vocab = max(paths) + 1
        depth = max(len(p[0]) for p in paths.values())
        # Padded per-word tables; entries past a path's end have mask 0.
        nodes = numpy.zeros((n_vocab, depth), numpy.int32)
        codes = numpy.zeros((n_vocab, depth), dtype)
        mask = numpy.zeros((n_vocab, depth), dtype)
        for w, (ns, cs) in paths.items():
            nodes[w, :len(ns)] = ns
            codes[w, :len(cs)] = cs
            mask[w, :len(ns)] = 1
        self._func = _TreeTables(nodes, codes, mask)
        self._in_tree = numpy.zeros(n_vocab, bool)
        self._in_tree[list(paths)] = True
        self.n_vocab = n_vocab
        with self.init_scope():
            self.W = _variable.Parameter(initializers.Uniform(1, dtype), (n_nodes, in_size))

    @staticmethod
    def create_huffman_tree(word_counts):
        """Build a Huffman tree from ``{word: count}``.

        The two least frequent subtrees are merged first; ties are broken by
        the order of the words in the dictionary, as in Chainer, so
        ``{0: 8, 1: 5, 2: 6, 3: 4}`` gives ``((3, 1), (2, 0))``.

        Args:
            word_counts (dict): Word ids to counts (ints or floats).

        Returns:
            A tree of nested 2-tuples (a bare word for a one-word vocabulary).
        """
        if not word_counts:
            raise ValueError("create_huffman_tree: word_counts is empty")
        heap = [(c, order, w) for order, (w, c) in enumerate(word_counts.items())]
        heapq.heapify(heap)
        while len(heap) > 1:
            c1, o1, t1 = heapq.heappop(heap)
            c2, o2, t2 = heapq.heappop(heap)
            heapq.heappush(heap, (c1 + c2, min(o1, o2), (t1, t2)))
        return heap[0][2]

    def _tables(self, xp):
        f = self._func
        tables = (f.nodes, f.codes, f.mask)
        if xp is numpy:
            return tables
        return tuple(xp.asarray(a) for a in tables)

    def forward(self, x, t):
        """Summed loss for inputs ``x`` ``(batch, in_size)`` and word ids ``t`` ``(batch,)``."""
        label = _link._link_label(self)
        if type_check.enabled():
            type_check.expect_float(label, "x", x)
            type_check.expect_kind(label, "t", t, "iu", "an integer")
            if x.ndim != 2 or x.shape[1] != self.W.shape[1]:
                raise type_check.InvalidType(
                    f"{label}: x must be 2-d (batch, {self.W.shape[1]}), got shape "
                    f"{tuple(x.shape)}")
            if t.ndim != 1 or t.shape[0] != x.shape[0]:
                raise type_check.InvalidType(
                    f"{label}: t must be 1-d with x.shape[0] = {x.shape[0]} ids, got shape "
                    f"{tuple(t.shape)}")
            if x.dtype != self.W.dtype:
                raise type_check.InvalidType(f"{label}: x must have W's dtype {self.W.dtype}, "
                                             f"got {x.dtype}")
        ids = _variable.as_array(t)
        if ids.size:
            host = backend.to_cpu(ids)
            bad = (host < 0) | (host >= self.n_vocab)
            bad[~bad] = ~self._in_tree[host[~bad]]
            if bool(bad.any()):
                i = int(numpy.argwhere(bad)[0, 0])
                raise ValueError(f"{label}: t[{i}] = {int(host[i])} is not a word of the tree "
                                 f"(the tree's words are ids in [0, {self.n_vocab}))")
        xp = backend.get_array_module(self.W.array)
        ids = xp.asarray(ids)
        nodes, codes, mask = self._tables(xp)
        nodes, codes, mask = nodes[ids], codes[ids], mask[ids]        # (B, depth)
        rows = embed_id(nodes, self.W)                                 # (B, depth, in)
        xv = _variable.as_variable(x)
        wx = _sum(rows * broadcast_to(expand_dims(xv, 1), rows.shape), axis=2)
        return _sum(softplus(wx * -codes) * mask)
