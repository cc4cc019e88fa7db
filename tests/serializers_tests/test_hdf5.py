"""save_hdf5 / load_hdf5 and the HDF5 (de)serializers."""

import os

import numpy
import pytest

import rechain
import rechain.links as L
from rechain import optimizers, serializers
from rechain.serializers import hdf5 as hdf5_module

try:
    import h5py
except ImportError:
    h5py = None

needs_h5py = pytest.mark.skipif(h5py is None, reason="h5py is not installed (it is an "
                                                     "optional extra: pip install h5py)")


class Net(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.bn = L.BatchNormalization(4)
            self.l2 = L.Linear(None, 2)

    def forward(self, x):
        return self.l2(self.bn(self.l1(x)))


def _randomize(model, seed):
    rng = numpy.random.default_rng(seed)
    for p in model.params():
        if p.array is not None:
            p.array[...] = rng.normal(size=p.shape)
    model.bn.avg_mean[...] = rng.normal(size=4)
    model.bn.N = 7
    return model


def _train(model, opt, steps, seed=0):
    rng = numpy.random.default_rng(seed)
    for _ in range(steps):
        x = rng.normal(size=(5, 3)).astype(numpy.float32)
        loss = rechain.functions.sum(model(x) ** 2)
        model.cleargrads()
        loss.backward()
        opt.update()


@needs_h5py
def test_round_trip_keeps_values_layout_and_uninitialised_parameters(tmp_path):
    net = _randomize(Net(), 0)
    path = tmp_path / "net.h5"
    serializers.save_hdf5(path, net)
    with h5py.File(path, "r") as f:
        assert isinstance(f["l1"], h5py.Group)          # Chainer's layout: groups
        numpy.testing.assert_array_equal(f["l1/W"][()], net.l1.W.array)
        assert f["l2/W"].shape is None                   # uninitialised: empty dataset
        assert f["bn/N"][()] == 7
    other = _randomize(Net(), 1)
    serializers.load_hdf5(path, other)
    for (n, p), (m, q) in zip(sorted(net.namedparams()), sorted(other.namedparams())):
        assert n == m
        if p.array is None:
            assert q.array is None
        else:
            numpy.testing.assert_array_equal(p.array, q.array)
    numpy.testing.assert_array_equal(other.bn.avg_mean, net.bn.avg_mean)
    assert other.bn.N == 7 and type(other.bn.N) is int


@needs_h5py
def test_lazy_parameter_is_initialised_from_the_file(tmp_path):
    net = Net()
    net(numpy.random.default_rng(0).normal(size=(4, 3)).astype(numpy.float32))
    serializers.save_hdf5(tmp_path / "n.h5", net)
    fresh = Net()
    assert fresh.l2.W.array is None
    serializers.load_hdf5(tmp_path / "n.h5", fresh)
    numpy.testing.assert_array_equal(fresh.l2.W.array, net.l2.W.array)


@needs_h5py
def test_optimizer_resume_is_exact(tmp_path):
    def make():
        rechain.random.seed(3)
        model = L.Linear(3, 2)
        return model, optimizers.Adam(alpha=0.01).setup(model)

    straight, s_opt = make()
    _train(straight, s_opt, 6)
    first, f_opt = make()
    _train(first, f_opt, 3)
    serializers.save_hdf5(tmp_path / "m.h5", first)
    serializers.save_hdf5(tmp_path / "o.h5", f_opt)
    resumed, r_opt = make()
    serializers.load_hdf5(tmp_path / "m.h5", resumed)
    serializers.load_hdf5(tmp_path / "o.h5", r_opt)
    assert r_opt.t == 3
    rng_state = numpy.random.default_rng(0)
    for _ in range(3):
        rng_state.normal(size=(5, 3))  # the resumed run continues the data stream
    for _ in range(3):
        x = rng_state.normal(size=(5, 3)).astype(numpy.float32)
        loss = rechain.functions.sum(resumed(x) ** 2)
        resumed.cleargrads()
        loss.backward()
        r_opt.update()
    numpy.testing.assert_array_equal(resumed.W.array, straight.W.array)
    numpy.testing.assert_array_equal(resumed.W.update_rule.state["v"],
                                     straight.W.update_rule.state["v"])


@needs_h5py
def test_checked_load_changes_nothing_on_a_missing_key_or_a_wrong_shape(tmp_path):
    small = L.Linear(3, 2)
    serializers.save_hdf5(tmp_path / "s.h5", small)
    net = _randomize(Net(), 2)
    before = [p.array.copy() for p in net.params() if p.array is not None]
    with pytest.raises(KeyError, match=r"load_hdf5: 'bn/beta' is not in .*s.h5"):
        serializers.load_hdf5(tmp_path / "s.h5", net)
    wide = L.Linear(3, 5)
    with pytest.raises(ValueError, match=r"load_hdf5: 'W' has shape \(2, 3\) in .*but the "
                                         r"target has shape \(5, 3\)"):
        serializers.load_hdf5(tmp_path / "s.h5", wide)
    after = [p.array for p in net.params() if p.array is not None]
    for a, b in zip(before, after):
        numpy.testing.assert_array_equal(a, b)


@needs_h5py
def test_path_strict_and_ignore_names(tmp_path):
    net = _randomize(Net(), 4)
    serializers.save_hdf5(tmp_path / "n.h5", net)
    lin = L.Linear(3, 4)
    serializers.load_hdf5(tmp_path / "n.h5", lin, path="l1/")
    numpy.testing.assert_array_equal(lin.W.array, net.l1.W.array)
    serializers.load_hdf5(tmp_path / "n.h5", lin, path="/l1")
    extra = L.Linear(3, 4)
    with extra.init_scope():
        extra.c = rechain.Parameter(numpy.zeros(2, numpy.float32))
    serializers.load_hdf5(tmp_path / "n.h5", extra, path="l1", strict=False)
    numpy.testing.assert_array_equal(extra.c.array, 0)
    keep = L.Linear(3, 4)
    b0 = keep.b.array.copy()
    serializers.load_hdf5(tmp_path / "n.h5", keep, path="l1", ignore_names=["l1/b"])
    numpy.testing.assert_array_equal(keep.b.array, b0)
    numpy.testing.assert_array_equal(keep.W.array, net.l1.W.array)


@needs_h5py
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    class Breaks:
        def serialize(self, s):
            s("a", numpy.ones(3))
            raise RuntimeError("disk on fire")

    path = tmp_path / "keep.h5"
    serializers.save_hdf5(path, {"x": numpy.arange(4)})
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError, match="disk on fire"):
        serializers.save_hdf5(path, Breaks())
    assert sorted(os.listdir(tmp_path)) == ["keep.h5"]
    with h5py.File(path, "r") as f:
        numpy.testing.assert_array_equal(f["x"][()], numpy.arange(4))
    serializers.save_hdf5(path, {"y/z": 2.5})
    assert os.stat(path).st_mode & 0o777 == 0o640    # the new file keeps the mode
    with h5py.File(path, "r") as f:
        assert list(f) == ["y"] and f["y/z"][()] == 2.5


