"""Property tests: random graphs of the framework's functions.

Hypothesis generates small programs over a pool of float64 values whose
shapes broadcast against (3, 4): elementwise unary and binary ops with
broadcasting, reductions with keepdims, ``split_axis`` (two outputs each),
``concat``, ``broadcast_to``, and ``F.linear`` with one Parameter ``W`` shared
by every linear step (and, under forget, used inside and outside regions).
Any pool value may be used again by a later step (fan-out, reuse); the loss
sums every value that no step consumed, weighted, so every output matters.

- ``test_gradients_match_numerical``: ``rechain.gradient_check.check_backward``
  on the inputs and ``W``.
- ``test_random_nested_forget_is_bitwise_plain``: the same program with
  random, possibly nested, ``F.forget`` regions (each region gets the whole
  pool so far and returns what it adds), ``F.dropout`` allowed: loss and
  gradients equal the plain run's bit for bit.

Bounded: ``RECHAIN_PROPERTY_EXAMPLES`` examples per property (default 150,
about 4 s for both on a 2-core machine); set it higher for a longer profile,
e.g.
``RECHAIN_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_properties.py``.
No example database is written (``database=None``).
"""

import os

import numpy
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import rechain  # noqa: E402
import rechain.functions as F  # noqa: E402
from rechain import gradient_check  # noqa: E402

