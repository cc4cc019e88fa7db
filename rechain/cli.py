"""The ``rechain`` command.

Every error it reports is one line on stderr, ``rechain COMMAND: error: ...``,
with exit status 2, and comes before any long work when the arguments alone
show it (a planner name, a budget no plan can meet).
"""

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _fail(command, message):
    """A one-line error of ``rechain COMMAND``: exit status 2, as argparse's."""
    print(f"rechain {command}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an {kind.__name__}, got {text!r}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def _runs(text):
    runs = tuple(r.strip() for r in text.split(",") if r.strip())
    bad = [r for r in runs if r not in ("plain", "forget", "planned")]
    if not runs or bad:
        raise argparse.ArgumentTypeError(
            f"--runs takes a comma-separated list of 'plain', 'forget' and 'planned', "
            f"got {text!r}")
    return runs


def _budget(text):
    from rechain.recompute import apply
    try:
        return apply.parse_budget(text)
    except (ValueError, TypeError) as e:
        raise argparse.ArgumentTypeError(str(e))


def build_parser():
    from rechain import __version__
    parser = _Parser(
        prog="rechain",
        description="rechain: memory-efficient deep learning with Chainer's API.")
    parser.add_argument("--version", action="version", version=f"rechain {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    demo = sub.add_parser(
        "demo", help="train a deep residual network on the digits, plain and with forget",
        description="Train a deep residual network (blocks of Linear, BatchNorm, ReLU, "
                    "Linear with a skip) on the 1,797 8x8 UCI digits shipped with rechain, "
                    "once plainly and once with every block under F.forget, from the same "
                    "seed; then print seconds per epoch, the peak memory of one training "
                    "step, the test accuracy, and the largest difference between the two "
                    "runs' losses (0: forget changes memory, not results).")
    demo.add_argument("--blocks", type=_positive(int), default=32,
                      help="residual blocks (default: 32)")
    demo.add_argument("--width", type=_positive(int), default=96,
                      help="width of each block (default: 96)")
    demo.add_argument("--batch-size", type=_positive(int), default=256,
                      help="minibatch size (default: 256)")
    demo.add_argument("--epochs", type=_positive(int), default=30,
                      help="training epochs (default: 30)")
    demo.add_argument("--runs", type=_runs, default=None,
                      help="which runs to make, comma-separated among plain, forget and "
                           "planned (default: plain,forget, and planned with --budget)")
    demo.add_argument("--budget", type=_budget, default=None,
                      help="add a 'planned' run whose forget regions are placed by the "
                           "optimal planner for this peak: bytes, '300MiB', or a "
                           "percentage of the blocks' store-all peak such as '60%%'")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    demo.add_argument("--distributed", action="store_true",
                      help="train data-parallel over the processes of an MPI job, e.g. "
                           "mpirun -np 2 rechain demo --distributed (needs mpi4py: pip "
                           "install 'rechain[mpi]'); --batch-size stays the global batch")

    plan = sub.add_parser(
        "plan", help="plan a model under a memory budget and check the plan",
        description="Chains (resmlp: h + l2(relu(bn(l1(h)))); mlp: relu(Linear(h)); loss "
                    "sum(h*h)/B): measure each block, plan what to keep and what to "
                    "recompute under --budget, print the plan, then run training steps with "
                    "it and print the predicted and measured peak memory and time. Models "
                    "that are not chains (resnet, unet, transformer, lstm, from rechain.zoo): "
                    "train one step plainly and one under rechain.recompute.budget(--budget) "
                    "and print the saved-activation peaks, what was evicted and recomputed, "
                    "the times, and whether the gradients are bitwise equal.")
    plan.add_argument("--model", choices=_MODELS, default="resmlp",
                      help="the model (default: resmlp); resmlp and mlp are chains, the "
                           "others go through the op-level budget")
    plan.add_argument("--blocks", type=_positive(int), default=16,
                      help="chains: blocks (default: 16)")
    plan.add_argument("--width", type=_positive(int), default=512,
                      help="chains: width (default: 512)")
    plan.add_argument("--batch", type=_positive(int), default=2048,
                      help="chains: batch size (default: 2048)")
    plan.add_argument("--size", choices=("small", "bench"), default="bench",
                      help="other models: rechain.zoo size (default: bench)")
    plan.add_argument("--budget", type=_budget, default="60%",
                      help="peak memory budget: bytes, '300MiB', or a percentage such as "
                           "'60%%' of the store-all peak (chains) or of the plain step's "
                           "saved activations (other models) (default: 60%%)")
    plan.add_argument("--planner", default="optimal", type=_planner_name,
                      help="chains: optimal (default), sqrt, store_all, revolve or "
                           "segments:K (K >= 1 blocks per segment)")
    plan.add_argument("--repeat", type=_positive(int), default=3,
                      help="timed steps whose median is reported (default: 3)")
    plan.add_argument("--no-run", action="store_true",
                      help="only plan: skip the measured training steps")
    return parser


_PLANNERS = ("optimal", "sqrt", "store_all", "revolve")
_CHAINS = ("resmlp", "mlp")
_MODELS = _CHAINS + ("resnet", "unet", "transformer", "lstm")


def _planner_name(name):
    """Check a --planner value (argparse type): a planner name or segments:K."""
    if name.startswith("segments:"):
        text = name.split(":", 1)[1]
        try:
            k = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"segments:K needs an int K, got {text!r}") from None
        if k < 1:
            raise argparse.ArgumentTypeError(f"segments:K needs K >= 1, got {k}")
        return name
    if name not in _PLANNERS:
        raise argparse.ArgumentTypeError(
            f"unknown planner {name!r} (optimal, sqrt, store_all, revolve, segments:K)")
    return name


