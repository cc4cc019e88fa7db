"""A trainer saved after 10 iterations and resumed in a fresh process-like
setup reaches exactly (bit for bit) the state of an uninterrupted 20-iteration run."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import datasets
from rechain import iterators
from rechain import optimizers
from rechain import serializers
from rechain import training


class MLP(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(5, 16)
            self.l2 = L.Linear(16, 3)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def _dataset(n):
    rng = numpy.random.RandomState(1)
    x = rng.randn(n, 5).astype(numpy.float32)
    return datasets.TupleDataset(x, (x[:, 0] > 0).astype(numpy.int32) + (x[:, 1] > 0))


def _stateless_sampler(current_order, current_position):
    """A shuffle that depends only on the previous order (so it needs no state)."""
    rng = numpy.random.default_rng([int(i) for i in current_order[:8]])
    return rng.permutation(len(current_order))


class Counter(training.Extension):
    """An extension with state of its own."""

    trigger = 3, "iteration"

    def __init__(self):
        self.calls = 0
        self.sum_loss = 0.0

    def __call__(self, trainer):
        self.calls += 1
        self.sum_loss += float(trainer.observation["main/loss"].array)

    def serialize(self, serializer):
        self.calls = serializer("calls", self.calls)
        self.sum_loss = serializer("sum_loss", self.sum_loss)


def _build(tmp_path, stop, iterator_kind, seed=0):
    rechain.random.seed(123)  # same initial weights in every build
    model = L.Classifier(MLP())
    opt = optimizers.Adam(alpha=0.01).setup(model)
    if iterator_kind == "seeded":
        # 100 examples, 5 per batch: one epoch is 20 iterations
        it = iterators.SerialIterator(_dataset(100), 5, seed=seed)
    else:
        # 23 examples, 4 per batch: epochs end mid-batch, every few iterations
        it = iterators.SerialIterator(_dataset(23), 4, order_sampler=_stateless_sampler)
    up = training.updaters.StandardUpdater(it, opt)
    trainer = training.Trainer(up, stop, out=str(tmp_path))
    counter = Counter()
    trainer.extend(counter)
    best = []
    trainer.extend(lambda t: best.append(t.updater.iteration), name="best",
                   trigger=training.triggers.MinValueTrigger("main/loss", (4, "iteration")))
    trainer.extend(lambda t: None, name="scheduled",
                   trigger=training.triggers.ManualScheduleTrigger([7, 15], "iteration"))
    return trainer, model, opt, counter, best


def _state(model, opt, counter):
    params = {path: p.array.copy() for path, p in model.namedparams()}
    s = serializers.DictionarySerializer()
    opt.serialize(s)
    return params, s.target, (counter.calls, counter.sum_loss)


@pytest.mark.parametrize("iterator_kind", ["seeded", "stateless"])
@pytest.mark.parametrize("via_file", [False, True])
def test_resume_is_bit_identical(tmp_path, iterator_kind, via_file):
    whole, model, opt, counter, best_whole = _build(tmp_path, (20, "iteration"), iterator_kind)
    whole.run()
    expected = _state(model, opt, counter)

    first, _, _, _, best_first = _build(tmp_path, (10, "iteration"), iterator_kind)
    first.run()
    if via_file:
        path = str(tmp_path / "snapshot.npz")
        serializers.save_npz(path, first)
    else:
        s = serializers.DictionarySerializer()
        first.serialize(s)

    # A different seed: the epoch's order must come from the snapshot.
    second, model2, opt2, counter2, best_second = _build(tmp_path, (20, "iteration"),
                                                         iterator_kind, seed=99)
    if via_file:
        serializers.load_npz(path, second)
    else:
        second.serialize(serializers.NpzDeserializer(s.target))
    assert second.updater.iteration == 10
    second.run()
    assert second.updater.iteration == 20

    got = _state(model2, opt2, counter2)
    assert got[0].keys() == expected[0].keys()
    for key in expected[0]:
        assert got[0][key].tobytes() == expected[0][key].tobytes(), key
    assert got[1].keys() == expected[1].keys()
    for key in expected[1]:
        assert got[1][key].tobytes() == expected[1][key].tobytes(), key
    assert got[2] == expected[2]
    assert best_first + best_second == best_whole
    assert second.get_extension("scheduled") is not None


def test_snapshot_holds_every_part(tmp_path):
    trainer, _, _, _, _ = _build(tmp_path, (10, "iteration"), "seeded")
    trainer.run()
    s = serializers.DictionarySerializer()
    trainer.serialize(s)
    keys = set(s.target)
    for key in ("updater/iteration", "updater/iterator:main/order",
                "updater/iterator:main/current_position", "updater/optimizer:main/t",
                "updater/model:main/predictor/l1/W", "updater/optimizer:main/predictor/l1/W/m",
                "stop_trigger/previous_iteration", "extensions/Counter/calls",
                "extension_triggers/Counter/previous_iteration",
                "extension_triggers/best/best_value",
                "extension_triggers/best/interval_trigger/previous_iteration",
                "extension_triggers/scheduled/finished", "_snapshot_elapsed_time"):
        assert key in keys, key


def test_failed_load_leaves_the_trainer_unchanged(tmp_path):
    trainer, _, _, _, _ = _build(tmp_path, (4, "iteration"), "seeded")
    trainer.run()
    path = str(tmp_path / "snapshot.npz")
    serializers.save_npz(path, trainer)
    fresh, model, _, counter, _ = _build(tmp_path, (8, "iteration"), "seeded")
    fresh.extend(Counter(), name="extra")  # the snapshot has no 'extensions/extra'
    before = {k: p.array.copy() for k, p in model.namedparams()}
    with pytest.raises(KeyError, match="extensions/extra/calls"):
        serializers.load_npz(path, fresh)
    assert fresh.updater.iteration == 0 and counter.calls == 0
    for k, p in model.namedparams():
        assert p.array.tobytes() == before[k].tobytes()


def test_snapshot_taken_inside_an_iteration_resumes_later_triggers_once(tmp_path):
    """Note [snapshots inside an iteration]: extensions after the snapshot neither
    fire twice nor fail on the first resumed iteration."""
    def build(stop):
        trainer, model, opt, counter, best = _build(tmp_path, stop, "stateless")
        fired = []
        snaps = {}

        @training.make_extension(trigger=(10, "iteration"), priority=-100)
        def snap(t):  # what extensions.snapshot does, in memory
            s = serializers.DictionarySerializer()
            t.serialize(s)
            # copies: the serializer's dict refers to the live arrays
            snaps[t.updater.iteration] = {k: v.copy() for k, v in s.target.items()}

        @training.make_extension(priority=training.PRIORITY_WRITER)
        def evaluate(t):  # a value reported only every 5 iterations, like an Evaluator
            if t.updater.iteration % 5 == 0:
                t.observation["val/loss"] = 1.0 / t.updater.iteration
        trainer.extend(evaluate)
        trainer.extend(snap)
        # registered after the snapshot, same priority: called after it
        trainer.extend(lambda t: fired.append(("every5", t.updater.iteration)), name="every5",
                       trigger=(5, "iteration"), priority=-100)
        trainer.extend(lambda t: fired.append(("best", t.updater.iteration)), name="bestval",
                       trigger=training.triggers.MinValueTrigger("val/loss", (5, "iteration")),
                       priority=-100)
        return trainer, model, fired, snaps

    whole, model, fired_whole, snaps = build((20, "iteration"))
    whole.run()
    assert ("every5", 10) in fired_whole and ("best", 10) in fired_whole
    snapshot = snaps[10]
    assert json_list(snapshot["_pending_triggers"]) == ["every5", "bestval"]

    resumed, model2, fired_resumed, _ = build((20, "iteration"))
    resumed.serialize(serializers.NpzDeserializer(snapshot))
    resumed.run()
    assert fired_resumed == [f for f in fired_whole if f[1] > 10]
    for (k, a), (_, b) in zip(model.namedparams(), model2.namedparams()):
        assert a.array.tobytes() == b.array.tobytes(), k


def test_chainer_snapshot_without_pending_triggers_loads(tmp_path):
    trainer, _, _, _, _ = _build(tmp_path, (4, "iteration"), "seeded")
    trainer.run()
    s = serializers.DictionarySerializer()
    trainer.serialize(s)
    del s.target["_pending_triggers"]
    fresh, _, _, _, _ = _build(tmp_path, (8, "iteration"), "seeded")
    fresh.serialize(serializers.NpzDeserializer(s.target))
    fresh.run()
    assert fresh.updater.iteration == 8


def json_list(array):
    import json
    return json.loads(str(array))
