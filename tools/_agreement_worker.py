"""Worker of ``tools/chainer_examples.py --agreement``; one framework per process.

    python _agreement_worker.py FRAMEWORK CASE EXAMPLE_DIR DATA.npz INIT.npz OUT.json

FRAMEWORK is ``chainer`` (Chainer 7.8.1, the example as shipped: builds the
model, saves its initial weights to INIT.npz with save_npz) or ``rechain``
(the rewritten example: builds the same model and loads INIT.npz with
load_npz). Both then train ITER iterations on the batches of DATA.npz with the
example's own model, optimizer (and for ptb its iterator and BPTT updater) and
write the loss of every iteration to OUT.json.
"""

import json
import os
import sys


def _framework(name):
    if name == "chainer":
        import chainer
    elif name == "rechain":
        import rechain as chainer
    else:
        raise SystemExit("framework must be chainer or rechain, not %r" % name)
    return chainer


def _init_weights(chainer, model, first_inputs, framework, init_path):
    """Initialise lazy parameters with one graph-less forward, then save/load."""
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        model(*first_inputs)
    if framework == "chainer":
        chainer.serializers.save_npz(init_path, model)
    else:
        chainer.serializers.load_npz(init_path, model)


def case_mnist(chainer, framework, data, init_path, example_dir):
    """train_mnist.MLP in L.Classifier with Adam, as train_mnist.py sets it up."""
    import train_mnist
    L = chainer.links
    model = L.Classifier(train_mnist.MLP(int(data["n_units"]), 10))
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(model)
    xs, ts = data["x"], data["t"]
    _init_weights(chainer, model, (xs[0], ts[0]), framework, init_path)
    losses = []
    for x, t in zip(xs, ts):
        optimizer.update(model, x, t)
        losses.append(float(model.loss.array))
    return losses


def case_ptb(chainer, framework, data, init_path, example_dir):
    """train_ptb.RNNForLM in L.Classifier, SGD(lr=1) + GradientClipping(5), the
    example's ParallelSequentialIterator and BPTTUpdater; dropout off
    (config.train False) so both frameworks compute the same function."""
    import train_ptb
    L = chainer.links
    words = data["words"]
    n_vocab = int(words.max()) + 1
    model = L.Classifier(train_ptb.RNNForLM(n_vocab, int(data["n_units"])))
    model.compute_accuracy = False
    optimizer = chainer.optimizers.SGD(lr=1.0)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(5.0))
    batchsize, bproplen = int(data["batchsize"]), int(data["bproplen"])
    _init_weights(chainer, model, (words[:batchsize], words[1:batchsize + 1]),
                  framework, init_path)
    model.predictor.reset_state()
    train_iter = train_ptb.ParallelSequentialIterator(words, batchsize)
    updater = train_ptb.BPTTUpdater(train_iter, optimizer, bproplen,
                                    chainer.get_device("@numpy"))
    step_losses = []

    class Recording(chainer.reporter.Reporter):
        def report(self, values, observer=None):
            if "loss" in values:
                step_losses.append(float(chainer.as_array(values["loss"])))
            return super().report(values, observer)

    reporter = Recording()
    reporter.add_observer("main", model)
    losses = []
    with chainer.using_config("train", False):
        for _ in range(int(data["iterations"])):
            del step_losses[:]
            with reporter.scope({}):
                updater.update()
            if len(step_losses) != bproplen:
                raise RuntimeError("expected %d loss reports per update, got %d"
                                   % (bproplen, len(step_losses)))
            losses.append(sum(step_losses))
    return losses


CASES = {"mnist": case_mnist, "ptb": case_ptb}


def main():
    framework, case, example_dir, data_path, init_path, out_path = sys.argv[1:7]
    chainer = _framework(framework)
    import numpy
    sys.path.insert(0, example_dir)
    os.chdir(example_dir)
    with numpy.load(data_path) as f:
        data = {k: f[k] for k in f.files}
    losses = CASES[case](chainer, framework, data, init_path, example_dir)
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"framework": framework, "case": case, "losses": losses}, f)
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
