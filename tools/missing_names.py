"""List the public names of Chainer's main modules that rechain lacks.

Usage: python tools/missing_names.py /path/to/chainer-checkout [--markdown]

Reads the names each Chainer ``__init__.py`` binds (by parsing it, without
importing Chainer), imports the rechain module of the same name, and prints
what rechain does not have. Used to keep the README's "What is not there yet"
list true.
"""

import argparse
import ast
import importlib
import os
import sys

# the checkout's rechain, when run from a clone without installing it
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODULES = [
    ("chainer", "rechain"),
    ("chainer.functions", "rechain.functions"),
    ("chainer.links", "rechain.links"),
    ("chainer.optimizers", "rechain.optimizers"),
    ("chainer.optimizer_hooks", "rechain.optimizer_hooks"),
    ("chainer.initializers", "rechain.initializers"),
    ("chainer.function_hooks", "rechain.function_hooks"),
    ("chainer.link_hooks", "rechain.link_hooks"),
    ("chainer.datasets", "rechain.datasets"),
    ("chainer.dataset", "rechain.dataset"),
    ("chainer.iterators", "rechain.iterators"),
    ("chainer.serializers", "rechain.serializers"),
    ("chainer.training", "rechain.training"),
    ("chainer.training.extensions", "rechain.training.extensions"),
    ("chainer.training.triggers", "rechain.training.triggers"),
    ("chainer.training.updaters", "rechain.training.updaters"),
    ("chainer.backends.cuda", "rechain.backends.cuda"),
    ("chainer.utils", "rechain.utils"),
    ("chainer.reporter", "rechain.reporter"),
    ("chainer.distributions", "rechain.distributions"),
    ("chainer.testing", "rechain.testing"),
]


def chainer_names(root, module):
    """Public names bound at the top level of ``module``'s source file."""
    path = os.path.join(root, *module.split("."))
    path = os.path.join(path, "__init__.py") if os.path.isdir(path) else path + ".py"
    if not os.path.exists(path):
        raise FileNotFoundError(f"missing_names: {module} not found at {path}")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chainer"):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names.add(t.id)
    # helper modules a Chainer module imports for itself, not API
    skip = {"chainerx", "chainer", "backend", "configuration", "variable", "intel64",
            "serializer_module", "initializer", "function", "function_node", "link",
            "optimizer", "utils", "types", "cuda", "_cpu"}
    return sorted(n for n in names if not n.startswith("_") and n not in skip)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chainer_root", help="path of a Chainer v7 checkout")
    parser.add_argument("--markdown", action="store_true", help="print a markdown list")
    args = parser.parse_args(argv)
    total = missing_total = 0
    for cmod, rmod in MODULES:
        names = chainer_names(args.chainer_root, cmod)
        try:
            target = importlib.import_module(rmod)
        except ImportError:
            missing = names
        else:
            missing = [n for n in names if not hasattr(target, n)]
        total += len(names)
        missing_total += len(missing)
        if args.markdown:
            if missing:
                print(f"- `{cmod}` ({len(missing)} of {len(names)}): "
                      + ", ".join(f"`{n}`" for n in missing))
        else:
            print(f"{cmod}: {len(names) - len(missing)}/{len(names)} present")
            if missing:
                print("  missing: " + " ".join(missing))
    print(f"\n{total - missing_total} of {total} names present", file=sys.stderr)


if __name__ == "__main__":
    main()
