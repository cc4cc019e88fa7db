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
    bad = [r for r in runs if r not in ("plain", "forget")]
    if not runs or bad:
        raise argparse.ArgumentTypeError(
            f"--runs takes a comma-separated list of 'plain' and 'forget', got {text!r}")
    return runs


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
    demo.add_argument("--epochs", type=_positive(int), default=20,
                      help="training epochs (default: 20)")
    demo.add_argument("--runs", type=_runs, default=("plain", "forget"),
                      help="which runs to make, comma-separated (default: plain,forget)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from rechain import demo
        demo.run_demo(runs=args.runs, progress=not args.no_progress, n_blocks=args.blocks,
                      width=args.width, batch_size=args.batch_size, epochs=args.epochs,
                      seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
