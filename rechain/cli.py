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
        "plan", help="measure a chain, plan it under a memory budget, check the plan",
        description="Build a benchmark chain (resmlp: h + l2(relu(bn(l1(h)))); mlp: "
                    "relu(Linear(h)); loss sum(h*h)/B), measure each block in one "
                    "forward+backward, plan what to keep and what to recompute under "
                    "--budget, print the plan, then run one training step with it and "
                    "print the predicted and measured peak memory and time.")
    plan.add_argument("--model", choices=("resmlp", "mlp"), default="resmlp",
                      help="the chain (default: resmlp)")
    plan.add_argument("--blocks", type=_positive(int), default=16,
                      help="blocks (default: 16)")
    plan.add_argument("--width", type=_positive(int), default=512,
                      help="width (default: 512)")
    plan.add_argument("--batch", type=_positive(int), default=2048,
                      help="batch size (default: 2048)")
    plan.add_argument("--budget", type=_budget, default="60%",
                      help="peak memory budget: bytes, '300MiB', or a percentage of the "
                           "store-all peak such as '60%%' (default: 60%%)")
    plan.add_argument("--planner", default="optimal", type=_planner_name,
                      help="optimal (default), sqrt, store_all, revolve or segments:K "
                           "(K >= 1 blocks per segment)")
    plan.add_argument("--no-run", action="store_true",
                      help="only plan: skip the measured training step")
    return parser


_PLANNERS = ("optimal", "sqrt", "store_all", "revolve")


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


def run_plan(args, out=None):
    """The ``rechain plan`` command."""
    import gc
    import time

    import numpy

    from rechain import demo
    from rechain import memory
    from rechain import recompute
    from rechain.recompute import apply

    out = sys.stdout if out is None else out
    planner = _planner(args.planner)
    blocks = demo.build_chain(args.model, args.blocks, args.width)
    x = numpy.random.default_rng(0).standard_normal((args.batch, args.width),
                                                    dtype=numpy.float32)
    costs = recompute.measure(blocks, x, repeat=1)
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
    for b in blocks:
        if hasattr(b, "cleargrads"):
            b.cleargrads()
    gc.collect()
    with memory.track() as tracker:
        t0 = time.perf_counter()
        xi = x.copy()   # the step's input is part of the step, as in the model
        recompute.run(blocks, xi, plan).backward()
        elapsed = time.perf_counter() - t0
    peak = tracker.peak
    print(f"measured : peak {peak / 2**20:.1f} MiB ({peak / plan.predicted_peak:.3f} of "
          f"predicted), time {elapsed:.3f} s (one step, under tracemalloc)", file=out)
    return 0


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
