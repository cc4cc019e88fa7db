"""config: global defaults, thread-local overrides, using_config and friends."""

import io
import threading

import numpy
import pytest

import rechain
from rechain import configuration


@pytest.fixture
def restore_global():
    """Undo changes a test makes to the global defaults."""
    saved = {name: getattr(rechain.global_config, name) for name in configuration._names()}
    yield
    for name in configuration._names():
        if name not in saved:
            delattr(rechain.global_config, name)
    for name, value in saved.items():
        setattr(rechain.global_config, name, value)


def _in_thread(fn):
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # pragma: no cover - surfaced below
            out["error"] = e
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_defaults():
    c = rechain.config
    assert c.train is True
    assert c.enable_backprop is True
    assert c.in_recomputing is False
    assert c.type_check is True
    assert c.debug is False
    assert c.dtype == numpy.float32
    assert rechain.global_config.train is True
    assert rechain.global_config.dtype == numpy.float32


def test_defaults_in_a_fresh_thread():
    vals = _in_thread(lambda: (rechain.config.train, rechain.config.enable_backprop,
                               rechain.config.in_recomputing, rechain.config.type_check,
                               rechain.config.debug, rechain.config.dtype))
    assert vals == (True, True, False, True, False, numpy.dtype(numpy.float32))


def test_using_config_sets_and_restores():
    assert rechain.config.train is True
    with rechain.using_config("train", False) as ctx:
        assert rechain.config.train is False
        assert ctx.name == "train" and ctx.value is False
    assert rechain.config.train is True
    assert "train" not in vars(rechain.config)  # no local residue


def test_using_config_nests():
    with rechain.using_config("train", False):
        with rechain.using_config("train", True):
            assert rechain.config.train is True
            with rechain.using_config("train", False):
                assert rechain.config.train is False
            assert rechain.config.train is True
        assert rechain.config.train is False
    assert rechain.config.train is True


def test_using_config_restores_a_previous_local_value():
    rechain.config.debug = True
    with rechain.using_config("debug", False):
        assert rechain.config.debug is False
    assert rechain.config.debug is True


def test_using_config_restores_on_exception():
    with pytest.raises(KeyError):
        with rechain.using_config("train", False):
            with rechain.using_config("debug", True):
                raise KeyError("boom")
    assert rechain.config.train is True
    assert rechain.config.debug is False


def test_using_config_new_entry():
    with rechain.using_config("my_flag", 3):
        assert rechain.config.my_flag == 3
    assert not hasattr(rechain.config, "my_flag")


def test_thread_local_override_does_not_leak_to_other_threads():
    ready, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with rechain.using_config("train", False):
            seen["worker_inside"] = rechain.config.train
            ready.set()
            release.wait(5)
        seen["worker_after"] = rechain.config.train

    t = threading.Thread(target=worker)
    t.start()
    ready.wait(5)
    seen["main_while_worker_overrides"] = rechain.config.train
    release.set()
    t.join()
    assert seen == {"worker_inside": False, "main_while_worker_overrides": True,
                    "worker_after": True}


def test_main_thread_override_is_not_seen_by_new_threads():
    with rechain.using_config("enable_backprop", False):
        assert _in_thread(lambda: rechain.config.enable_backprop) is True
    rechain.config.debug = True
    assert _in_thread(lambda: rechain.config.debug) is False


def test_global_config_change_is_seen_by_all_threads(restore_global):
    rechain.global_config.train = False
    assert rechain.config.train is False
    assert _in_thread(lambda: rechain.config.train) is False
    # ... except where a thread has its own override.
    assert _in_thread(lambda: _local_then_read()) is True


def _local_then_read():
    with rechain.using_config("train", True):
        return rechain.config.train


def test_global_config_does_not_override_a_local_value(restore_global):
    rechain.config.debug = True
    rechain.global_config.debug = False
    assert rechain.config.debug is True


def test_global_config_unknown_entry_raises():
    with pytest.raises(AttributeError, match="no_such_flag"):
        rechain.global_config.no_such_flag


def test_no_backprop_mode_and_force_backprop_mode():
    x = rechain.Variable(numpy.ones(2, numpy.float32))
    with rechain.no_backprop_mode():
        assert rechain.config.enable_backprop is False
        assert (x * 2.0).creator is None
        with rechain.force_backprop_mode():
            assert rechain.config.enable_backprop is True
            assert (x * 2.0).creator is not None
        assert rechain.config.enable_backprop is False
    assert rechain.config.enable_backprop is True
    assert (x * 2.0).creator is not None


