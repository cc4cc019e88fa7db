"""Worker of ``tools/chainer_examples.py --agreement``; one framework per process.

    python _agreement_worker.py FRAMEWORK CASE EXAMPLE_DIR DATA.npz INIT.npz OUT.json

FRAMEWORK is ``chainer`` (Chainer 7.8.1, the example as shipped: builds the
model, saves its initial weights to INIT.npz with save_npz) or ``rechain``
(the rewritten example: builds the same model and loads INIT.npz with
load_npz). Both then train ITER iterations on the batches of DATA.npz with the
example's own model and optimizer (ptb: its iterator and BPTT updater; dqn:
its update(); text_classification: its nets, convert_seq and a StandardUpdater)
and write the loss of every iteration to OUT.json. numpy's global stream is
seeded (0) so Chainer's initial weights are the same from run to run.
"""

import json
import os
import sys

import numpy


def _framework(name):
    if name == "chainer":
        import chainer
    elif name == "rechain":
        import rechain as chainer
    else:
        raise SystemExit("framework must be chainer or rechain, not %r" % name)
    return chainer


def _init_weights(chainer, model, first_inputs, framework, init_path, kwargs=None):
    """Initialise lazy parameters with one graph-less forward (first_inputs
    None: the model has none), then save (Chainer) or load (rechain)."""
    if first_inputs is not None:
        with chainer.using_config("train", False), chainer.no_backprop_mode():
            model(*first_inputs, **(kwargs or {}))
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
    return _reported_losses(chainer, model, updater, int(data["iterations"]), bproplen)


def case_dqn(chainer, framework, data, init_path, example_dir):
    """dqn_cartpole.QFunction with Adam(eps=1e-2) and the example's update()
    (double DQN, Huber loss), target network copied every 10 updates as the
    example does with copy.deepcopy; the loss is read where update() computes
    it (the module's mean_clipped_loss is wrapped, the file is unchanged)."""
    import copy
    import dqn_cartpole
    obs, action, reward, done, obs_next = (data[k] for k in (
        "obs", "action", "reward", "done", "obs_next"))
    Q = dqn_cartpole.QFunction(obs.shape[-1], 2, n_units=int(data["n_units"]))
    opt = chainer.optimizers.Adam(eps=1e-2)
    opt.setup(Q)
    _init_weights(chainer, Q, (obs[0],), framework, init_path)
    target_Q = copy.deepcopy(Q)
    losses = []
    orig = dqn_cartpole.mean_clipped_loss

    def recording(y, t):
        loss = orig(y, t)
        losses.append(float(loss.array))
        return loss

    dqn_cartpole.mean_clipped_loss = recording
    for i in range(len(obs)):
        samples = [(obs[i, j], int(action[i, j]), float(reward[i, j]), bool(done[i, j]),
                    obs_next[i, j]) for j in range(obs.shape[1])]
        dqn_cartpole.update(Q, target_Q, opt, samples, target_type="double_dqn")
        if (i + 1) % 10 == 0:
            target_Q = copy.deepcopy(Q)
    return losses


def _text_classification(model_kind):
    def case(chainer, framework, data, init_path, example_dir):
        """nets.TextClassifier over the example's RNN/CNN/BOW encoder, Adam +
        WeightDecay(1e-4), SerialIterator (no shuffle) and StandardUpdater with
        the example's convert_seq; dropout off (config.train False)."""
        import nets
        from nlp_utils import convert_seq
        tokens, lengths, labels = data["tokens"], data["lengths"], data["labels"]
        offsets = numpy.concatenate([[0], numpy.cumsum(lengths)])
        dataset = [(tokens[offsets[i]:offsets[i + 1]],
                    numpy.array([labels[i]], numpy.int32)) for i in range(len(lengths))]
        Encoder = {"rnn": nets.RNNEncoder, "cnn": nets.CNNEncoder,
                   "bow": nets.BOWMLPEncoder}[model_kind]
        encoder = Encoder(n_layers=1, n_vocab=int(tokens.max()) + 1,
                          n_units=int(data["n_units"]), dropout=0.4)
        model = nets.TextClassifier(encoder, int(labels.max()) + 1)
        optimizer = chainer.optimizers.Adam()
        optimizer.setup(model)
        optimizer.add_hook(chainer.optimizer.WeightDecay(1e-4))
        batchsize = int(data["batchsize"])
        device = chainer.get_device("@numpy")
        first = convert_seq(dataset[:batchsize], device)
        _init_weights(chainer, model, (), framework, init_path, kwargs=first)
        it = chainer.iterators.SerialIterator(dataset, batchsize, shuffle=False)
        updater = chainer.training.updaters.StandardUpdater(
            it, optimizer, converter=convert_seq, device=device)
        return _reported_losses(chainer, model, updater, int(data["iterations"]), 1)
    return case


