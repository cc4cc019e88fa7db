"""Static check of tools/chainer_examples.py: which rechain names an example uses are absent.

    python _examples_probe.py FILE.py [FILE.py ...]   (files already rewritten)

Prints one JSON object {name: [file:line, ...]} of the dotted names that do
not resolve. A name is every ``from rechain[.x] import y`` and every
attribute chain rooted at a name bound by a rechain import (``chainer.x.y``,
``F.relu``, ``extensions.LogReport``), resolved module by module and through
classes; the chain stops at the first object that is neither a module nor a
class (a function, a config object), whose attributes are not checked.
"""

import ast
import importlib
import inspect
import json
import sys


def _is_rechain(name):
    return name == "rechain" or name.startswith("rechain.")


def aliases_and_imports(tree):
    """({local name: dotted rechain path}, [(dotted name, lineno) of from-imports])."""
    alias = {}
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _is_rechain(a.name):
                    if a.asname:
                        alias[a.asname] = a.name
                    else:
                        alias["rechain"] = "rechain"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and _is_rechain(node.module):
            for a in node.names:
                if a.name == "*":
                    continue
                full = node.module + "." + a.name
                alias[a.asname or a.name] = full
                imported.append((full, node.lineno))
    return alias, imported


def _chain(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def attribute_chains(tree, alias):
    """[(dotted rechain name, lineno)] for the maximal attribute chains on aliases."""
    out = []
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            v = node.value
            while isinstance(v, ast.Attribute):
                inner.add(id(v))
                v = v.value
            parts = _chain(node)
            if parts and parts[0] in alias:
                # A name assigned locally (e.g. a parameter named F) would
                # shadow the import; examples do not do that.
                out.append((".".join([alias[parts[0]]] + parts[1:]), node.lineno))
    return out


def resolve(dotted):
    """None when the name resolves, else the first prefix that does not."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    path = parts[0]
    for p in parts[1:]:
        if not (inspect.ismodule(obj) or inspect.isclass(obj)):
            return None
        nxt = path + "." + p
        if hasattr(obj, p):
            obj = getattr(obj, p)
        elif inspect.ismodule(obj):
            try:
                obj = importlib.import_module(nxt)
            except ModuleNotFoundError as e:
                if e.name and (e.name == nxt or nxt.startswith(e.name + ".")):
                    return nxt
                raise
        else:
            return nxt
        path = nxt
    return None


def probe(files):
    missing = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        alias, imported = aliases_and_imports(tree)
        for dotted, lineno in imported + attribute_chains(tree, alias):
            try:
                bad = resolve(dotted)
            except Exception as e:  # importing the module itself failed
                bad = "%s (import raised %s: %s)" % (dotted.split(".")[0], type(e).__name__, e)
            if bad:
                where = "%s:%d" % (path, lineno)
                if where not in missing.setdefault(bad, []):
                    missing[bad].append(where)
    return missing


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1:]), sort_keys=True))