EXAMPLES = int(os.environ.get("RECHAIN_PROPERTY_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])

INPUT_SHAPES = [(3, 4), (1, 4), (3, 1), (4,)]
UNARY = ("tanh", "sin", "sigmoid", "softplus", "square", "neg")
BINARY = ("add", "sub", "mul")


def _broadcastable(a, b):
    try:
        numpy.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def programs(draw, allow_dropout=False, max_steps=8):
    """A program: input shapes and a list of steps ``(op, operand indexes, arg)``."""
    shapes = list(draw(st.lists(st.sampled_from(INPUT_SHAPES), min_size=1, max_size=3)))
    n_inputs = len(shapes)
    steps = []
    ops = ["unary", "binary", "sum", "split", "concat", "broadcast", "linear"]
    if allow_dropout:
        ops.append("dropout")
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(ops))
        n = len(shapes)
        pick = st.integers(0, n - 1)
        if op == "binary":
            i = draw(pick)
            partners = [j for j in range(n) if _broadcastable(shapes[i], shapes[j])]
            j = draw(st.sampled_from(partners))  # may be i itself: x * x, x + x
            steps.append(("binary", (i, j), draw(st.sampled_from(BINARY))))
            shapes.append(numpy.broadcast_shapes(shapes[i], shapes[j]))
            continue
        if op == "sum":
            cands = [i for i in range(n) if len(shapes[i]) == 2]
            if cands:
                i = draw(st.sampled_from(cands))
                axis = draw(st.integers(0, 1))
                steps.append(("sum", (i,), axis))
                s = list(shapes[i])
                s[axis] = 1
                shapes.append(tuple(s))
                continue
        if op == "split":
            cands = [(i, ax) for i in range(n) if len(shapes[i]) == 2
                     for ax in (0, 1) if shapes[i][ax] >= 2]
            if cands:
                i, axis = draw(st.sampled_from(cands))
                at = draw(st.integers(1, shapes[i][axis] - 1))
                steps.append(("split", (i,), (axis, at)))
                a, b = list(shapes[i]), list(shapes[i])
                a[axis], b[axis] = at, shapes[i][axis] - at
                shapes += [tuple(a), tuple(b)]
                continue
        if op == "concat":
            pairs = [(i, j) for i in range(n) for j in range(n)
                     if len(shapes[i]) == len(shapes[j]) == 2 and shapes[i][0] == shapes[j][0]
                     and shapes[i][1] + shapes[j][1] <= 4]
            if pairs:
                i, j = draw(st.sampled_from(pairs))
                steps.append(("concat", (i, j), None))
                shapes.append((shapes[i][0], shapes[i][1] + shapes[j][1]))
                continue
        if op == "broadcast":
            cands = [i for i in range(n) if shapes[i] != (3, 4)
                     and _broadcastable(shapes[i], (3, 4))]
            if cands:
                i = draw(st.sampled_from(cands))
                steps.append(("broadcast", (i,), None))
                shapes.append((3, 4))
                continue
        if op == "linear":
            cands = [i for i in range(n) if len(shapes[i]) == 2 and shapes[i][1] == 4]
            if cands:
                i = draw(st.sampled_from(cands))
                steps.append(("linear", (i,), None))
                shapes.append((shapes[i][0], 4))
                continue
        if op == "dropout":
            i = draw(pick)
            steps.append(("dropout", (i,), None))
            shapes.append(shapes[i])
            continue
        i = draw(pick)
        steps.append(("unary", (i,), draw(st.sampled_from(UNARY))))
        shapes.append(shapes[i])
    return shapes[:n_inputs], steps, shapes


def _apply(step, pool, W):
    op, idx, arg = step
    xs = [pool[i] for i in idx]
    if op == "unary":
        x, = xs
        if arg == "tanh":
            return [F.tanh(x)]
        if arg == "sin":
            return [F.sin(x)]
        if arg == "sigmoid":
            return [F.sigmoid(x)]
        if arg == "softplus":
            return [F.softplus(x)]
        if arg == "square":
            return [x * x]
        return [-x]
    if op == "binary":
        a, b = xs
        return [a + b if arg == "add" else a - b if arg == "sub" else a * b]
    if op == "sum":
        return [F.sum(xs[0], axis=arg, keepdims=True)]
    if op == "split":
        axis, at = arg
        return list(F.split_axis(xs[0], [at], axis=axis))
    if op == "concat":
        return [F.concat(xs, axis=1)]
    if op == "broadcast":
        return [F.broadcast_to(xs[0], (3, 4))]
    if op == "linear":
        return [F.linear(xs[0], W)]
    if op == "dropout":
        return [F.dropout(xs[0], 0.3)]
    raise AssertionError(op)


def _run_items(items, steps, pool, W):
    for item in items:
        if isinstance(item, int):
            pool.extend(_apply(steps[item], pool, W))
            continue
        _, children = item
        n_before = len(pool)

        def region(*vs, children=children, n_before=n_before):
            local = list(vs)
            _run_items(children, steps, local, W)
            return tuple(local[n_before:])

        outs = F.forget(region, *pool)
        pool.extend(outs if isinstance(outs, tuple) else (outs,))


def _loss(steps, pool, weights):
    used = {i for _, idx, _ in steps for i in idx}
    terms = [F.sum(v * w) for i, (v, w) in enumerate(zip(pool, weights)) if i not in used]
    loss = terms[0]
    for t in terms[1:]:
        loss = loss + t
    return loss


def _data(shapes, all_shapes, seed):
    rng = numpy.random.default_rng(seed)
    xs = [rng.uniform(-1, 1, s) for s in shapes]
    W = rng.uniform(-0.5, 0.5, (4, 4))
    weights = [rng.uniform(-1, 1, s) for s in all_shapes]
    return xs, W, weights


@SETTINGS
@given(prog=programs(), seed=st.integers(0, 2**16))
def test_gradients_match_numerical(prog, seed):
    shapes, steps, all_shapes = prog
    xs, W0, weights = _data(shapes, all_shapes, seed)
    W = rechain.Parameter(W0.copy())

    def func(*vs):
        pool = list(vs)
        _run_items(range(len(steps)), steps, pool, W)
        return _loss(steps, pool, weights)

    gradient_check.check_backward(func, tuple(xs), params=(W,), eps=1e-4, atol=1e-6,
                                  rtol=1e-5, seed=seed)


@st.composite
def placements(draw, n_steps, depth=0, lo=0, hi=None):
    """Items covering steps [lo, hi): step indexes and ('forget', children) regions."""
    hi = n_steps if hi is None else hi
    items = []
    i = lo
    while i < hi:
        if depth < 3 and draw(st.booleans()):
            j = draw(st.integers(i + 1, hi))
            items.append(("forget", draw(placements(n_steps, depth + 1, i, j))))
            i = j
        else:
            items.append(i)
            i += 1
    return items


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_nested_forget_is_bitwise_plain(data, seed):
    shapes, steps, all_shapes = data.draw(programs(allow_dropout=True))
    items = data.draw(placements(len(steps)))
    xs, W0, weights = _data(shapes, all_shapes, seed)

    def run(layout):
        rechain.random.seed(seed)
        W = rechain.Parameter(W0.copy())
        vs = [rechain.Variable(x.copy()) for x in xs]
        pool = list(vs)
        _run_items(layout, steps, pool, W)
        loss = _loss(steps, pool, weights)
        if any(op == "linear" for op, _, _ in steps):
            loss = loss + F.sum(F.linear(vs[0].reshape(-1, vs[0].shape[-1]) if
                                         vs[0].shape[-1] == 4 else F.broadcast_to(vs[0], (3, 4)),
                                         W))  # W used outside the regions too
        loss.backward()
        return [loss.array] + [v.grad for v in vs] + [W.grad]

    plain = run(list(range(len(steps))))
    forgot = run(items)
    for k, (a, b) in enumerate(zip(plain, forgot)):
        if a is None or b is None:
            assert a is None and b is None, f"entry {k}: one run has no gradient"
            continue
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), (f"entry {k} differs under forget placement "
                                            f"{items} of {steps}")
