import io
import os
import stat

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import optimizers
from rechain import serializers
from rechain.links import link as link_module
from rechain.links.connection.linear import Linear
from rechain.links.normalization.batch_normalization import BatchNormalization


class MLP(link_module.Chain):
    def __init__(self, n_in=3):
        super().__init__()
        with self.init_scope():
            self.l1 = Linear(n_in, 5)
            self.bn = BatchNormalization(5)
            self.l2 = Linear(5, 2)

    def forward(self, x):
        return self.l2(F.relu(self.bn(self.l1(x))))


def _data(n=8, seed=0):
    rng = numpy.random.RandomState(seed)
    return rng.randn(n, 3).astype(numpy.float32), rng.randn(n, 2).astype(numpy.float32)


def _train(model, opt, steps, seed=0):
    for i in range(steps):
        x, t = _data(seed=seed + i)
        opt.update(lambda: F.mean_squared_error(model(x), t))


def _params(link):
    return {n: p.array.copy() for n, p in link.namedparams()}


# -- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("compression", [True, False])
def test_link_round_trip_with_persistents(tmp_path, compression):
    model = MLP()
    model(_data()[0])            # update BN statistics
    model.bn.N = 3
    path = tmp_path / "model.npz"
    serializers.save_npz(path, model, compression=compression)
    assert os.path.exists(path) and not os.path.exists(str(path) + ".npz")
    with numpy.load(path) as f:
        assert sorted(f.files) == ["bn/N", "bn/avg_mean", "bn/avg_var", "bn/beta", "bn/gamma",
                                   "l1/W", "l1/b", "l2/W", "l2/b"]
    other = MLP()
    serializers.load_npz(str(path), other)
    for name, value in _params(model).items():
        numpy.testing.assert_array_equal(_params(other)[name], value)
    numpy.testing.assert_array_equal(other.bn.avg_mean, model.bn.avg_mean)
    numpy.testing.assert_array_equal(other.bn.avg_var, model.bn.avg_var)
    assert other.bn.N == 3 and type(other.bn.N) is int


def test_lazy_parameters_are_initialised_by_load(tmp_path):
    model = link_module.Sequential(Linear(None, 4), F.relu, Linear(None, 2))
    model(numpy.ones((1, 6), numpy.float32))
    serializers.save_npz(tmp_path / "m.npz", model)
    fresh = link_module.Sequential(Linear(None, 4), F.relu, Linear(None, 2))
    serializers.load_npz(tmp_path / "m.npz", fresh)
    assert fresh[0].W.shape == (4, 6)
    numpy.testing.assert_array_equal(fresh[2].W.array, model[2].W.array)


def test_uninitialised_parameters_are_not_stored(tmp_path):
    serializers.save_npz(tmp_path / "m.npz", Linear(None, 3))
    with numpy.load(tmp_path / "m.npz") as f:
        assert f.files == ["b"]
    fresh = Linear(None, 3)
    serializers.load_npz(tmp_path / "m.npz", fresh)
    assert not fresh.W.is_initialized


def test_optimizer_round_trip(tmp_path):
    model = MLP()
    opt = optimizers.Adam().setup(model)
    _train(model, opt, 3)
    opt.new_epoch()
    serializers.save_npz(tmp_path / "opt.npz", opt)
    with numpy.load(tmp_path / "opt.npz") as f:
        assert {"t", "epoch", "l1/W/t", "l1/W/m", "l1/W/v", "bn/gamma/m"} <= set(f.files)
    opt2 = optimizers.Adam().setup(MLP())
    serializers.load_npz(tmp_path / "opt.npz", opt2)
    assert opt2.t == 3 and opt2.epoch == 1
    rule, rule2 = opt.target.l1.W.update_rule, opt2.target.l1.W.update_rule
    assert rule2.t == 3
    for key in ("m", "v"):
        numpy.testing.assert_array_equal(rule2.state[key], rule.state[key])
    # loading again copies into the existing state arrays
    m = rule2.state["m"]
    serializers.load_npz(tmp_path / "opt.npz", opt2)
    assert rule2.state["m"] is m