def _word2vec(model_kind, out_type):
    def case(chainer, framework, data, init_path, example_dir):
        """train_word2vec's SkipGram/ContinuousBoW with its hsm (Huffman tree from
        the word counts, W zeroed) or original (SoftmaxCrossEntropyLoss) output,
        Adam, its WindowIterator and convert, StandardUpdater."""
        import collections
        import train_word2vec as w2v
        L = chainer.links
        words = data["words"]
        counts = collections.Counter(words.tolist())
        n_vocab = int(words.max()) + 1
        n_units = int(data["n_units"])
        if out_type == "hsm":
            HSM = L.BinaryHierarchicalSoftmax
            loss_func = HSM(n_units, HSM.create_huffman_tree(counts))
            loss_func.W.array[...] = 0
        else:
            loss_func = w2v.SoftmaxCrossEntropyLoss(n_units, n_vocab)
        Model = w2v.SkipGram if model_kind == "skipgram" else w2v.ContinuousBoW
        model = Model(n_vocab, n_units, loss_func)
        optimizer = chainer.optimizers.Adam()
        optimizer.setup(model)
        _init_weights(chainer, model, None, framework, init_path)
        numpy.random.seed(1)  # WindowIterator draws its order from numpy's stream
        it = w2v.WindowIterator(words, int(data["window"]), int(data["batchsize"]))
        updater = chainer.training.updaters.StandardUpdater(
            it, optimizer, converter=w2v.convert, device=chainer.get_device("@numpy"))
        return _reported_losses(chainer, model, updater, int(data["iterations"]), 1)
    return case


def case_seq2seq(chainer, framework, data, init_path, example_dir):
    """seq2seq.Seq2seq (1 layer) with Adam, SerialIterator (no shuffle),
    StandardUpdater with the example's convert; NStepLSTM dropout off
    (config.train False)."""
    import seq2seq
    src, src_len, tgt, tgt_len = (data[k] for k in ("src", "src_len", "tgt", "tgt_len"))
    so = numpy.concatenate([[0], numpy.cumsum(src_len)])
    to = numpy.concatenate([[0], numpy.cumsum(tgt_len)])
    pairs = [(src[so[i]:so[i + 1]], tgt[to[i]:to[i + 1]]) for i in range(len(src_len))]
    model = seq2seq.Seq2seq(1, int(src.max()) + 1, int(tgt.max()) + 1, int(data["n_units"]))
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(model)
    _init_weights(chainer, model, None, framework, init_path)
    it = chainer.iterators.SerialIterator(pairs, int(data["batchsize"]), shuffle=False)
    updater = chainer.training.updaters.StandardUpdater(
        it, optimizer, converter=seq2seq.convert, device=chainer.get_device("@numpy"))
    return _reported_losses(chainer, model, updater, int(data["iterations"]), 1)


def _reported_losses(chainer, model, updater, iterations, per_update):
    """Run updater.update() iterations times; the sum of the 'loss' values the
    model reports during each update."""
    step = []

    class Recording(chainer.reporter.Reporter):
        def report(self, values, observer=None):
            if "loss" in values:
                step.append(float(chainer.as_array(values["loss"])))
            return super().report(values, observer)

    reporter = Recording()
    reporter.add_observer("main", model)
    losses = []
    with chainer.using_config("train", False):
        for _ in range(iterations):
            del step[:]
            with reporter.scope({}):
                updater.update()
            if len(step) != per_update:
                raise RuntimeError("expected %d loss reports per update, got %d"
                                   % (per_update, len(step)))
            losses.append(sum(step))
    return losses


CASES = {"mnist": case_mnist, "ptb": case_ptb, "dqn": case_dqn,
         "text_classification_rnn": _text_classification("rnn"),
         "text_classification_cnn": _text_classification("cnn"),
         "text_classification_bow": _text_classification("bow"),
         "word2vec_skipgram_hsm": _word2vec("skipgram", "hsm"),
         "word2vec_skipgram_original": _word2vec("skipgram", "original"),
         "word2vec_cbow_hsm": _word2vec("cbow", "hsm"),
         "seq2seq": case_seq2seq}


def main():
    framework, case, example_dir, data_path, init_path, out_path = sys.argv[1:7]
    chainer = _framework(framework)
    numpy.random.seed(0)
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
