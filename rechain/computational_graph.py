"""The computational graph behind a result, as Graphviz DOT text.

``build_computational_graph(outputs).dump()`` walks back from the outputs
through each variable's creator and each function's inputs, and writes one
DOT node per variable (an oval labelled with its name, shape and dtype) and
per function (a box labelled with the op's name), and one edge per use:
variable -> function for an input, function -> variable for an output. It
is Chainer's ``chainer.computational_graph`` with the same arguments.

Example:
    >>> y = F.relu(x * 2)
    >>> with open('graph.dot', 'w') as f:
    ...     f.write(build_computational_graph([y]).dump())
"""

import heapq

from rechain import function_node
from rechain import variable

_var_style = {"shape": "octagon", "fillcolor": "#E0E0E0", "style": "filled"}
_func_style = {"shape": "record", "fillcolor": "#6495ED", "style": "filled"}


def _quote(value):
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


class DotNode:
    """One node of the DOT output.

    Args:
        node (VariableNode or FunctionNode): The graph node.
        attribute (dict): DOT attributes added to (and overriding) the defaults.
        show_name (bool): Prefix a named variable's label with its name.
    """

    def __init__(self, node, attribute=None, show_name=True):
        if not isinstance(node, (variable.VariableNode, function_node.FunctionNode)):
            raise TypeError(f"DotNode: node must be a VariableNode or a FunctionNode, not "
                            f"{type(node).__name__}")
        self.node = node
        self.id_ = id(node)
        self.attribute = {"label": node.label}
        if isinstance(node, variable.VariableNode):
            if show_name and node.name is not None:
                self.attribute["label"] = f"{node.name}: {node.label}"
            self.attribute["shape"] = "oval"
        else:
            self.attribute["shape"] = "box"
        if attribute is not None:
            self.attribute.update(attribute)

    @property
    def label(self):
        """The DOT statement declaring this node."""
        attrs = ",".join(f"{k}={_quote(v)}" for k, v in self.attribute.items())
        return f"{self.id_} [{attrs}];"


class ComputationalGraph:
    """Nodes and edges of a graph, dumped as DOT by :meth:`dump`.

    Args:
        nodes (list): VariableNodes and FunctionNodes.
        edges (list of (head, tail)): Variable -> function (input) and
            function -> variable (output) pairs.
        variable_style (dict or 'default' or None): DOT attributes of
            variable nodes (None: Graphviz's own defaults).
        function_style (dict or 'default' or None): Likewise for functions.
        rankdir (str): ``'TB'``, ``'BT'``, ``'LR'`` or ``'RL'``.
        remove_variable (bool): Draw functions only, linked directly.
        show_name (bool): Show variable names in their labels.
    """

    def __init__(self, nodes, edges, variable_style="default", function_style="default",
                 rankdir="TB", remove_variable=False, show_name=True):
        if rankdir not in ("TB", "BT", "LR", "RL"):
            raise ValueError(f"ComputationalGraph: rankdir must be 'TB', 'BT', 'LR' or "
                             f"'RL', not {rankdir!r}")
        self.nodes = nodes
        self.edges = edges
        self.variable_style = _style(variable_style, _var_style, "variable_style")
        self.function_style = _style(function_style, _func_style, "function_style")
        self.rankdir = rankdir
        self.remove_variable = remove_variable
        self.show_name = show_name

    def _function_edges(self):
        """Edges between functions: f -> g where an output of f is an input of g."""
        creators = {}
        for head, tail in self.edges:
            if isinstance(head, function_node.FunctionNode):
                creators.setdefault(id(tail), []).append(head)
        edges = []
        for head, tail in self.edges:
            if isinstance(head, variable.VariableNode):
                for creator in creators.get(id(head), ()):
                    edges.append((creator, tail))
        return edges

    def _to_dot(self):
        lines = [f"digraph graphname{{rankdir={self.rankdir};"]
        for node in sorted(self.nodes, key=_node_order):
            if isinstance(node, variable.VariableNode):
                if not self.remove_variable:
                    lines.append(DotNode(node, self.variable_style, self.show_name).label)
            else:
                lines.append(DotNode(node, self.function_style, self.show_name).label)
        edges = self._function_edges() if self.remove_variable else self.edges
        drawn = set()
        for head, tail in sorted(edges, key=lambda e: (_node_order(e[0]), _node_order(e[1]))):
            pair = (id(head), id(tail))
            if pair in drawn:
                continue
            drawn.add(pair)
            lines.append(f"{pair[0]} -> {pair[1]};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def dump(self, format="dot"):
        """The graph as text; only ``format='dot'`` is supported."""
        if format != "dot":
            raise NotImplementedError(f"ComputationalGraph.dump: format {format!r} is not "
                                      f"supported (only 'dot')")
        return self._to_dot()


def _style(style, default, name):
    if style is None:
        return {}
    if isinstance(style, str):
        if style != "default":
            raise ValueError(f"build_computational_graph: {name} must be a dict, 'default' "
                             f"or None, not {style!r}")
        return dict(default)
    return dict(style)


def _node_order(node):
    # Deterministic output: by rank, then functions after variables, then label.
    is_function = isinstance(node, function_node.FunctionNode)
    return (node.rank, is_function, str(node.label), id(node))


def build_computational_graph(outputs, remove_split=True, variable_style="default",
                              function_style="default", rankdir="TB", remove_variable=False,
                              show_name=True):
    """Collect the graph that produced ``outputs``.

    Args:
        outputs: A Variable, VariableNode or FunctionNode, or a list of them.
        remove_split (bool): Must be True (Chainer's removed option).
        variable_style, function_style, rankdir, remove_variable, show_name:
            See :class:`ComputationalGraph`.

    Returns:
        ComputationalGraph: Call ``.dump()`` for the DOT text.

    Example:
        >>> g = build_computational_graph([loss]); print(g.dump()[:25])
        digraph graphname{rankdir=TB;
    """
    if not remove_split:
        raise ValueError("build_computational_graph: remove_split=False is not supported")
    kinds = (variable.Variable, variable.VariableNode, function_node.FunctionNode)
    if isinstance(outputs, kinds):
        outputs = [outputs]
    outputs = list(outputs)
    for i, o in enumerate(outputs):
        if not isinstance(o, kinds):
            raise TypeError(f"build_computational_graph: outputs[{i}] must be a Variable, "
                            f"VariableNode or FunctionNode, not {type(o).__name__}")
    heap = []
    counter = 0
    nodes = {}
    edges = {}

    def push(node):
        nonlocal counter
        heapq.heappush(heap, (-node.rank, counter, node))
        counter += 1

    for o in outputs:
        if isinstance(o, variable.Variable):
            o = o.node
        nodes[id(o)] = o
        push(o)
    while heap:
        _, _, node = heapq.heappop(heap)
        if isinstance(node, variable.VariableNode):
            creator = node.creator
            if creator is not None and (id(creator), id(node)) not in edges:
                edges[(id(creator), id(node))] = (creator, node)
                nodes[id(creator)] = creator
                push(creator)
        else:
            for input_node in node.inputs or ():
                if (id(input_node), id(node)) not in edges:
                    edges[(id(input_node), id(node))] = (input_node, node)
                    nodes[id(input_node)] = input_node
                    push(input_node)
    return ComputationalGraph(list(nodes.values()), list(edges.values()), variable_style,
                              function_style, rankdir, remove_variable, show_name)