def test_optimizer_state_of_never_updated_parameters(tmp_path):
    # A parameter without gradient is still updated (with a zero gradient, as
    # in Chainer) and gets a state; one whose rule is disabled never does.
    model = MLP()
    opt = optimizers.MomentumSGD().setup(model)
    model.l2.disable_update()
    x, _ = _data()
    F.sum(model.l1(x)).backward()   # only l1 gets gradients
    opt.update()
    serializers.save_npz(tmp_path / "opt.npz", opt)
    opt2 = optimizers.MomentumSGD().setup(MLP())
    opt2.target.l2.disable_update()
    serializers.load_npz(tmp_path / "opt.npz", opt2)
    assert opt2.target.l1.W.update_rule.state["v"].shape == (5, 3)
    assert not opt2.target.bn.gamma.update_rule.state["v"].any()   # no gradient: zero
    assert opt2.target.l2.W.update_rule.state is None


def test_resume_training_is_bit_identical(tmp_path):
    rechain.random.seed(0)
    model = MLP()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    _train(model, opt, 4)
    serializers.save_npz(tmp_path / "model.npz", model)
    serializers.save_npz(tmp_path / "opt.npz", opt)
    _train(model, opt, 5, seed=100)

    rechain.random.seed(123)   # a different initialisation, overwritten by the load
    model2 = MLP()
    opt2 = optimizers.Adam(alpha=0.01).setup(model2)
    serializers.load_npz(tmp_path / "model.npz", model2)
    serializers.load_npz(tmp_path / "opt.npz", opt2)
    _train(model2, opt2, 5, seed=100)
    for name, value in _params(model).items():
        numpy.testing.assert_array_equal(_params(model2)[name], value, err_msg=name)
    numpy.testing.assert_array_equal(model2.bn.avg_mean, model.bn.avg_mean)
    assert opt2.t == opt.t == 9


def test_file_objects(tmp_path):
    model = Linear(3, 2)
    buf = io.BytesIO()
    serializers.save_npz(buf, model)
    buf.seek(0)
    other = Linear(3, 2)
    serializers.load_npz(buf, other)
    numpy.testing.assert_array_equal(other.W.array, model.W.array)


def test_path_strict_and_ignore_names(tmp_path):
    outer = link_module.Chain(inner=Linear(3, 2))
    serializers.save_npz(tmp_path / "outer.npz", outer)
    inner = Linear(3, 2)
    serializers.load_npz(tmp_path / "outer.npz", inner, path="inner/")
    numpy.testing.assert_array_equal(inner.W.array, outer.inner.W.array)
    serializers.save_npz(tmp_path / "small.npz", Linear(3, 2, nobias=True))
    target = Linear(3, 2, initial_bias=5.0)
    serializers.load_npz(tmp_path / "small.npz", target, strict=False)
    numpy.testing.assert_array_equal(target.b.array, [5.0, 5.0])
    target2 = Linear(3, 2)
    w = target2.W.array.copy()
    serializers.load_npz(tmp_path / "outer.npz", target2, path="inner/", ignore_names=["inner/W"])
    numpy.testing.assert_array_equal(target2.W.array, w)
    serializers.load_npz(tmp_path / "outer.npz", target2, path="inner/",
                         ignore_names=lambda key: key.endswith("/b"))
    numpy.testing.assert_array_equal(target2.W.array, outer.inner.W.array)


def test_chainer_style_none_entries_are_skipped(tmp_path):
    path = tmp_path / "chainer.npz"
    numpy.savez(path, W=numpy.asarray(None), b=numpy.zeros(3, numpy.float32))  # pickled None
    link = Linear(None, 3)
    serializers.load_npz(path, link)
    assert not link.W.is_initialized


# -- atomic saving -------------------------------------------------------------------------

@pytest.mark.parametrize("compression,fname", [(True, "savez_compressed"), (False, "savez")])
def test_crash_while_saving_keeps_previous_file(tmp_path, monkeypatch, compression, fname):
    model = MLP()
    path = tmp_path / "model.npz"
    serializers.save_npz(path, model, compression=compression)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 partial zip")   # half a file, then the crash
        raise OSError("disk full")

    monkeypatch.setattr(numpy, fname, crash)
    model.l1.W.array[...] = 0
    with pytest.raises(OSError, match="disk full"):
        serializers.save_npz(path, model, compression=compression)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]   # no temporary file left
    monkeypatch.undo()
    restored = MLP()
    serializers.load_npz(path, restored)
    assert not (restored.l1.W.array == 0).all()


