"""einsum: Einstein summation over explicit or implicit subscripts.

Both of NumPy's (and Chainer's) calling forms are accepted, ``...`` batch
axes included; everything is first rewritten to explicit single-letter
subscripts, so the nodes only see forms like ``'ij,jk->ik'``. As in Chainer,
operands are not broadcast against each other (a letter has one length), and
``...`` may not be summed over.

The gradient with respect to one operand is another summation, of the output
gradient with the other operands, onto that operand's subscripts. Those may
name a letter that only that operand has (it was summed out: the gradient is
constant along it) or repeat a letter (a diagonal: the gradient lies on that
diagonal of zeros). :class:`DiagEinSum` is the summation that allows both in
its output, given the output's shape; it is its own gradient, so every order
of derivative is available. (The class names and arguments are Chainer's.)
"""

import string

from rechain import backend
from rechain import function_node
from rechain.utils import type_check

_SYMBOLS = string.ascii_letters


def _unique(s):
    return "".join(dict.fromkeys(s))


class DiagEinSum(function_node.FunctionNode):
    """y = einsum('s0,s1,...->out', x0, x1, ...) where ``out`` may repeat a
    letter (y is zero off that diagonal) or name one no input has (y is
    constant along it); ``out_shape`` gives the lengths.

    ``in_subs`` is the comma-separated input subscripts. The result has
    NumPy's result type of the inputs, or ``dtype`` when given (backward uses
    it to give each gradient its operand's dtype).
    """

    def __init__(self, in_subs, out_sub, out_shape=None, dtype=None):
        self.in_subs = in_subs
        self.out_sub = out_sub
        self.out_shape = None if out_shape is None else tuple(out_shape)
        self.dtype = dtype

    @property
    def label(self):
        return f"{type(self).__name__}({self.in_subs}->{self.out_sub})"

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        xp = backend.get_array_module(*inputs)
        dtype = self.dtype or xp.result_type(*[x.dtype for x in inputs])
        out, u = self.out_sub, _unique(self.out_sub)
        present = set(self.in_subs)
        v = "".join(c for c in u if c in present)
        y = xp.asarray(xp.einsum(f"{self.in_subs}->{v}", *inputs)).astype(dtype, copy=False)
        if v == out:
            return y,
        if self.out_shape is None:
            raise ValueError(f"{self.label}: an output that repeats a letter or names one "
                             f"no input has needs out_shape")
        full = xp.zeros(self.out_shape, dtype)
        view = xp.einsum(f"{out}->{u}", full)  # a writeable view of the diagonal
        view[...] = y[tuple(slice(None) if c in present else None for c in u)]
        return full,

    def backward(self, indexes, grad_outputs):
        xs = self.get_retained_inputs()
        g, = grad_outputs
        subs = self.in_subs.split(",")
        ret = []
        for i in indexes:
            in_subs = ",".join(self.out_sub if j == i else s for j, s in enumerate(subs))
            args = tuple(g if j == i else x for j, x in enumerate(xs))
            ret.append(DiagEinSum(in_subs, subs[i], xs[i].shape, xs[i].dtype).apply(args)[0])
        return tuple(ret)


class EinSum(DiagEinSum):
    """y = einsum('s0,s1,...->out', x0, x1, ...), every output letter being an
    input's and none repeated."""

    def __init__(self, in_subs, out_sub):
        super().__init__(in_subs, out_sub)


def _parse(operands):
    """``(in_subs, out_sub or None, arrays, had_ellipsis)`` from either form."""
    if not operands:
        raise TypeError("einsum: no subscripts and no operands given")
    if isinstance(operands[0], str):
        spec = operands[0].replace(" ", "")
        arrays = operands[1:]
        if "->" in spec:
            lhs, out = spec.split("->", 1)
        else:
            lhs, out = spec, None
        ins = lhs.split(",")
    else:  # einsum(op0, sublist0, op1, sublist1, ..., [sublistout])
        ops = list(operands)
        out = None
        if len(ops) % 2:
            out = _sublist(ops.pop())
        arrays = ops[0::2]
        ins = [_sublist(sl) for sl in ops[1::2]]
    if len(ins) != len(arrays):
        raise type_check.InvalidType(f"einsum: the subscripts name {len(ins)} operands but "
                                     f"{len(arrays)} were given")
    for k, t in enumerate(ins + ([out] if out is not None else [])):
        rest = t.replace("...", "", 1)
        bad = [c for c in rest if c not in _SYMBOLS]
        if bad:
            what = "output" if k == len(ins) else f"operand {k}"
            raise ValueError(f"einsum: invalid subscript {bad[0]!r} for {what} in {t!r} "
                             f"(letters and one '...' only)")
    return ins, out, arrays


