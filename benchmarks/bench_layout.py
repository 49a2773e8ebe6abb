"""Graph layout benchmark: the layered layout of ~2,000-node graphs (the issue asks for under 1 s).

Run: .venv/bin/python benchmarks/bench_layout.py [--quick] [--grandalf]

Graphs: a 30-layer Transformer encoder's training graph (tensors and ops, fully expanded), and a random
DAG of the same size with long, tangled edges (a harder case for crossing reduction). Each figure is the
best of several runs; crossings are counted on the result. ``--grandalf`` also times grandalf's
Sugiyama layout on the Transformer graph (if installed), the library this layout was chosen against.
"""

import argparse
import time

import numpy as np

import gradviz as gv
from gradviz import nn
from gradviz.trace.graph import Graph
from gradviz.widgets.graph_model import GraphViewModel
from gradviz.widgets.layout import count_crossings, layered_layout


def transformer_graph(layers=30, width=16):
    gv.manual_seed(0)
    layer = nn.TransformerEncoderLayer(width, 2, 2 * width, dropout=0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, layers)
    loss = encoder(gv.randn(2, 5, width)).pow(2).mean()
    return Graph.from_tensor(loss, names=encoder)


def random_dag(nodes=2000, extra_edges=1000, span=30, seed=0):
    """Every node after the first hangs below one of the ``span`` nodes before it, plus extra edges."""
    rng = np.random.default_rng(seed)
    ids = [f"n{i}" for i in range(nodes)]
    targets = np.concatenate([np.arange(1, nodes), rng.integers(1, nodes, extra_edges)])
    sources = np.maximum(targets - 1 - rng.integers(0, span, len(targets)), 0)
    return {i: (60.0, 24.0) for i in ids}, [(ids[s], ids[t]) for s, t in zip(sources, targets)]


def graph_inputs(graph):
    sizes = {i: (80.0 if i in graph.ops else 60.0, 24.0) for i in graph.topological_order()}
    return sizes, [(e.source, e.target) for e in graph.edges()]


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def rows(repeat):
    graph = transformer_graph()
    cases = {"transformer x30": graph_inputs(graph), "random DAG": random_dag()}
    found = []
    for name, (sizes, edges) in cases.items():
        seconds, layout = best_of(lambda s=sizes, e=edges: layered_layout(s, e), repeat)
        found.append((f"layout: {name}", len(sizes), len(set(edges)), seconds, count_crossings(layout)))
    seconds, model = best_of(lambda: GraphViewModel(graph, max_visible=10**9), repeat)
    found.append(("GraphViewModel, all expanded", len(model.nodes), len(model.edges), seconds, None))
    return found


def grandalf_seconds(graph):
    from grandalf.graphs import Edge, Vertex
    from grandalf.graphs import Graph as GrandalfGraph
    from grandalf.layouts import SugiyamaLayout

    class Box:
        w, h = 80, 24

    start = time.perf_counter()
    vertices = {node: Vertex(node) for node in graph.topological_order()}
    for vertex in vertices.values():
        vertex.view = Box()
    pairs = dict.fromkeys((e.source, e.target) for e in graph.edges())
    layout = SugiyamaLayout(
        GrandalfGraph(list(vertices.values()), [Edge(vertices[s], vertices[t]) for s, t in pairs]).C[0]
    )
    layout.init_all()
    layout.draw(2)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per figure")
    parser.add_argument("--grandalf", action="store_true", help="also time grandalf (slow: ~25 s)")
    args = parser.parse_args()
    print(f"{'case':32} {'nodes':>6} {'edges':>6} {'seconds':>8} {'crossings':>9}")
    for name, nodes, edges, seconds, crossings in rows(1 if args.quick else 5):
        print(f"{name:32} {nodes:6d} {edges:6d} {seconds:8.3f} {'' if crossings is None else crossings:>9}")
    if args.grandalf:
        print(f"grandalf, transformer x30: {grandalf_seconds(transformer_graph()):.1f} s")


if __name__ == "__main__":
    main()
