import copy
import warnings

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import initializers
from rechain.links import link as link_module
from rechain.links.connection.linear import Linear
from rechain.serializers import DictionarySerializer

Link = link_module.Link
Chain = link_module.Chain
ChainList = link_module.ChainList
Sequential = link_module.Sequential


class Affine(Link):
    def __init__(self, n_in=3, n_out=2):
        super().__init__()
        with self.init_scope():
            self.W = rechain.Parameter(initializers.Normal(1.0), (n_out, n_in))
            self.b = rechain.Parameter(0.0, (n_out,))
            self.u = rechain.Parameter()
        self.add_persistent("count", 0)
        self.stats = numpy.zeros(n_out, numpy.float32)
        self.register_persistent("stats")
        self.not_a_param = rechain.Parameter(1.0, (2,))  # outside init_scope

    def forward(self, x):
        return F.linear(x, self.W, self.b)


class Net(Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l2 = Affine(2, 2)
            self.l1 = Affine(3, 2)
            self.g = rechain.Parameter(1.0, (1,))

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


# -- registration and traversal --------------------------------------------------

def test_init_scope_registers_parameters_only_inside():
    a = Affine()
    assert sorted(a._params) == ["W", "b", "u"]
    assert a.W.name == "W"
    assert "not_a_param" not in a._params
    assert not a.within_init_scope
    with a.init_scope():
        assert a.within_init_scope


def test_namedparams_order_and_include_uninit():
    net = Net()
    names = [n for n, _ in net.namedparams()]
    assert names == ["/g", "/l1/W", "/l1/b", "/l1/u", "/l2/W", "/l2/b", "/l2/u"]
    assert [n for n, _ in net.namedparams(include_uninit=False)] == \
        ["/g", "/l1/W", "/l1/b", "/l2/W", "/l2/b"]
    assert len(list(net.params())) == 7


def test_links_namedlinks_children():
    net = Net()
    assert [n for n, _ in net.namedlinks()] == ["/", "/l1", "/l2"]
    assert [n for n, _ in net.namedlinks(skipself=True)] == ["/l1", "/l2"]
    assert list(net.links(skipself=True)) == [net.l1, net.l2]
    assert list(net.children()) == [net.l1, net.l2]
    assert net["l1"] is net.l1 and net.l1.name == "l1"
    with pytest.raises(KeyError, match="no child link 'l3'"):
        net["l3"]


def test_nested_paths():
    outer = Chain()
    with outer.init_scope():
        outer.net = Net()
    assert "/net/l1/W" in dict(outer.namedparams())
    assert [n for n, _ in outer.namedlinks()] == ["/", "/net", "/net/l1", "/net/l2"]


def test_reassign_and_delete_unregisters():
    net = Net()
    del net.l2
    assert [n for n, _ in net.namedlinks()] == ["/", "/l1"]
    net.g = None
    assert "/g" not in dict(net.namedparams())


def test_add_param_add_link_and_errors():
    link = Link()
    link.add_param("w", (2, 3))
    assert link.w.shape == (2, 3) and numpy.isnan(link.w.array).all()
    with pytest.raises(AttributeError, match="'w'.*already exists"):
        link.add_param("w", (2,))
    with pytest.raises(AttributeError, match="'w'.*already exists"):
        link.add_persistent("w", 1)
    with pytest.raises(AttributeError, match="no attribute 'zz'"):
        link.register_persistent("zz")
    chain = Chain(a=Link())
    assert chain.a.name == "a"
    with pytest.raises(TypeError, match="must be a Link"):
        chain.add_link("b", 3)
    assert list(Link(W=(2, 2)).namedparams())[0][1].shape == (2, 2)


def test_constructor_params_take_shapes_or_shape_dtype_pairs():
    link = Link(a=(2, 3), b=((2,), numpy.float16), c=4, d=((3, 1), "d"), e=None,
                f=(None, numpy.float64), g=(0, 2))
    assert (link.a.shape, link.a.dtype) == ((2, 3), numpy.float32)
    assert (link.b.shape, link.b.dtype) == ((2,), numpy.float16)
    assert (link.c.shape, link.c.dtype) == ((4,), numpy.float32)
    assert (link.d.shape, link.d.dtype) == ((3, 1), numpy.float64)
    assert (link.g.shape, link.g.dtype) == ((0, 2), numpy.float32)
    assert numpy.isnan(link.d.array).all()
    assert link.e.array is None and link.f.array is None
    link.f.initialize((2,))
    assert link.f.dtype == numpy.float64
    assert sorted(n for n, _ in link.namedparams()) == ["/a", "/b", "/c", "/d", "/e", "/f", "/g"]
    with pytest.raises(TypeError, match=r"Link: parameter 'z' must be given as a shape or a "
                                        r"\(shape, dtype\) pair, got 'x'"):
        Link(z="x")
    with pytest.raises(TypeError, match=r"parameter 'z'"):
        Link(z=((2,), "not a dtype"))


def test_forgot_super_init():
    # Chainer's message, at init_scope, add_param and at the latest at the first call
    class Bad(Link):
        def __init__(self):
            with self.init_scope():
                self.W = rechain.Parameter(1.0, (1,))

    class BadAddParam(Link):
        def __init__(self):
            self.add_param("p", (2, 3))

    class BadQuiet(Link):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    message = r"^Link\.__init__\(\) has not been called\.$"
    with pytest.raises(RuntimeError, match=message):
        Bad()
    with pytest.raises(RuntimeError, match=message):
        BadAddParam()
    quiet = BadQuiet()
    with pytest.raises(RuntimeError, match=message):
        quiet(1)


def test_call_without_forward_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Link defines no forward"):
        Link()(1)
    with pytest.raises(AttributeError, match="Chain defines no forward"):
        rechain.Chain()(1)


def test_call_prefers_a_mixin_call_after_link_in_the_mro():
    # Chainer: a __call__ injected by a mixin after Link runs instead of forward
    seen = []

    class CallMixin:
        def __call__(self, *args, **kwargs):
            seen.append((self, args, kwargs))
            return 3

    class Injected(Link, CallMixin):
        def forward(self, x):
            raise AssertionError("forward must not run")

    link = Injected()
    assert link(1, a=2) == 3 and seen == [(link, (1,), {"a": 2})]
    assert not Link._has_mixin_call and Injected._has_mixin_call


# -- gradients ------------------------------------------------------------------------

def test_cleargrads_zerograds_addgrads():
    net = Net()
    x = numpy.random.rand(4, 3).astype(numpy.float32)
    F.sum(net(x)).backward()
    assert net.l1.W.grad is not None
    other = copy.deepcopy(net)
    net.cleargrads()
    assert all(p.grad is None for p in net.params())
    with pytest.warns(DeprecationWarning):
        net.zerograds()
    assert (net.l1.W.grad == 0).all()
    net.addgrads(other)
    numpy.testing.assert_array_equal(net.l1.W.grad, other.l1.W.grad)
    net.addgrads(other)
    numpy.testing.assert_array_equal(net.l1.W.grad, 2 * other.l1.W.grad)


def test_copyparams_copies_values_and_persistents():
    a, b = Net(), Net()
    a.l1.count = 5
    a.l1.stats[:] = 3
    b.copyparams(a)
    for (n, pa), (_, pb) in zip(a.namedparams(False), b.namedparams(False)):
        numpy.testing.assert_array_equal(pa.array, pb.array)
        assert pa.array is not pb.array
    assert b.l1.count == 5
    numpy.testing.assert_array_equal(b.l1.stats, 3)
    assert b.l1.stats is not a.l1.stats


def test_count_params_warns_on_uninitialised():
    net = Net()
    with pytest.warns(UserWarning, match=r"/l\d/u is not initialised"):
        n = net.count_params()
    assert n == 1 + (3 * 2 + 2) + (2 * 2 + 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Linear(3, 2).count_params() == 8


# -- copy -------------------------------------------------------------------------------

def test_copy_share():
    net = Net()
    c = net.copy()
    assert c.name is None and c.l1 is not net.l1 and c.l1.name == "l1"
    assert c.l1.W is not net.l1.W and c.l1.W.array is net.l1.W.array
    assert c.l1.stats is net.l1.stats
    c.l1.W.array[0, 0] = 42
    assert net.l1.W.array[0, 0] == 42


def test_copy_names_and_gradients_as_chainer():
    # share: the root's name is None and the copies have no gradient; copy and
    # init keep the root's name (Chainer deep-copies there)
    net = Net()
    net.name = "net"
    F.sum(net(numpy.ones((1, 3), numpy.float32))).backward()
    assert net.l1.W.grad is not None
    shared = net.copy("share")
    assert shared.name is None and shared.l1.W.grad is None and net.l1.W.grad is not None
    assert net.copy("copy").name == "net" and net.copy("init").name == "net"
    assert net.copy("copy").l1.W.grad is not net.l1.W.grad


def test_copy_copy_and_init():
    net = Net()
    c = net.copy(mode="copy")
    assert c.l1.W.array is not net.l1.W.array
    numpy.testing.assert_array_equal(c.l1.W.array, net.l1.W.array)
    assert c.l1.stats is not net.l1.stats
    i = net.copy(mode="init")
    assert i.l1.W.shape == net.l1.W.shape
    assert not numpy.array_equal(i.l1.W.array, net.l1.W.array)
    assert not i.l1.u.is_initialized
    with pytest.raises(ValueError, match="mode.*'deep'"):
        net.copy(mode="deep")


def test_copy_param_gradients_flow_to_copy():
    net = Net()
    for c in (net.copy("share"), net.copy("copy"), copy.deepcopy(net)):
        net.cleargrads()
        F.sum(c(numpy.ones((1, 3), numpy.float32))).backward()
        assert c.l1.W.grad is not None
        assert net.l1.W.grad is None


# -- serialize ------------------------------------------------------------------------

def test_serialize_keys():
    net = Net()
    s = DictionarySerializer()
    net.serialize(s)
    assert sorted(s.target) == ["g", "l1/W", "l1/b", "l1/count", "l1/stats",
                                "l2/W", "l2/b", "l2/count", "l2/stats"]


# -- update switches -------------------------------------------------------------------

def test_disable_enable_update():
    from rechain.optimizers import SGD
    net = Net()
    assert not net.update_enabled  # no update rules yet
    SGD().setup(net)
    assert net.update_enabled
    net.l1.disable_update()
    assert not net.l1.update_enabled and not net.l1.W.update_rule.enabled
    assert net.l2.W.update_rule.enabled
    assert net.update_enabled  # as Chainer: some parameter still updates
    net.disable_update()
    assert not net.update_enabled
    net.enable_update()
    assert net.update_enabled and net.l1.update_enabled


# -- ChainList ----------------------------------------------------------------------------

def test_chainlist():
    cl = ChainList(Affine(3, 2), Affine(2, 2))
    cl.append(Affine(2, 1))
    assert len(cl) == 3 and cl[2].name == "2"
    assert list(cl) == [cl[0], cl[1], cl[2]]
    assert [n for n, _ in cl.namedparams(False)][:3] == ["/0/W", "/0/b", "/1/W"]
    assert [n for n, _ in cl.namedlinks()] == ["/", "/0", "/1", "/2"]
    with pytest.raises(TypeError, match="expected a Link, got int"):
        cl.append(3)
    with pytest.raises(TypeError, match="use append"):
        with cl.init_scope():
            cl.extra = Affine()
    c = cl.copy("copy")
    assert [x.name for x in c] == ["0", "1", "2"] and c[0] is not cl[0]


# -- Sequential ----------------------------------------------------------------------------

def test_sequential_forward_and_names():
    s = Sequential(Linear(3, 4), F.relu, Linear(4, 2))
    x = numpy.random.rand(5, 3).astype(numpy.float32)
    ref = s[2](F.relu(s[0](x)))
    numpy.testing.assert_array_equal(s(x).array, ref.array)
    assert len(s) == 3 and s[1] is F.relu
    assert [n for n, _ in s.namedparams()] == ["/0/W", "/0/b", "/1/W", "/1/b"]
    assert isinstance(s[0:2], list)


def test_sequential_edit_renames():
    a, b, c = Linear(2, 2), Linear(2, 2), Linear(2, 2)
    s = Sequential(a, F.relu, c)
    s.insert(1, b)
    assert [x.name for x in s.children()] == ["0", "1", "2"] and b.name == "1"
    assert s.index(F.relu) == 2
    assert s.pop(0) is a
    assert [x.name for x in s.children()] == ["0", "1"] and c.name == "1"
    del s[0]
    assert list(s) == [F.relu, c] and c.name == "0"
    s[0] = F.tanh
    s.remove(c)
    assert list(s.children()) == [] and len(s) == 1
    s.extend([b, F.relu])
    assert s.count(F.relu) == 1 and b.name == "0"
    with pytest.raises(TypeError, match="Link or a callable, got int"):
        s.append(3)


def test_sequential_tuple_passing_and_empty():
    s = Sequential(lambda x: (x, x * 2), lambda a, b: a + b)
    x = rechain.Variable(numpy.ones(3, numpy.float32))
    numpy.testing.assert_array_equal(s(x).array, 3 * numpy.ones(3))
    with pytest.raises(RuntimeError, match="no layer"):
        Sequential()(x)


def test_sequential_repeat_and_add():
    s = Sequential(Linear(2, 2), F.relu)
    r = s.repeat(3)  # nests, as Chainer's: three Sequentials
    assert len(r) == 3 and all(isinstance(b, Sequential) and len(b) == 2 for b in r)
    assert not numpy.array_equal(r[0][0].W.array, r[2][0].W.array)
    shared = s.repeat(2, mode="share")
    assert shared[0][0].W.array is shared[1][0].W.array
    t = s + Sequential(F.tanh)
    assert len(t) == 3
    assert "relu" in repr(t)


def test_sequential_copy():
    s = Sequential(Linear(2, 2), F.relu, Linear(2, 3))
    c = s.copy("copy")
    assert c[1] is F.relu and c[0] is not s[0]
    assert [n for n, _ in c.namedparams()] == ["/0/W", "/0/b", "/1/W", "/1/b"]


# -- devices ----------------------------------------------------------------------------

def test_to_cpu_and_xp():
    net = Net()
    assert net.xp is numpy and net.device == rechain.backend.CpuDevice()
    assert net.to_cpu() is net
    with pytest.raises(ValueError, match="get_device: 'tpu' is not a rechain device"):
        net.to_device("tpu")


@pytest.mark.gpu
def test_to_gpu_moves_params_and_persistents():
    cupy = rechain.backend.cupy
    net = Net()
    net.to_gpu()
    assert net.xp is cupy
    assert isinstance(net.l1.W.array, cupy.ndarray)
    assert isinstance(net.l1.stats, cupy.ndarray)
    assert net.l1.count == 0
    y = net(cupy.ones((2, 3), cupy.float32))
    F.sum(y).backward()
    assert isinstance(net.l1.W.grad, cupy.ndarray)
    net.l1.u.initialize((2,))
    assert isinstance(net.l1.u.array, cupy.ndarray)
    net.to_cpu()
    assert isinstance(net.l1.W.array, numpy.ndarray) and isinstance(net.l1.stats, numpy.ndarray)


def test_link_repeat():
    r = Linear(2, 2).repeat(3)
    assert isinstance(r, Sequential) and len(r) == 3
    assert not numpy.array_equal(r[0].W.array, r[1].W.array)
    with pytest.raises(ValueError, match="n_repeat must be >= 0"):
        Linear(2, 2).repeat(-1)


def test_to_cpu_warns_deprecated_once_and_to_device_does_not():
    import warnings
    chain = rechain.Chain()
    with chain.init_scope():
        chain.lstm = rechain.links.LSTM(2, 3)  # overrides to_cpu, calling super().to_cpu()
        chain.lin = rechain.links.Linear(2, 3)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert chain.to_cpu() is chain
    assert [str(x.message) for x in w] == [
        "Link.to_cpu is deprecated (as in Chainer v7); use to_device('@numpy')"]
    assert w[0].category is DeprecationWarning and w[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chain.to_device("@numpy") is chain
        chain.lstm.to_device(-1)
    assert chain.lin.W.array is not None and chain.device == rechain.backend.CpuDevice()


def test_overriding_device_moves_as_chainer_tells_it():
    import warnings
    for method in ("to_device", "to_chx", "from_chx"):
        with pytest.raises(TypeError, match=f"Link.{method} cannot be overridden"):
            type("Bad", (Link,), {method: lambda self, device: None})
    calls = []

    class Child(Link):
        def to_cpu(self):
            with pytest.warns(DeprecationWarning, match="Link.to_cpu is deprecated"):
                super().to_cpu()  # an override's super() call warns too (Chainer's)
            calls.append(self)
            return self
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        type("Child2", (Child,), {})  # inherits the override: no warning
        type("Child3", (Link,), {"to_gpu": lambda self, device=None: self})
    assert [str(x.message) for x in w] == [
        "Child3: overriding Link.to_gpu is deprecated (as in Chainer v7)"]
    assert w[0].filename == __file__
    parent = rechain.Chain()
    with parent.init_scope():
        parent.child = Child()
    assert parent.to_device("@numpy") is parent and calls == [parent.child]
    with pytest.warns(DeprecationWarning):
        parent.to_cpu()
    assert calls == [parent.child] * 2
    assert parent.child.to_device(-1) is parent.child and len(calls) == 3


def test_repr_of_printable_specs_and_of_chains_as_chainer_prints_them():
    class Spec(rechain.Link):
        @property
        def printable_specs(self):
            yield "in_size", 10
            yield "nobias", False
    assert str(Spec()) == "Spec(in_size=10, nobias=False)"
    assert str(rechain.Link()) == "Link()" and str(rechain.Chain()) == "Chain()"
    outer = rechain.Chain()
    with outer.init_scope():
        outer.c1 = rechain.Chain()
        with outer.c1.init_scope():
            outer.c1.l1 = rechain.Link()
        outer.l3 = Spec()
    assert str(outer) == ("Chain(\n  (c1): Chain(\n    (l1): Link(),\n  ),\n"
                          "  (l3): Spec(in_size=10, nobias=False),\n)")
    assert str(rechain.ChainList(rechain.Link())) == "ChainList(\n  (0): Link(),\n)"


def test_zerograds_before_initialization_and_a_user_device_object():
    import warnings

    class HostDevice(rechain.backend.Device):  # a device of the user's, on the host
        xp = numpy
        sent = 0

        def send_array(self, array):
            HostDevice.sent += 1
            return array.copy()

    link = Link()
    with link.init_scope():
        link.u = rechain.Parameter()
        link.x = rechain.Parameter(numpy.ones(3, numpy.float32))
    link.add_persistent("p", numpy.zeros(2, numpy.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        link.zerograds()
    link.u.initialize(4)
    numpy.testing.assert_array_equal(link.u.grad, numpy.zeros(4, numpy.float32))
    dev = HostDevice()
    chain = rechain.Chain()
    with chain.init_scope():
        chain.link = link
    assert chain.to_device(dev) is chain
    assert chain.device is dev and link.device is dev and link.x.device is dev
    assert dev.sent == 5  # the arrays and zero gradients of u and x, and p
    chain.to_device("@numpy")
    assert chain.device == rechain.backend.CpuDevice() and link.x.device == chain.device
