"""Function hooks through their entry point (Note [function hook entry point]).

The ``*_through_the_core`` tests go through the core's calls into the entry
point (FunctionNode.apply and the backward loop).
"""

import io
import threading
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_hooks, function_node
from rechain.function_hooks import function_hook as entry

class Recorder(function_hooks.FunctionHook):
    def __init__(self, name="rec"):
        self.name = name
        self.log = []

    def added(self, function):
        self.log.append(("added", function))

    def deleted(self, function):
        self.log.append(("deleted", function))

    def forward_preprocess(self, function, in_data):
        self.log.append(("fpre", function.label, tuple(a.shape for a in in_data)))

    def forward_postprocess(self, function, in_data):
        self.log.append(("fpost", function.label))

    def backward_preprocess(self, function, in_data, out_grad):
        self.log.append(("bpre", function.label, in_data,
                         tuple(None if g is None else g.shape for g in out_grad)))

    def backward_postprocess(self, function, in_data, out_grad):
        self.log.append(("bpost", function.label))


def _node_and_data(n=3):
    x = numpy.arange(n, dtype=numpy.float32)
    y = F.exp(rechain.Variable(x))
    return y.creator, (x,), y


def _simulate(node, in_data):
    """What the core does around one op and its backward."""
    entry.forward_pre(node, in_data)
    out = node.forward(in_data)
    entry.forward_post(node, in_data, out)
    gys = (rechain.Variable(numpy.ones_like(out[0])),)
    entry.backward_pre(node, gys)
    entry.backward_post(node, gys)
    return out


def test_entry_point_calls_the_active_hooks_with_chainers_arguments():
    node, in_data, _ = _node_and_data()
    with Recorder() as rec:
        _simulate(node, in_data)
    assert rec.log == [("added", None), ("fpre", "Exp", ((3,),)), ("fpost", "Exp"),
                       ("bpre", "Exp", (None,), ((3,),)), ("bpost", "Exp"),
                       ("deleted", None)]
    n = len(rec.log)
    _simulate(node, in_data)
    assert len(rec.log) == n       # inactive: nothing is called


def test_the_core_sees_the_entry_point_only_while_a_hook_is_active():
    assert getattr(function_node, "_function_hooks", None) is None
    with Recorder("a"):
        assert function_node._function_hooks is entry
        with Recorder("b"):
            assert function_node._function_hooks is entry
        assert function_node._function_hooks is entry
    assert function_node._function_hooks is None


def test_hooks_are_per_thread_and_names_unique():
    node, in_data, _ = _node_and_data()
    seen = []
    with Recorder() as rec:
        t = threading.Thread(target=lambda: seen.append(_simulate(node, in_data)))
        t.start()
        t.join()
        assert [e for e in rec.log if e[0] != "added"] == []   # the other thread's op
        with pytest.raises(KeyError, match="'rec' is already active in this thread"):
            with Recorder():
                pass
    assert function_hooks.get_function_hooks() == {}


def test_ops_inside_a_callback_are_not_hooked():
    node, in_data, _ = _node_and_data()

    class Nested(Recorder):
        def forward_preprocess(self, function, in_data):
            super().forward_preprocess(function, in_data)
            entry.forward_pre(function, in_data)   # as an op run by the callback would

    with Nested() as rec:
        entry.forward_pre(node, in_data)
    assert [e[0] for e in rec.log] == ["added", "fpre", "deleted"]


def test_print_hook_reports_inputs_and_gradients():
    node, in_data, _ = _node_and_data()
    buf = io.StringIO()
    with function_hooks.PrintHook(file=buf):
        _simulate(node, in_data)
    text = buf.getvalue()
    assert text.count("function\tExp") == 2
    assert "input data\n  0: ndarray shape=(3,) dtype=float32 mean=1 std=0.816497" in text
    assert "output gradient\n  0: ndarray shape=(3,) dtype=float32 mean=1 std=0" in text
    with pytest.raises(TypeError, match="PrintHook: sep is not supported"):
        function_hooks.PrintHook(sep=" ")


