import os
import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import computational_graph as cg
from rechain import reporter
from rechain.training import extensions

_NODE = re.compile(r'^(\d+) \[(.*)\];$')
_EDGE = re.compile(r'^(\d+) -> (\d+);$')
_ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _parse_dot(text):
    """A strict parser of the DOT subset the builder writes: nodes and edges."""
    lines = text.strip().splitlines()
    assert lines[0] == "digraph graphname{rankdir=TB;"
    assert lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        m = _NODE.match(line)
        if m:
            attrs = dict(_ATTR.findall(m.group(2)))
            assert ",".join(f'{k}="{v}"' for k, v in attrs.items()) == m.group(2), line
            nodes[m.group(1)] = attrs
            continue
        m = _EDGE.match(line)
        assert m, f"not a node or an edge: {line!r}"
        edges.append((m.group(1), m.group(2)))
    for a, b in edges:
        assert a in nodes and b in nodes
    return nodes, edges


def test_build_computational_graph():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32), name="x")
    y = F.relu(x * 2)
    z = F.sum(y + x)
    nodes, edges = _parse_dot(cg.build_computational_graph([z]).dump())
    labels = {k: v["label"] for k, v in nodes.items()}
    functions = sorted(v["label"] for v in nodes.values() if v["shape"] == "record")
    assert len(functions) == 4 and any("ReLU" in f for f in functions)
    (xid,) = [k for k, v in labels.items() if v.startswith("x: (2, 3)")]
    # x feeds two functions (the product and the sum), so two edges leave it.
    assert sum(1 for a, _ in edges if a == xid) == 2
    assert len(nodes) == 4 + 5  # x, x*2, relu, y+x, z; the constant 2 is not a node
    only_functions = cg.build_computational_graph([z], remove_variable=True).dump()
    fnodes, fedges = _parse_dot(only_functions)
    assert len(fnodes) == 4
    chain = [(fnodes[a]["label"], fnodes[b]["label"]) for a, b in fedges]
    assert sorted(chain) == sorted([("MulConstant", "ReLU"), ("ReLU", "Add"), ("Add", "Sum")])


def test_build_computational_graph_bad_input():
    with pytest.raises(TypeError, match=r"outputs\[1\]"):
        cg.build_computational_graph([rechain.Variable(numpy.zeros(1)), 3])
    with pytest.raises(ValueError, match="rankdir"):
        cg.ComputationalGraph([], [], rankdir="XY")


def test_dump_graph_in_trainer(task):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.DumpGraph("main/loss"))
    assert rechain.config.keep_graph_on_report is False
    t.trainer.run()
    assert rechain.config.keep_graph_on_report is False  # restored
    with open(os.path.join(t.trainer.out, "cg.dot")) as f:
        nodes, edges = _parse_dot(f.read())
    labels = [v["label"] for v in nodes.values()]
    assert any(lab.startswith("W: (2, 3), float32") for lab in labels)
    assert any(lab.startswith("b: (2), float32") for lab in labels)  # Chainer's form
    assert any("SoftmaxCrossEntropy" in lab for lab in labels)
    assert any(lab == "(16, 3), float32" for lab in labels)  # the input batch
    assert all(v["style"] == "filled" for v in nodes.values())


def test_dump_graph_missing_key(fake_trainer):
    tr = fake_trainer()
    ext = extensions.DumpGraph("main/loss")
    ext.initialize(tr)
    tr.step({"main/other": 1.0})
    with pytest.raises(KeyError, match="nothing is reported as 'main/loss'"):
        ext(tr)
    assert rechain.config.keep_graph_on_report is False


def test_unchain_variables(fake_trainer):
    tr = fake_trainer()
    ext = extensions.unchain_variables()
    rechain.config.keep_graph_on_report = True
    ext.initialize(tr)
    x = rechain.Variable(numpy.ones(2, numpy.float32))
    y = F.sum(x * 3)
    tr.step({"loss": y})
    assert ext.trigger(tr)
    ext(tr)
    assert y.creator is None


def test_observe_value_and_lr(task):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.observe_value("it", lambda tr: tr.updater.iteration * 10))
    t.trainer.extend(extensions.observe_lr(observation_key="my_lr"))
    t.trainer.extend(extensions.LogReport())
    t.trainer.run()
    log = t.trainer.get_extension("LogReport").log
    assert [e["it"] for e in log] == [30, 60]
    assert [e["my_lr"] for e in log] == [0.1, 0.1]