@needs_h5py
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes read-only files")
def test_read_only_destination_is_refused(tmp_path):
    path = tmp_path / "ro.h5"
    serializers.save_hdf5(path, {"x": 1})
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match="save_hdf5: cannot write"):
        serializers.save_hdf5(path, {"x": 2})


@needs_h5py
def test_bad_files_and_objects(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="load_hdf5: .*junk.h5' is not a readable HDF5 file"):
        serializers.load_hdf5(junk, L.Linear(2, 2))
    with pytest.raises(FileNotFoundError):
        serializers.load_hdf5(tmp_path / "absent.h5", L.Linear(2, 2))
    with pytest.raises(TypeError, match="save_hdf5: object has no serialize method"):
        serializers.save_hdf5(tmp_path / "x.h5", object())
    with pytest.raises(FileNotFoundError, match="the directory .* does not exist"):
        serializers.save_hdf5(tmp_path / "no" / "x.h5", {"a": 1})

    class Holds:
        def serialize(self, s):
            s("bad", {"a": 1})

    with pytest.raises(TypeError, match="save_hdf5: cannot store /bad: values of type dict"):
        serializers.save_hdf5(tmp_path / "x.h5", Holds())


@needs_h5py
def test_serializer_classes_share_one_file_between_objects(tmp_path):
    a, b = _randomize(Net(), 5), L.Linear(3, 3)
    with h5py.File(tmp_path / "both.h5", "w") as f:
        serializers.HDF5Serializer(f.create_group("net")).save(a)
        serializers.HDF5Serializer(f, compression=None)["lin"].save(b)
    a2, b2 = Net(), L.Linear(3, 3)
    with h5py.File(tmp_path / "both.h5", "r") as f:
        serializers.HDF5Deserializer(f["net"]).load(a2)
        serializers.HDF5Deserializer(f)["lin"].load(b2)
        assert f["net/l1/W"].compression == "gzip" and f["lin/W"].compression is None
    numpy.testing.assert_array_equal(a2.l1.W.array, a.l1.W.array)
    numpy.testing.assert_array_equal(b2.W.array, b.W.array)