def test_timer_hook_records_forward_and_backward():
    node, in_data, _ = _node_and_data()
    with function_hooks.TimerHook() as timer:
        _simulate(node, in_data)
        _simulate(node, in_data)
    assert [n for n, _ in timer.call_history] == ["Exp"] * 4
    assert timer.total_time() == pytest.approx(sum(t for _, t in timer.call_history))
    assert timer.summary()["Exp"]["occurrence"] == 4
    buf = io.StringIO()
    timer.print_report(unit="ms", file=buf)
    header, row = buf.getvalue().splitlines()
    assert header.split() == ["FunctionName", "ElapsedTime", "Occurrence"]
    assert row.split()[0] == "Exp" and row.split()[1].endswith("ms") and row.split()[2] == "4"


def test_memory_hook_reports_output_bytes_and_traced_bytes():
    node, _, _ = _node_and_data()
    in_data = (numpy.zeros(25_000, numpy.float32),)
    with function_hooks.MemoryHook() as mem:
        _simulate(node, in_data)
    assert mem.call_history == [("Exp", 100_000, None)]
    tracemalloc.start()
    try:
        with function_hooks.MemoryHook() as mem:
            out = _simulate(node, in_data)
    finally:
        tracemalloc.stop()
    (label, nbytes, traced), = mem.call_history
    assert label == "Exp" and nbytes == out[0].nbytes == 100_000
    assert 100_000 <= traced < 100_000 + 4096
    assert mem.total_output_bytes() == 100_000
    assert mem.summary() == {"Exp": {"output_bytes": 100_000, "occurrence": 1}}
    buf = io.StringIO()
    mem.print_report(file=buf)
    assert buf.getvalue().splitlines()[1].split() == ["Exp", "100000", "1"]


# -- end to end: these need the core's calls ------------------------------------------------

def test_timer_hook_through_the_core():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32))
    with function_hooks.TimerHook() as timer:
        y = F.sum(F.exp(x))
        y.backward()
    names = [n for n, _ in timer.call_history]
    assert names[:2] == ["Exp", "Sum"] and names.count("Exp") >= 2


def test_memory_hook_through_the_core():
    with function_hooks.MemoryHook() as mem:
        F.exp(numpy.zeros((10, 10), numpy.float64))
    assert mem.call_history[0][:2] == ("Exp", 800)


def test_print_hook_through_the_core():
    buf = io.StringIO()
    with function_hooks.PrintHook(file=buf):
        F.relu(numpy.ones(4, numpy.float32))
    assert "function\tReLU" in buf.getvalue()


# -- CuPy hooks -----------------------------------------------------------------------------

@pytest.mark.skipif(rechain.backend.gpu_available, reason="checks the CPU-only error")
@pytest.mark.parametrize("cls", [function_hooks.CUDAProfileHook,
                                 function_hooks.CupyMemoryProfileHook])
def test_cupy_hooks_need_cupy(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: CuPy is (not installed|installed"
                                           rf" but no CUDA device)"):
        cls()


@pytest.mark.gpu
def test_cupy_memory_profile_hook_counts_pool_bytes():
    cp = rechain.backend.cupy
    node, _, _ = _node_and_data()
    in_data = (cp.zeros(1 << 20, cp.float32),)
    with function_hooks.CupyMemoryProfileHook() as hook:
        _simulate(node, in_data)
    (fname, used, acquired, depth), (bname, *_) = hook.call_history
    assert fname == "Exp" and depth == 0 and used >= 4 << 20 and bname == "Exp"
    assert hook.total_used_bytes() >= used
    buf = io.StringIO()
    hook.print_report(unit="MB", file=buf)
    assert buf.getvalue().splitlines()[1].split()[0] == "Exp"