def _planner(name):
    from rechain import recompute
    if name.startswith("segments:"):
        return recompute.segments(int(name.split(":", 1)[1]))
    return getattr(recompute, _planner_name(name))


def _median_seconds(fn, repeat):
    import gc
    import statistics
    import time
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_plan(args, out=None):
    """The ``rechain plan`` command."""
    out = sys.stdout if out is None else out
    if args.model not in _CHAINS:
        return _run_budget(args, out)
    import numpy

    from rechain import demo
    from rechain import memory
    from rechain import recompute
    from rechain.recompute import apply

    planner = _planner(args.planner)
    blocks = demo.build_chain(args.model, args.blocks, args.width)
    x = numpy.random.default_rng(0).standard_normal((args.batch, args.width),
                                                    dtype=numpy.float32)
    if isinstance(args.budget, int) and args.budget < 2 * x.nbytes:
        # before measuring: the first block's forward holds its input and its
        # output (the width is the same all along) whatever the plan
        _fail("plan", f"no plan fits a budget of {args.budget} bytes: the chain's input and "
                      f"its first block's output alone take {2 * x.nbytes} bytes, so the "
                      f"smallest feasible budget is more than that")
    costs = recompute.measure(blocks, x)
    budget = apply.resolve_budget(args.budget, costs)
    try:
        plan = planner(costs, budget)
    except ValueError as e:  # InfeasibleBudget, revolve on unequal blocks
        hint = ""
        if args.planner == "revolve" and not isinstance(e, recompute.InfeasibleBudget):
            hint = (" (the chain's last block is its loss, unlike the others, so revolve "
                    "does not apply to it; use --planner optimal)")
        _fail("plan", f"{e}{hint}")
    print(plan, file=out)
    full = recompute.store_all(costs)
    print(f"store_all: predicted peak {full.predicted_peak / 2**20:.1f} MiB, "
          f"time {full.predicted_time:.3f} s", file=out)
    print(f"plan     : predicted peak {plan.predicted_peak / 2**20:.1f} MiB, "
          f"time {plan.predicted_time:.3f} s", file=out)
    if args.no_run:
        return 0

    def step():
        for b in blocks:
            if hasattr(b, "cleargrads"):
                b.cleargrads()
        xi = x.copy()   # the step's input is part of the step, as in the model
        recompute.run(blocks, xi, plan).backward()

    step()              # warm
    with memory.track() as tracker:
        step()
    peak = tracker.peak
    elapsed = _median_seconds(step, args.repeat)
    print(f"measured : peak {peak / 2**20:.1f} MiB ({peak / plan.predicted_peak:.3f} of "
          f"predicted, one traced step), time {elapsed:.3f} s ({elapsed / plan.predicted_time:.3f} "
          f"of predicted, median of {args.repeat} untraced steps)", file=out)
    return 0