def test_no_backprop_mode_is_per_thread():
    with rechain.no_backprop_mode():
        y = _in_thread(lambda: rechain.Variable(numpy.ones(2)) * 2.0)
    assert y.creator is not None


def test_using_config_entered_in_another_thread_affects_that_thread():
    ctx = rechain.using_config("train", False)
    ready, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ctx:
            seen["worker"] = rechain.config.train
            ready.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    ready.wait(5)
    seen["main"] = rechain.config.train
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True}


def test_using_config_on_global_config(restore_global):
    with rechain.using_config("train", False, rechain.global_config):
        assert rechain.global_config.train is False
        assert rechain.config.train is False
        assert _in_thread(lambda: rechain.config.train) is False
    assert rechain.config.train is True


def test_show_prints_every_entry(capsys):
    rechain.config.debug = True
    rechain.config.show()
    out = capsys.readouterr().out
    for name in ("train", "enable_backprop", "in_recomputing", "type_check", "debug", "dtype"):
        assert name in out
    line = [ln for ln in out.splitlines() if ln.startswith("debug")][0]
    assert "True" in line and "local" in line
    line = [ln for ln in out.splitlines() if ln.startswith("train")][0]
    assert "True" in line and "global" in line


def test_show_to_a_file():
    buf = io.StringIO()
    with rechain.using_config("train", False):
        rechain.config.show(buf)
    line = [ln for ln in buf.getvalue().splitlines() if ln.startswith("train")][0]
    assert "False" in line
    buf = io.StringIO()
    rechain.global_config.show(buf)
    assert "enable_backprop" in buf.getvalue() and "float32" in buf.getvalue()


def test_snapshot_captures_overrides_and_globals():
    with rechain.using_config("train", False):
        g, local = configuration.snapshot()
    assert local == {"train": False}
    assert g["train"] is True and g["enable_backprop"] is True
    assert configuration.snapshot()[1] is None      # no override outside the block
    rechain.global_config.debug = True
    try:
        assert configuration.snapshot()[0]["debug"] is True   # the cache follows globals
    finally:
        rechain.global_config.debug = False


def test_forget_replays_under_the_snapshot_and_restores_after():
    import rechain.functions as F
    seen = []

    def f(a):
        seen.append((rechain.config.train, rechain.config.debug))
        return a * a

    with rechain.using_config("train", False):
        y = F.forget(f, rechain.Variable(numpy.ones(2, numpy.float32)))
    with rechain.using_config("debug", True):
        F.sum(y).backward()
        assert rechain.config.debug is True
    assert seen == [(False, False), (False, False)]
    assert rechain.config.train is True and rechain.config.debug is False


def test_dtype_config_is_used_by_lazy_parameters():
    pytest.importorskip("rechain.initializers",
                        reason="rechain.initializers (another helper) is missing")
    with rechain.using_config("dtype", numpy.dtype(numpy.float16)):
        p = rechain.Parameter(0.5, shape=(2,))
    assert p.dtype == numpy.float16


def test_type_check_flag_switches_checks_off():
    a = rechain.Variable(numpy.ones(2, numpy.float32))
    b = rechain.Variable(numpy.ones(2, numpy.float64))
    with pytest.raises(rechain.InvalidType):
        a + b
    with rechain.using_config("type_check", False):
        assert (a + b).dtype == numpy.float64


def test_own_global_and_local_config_pair():
    from rechain.configuration import GlobalConfig, LocalConfig
    g = GlobalConfig()
    c = LocalConfig(g)
    g.x, g.y = "gx", "gy"
    c.y, c.z = "ly", "lz"
    assert (c.x, c.y, c.z) == ("gx", "ly", "lz")
    assert not hasattr(c, "w") and not hasattr(g, "z")
    del c.y
    assert c.y == "gy"
    with pytest.raises(AttributeError):
        del c.x  # only global

    def other():
        seen.append(getattr(c, "z", None))
        c.z = "other"
        g.x = "gx2"
    seen = []
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [None] and c.z == "lz" and c.x == "gx2"
    with rechain.using_config("x", "tmp", c):
        assert c.x == "tmp" and g.x == "gx2"
    assert c.x == "gx2"
    c.abc = 1
    out = io.StringIO()
    c.show(out)
    assert out.getvalue() == "abc 1\nx   gx2\ny   gy\nz   lz\n"
    out = io.StringIO()
    g.show(out)
    assert out.getvalue() == "x gx2\ny gy\n"
    # rechain's own config is untouched by these
    assert not hasattr(rechain.config, "abc")
