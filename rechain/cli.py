"""The ``rechain`` command."""

import argparse
import sys


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
    parser = argparse.ArgumentParser(
        prog="rechain",
        description="rechain: memory-efficient deep learning with Chainer's API.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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
    plan.add_argument("--budget", type=_budget, default=0.6,
                      help="peak memory budget: bytes, '300MiB', or a percentage of the "
                           "store-all peak such as '60%%' (default: 60%%)")
    plan.add_argument("--planner", default="optimal",
                      help="optimal (default), sqrt, store_all, revolve or segments:K")
    plan.add_argument("--no-run", action="store_true",
                      help="only plan: skip the measured training step")
    return parser


def _planner(name):
    from rechain import recompute
    if name.startswith("segments:"):
        try:
            k = int(name.split(":", 1)[1])
        except ValueError:
            raise SystemExit(f"rechain plan: --planner segments:K needs an int K, got {name!r}")
        return recompute.segments(k)
    if name not in ("optimal", "sqrt", "store_all", "revolve"):
        raise SystemExit(f"rechain plan: unknown planner {name!r} (optimal, sqrt, store_all, "
                         f"revolve, segments:K)")
    return getattr(recompute, name)


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
    except recompute.InfeasibleBudget as e:
        print(f"rechain plan: {e}", file=sys.stderr)
        return 1
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


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "plan":
        return run_plan(args)
    runs = args.runs
    if runs is None:
        runs = ("plain", "forget") + (("planned",) if args.budget is not None else ())
    if "planned" in runs and args.budget is None:
        parser.error("demo: the 'planned' run needs --budget")
    from rechain import demo
    demo.run_demo(runs=runs, progress=not args.no_progress, n_blocks=args.blocks,
                  width=args.width, batch_size=args.batch_size, epochs=args.epochs,
                  seed=args.seed, budget=args.budget)
    return 0


if __name__ == "__main__":
    sys.exit(main())