@needs_h5py
def test_chainer_names_available_flag_and_subgroup(tmp_path, monkeypatch):
    assert hdf5_module._available is True
    with h5py.File(tmp_path / "g.h5", "w") as f:
        f.require_group("x")
    with h5py.File(tmp_path / "g.h5", "r") as f:
        d = serializers.HDF5Deserializer(f)
        assert d.group.name == "/" and d["x"].group.name == "/x"
    # an h5py without h5py.Empty (before 2.7) cannot store None
    monkeypatch.setattr(h5py.version, "version_tuple", (2, 6, 0))
    with h5py.File(tmp_path / "o.h5", "w") as f:
        with pytest.raises(RuntimeError, match="h5py >= 2.7"):
            serializers.HDF5Serializer(f)("x", None)


def test_without_h5py_every_entry_point_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(hdf5_module, "h5py", None)
    for call in (lambda: serializers.save_hdf5(tmp_path / "x.h5", L.Linear(2, 2)),
                 lambda: serializers.load_hdf5(tmp_path / "x.h5", L.Linear(2, 2)),
                 lambda: serializers.HDF5Serializer(None),
                 lambda: serializers.HDF5Deserializer(None)):
        with pytest.raises(RuntimeError, match="h5py is not installed.*pip install h5py"):
            call()


def _trainer(out, stop):
    from rechain import iterators, training
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((48, 3)).astype(numpy.float32)
    data = list(zip(x, (x.sum(axis=1) > 0).astype(numpy.int32)))
    model = L.Classifier(L.Linear(3, 2, initialW=numpy.arange(6.0).reshape(2, 3) / 10 - 0.25))
    opt = optimizers.MomentumSGD(lr=0.1).setup(model)
    it = iterators.SerialIterator(data, 16, shuffle=False)
    updater = training.updaters.StandardUpdater(it, opt)
    return training.Trainer(updater, stop, out=str(out)), model


@needs_h5py
def test_trainer_snapshot_with_save_hdf5_resumes_exactly(tmp_path):
    from rechain.training import extensions
    full, full_model = _trainer(tmp_path / "full", (4, "epoch"))
    full.run()
    first, _ = _trainer(tmp_path / "run", (2, "epoch"))
    first.extend(extensions.snapshot(savefun=serializers.save_hdf5, filename="snap.h5"),
                 trigger=(2, "epoch"))
    first.run()
    second, model = _trainer(tmp_path / "run", (4, "epoch"))
    serializers.load_hdf5(tmp_path / "run" / "snap.h5", second)
    assert second.updater.iteration == 6
    second.run()
    for (n, p), (m, q) in zip(sorted(full_model.namedparams()), sorted(model.namedparams())):
        assert n == m and p.array.tobytes() == q.array.tobytes()