def test_interrupt_while_saving_removes_temporary(tmp_path, monkeypatch):
    def interrupt(file, **arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(numpy, "savez_compressed", interrupt)
    with pytest.raises(KeyboardInterrupt):
        serializers.save_npz(tmp_path / "m.npz", Linear(2, 2))
    assert os.listdir(tmp_path) == []


def test_save_keeps_file_mode_and_writes_through_symlinks(tmp_path):
    path = tmp_path / "m.npz"
    serializers.save_npz(path, Linear(2, 2))
    os.chmod(path, 0o640)
    serializers.save_npz(path, Linear(2, 2))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    link = tmp_path / "latest.npz"
    os.symlink(path, link)
    model = Linear(2, 2)
    serializers.save_npz(link, model)
    assert os.path.islink(link)
    other = Linear(2, 2)
    serializers.load_npz(path, other)
    numpy.testing.assert_array_equal(other.W.array, model.W.array)


def test_save_errors():
    with pytest.raises(TypeError, match="int has no serialize"):
        serializers.save_npz(io.BytesIO(), 3)
    bad = link_module.Link()
    bad.add_persistent("file", 1)
    with pytest.raises(ValueError, match="'file'"):
        serializers.save_npz(io.BytesIO(), bad)


# -- bad files and mismatches ------------------------------------------------------------

def _saved(tmp_path, obj, name="m.npz"):
    path = tmp_path / name
    serializers.save_npz(path, obj)
    return path


def test_missing_key_names_key_and_file_and_leaves_object_unchanged(tmp_path):
    path = _saved(tmp_path, Linear(3, 2, nobias=True))
    target = MLP()
    before = _params(target)
    with pytest.raises(KeyError, match=r"'bn/beta' is not in '.*m\.npz'"):
        serializers.load_npz(path, target)
    target2 = Linear(3, 2)
    w = target2.W.array.copy()
    with pytest.raises(KeyError, match=r"'b' is not in '.*m\.npz'"):
        serializers.load_npz(path, target2)
    numpy.testing.assert_array_equal(target2.W.array, w)   # W was not half-loaded
    for name, value in _params(target).items():
        numpy.testing.assert_array_equal(value, before[name])


def test_shape_mismatch_names_key_and_shapes(tmp_path):
    path = _saved(tmp_path, MLP(n_in=4))
    target = MLP(n_in=3)
    w = target.l1.W.array.copy()
    with pytest.raises(ValueError, match=r"'l1/W' has shape \(5, 4\) in '.*m\.npz', but the "
                                         r"target has shape \(5, 3\)"):
        serializers.load_npz(path, target)
    numpy.testing.assert_array_equal(target.l1.W.array, w)


def test_scalar_target_with_array_entry(tmp_path):
    src = link_module.Link()
    src.add_persistent("N", numpy.zeros(3))
    path = _saved(tmp_path, src)
    dst = link_module.Link()
    dst.add_persistent("N", 0)
    with pytest.raises(ValueError, match=r"'N'.*shape \(3,\).*scalar"):
        serializers.load_npz(path, dst)
    assert dst.N == 0


def test_truncated_file_is_a_clear_error(tmp_path):
    path = _saved(tmp_path, MLP())
    data = path.read_bytes()
    for cut in (len(data) // 2, 10):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=f"load_npz: '.*cut{cut}.npz'"):
            serializers.load_npz(bad, MLP())
        assert bad.read_bytes() == data[:cut]   # the file is left as it was


@pytest.mark.parametrize("content", [b"", b"hello, not an npz file\n" * 10])
def test_non_npz_file_is_a_clear_error(tmp_path, content):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match=r"load_npz: '.*bad\.npz' is not a readable \.npz"):
        serializers.load_npz(bad, MLP())


def test_npy_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "array.npy"
    numpy.save(bad, numpy.zeros(3))
    with pytest.raises(ValueError, match=r"'.*array\.npy' holds a single \.npy array"):
        serializers.load_npz(bad, MLP())


def test_corrupted_member_is_a_clear_error(tmp_path):
    path = _saved(tmp_path, MLP(), "c.npz")
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 40] = b"\x00" * 40   # damage compressed data inside the archive
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"load_npz: '.*c\.npz'"):
        serializers.load_npz(path, MLP())


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        serializers.load_npz(tmp_path / "nope.npz", MLP())


