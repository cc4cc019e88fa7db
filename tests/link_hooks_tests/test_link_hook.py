"""LinkHook registration and the callbacks around Link.__call__."""

import subprocess
import sys
import threading

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import link_hooks
from rechain.links import link as link_module


class Recorder(link_hooks.LinkHook):
    def __init__(self, name, log):
        self.name = name
        self.log = log

    def added(self, link):
        self.log.append(("added", self.name, link))

    def deleted(self, link):
        self.log.append(("deleted", self.name, link))

    def forward_preprocess(self, args):
        self.log.append(("pre", self.name, type(args.link).__name__, args.forward_name,
                         len(args.args)))

    def forward_postprocess(self, args):
        self.log.append(("post", self.name, type(args.link).__name__,
                         tuple(args.out.shape)))


class Model(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.l2 = L.Linear(4, 2)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def _x():
    return numpy.ones((5, 3), numpy.float32)


def test_local_hook_sees_only_its_link_and_is_removed():
    log = []
    model = Model()
    hook = Recorder("r", log)
    assert model.l1.add_hook(hook) is model.l1
    assert model.l1.local_link_hooks == {"r": hook}
    assert log == [("added", "r", model.l1)]
    model(_x())
    assert log[1:] == [("pre", "r", "Linear", "forward", 1), ("post", "r", "Linear", (5, 4))]
    model.l1.delete_hook("r")
    assert log[-1] == ("deleted", "r", model.l1)
    n = len(log)
    model(_x())
    assert len(log) == n and model.l1.local_link_hooks == {}


def test_global_hook_sees_every_link_nested_and_leaves():
    log = []
    model = Model()
    with Recorder("g", log) as hook:
        assert link_hooks.link_hook.get_link_hooks() == {"g": hook}
        model(_x())
    kinds = [(e[0], e[2]) for e in log[1:-1]]
    assert kinds == [("pre", "Model"), ("pre", "Linear"), ("post", "Linear"),
                     ("pre", "Linear"), ("post", "Linear"), ("post", "Model")]
    assert log[0] == ("added", "g", None) and log[-1] == ("deleted", "g", None)
    assert link_hooks.link_hook.get_link_hooks() == {}
    n = len(log)
    model(_x())
    assert len(log) == n


def test_global_hooks_run_before_local_ones():
    log = []
    lin = L.Linear(3, 2).add_hook(Recorder("local", log))
    with Recorder("global", log):
        lin(_x())
    assert [e[1] for e in log if e[0] in ("pre", "post")] == ["global", "local",
                                                              "global", "local"]


def test_global_hook_is_per_thread():
    log = []
    lin = L.Linear(3, 2)
    with Recorder("g", log):
        t = threading.Thread(target=lambda: lin(_x()))
        t.start()
        t.join()
        assert [e for e in log if e[0] == "pre"] == []
        lin(_x())
    assert [e[0] for e in log if e[0] in ("pre", "post")] == ["pre", "post"]


def test_hooks_may_change_the_arguments_and_the_output():
    class Double(link_hooks.LinkHook):
        name = "double"

        def forward_preprocess(self, args):
            args.args = (args.args[0] * 2,)

        def forward_postprocess(self, args):
            args.out = args.out + 1

    lin = L.Linear(3, 2)
    x = numpy.random.RandomState(0).randn(4, 3).astype(numpy.float32)
    expected = lin(2 * x).array + 1
    lin.add_hook(Double())
    numpy.testing.assert_allclose(lin(x).array, expected, rtol=1e-6)


def test_registration_errors():
    lin = L.Linear(3, 2)
    with pytest.raises(TypeError, match="Linear.add_hook: hook must be a LinkHook, got int"):
        lin.add_hook(3)
    lin.add_hook(link_hooks.LinkHook())
    with pytest.raises(KeyError, match="a hook named 'LinkHook' already exists"):
        lin.add_hook(link_hooks.LinkHook())
    lin.add_hook(link_hooks.LinkHook(), name="second")
    assert list(lin.local_link_hooks) == ["LinkHook", "second"]
    with pytest.raises(KeyError, match=r"Linear.delete_hook: no hook named 'x'.*'second'"):
        lin.delete_hook("x")
    hook = link_hooks.LinkHook()
    with hook:
        with pytest.raises(KeyError, match="'LinkHook' is already active in this thread"):
            with link_hooks.LinkHook():
                pass
    assert link_hooks.link_hook.get_link_hooks() == {}


def test_hooks_survive_an_exception_in_forward():
    class Boom(rechain.Link):
        def forward(self, x):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        with link_hooks.TimerHook():
            Boom()(1)
    assert link_hooks.link_hook.get_link_hooks() == {}


def test_no_hook_path_is_one_global_check_until_a_hook_is_used():
    """A fresh process: the flag is off; ``with hook:`` turns it on only for its
    duration; a link's own hook turns it on for good."""
    code = """
import numpy, rechain.links as L
from rechain import link_hooks
from rechain.links import link as link_module
lin = L.Linear(2, 2)
x = numpy.ones((1, 2), numpy.float32)
lin(x)
states = [link_module._link_hooks_on]
with link_hooks.TimerHook():
    states.append(link_module._link_hooks_on)
    lin(x)
states.append(link_module._link_hooks_on)
lin.add_hook(link_hooks.TimerHook())
lin.delete_hook('TimerHook')
states.append(link_module._link_hooks_on)
print(states)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[False, True, False, True]"


def test_hooked_call_without_any_hook_matches_the_plain_call():
    lin = L.Linear(3, 2)
    x = _x()
    plain = lin(x).array
    other = L.Linear(3, 2).add_hook(link_hooks.LinkHook())  # flag on, lin has none
    assert link_module._link_hooks_on
    numpy.testing.assert_array_equal(lin(x).array, plain)
    other.delete_hook("LinkHook")
