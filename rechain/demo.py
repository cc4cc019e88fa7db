"""The demo: train a deep residual network on the digits, plainly and with forget.

``rechain demo`` runs :func:`run_demo`. Both runs start from the same seed, so
their losses must agree exactly: forget changes what is kept in memory, not
what is computed.
"""

import contextlib
import gc
import sys
import time
import tracemalloc

import numpy

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import datasets
from rechain import iterators
from rechain import optimizers
from rechain.dataset import concat_examples


class ResBlock(rechain.Chain):
    """h + l2(relu(bn(l1(h)))): the resmlp block of DESIGN §5.

    Args:
        width (int): Features in and out.
        l2_initializer: Initializer of ``l2.W`` (None: Linear's default).
        lean (bool): Use ``L.BatchNormalizationReLU`` and ``F.lean_apply``: the
            same outputs and gradients bit for bit, one array of ``h``'s size
            less kept per block (Note [lean blocks] in
            ``rechain.functions.normalization.batch_normalization_relu``). The
            parameters and npz keys are the same either way.
    """

    def __init__(self, width, l2_initializer=None, lean=False):
        super().__init__()
        self.lean = lean
        with self.init_scope():
            self.l1 = L.Linear(width, width)
            self.bn = L.BatchNormalizationReLU(width) if lean else L.BatchNormalization(width)
            self.l2 = L.Linear(width, width, initialW=l2_initializer)

    def forward(self, h):
        if self.lean:
            return h + F.lean_apply(self.l2, self.bn(self.l1(h)))
        return h + self.l2(F.relu(self.bn(self.l1(h))))


class ResNet(rechain.Chain):
    """Input projection, ``n_blocks`` residual blocks, classifier."""

    def __init__(self, n_blocks, width, n_in=64, n_out=10):
        super().__init__()
        with self.init_scope():
            self.inp = L.Linear(n_in, width)
            # A small l2 makes each residual branch start near zero: deep and stable.
            self.blocks = rechain.ChainList(
                *[ResBlock(width, rechain.initializers.Normal(0.01)) for _ in range(n_blocks)])
            self.out = L.Linear(width, n_out)

    def forward(self, x, mode="plain"):
        h = self.inp(x)
        if mode == "planned":
            h = self.planned(h)
        else:
            for block in self.blocks:
                h = F.forget(block, h) if mode == "forget" else block(h)
        return self.out(F.relu(h))


def _progress(total, desc, enabled):
    """A tqdm progress bar if tqdm is installed, else a minimal stand-in."""
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit="it", leave=True, file=sys.stderr)


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass


class _TextBar(_NoBar):
    def __init__(self, total, desc):
        self.total, self.desc, self.n = total, desc, 0

    def update(self, n=1):
        self.n += n
        if self.n == self.total or self.n % max(1, self.total // 10) == 0:
            print(f"{self.desc}: {self.n}/{self.total}", file=sys.stderr)


MODES = ("plain", "forget", "planned")

_NO_THREADPOOLCTL = ("note: threadpoolctl is not installed, so BLAS runs with its default "
                     "number of threads, which is slow for the demo's small matrices on a "
                     "busy machine; pip install threadpoolctl (or rechain[demo]), or set "
                     "OMP_NUM_THREADS=1")


@contextlib.contextmanager
def blas_threads(n, warn=True):
    """Limit BLAS to ``n`` threads (threadpoolctl) while the block runs.

    The demo's matrices are small (96 wide): on a loaded machine BLAS's own
    threads slow it down several times and make results depend on the
    thread count. Without threadpoolctl nothing is limited, and a note says
    so on stderr (``warn``). ``n=None`` leaves BLAS alone.
    """
    if n is None:
        yield
        return
    try:
        import threadpoolctl
    except ImportError:
        if warn:
            print(_NO_THREADPOOLCTL, file=sys.stderr)
        yield
        return
    with threadpoolctl.threadpool_limits(limits=n, user_api="blas"):
        yield


def iterations(n_examples, batch_size, epochs):
    """Training iterations of ``epochs`` epochs: batches run across epoch
    boundaries (SerialIterator), so this is ceil(epochs * n / batch_size)."""
    return -(-epochs * n_examples // batch_size)


def train(mode, n_blocks=32, width=96, batch_size=256, epochs=30, seed=0, progress=True,
          budget=None, blas=1, comm=None):
    """Train one model; return a dict of measurements.

    Args:
        mode (str): ``'plain'``, ``'forget'`` (each block under F.forget) or
            ``'planned'`` (forget regions placed by ``rechain.recompute.optimal``
            for ``budget``).
        budget: For ``'planned'``: bytes, ``"300MiB"`` or ``"60%"`` of the
            blocks' store-all peak.
        n_blocks, width: Size of the network.
        batch_size, epochs: Training schedule.
        seed (int): Seeds parameters, shuffling and the framework RNG.
        progress (bool): Show a progress bar.
        blas (int or None): BLAS threads while training (see :func:`blas_threads`;
            None: as the environment says).
        comm: A ``rechain.distributed`` communicator: train data-parallel,
            each process on its part of the training set (``scatter_dataset``)
            with ``batch_size // comm.size`` examples per step, gradients
            averaged over the processes (``create_multi_node_optimizer``), so
            the global batch is ``batch_size`` as in one process. Every
            process plans its own recomputation. Progress shows on rank 0.

    Returns:
        dict with ``losses`` (per iteration), ``seconds_per_epoch``,
        ``peak_bytes`` (one training step, tracemalloc) and ``accuracy``.
    """
    if mode not in MODES:
        raise ValueError(f"train: mode must be 'plain', 'forget' or 'planned', not {mode!r}")
    if mode == "planned" and budget is None:
        raise ValueError("train: mode 'planned' needs a budget")
    rechain.random.seed(seed)
    train_set, test_set = datasets.get_digits()
    model = ResNet(n_blocks, width)
    if mode == "planned":
        model.planned = model.blocks.forget(budget=budget)
    opt = optimizers.Adam(alpha=1e-3)
    if comm is not None:
        from rechain import distributed
        train_set = distributed.scatter_dataset(train_set, comm, shuffle=True, seed=seed)
        batch_size = max(1, batch_size // comm.size)
        opt = distributed.create_multi_node_optimizer(opt, comm)
        progress = progress and comm.rank == 0
    opt.setup(model)
    it = iterators.SerialIterator(train_set, batch_size, shuffle=True,
                                  seed=seed if comm is None else seed + comm.rank)
    n_iter = iterations(len(train_set), batch_size, epochs)
    bar = _progress(n_iter, f"{mode:>6}", progress)
    losses = []
    with blas_threads(blas, warn=False):
        start = time.perf_counter()
        peak = _loop(model, opt, it, epochs, mode, bar, losses)
        if comm is not None:  # the ranks' running statistics of BN, averaged
            from rechain.distributed import extensions as dext
            dext.AllreducePersistent(model, comm)()
        elapsed = time.perf_counter() - start
        accuracy = evaluate(model, test_set)
    result = {"mode": mode, "losses": numpy.array(losses), "seconds_per_epoch": elapsed / epochs,
              "peak_bytes": peak, "accuracy": accuracy}
    if comm is not None:
        result["processes"] = comm.size
    if mode == "planned":
        result["plan"] = model.planned.plan
    return result


def _loop(model, opt, it, epochs, mode, bar, losses):
    """The training loop of :func:`train`; returns the peak bytes of its second step."""
    peak = 0
    try:
        while it.epoch < epochs:
            x, t = concat_examples(next(it))
            measure = len(losses) == 1  # the second step: warm, shapes known
            if measure:
                gc.collect()
                tracemalloc.start()
                base = tracemalloc.get_traced_memory()[0]
            model.cleargrads()
            loss = F.softmax_cross_entropy(model(x, mode), t)
            loss.backward()
            if measure:
                peak = tracemalloc.get_traced_memory()[1] - base
                tracemalloc.stop()
            opt.update()
            losses.append(float(loss.array))
            bar.update(1)
            if len(losses) % 10 == 0:
                bar.set_postfix_str(f"loss {losses[-1]:.4f}")
    finally:
        bar.close()
    return peak


def evaluate(model, dataset, batch_size=512):
    """Test accuracy with batch statistics replaced by running averages."""
    correct = 0
    with rechain.using_config("train", False), rechain.no_backprop_mode():
        for i in range(0, len(dataset), batch_size):
            x, t = concat_examples(dataset[i:i + batch_size])
            correct += int((model(x).array.argmax(axis=1) == t).sum())
    return correct / len(dataset)


def format_table(results):
    """The summary table printed by ``rechain demo``."""
    header = f"{'run':<8}{'s/epoch':>10}{'peak step memory':>20}{'test accuracy':>16}"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(f"{r['mode']:<8}{r['seconds_per_epoch']:>10.3f}"
                     f"{r['peak_bytes'] / 2**20:>16.2f} MiB{r['accuracy'] * 100:>15.2f}%")
    if len(results) >= 2:
        first = results[0]
        diff = max(float(numpy.abs(r["losses"] - first["losses"]).max()) for r in results[1:])
        lines.append(f"largest difference between the runs' losses: {diff:.3g}")
        for r in results[1:]:
            if first["peak_bytes"] and r["peak_bytes"]:
                lines.append(f"peak memory {r['mode']} / {first['mode']}: "
                             f"{r['peak_bytes'] / first['peak_bytes']:.2f}")
    for r in results:
        if "plan" in r:
            lines.append(f"plan of the 'planned' run: {r['plan'].schedule}")
    return "\n".join(lines)


def run_demo(runs=("plain", "forget"), progress=True, out=None, budget=None, blas=1,
             comm=None, **kwargs):
    """Train once per mode in ``runs`` and print the comparison table.

    BLAS is limited to ``blas`` threads (see :func:`blas_threads`); without
    threadpoolctl a note says so on stderr. With ``comm`` (a
    ``rechain.distributed`` communicator) every run is data-parallel over
    its processes (see :func:`train`) and rank 0 prints the table (its own
    losses and peak memory; the model is the same on every rank).
    """
    if comm is not None and comm.rank != 0:
        out = _Discard()
    out = sys.stdout if out is None else out
    if blas is not None and (comm is None or comm.rank == 0):
        try:
            import threadpoolctl  # noqa: F401
        except ImportError:
            print(_NO_THREADPOOLCTL, file=sys.stderr)
    results = []
    for mode in runs:
        results.append(train(mode, progress=progress, blas=blas, comm=comm,
                             budget=budget if mode == "planned" else None, **kwargs))
    if comm is not None:
        print(f"data-parallel over {comm.size} processes, "
              f"{max(1, kwargs.get('batch_size', 256) // comm.size)} examples per process "
              f"per step", file=out)
    print(format_table(results), file=out)
    return results


class _Discard:
    def write(self, text):
        pass

    def flush(self):
        pass


def check_budget(budget, n_blocks=32, width=96, batch_size=256, seed=0):
    """Plan the 'planned' run's blocks for ``budget`` without training.

    Measures the blocks once on a batch of the training shape and plans them
    as :func:`train` will, so that an infeasible budget fails in seconds, before
    any run trains. Raises ``rechain.recompute.InfeasibleBudget`` (or
    ValueError for a malformed budget); returns the plan.
    """
    from rechain import recompute
    from rechain.recompute import apply
    rechain.random.seed(seed)
    blocks = list(ResNet(n_blocks, width).blocks)
    x = numpy.zeros((batch_size, width), numpy.float32)
    parsed = budget if isinstance(budget, (int, float)) else apply.parse_budget(budget)
    costs = recompute.measure(blocks, x, repeat=1)
    return recompute.optimal(costs, apply.resolve_budget(parsed, costs))


# -- models of the ``rechain plan`` command --------------------------------------------

def _mean_square(h):
    return F.sum(h * h) * (1.0 / h.shape[0])


def build_chain(model, n_blocks, width, seed=0):
    """The blocks (and the loss as the last one) of a benchmark chain.

    Args:
        model (str): ``'resmlp'``: ``h + l2(relu(bn(l1(h))))``; ``'mlp'``:
            ``relu(Linear(h))``. The loss is ``sum(h*h)/B``.
    """
    rechain.random.seed(seed)
    if model == "resmlp":
        blocks = [ResBlock(width) for _ in range(n_blocks)]
    elif model == "mlp":
        blocks = [rechain.Sequential(L.Linear(width, width), F.relu) for _ in range(n_blocks)]
    else:
        raise ValueError(f"build_chain: model must be 'resmlp' or 'mlp', not {model!r}")
    return blocks + [_mean_square]