@pytest.mark.gpu
def test_gpu_models_and_optimizers_round_trip(tmp_path):
    cupy = rechain.backend.cupy
    model = MLP().to_gpu()
    opt = optimizers.Adam().setup(model)
    for i in range(2):
        x, t = _data(seed=i)
        opt.update(lambda: F.mean_squared_error(model(cupy.asarray(x)), cupy.asarray(t)))
    serializers.save_npz(tmp_path / "m.npz", model)
    serializers.save_npz(tmp_path / "o.npz", opt)
    cpu_model = MLP()
    cpu_opt = optimizers.Adam().setup(cpu_model)
    serializers.load_npz(tmp_path / "m.npz", cpu_model)
    serializers.load_npz(tmp_path / "o.npz", cpu_opt)
    numpy.testing.assert_array_equal(cpu_model.l1.W.array, cupy.asnumpy(model.l1.W.array))
    numpy.testing.assert_array_equal(cpu_model.bn.avg_mean, cupy.asnumpy(model.bn.avg_mean))
    gpu_model = MLP().to_gpu()
    gpu_opt = optimizers.Adam().setup(gpu_model)
    serializers.load_npz(tmp_path / "m.npz", gpu_model)
    serializers.load_npz(tmp_path / "o.npz", gpu_opt)
    assert isinstance(gpu_model.l1.W.array, cupy.ndarray)
    assert isinstance(gpu_model.bn.avg_mean, cupy.ndarray)
    x, t = _data(seed=5)
    for m, o in ((model, opt), (gpu_model, gpu_opt)):
        o.update(lambda: F.mean_squared_error(m(cupy.asarray(x)), cupy.asarray(t)))
    assert isinstance(gpu_model.l1.W.update_rule.state["m"], cupy.ndarray)
    numpy.testing.assert_array_equal(cupy.asnumpy(gpu_model.l1.W.array),
                                     cupy.asnumpy(model.l1.W.array))


# -- hardening (issue 12) ------------------------------------------------------------------

def test_object_array_entry_is_an_error_not_skipped(tmp_path):
    path = tmp_path / "m.npz"
    model = Linear(2, 3)
    before = model.W.array.copy()
    numpy.savez(path, W=numpy.array([1.0, "x"], dtype=object), b=numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match="'W' is an array of Python objects"):
        serializers.load_npz(path, model)
    numpy.testing.assert_array_equal(model.W.array, before)


def test_object_scalar_other_than_none_is_an_error(tmp_path):
    path = tmp_path / "m.npz"
    numpy.savez(path, W=numpy.asarray(1.5, dtype=object), b=numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match="'W' is an array of Python objects"):
        serializers.load_npz(path, Linear(2, 3))


def test_none_marker_check_runs_no_pickled_code(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "m.npz"
    with open(tmp_path / "W.npy", "wb") as f:
        numpy.lib.format.write_array_header_1_0(
            f, {"descr": "|O", "fortran_order": False, "shape": ()})
        pickle.dump(Evil(), f)
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        z.write(tmp_path / "W.npy", "W.npy")
    with pytest.raises(ValueError, match="'W' is an array of Python objects"):
        serializers.load_npz(path, Linear(2, 3), strict=False)
    assert not (tmp_path / "pwned").exists()


def _as_nobody():
    """A context that runs as an unprivileged user (root ignores write bits)."""
    import contextlib

    @contextlib.contextmanager
    def ctx():
        if os.geteuid() != 0:
            yield
            return
        os.setegid(65534)
        os.seteuid(65534)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)
    return ctx()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_destination_is_refused_like_a_plain_write():
    import pathlib
    import shutil
    import tempfile
    d = pathlib.Path(tempfile.mkdtemp())   # reachable by the unprivileged user
    try:
        _check_read_only_refused(d)
    finally:
        shutil.rmtree(d)


def _check_read_only_refused(d):
    os.chmod(d, 0o777)
    path = d / "m.npz"
    with _as_nobody():
        serializers.save_npz(path, Linear(2, 2))
        os.chmod(path, 0o444)
        before = path.read_bytes()
        with pytest.raises(PermissionError) as plain:
            open(path, "wb")
        with pytest.raises(PermissionError, match="save_npz: cannot write") as e:
            serializers.save_npz(path, Linear(2, 2))
    assert plain.value.errno == e.value.errno
    assert str(path) in str(e.value)
    assert path.read_bytes() == before
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert sorted(os.listdir(d)) == ["m.npz"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="changing a file's owner needs root")
def test_replace_keeps_owner_and_mode(tmp_path):
    path = tmp_path / "m.npz"
    serializers.save_npz(path, Linear(2, 2))
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o604)
    serializers.save_npz(path, Linear(2, 2))
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert stat.S_IMODE(st.st_mode) == 0o604