def _sublist(sl):
    parts = []
    for v in sl:
        if v is Ellipsis:
            parts.append("...")
        elif isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(_SYMBOLS):
            parts.append(_SYMBOLS[v])
        else:
            raise ValueError(f"einsum: a sublist holds ints in [0, {len(_SYMBOLS)}) or "
                             f"Ellipsis, got {v!r}")
    return "".join(parts)


def _explicit(ins, out, arrays):
    """Replace '...' by unused letters (right-aligned, NumPy's broadcasting)
    and make the output explicit; check ranks and sizes."""
    raw = list(ins)
    used = set("".join(ins) + (out or ""))
    free = [c for c in _SYMBOLS if c not in used]
    n_ell = []
    for k, (t, x) in enumerate(zip(ins, arrays)):
        named = len(t.replace("...", ""))
        if "..." in t:
            if x.ndim < named:
                raise type_check.InvalidType(
                    f"einsum: operand {k} has shape {tuple(x.shape)} but its subscripts "
                    f"{t!r} name at least {named} axes")
            n_ell.append(x.ndim - named)
        else:
            if x.ndim != named:
                raise type_check.InvalidType(
                    f"einsum: operand {k} has shape {tuple(x.shape)} but its subscripts "
                    f"{t!r} name {named} axes")
            n_ell.append(0)
    ell_shapes = [(k, tuple(x.shape[t.index("..."):t.index("...") + n]))
                  for k, (t, x, n) in enumerate(zip(ins, arrays, n_ell)) if "..." in t]
    for k, sh in ell_shapes[1:]:
        if sh != ell_shapes[0][1]:
            raise type_check.InvalidType(
                f"einsum: '...' stands for axes {ell_shapes[0][1]} in operand "
                f"{ell_shapes[0][0]} but {sh} in operand {k}; operands are not broadcast")
    m = max(n_ell, default=0)
    ell = "".join(free[:m])
    ins = [t.replace("...", ell[m - n:] if n else "") for t, n in zip(ins, n_ell)]
    if out is None:
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        if "..." not in out and m:
            raise ValueError(f"einsum: the output {out!r} leaves out '...', which stands "
                             f"for {m} axes; summing over '...' is not supported (as in "
                             f"Chainer)")
        if "..." in out and not any("..." in t for t in raw):
            raise ValueError(f"einsum: the output {out!r} has '...' but no operand has")
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once")
            if not any(c in t for t in ins):
                raise ValueError(f"einsum: output subscript {c!r} is not in any operand")
    sizes = {}
    for k, (t, x) in enumerate(zip(ins, arrays)):
        for c, d in zip(t, x.shape):
            if c in sizes and d != sizes[c][0]:
                raise type_check.InvalidType(
                    f"einsum: subscript {c!r} has length {sizes[c][0]} in operand "
                    f"{sizes[c][1]} but {d} in operand {k} (shape {tuple(x.shape)}); "
                    f"operands are not broadcast")
            sizes.setdefault(c, (d, k))
    return ins, out


def einsum(*operands):
    """Einstein summation, as :func:`numpy.einsum`, differentiable in every operand.

    Two forms: ``einsum('ij,jk->ik', a, b)`` and
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Without ``->`` the output is
    the letters that occur once, in alphabetical order (after any ``...``
    axes); ``...`` stands for batch axes. An explicit output may leave out a
    letter, which is then summed over, but not ``...``. As in Chainer, a
    letter has one length in all operands (no broadcasting); operands of
    different floating-point dtypes give NumPy's result type.

    Args:
        *operands: The subscripts and the operands (Variables or arrays of
            one floating-point dtype), in one of the two forms.

    Returns:
        Variable: The summation.

    Example:
        >>> F.einsum('ij,jk->ik', np.ones((2, 3)), np.ones((3, 4))).shape
        (2, 4)
        >>> F.einsum('ii', np.eye(3)).array  # trace
        array(3.)
    """
    ins, out, arrays = _parse(operands)
    if type_check.enabled():
        for k, x in enumerate(arrays):
            type_check.expect_float("einsum", f"operand {k}", x)
    if not arrays:
        raise TypeError("einsum: at least one operand is required")
    ins, out = _explicit(ins, out, arrays)
    return EinSum(",".join(ins), out).apply(tuple(arrays))[0]
