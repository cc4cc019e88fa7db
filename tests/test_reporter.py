"""Reporter, report, report_scope, Summary and DictSummary."""

import gc
import json
import warnings
import weakref

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import reporter as reporter_module
from rechain import serializers


class _Net(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(3, 2)

    def forward(self, x):
        return self.l(x)


def test_top_level_names():
    assert rechain.Reporter is reporter_module.Reporter
    assert rechain.report is reporter_module.report
    assert rechain.report_scope is reporter_module.report_scope
    assert rechain.get_current_reporter is reporter_module.get_current_reporter
    assert rechain.Summary is reporter_module.Summary
    assert rechain.DictSummary is reporter_module.DictSummary


def test_report_with_observer_prefixes_its_name():
    r = rechain.Reporter()
    observer = object()
    r.add_observer("my", observer)
    observation = {}
    with r.scope(observation):
        r.report({"x": 1}, observer)
        rechain.report({"y": 2}, observer)
        rechain.report({"z": 3})
    assert observation == {"my/x": 1, "my/y": 2, "z": 3}


def test_add_observers_uses_prefix_and_identity():
    r = rechain.Reporter()
    a, b = [1], [1]  # equal but distinct
    r.add_observers("main", [("/a", a), ("/b", b)])
    observation = {}
    with r.scope(observation):
        rechain.report({"v": 0}, b)
    assert observation == {"main/b/v": 0}


def test_unregistered_observer_raises_keyerror_naming_its_type():
    r = rechain.Reporter()
    with r.scope({}):
        with pytest.raises(KeyError, match="list"):
            rechain.report({"x": 1}, [])


def test_report_without_current_reporter_is_a_no_op():
    rechain.report({"x": 1})  # nothing current: nothing happens
    with pytest.raises(IndexError, match="no reporter is current"):
        rechain.get_current_reporter()


def test_nested_reporters_and_scopes_restore():
    outer, inner = rechain.Reporter(), rechain.Reporter()
    o1, o2, o3 = {}, {}, {}
    with outer.scope(o1):
        assert rechain.get_current_reporter() is outer
        with inner.scope(o2):
            assert rechain.get_current_reporter() is inner
            rechain.report({"a": 1})
            with rechain.report_scope(o3):
                rechain.report({"b": 2})
            rechain.report({"c": 3})
        rechain.report({"d": 4})
    assert o1 == {"d": 4} and o2 == {"a": 1, "c": 3} and o3 == {"b": 2}
    with pytest.raises(IndexError):
        rechain.get_current_reporter()


def test_scope_restores_after_exception():
    r = rechain.Reporter()
    before = r.observation
    with pytest.raises(ZeroDivisionError):
        with r.scope({}):
            with rechain.report_scope({}):
                1 / 0
    assert r.observation is before
    with pytest.raises(IndexError):
        rechain.get_current_reporter()


def test_with_reporter_makes_it_current():
    r = rechain.Reporter()
    with r:
        rechain.report({"x": 5})
    assert r.observation == {"x": 5}


def test_reported_variable_does_not_keep_the_graph():
    r = rechain.Reporter()
    x = rechain.Variable(numpy.arange(3, dtype=numpy.float64))
    observation = {}
    with r.scope(observation):
        y = F.sum(x * x)
        creator_ref = weakref.ref(y.creator)
        rechain.report({"y": y})
    stored = observation["y"]
    assert isinstance(stored, rechain.Variable)
    assert stored.creator is None
    assert stored.array is y.array
    del y
    gc.collect()
    assert creator_ref() is None  # only the observation held it: the graph is gone


def test_keep_graph_on_report_stores_the_variable_itself():
    r = rechain.Reporter()
    x = rechain.Variable(numpy.ones(2))
    observation = {}
    with rechain.using_config("keep_graph_on_report", True):
        with r.scope(observation):
            y = F.sum(x)
            rechain.report({"y": y})
    assert observation["y"] is y


def test_classifier_reports_loss_and_accuracy_under_main():
    model = L.Classifier(_Net())
    r = rechain.Reporter()
    r.add_observer("main", model)
    r.add_observers("main", model.namedlinks(skipself=True))
    x = numpy.random.RandomState(0).randn(4, 3).astype(numpy.float32)
    t = numpy.array([0, 1, 1, 0], dtype=numpy.int32)
    observation = {}
    with r.scope(observation):
        loss = model(x, t)
    assert sorted(observation) == ["main/accuracy", "main/loss"]
    assert float(observation["main/loss"].array) == float(loss.array)
    expected = float(F.accuracy(model.y, t).array)
    assert float(observation["main/accuracy"].array) == expected
    assert observation["main/loss"].creator is None


# -- Summary ------------------------------------------------------------------


def test_summary_mean_and_std():
    s = rechain.Summary()
    values = [1.0, 2.0, 4.0, 7.0]
    for v in values:
        s.add(v)
    assert s.compute_mean() == pytest.approx(numpy.mean(values))
    mean, std = s.make_statistics()
    assert mean == pytest.approx(numpy.mean(values))
    assert std == pytest.approx(numpy.std(values))


def test_summary_weights_arrays_and_variables():
    s = rechain.Summary()
    s.add(numpy.float32(2.0), weight=3)
    s.add(rechain.Variable(numpy.array(6.0, dtype=numpy.float32)), weight=numpy.array(1.0))
    assert s.compute_mean() == pytest.approx((2 * 3 + 6 * 1) / 4)


def test_summary_std_of_constant_is_zero_not_nan():
    s = rechain.Summary()
    for _ in range(3):
        s.add(0.1)
    _, std = s.make_statistics()
    assert std == 0.0


def test_summary_rejects_non_scalars_and_empty():
    s = rechain.Summary()
    with pytest.raises(ValueError, match=r"Summary.add.*shape \(2,\)"):
        s.add(numpy.zeros(2))
    with pytest.raises(TypeError, match="Summary.add"):
        s.add("1.0")
    with pytest.raises(ZeroDivisionError, match="compute_mean"):
        s.compute_mean()


def test_summary_round_trips_through_npz(tmp_path):
    s = rechain.Summary()
    s.add(numpy.float32(1.5), weight=0.5)
    s.add(numpy.float32(2.5), weight=1.0)
    path = tmp_path / "s.npz"
    serializers.save_npz(str(path), s)
    t = rechain.Summary()
    serializers.load_npz(str(path), t)
    assert t.compute_mean() == s.compute_mean()
    assert t._n == 1.5  # a fractional weight sum is not truncated
    assert type(t._x) is type(s._x) is numpy.float32  # the dtype comes back too
    assert t.make_statistics() == s.make_statistics()


def test_empty_summary_round_trips_to_pristine_state():
    d = serializers.DictionarySerializer()
    rechain.Summary().serialize(d)
    t = rechain.Summary()
    t.serialize(serializers.NpzDeserializer(d.target))
    assert (t._x, t._x2, t._n) == (0.0, 0.0, 0)
    assert type(t._n) is int


def test_summary_missing_keys_warn():
    t = rechain.Summary()
    with pytest.warns(UserWarning, match="no statistics"):
        t.serialize(serializers.NpzDeserializer({}))


# -- DictSummary ---------------------------------------------------------------


def test_dict_summary_skips_non_scalars_and_weights_tuples():
    s = rechain.DictSummary()
    s.add({"a": 1.0, "b": numpy.zeros(3), "c": rechain.Variable(numpy.array(2.0)),
           "w": (numpy.float64(4.0), 3)})
    s.add({"a": 3.0, "w": (0.0, 1), "name": "ignored"})
    mean = s.compute_mean()
    assert set(mean) == {"a", "c", "w"}
    assert mean["a"] == 2.0 and mean["c"] == 2.0 and mean["w"] == 3.0
    stats = s.make_statistics()
    assert set(stats) == {"a", "a.std", "c", "c.std", "w", "w.std"}
    assert stats["a.std"] == 1.0


def test_dict_summary_rejects_non_scalar_weight():
    s = rechain.DictSummary()
    with pytest.raises(ValueError, match="weight of 'x'"):
        s.add({"x": (1.0, numpy.ones(2))})


def test_dict_summary_round_trips(tmp_path):
    s = rechain.DictSummary()
    s.add({"main/loss": numpy.float32(0.75), "main/accuracy": 0.5})
    s.add({"main/loss": numpy.float32(0.25)})
    path = tmp_path / "d.npz"
    serializers.save_npz(str(path), s)
    with numpy.load(str(path)) as f:
        names = json.loads(str(f["_names"]))
    assert names == ["main/loss", "main/accuracy"]
    t = rechain.DictSummary()
    t.add({"stale": 1.0})
    serializers.load_npz(str(path), t)
    assert t.compute_mean() == s.compute_mean()
    assert t.make_statistics() == s.make_statistics()


def test_dict_summary_missing_names_warns_and_empties():
    t = rechain.DictSummary()
    t.add({"x": 1.0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.serialize(serializers.NpzDeserializer({}))
    assert any("no entry names" in str(w.message) for w in caught)
    assert t.compute_mean() == {}


@pytest.mark.gpu
def test_summary_on_gpu_values_stays_on_gpu_and_round_trips():
    import cupy
    s = rechain.DictSummary()
    for v in (1.0, 2.0, 4.0):
        s.add({"loss": rechain.Variable(cupy.asarray(v, dtype=cupy.float32))})
    mean = s.compute_mean()["loss"]
    assert isinstance(mean, cupy.ndarray) and float(mean) == pytest.approx(7 / 3)
    stats = s.make_statistics()
    assert isinstance(stats["loss.std"], cupy.ndarray)
    assert float(stats["loss.std"]) == pytest.approx(numpy.std([1.0, 2.0, 4.0]), rel=1e-6)
    d = serializers.DictionarySerializer()
    s.serialize(d)
    t = rechain.DictSummary()
    t.serialize(serializers.NpzDeserializer(d.target))
    assert float(t.compute_mean()["loss"]) == float(mean)