def test_missing_directory_names_the_users_path(tmp_path):
    path = tmp_path / "no" / "such" / "m.npz"
    with pytest.raises(FileNotFoundError) as e:
        serializers.save_npz(path, Linear(2, 2))
    msg = str(e.value)
    assert str(path) in msg and "does not exist" in msg
    assert ".tmp" not in msg


# -- Chainer's npz.serialize, dict targets, ignore_names lists, scalar casts -------------

def test_serialize_gives_the_dict_save_npz_writes(tmp_path):
    from rechain.serializers import npz
    model = MLP()
    target = npz.serialize(model)
    assert isinstance(target, dict) and "l1/W" in target and "bn/avg_mean" in target
    serializers.save_npz(tmp_path / "d.npz", target)   # a dict is written as it is
    with numpy.load(tmp_path / "d.npz") as f:
        assert sorted(f.files) == sorted(target)
        numpy.testing.assert_array_equal(f["l1/W"], model.l1.W.array)
    model2 = MLP()
    serializers.load_npz(tmp_path / "d.npz", model2)
    numpy.testing.assert_array_equal(model2.l2.b.array, model.l2.b.array)


def test_save_npz_dict_entries_are_checked(tmp_path):
    with pytest.raises(TypeError, match=r"save_npz: the keys of a dict must be str, got int 3"):
        serializers.save_npz(tmp_path / "d.npz", {3: numpy.zeros(2)})
    with pytest.raises(TypeError, match=r"save_npz: the dict's entry 'a' is None"):
        serializers.save_npz(tmp_path / "d.npz", {"a": None})
    with pytest.raises(TypeError, match=r"save_npz: list has no serialize method \(nor is "
                                        r"it a dict of arrays\)"):
        serializers.save_npz(tmp_path / "d.npz", [1])
    assert not os.path.exists(tmp_path / "d.npz")


def _npz(tmp_path, **arrays):
    path = tmp_path / "a.npz"
    numpy.savez(path, **arrays)
    return numpy.load(path, allow_pickle=True)


@pytest.mark.parametrize("names", ["l1/W", ["l1/W"], [lambda k: k == "l1/W"],
                                   ("x", lambda k: k.endswith("/W"))])
def test_ignore_names_str_callable_or_list_of_them(tmp_path, names):
    d = serializers.NpzDeserializer({"l1/W": numpy.ones((2, 3))}, ignore_names=names)
    y = numpy.zeros((2, 1))
    assert d["l1"]("W", y) is y and not y.any()


def test_ignore_names_str_is_an_exact_key_not_a_substring():
    d = serializers.NpzDeserializer({"l1/W": numpy.ones(2)}, ignore_names="l1/Wx")
    y = numpy.zeros(2)
    d("l1/W", y)
    numpy.testing.assert_array_equal(y, [1.0, 1.0])


def test_ignore_names_of_another_type_is_an_error():
    d = serializers.NpzDeserializer({"a": numpy.ones(2)}, ignore_names=[3])
    with pytest.raises(ValueError, match=r"ignore_names must be a str, a callable or a list "
                                         r"of them, but holds int 3"):
        d("a", numpy.zeros(2))


def test_scalar_targets_need_a_safe_conversion():
    d = serializers.NpzDeserializer({"i": numpy.array(-2 ** 60, numpy.int64),
                                     "f": numpy.array(1.5, numpy.float32)})
    assert d("i", 5) == -2 ** 60          # any integer into a Python int
    assert d("i", 1.0) == float(-2 ** 60)
    with pytest.raises(TypeError, match=r"load_npz: 'i' holds int64 in '<npz>', which cannot "
                                        r"be converted safely to the target's type uint32"):
        d("i", numpy.uint32(5))
    with pytest.raises(TypeError, match=r"'f' holds float32 .* to the target's type int"):
        d("f", 5)
    assert d("f", 0.0) == 1.5


def test_none_entry_of_a_file_opened_with_allow_pickle(tmp_path):
    with _npz(tmp_path, w=numpy.asarray(None), y=numpy.ones(2)) as f:
        d = serializers.NpzDeserializer(f)
        assert d("w", None) is None
        numpy.testing.assert_array_equal(d("y", None), [1.0, 1.0])