def _run_budget(args, out):
    """``rechain plan --model NAME`` for a model that is not a chain: the op-level budget."""
    import numpy

    from rechain import recompute
    from rechain.recompute import apply
    import importlib
    try:
        zoo = importlib.import_module("rechain.zoo")
    except ImportError:
        _fail("plan", f"--model {args.model} needs rechain.zoo, which this installation lacks")
    make_budget = getattr(recompute, "budget", None)
    if make_budget is None:
        _fail("plan", f"--model {args.model} needs rechain.recompute.budget, which this "
                      f"installation lacks")
    if args.planner != "optimal":
        _fail("plan", f"--planner is for chains; --model {args.model} is not a chain and goes "
                      f"through rechain.recompute.budget")
    model, batch_fn, loss_fn = zoo.make(args.model, size=args.size, seed=0)
    batch = batch_fn(0)

    def step(limit=None):
        model.cleargrads()
        if limit is None:
            loss_fn(model, *batch).backward()
            return None
        with make_budget(limit) as b:
            loss_fn(model, *batch).backward()
        return b

    def grads():
        return {name: p.grad.copy() for name, p in model.namedparams() if p.grad is not None}

    state = _rng_state()
    try:
        plain = step(1 << 50)   # accounted, nothing evicted: the plain step's saved bytes
    except (ValueError, TypeError, RuntimeError) as e:
        _fail("plan", f"--model {args.model}: {e}")
    reference = plain.stats["peak_saved_bytes"]
    budget = args.budget
    if isinstance(budget, apply.Percent):
        budget = max(1, int(reference * budget.fraction))
    print(f"{args.model} ({args.size}): plain step keeps {reference / 2**20:.2f} MiB of saved "
          f"activations at its peak; budget {budget / 2**20:.2f} MiB ({budget:,} B, "
          f"{budget / max(reference, 1):.0%})", file=out)
    if args.no_run:
        return 0
    _rng_state(state)
    step()
    plain_grads = grads()
    _rng_state(state)
    try:
        b = step(budget)
    except (ValueError, TypeError, RuntimeError) as e:
        _fail("plan", f"--budget {budget} B for --model {args.model}: {e}")
    st = b.stats
    # the budget could not be kept: eviction ran out of candidates (the
    # mechanism's own count), or, without that count, a peak 5% over
    if st.get("over_budget", st["peak_saved_bytes"] > 1.05 * budget):
        _fail("plan", f"--budget {budget} B ({budget / 2**20:.2f} MiB) cannot be kept by "
                      f"--model {args.model}: evicting all it could, the step still held "
                      f"{st['peak_saved_bytes']:,} B of saved arrays at once; give at least that")
    same = all(numpy.array_equal(g, plain_grads[name]) for name, g in grads().items()) \
        and set(grads()) == set(plain_grads)
    t_plain = _median_seconds(lambda: (_rng_state(state), step()), args.repeat)
    t_budget = _median_seconds(lambda: (_rng_state(state), step(budget)), args.repeat)
    print(f"budget   : peak {st['peak_saved_bytes'] / 2**20:.2f} MiB "
          f"({st['peak_saved_bytes'] / budget:.3f} of the budget), evicted "
          f"{st['evicted_bytes'] / 2**20:.2f} MiB, {st['recomputations']} recomputations "
          f"({st['recompute_seconds']:.3f} s)", file=out)
    print(f"time     : plain {t_plain:.3f} s, budget {t_budget:.3f} s "
          f"({t_budget / t_plain:.2f}x; median of {args.repeat} untraced steps)", file=out)
    print(f"gradients: {'bitwise equal to' if same else 'DIFFERENT from'} the plain step's",
          file=out)
    return 0


def _rng_state(state=None):
    """Get (no argument) or set rechain's random stream, so both steps draw alike."""
    from rechain import random as _random
    if state is None:
        return _random.get_state()
    _random.set_state(state)
    return state


def _join_dash_values(argv, options=("--budget",)):
    """``--budget -5%`` -> ``--budget=-5%``: argparse would take ``-5%`` for an
    option and say "expected one argument"; the budget's own check then says
    what is wrong with it."""
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in options and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and argv[i + 1] not in ("-h", "--help") and not argv[i + 1].startswith("--"):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv=None):
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_join_dash_values(argv))
    if args.command == "plan":
        return run_plan(args)
    runs = args.runs
    if runs is None:
        runs = ("plain", "forget") + (("planned",) if args.budget is not None else ())
    if "planned" in runs and args.budget is None:
        _fail("demo", "the 'planned' run needs --budget")
    from rechain import demo
    if "planned" in runs:  # an infeasible budget fails now, not after the other runs
        from rechain import recompute
        try:
            demo.check_budget(args.budget, n_blocks=args.blocks, width=args.width,
                              batch_size=args.batch_size, seed=args.seed)
        except recompute.InfeasibleBudget as e:
            _fail("demo", f"--budget: {e}")
    comm = _communicator() if args.distributed else None
    demo.run_demo(runs=runs, progress=not args.no_progress, n_blocks=args.blocks,
                  width=args.width, batch_size=args.batch_size, epochs=args.epochs,
                  seed=args.seed, budget=args.budget, comm=comm)
    return 0


def _communicator():
    """The MPI communicator of ``rechain demo --distributed`` (one-line error
    without mpi4py; a note when the job has one process)."""
    try:
        from rechain import distributed
        comm = distributed.create_communicator()
    except ImportError as e:
        _fail("demo", f"--distributed: {e}")
    if comm.size == 1:
        print("note: --distributed with 1 process; start several with "
              "mpirun -np 2 rechain demo --distributed", file=sys.stderr)
    return comm


if __name__ == "__main__":
    sys.exit(main())