def test_fail_on_non_number(task):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.FailOnNonNumber())

    @rechain.training.make_extension(priority=1000)
    def poison(trainer):
        if trainer.updater.iteration == 2:
            t.model.predictor.b.array[1] = numpy.nan

    t.trainer.extend(poison)
    with pytest.raises(RuntimeError, match=r"'/predictor/b'.*'main'.*iteration 2"):
        t.trainer.run(show_loop_exception_msg=False)


def test_parameter_statistics(fake_trainer):
    model = rechain.links.Linear(2, 2, initialW=numpy.array([[0., 1.], [2., 3.]],
                                                           numpy.float32))
    model.W.grad = numpy.full((2, 2), 0.5, numpy.float32)
    tr = fake_trainer(iters_per_epoch=2)
    ext = extensions.ParameterStatistics(model, prefix="stats", report_grads=True)
    r = reporter.Reporter()
    for _ in range(2):
        tr.step()
        with r.scope(tr.observation):
            ext(tr)
    obs = tr.observation
    assert float(obs["stats/None/W/data/mean"]) == 1.5
    assert float(obs["stats/None/W/data/max"]) == 3.0
    assert float(obs["stats/None/W/data/zeros"]) == 1.0
    assert float(obs["stats/None/W/grad/std"]) == 0.0
    assert float(obs["stats/None/W/data/percentile/3"]) == 1.5
    # b has no gradient yet: NaN, as for the NaN-filled gradient of a Chainer Parameter
    assert numpy.isnan(float(obs["stats/None/b/grad/mean"]))
    assert numpy.isnan(float(obs["stats/None/b/grad/percentile/3"]))
    assert float(obs["stats/None/b/data/mean"]) == 0.0


def test_peak_memory_reports_the_step_peak(task):
    t = task(stop=(2, "epoch"))
    size = 8 * 2 ** 20

    real_update = t.updater.update

    def update_with_temporary():
        real_update()
        buffer = numpy.ones(size // 8)  # an 8 MiB temporary inside the step
        del buffer

    t.updater.update = update_with_temporary
    t.trainer.extend(extensions.PeakMemory())
    t.trainer.extend(extensions.LogReport())
    t.trainer.run()
    log = t.trainer.get_extension("LogReport").log
    peaks = [e["memory/peak_MiB"] for e in log]
    assert len(peaks) == 2
    for p in peaks:
        assert 8.0 <= p < 8.5
    assert "update" in vars(t.updater)  # our own patch is left alone...
    assert t.updater.update is update_with_temporary  # ...and the wrapper removed


def test_peak_memory_without_measurement_raises(fake_trainer):
    tr = fake_trainer()
    ext = extensions.PeakMemory()
    tr.step()
    with pytest.raises(RuntimeError, match="not measured"):
        ext(tr)
    with pytest.raises(ValueError, match="device"):
        extensions.PeakMemory(device="tpu")


def test_dump_graph_resumed_after_the_dump_restores_the_flag(task, tmp_path):
    seen = []

    @rechain.training.make_extension(priority=-1000)
    def flag(trainer):
        seen.append(rechain.config.keep_graph_on_report)

    first = task(out=tmp_path / "o", stop=(1, "epoch"))
    first.trainer.extend(extensions.DumpGraph("main/loss"))
    first.trainer.extend(extensions.snapshot(), trigger=(1, "epoch"))
    first.trainer.extend(flag)
    first.trainer.run()
    assert seen == [False, False, False]
    del seen[:]
    os.remove(os.path.join(first.trainer.out, "cg.dot"))
    second = task(out=tmp_path / "o", stop=(2, "epoch"))
    second.trainer.extend(extensions.DumpGraph("main/loss"))
    second.trainer.extend(extensions.snapshot(autoload=True), trigger=(1, "epoch"))
    second.trainer.extend(flag)
    second.trainer.run()
    assert seen == [False, False, False]  # not kept on after the resume
    assert not os.path.exists(os.path.join(second.trainer.out, "cg.dot"))  # dumped once only
