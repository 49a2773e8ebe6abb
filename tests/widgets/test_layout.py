"""The layered layout: boxes never overlap, edges run downwards, crossings are few on known graphs."""

import itertools

import numpy as np
import pytest

import gradviz as gv
from gradviz import nn
from gradviz.trace.graph import Graph
from gradviz.widgets.layout import Layout, count_crossings, layered_layout


def boxes_overlap(layout):
    """Pairs of boxes whose interiors intersect."""
    ids = list(layout.boxes)
    x, y, w, h = np.array([layout.boxes[i] for i in ids]).T
    apart_x = np.abs(x[:, None] - x[None, :]) >= (w[:, None] + w[None, :]) / 2 - 1e-9
    apart_y = np.abs(y[:, None] - y[None, :]) >= (h[:, None] + h[None, :]) / 2 - 1e-9
    clash = ~(apart_x | apart_y)
    np.fill_diagonal(clash, False)
    return [(ids[a], ids[b]) for a, b in zip(*np.nonzero(np.triu(clash)))]


def assert_edges_run_down(layout, edges):
    for source, target in edges:
        points = layout.routes[(source, target)]
        ys = [p[1] for p in points]
        assert all(a > b for a, b in zip(ys, ys[1:])), (source, target, ys)
        x, y, _, h = layout.boxes[source]
        assert points[0] == pytest.approx((x, y - h / 2))
        x, y, _, h = layout.boxes[target]
        assert points[-1] == pytest.approx((x, y + h / 2))


def lay_out(edges, widths=None):
    nodes = list(dict.fromkeys(itertools.chain.from_iterable(edges)))
    sizes = {n: ((widths or {}).get(n, 50.0), 20.0) for n in nodes}
    return layered_layout(sizes, edges)


def binary_tree(depth):
    return [(f"n{i}", f"n{2 * i + c}") for i in range(1, 2**depth) for c in (0, 1)]


def test_a_tree_has_no_crossings_no_overlaps_and_edges_running_down():
    edges = binary_tree(5)
    layout = lay_out(edges, widths={f"n{i}": 30.0 + 7 * (i % 5) for i in range(64)})
    assert count_crossings(layout) == 0
    assert not boxes_overlap(layout)
    assert_edges_run_down(layout, edges)
    assert len(layout.boxes) == 63 and len(layout.routes) == 62


def test_sources_sit_on_top_and_the_sink_at_the_bottom():
    edges = [("x", "mul"), ("w", "mul"), ("mul", "add"), ("b", "add"), ("add", "loss")]
    layout = lay_out(edges)
    assert layout.layer_of["x"] == 0 and layout.layer_of["loss"] == max(layout.layer_of.values())
    assert layout.layer_of["b"] == layout.layer_of["add"] - 1  # a parameter sits just above its op
    assert_edges_run_down(layout, edges)


def test_a_twisted_pair_is_untangled():
    edges = [("a", "d"), ("b", "c"), ("c", "e"), ("d", "f")]
    assert count_crossings(lay_out(edges)) == 0


def test_two_interleaved_chains_with_a_long_edge_are_drawn_without_crossings():
    left = [(f"l{i}", f"l{i + 1}") for i in range(6)]
    right = [(f"r{i}", f"r{i + 1}") for i in range(6)]
    mixed = [pair for pair in itertools.chain.from_iterable(zip(left, right))]
    edges = [*mixed, ("l0", "l6"), ("r1", "r5")]
    layout = lay_out(edges)
    assert count_crossings(layout) == 0
    assert not boxes_overlap(layout)
    assert len(layout.routes[("l0", "l6")]) == 7  # one point per layer: bends through 5 dummies


def test_complete_bipartite_crossings_equal_the_known_minimum():
    edges = [(a, b) for a in "abc" for b in "xyz"]
    assert count_crossings(lay_out(edges)) == 9  # C(3,2)·C(3,2), whatever the order


def test_count_crossings_sees_a_crossing_and_ignores_shared_ends():
    boxes = {n: (x, y, 10.0, 10.0) for n, x, y in [("a", 0, 0), ("b", 20, 0), ("c", 0, -40), ("d", 20, -40)]}
    layer_of = {"a": 0, "b": 0, "c": 1, "d": 1}
    crossing = {("a", "d"): [(0, -5), (20, -35)], ("b", "c"): [(20, -5), (0, -35)]}
    assert count_crossings(Layout(boxes, crossing, layer_of)) == 1
    shared = {("a", "c"): [(0, -5), (0, -35)], ("a", "d"): [(0, -5), (20, -35)]}
    assert count_crossings(Layout(boxes, shared, layer_of)) == 0


def test_cycles_and_repeated_edges_still_get_a_layout():
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "b"), ("c", "d")]
    layout = lay_out(edges)
    assert set(layout.boxes) == {"a", "b", "c", "d"} and not boxes_overlap(layout)
    assert set(layout.routes) == {("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}
    assert layout.routes[("c", "a")][0][1] < layout.routes[("c", "a")][-1][1]  # the reversed edge goes up


def test_an_empty_graph_and_a_lone_node():
    assert layered_layout({}, []).boxes == {}
    assert layered_layout({"x": (40.0, 20.0)}, []).boxes["x"][2:] == (40.0, 20.0)


def test_a_transformer_graph_has_no_overlaps_and_few_crossings():
    gv.manual_seed(0)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)
    graph = Graph.from_tensor(encoder(gv.randn(2, 3, 8)).pow(2).mean(), names=encoder)
    sizes = {i: (70.0 if i in graph.ops else 50.0, 22.0) for i in graph.topological_order()}
    edges = [(e.source, e.target) for e in graph.edges()]
    layout = layered_layout(sizes, edges)
    assert not boxes_overlap(layout)
    assert_edges_run_down(layout, set(edges))
    assert count_crossings(layout) <= 5


def test_crossing_reduction_removes_most_crossings_of_a_tangled_dag():
    rng = np.random.default_rng(1)
    targets = rng.integers(1, 300, 600)
    edges = [(f"n{max(0, j - 1 - rng.integers(0, 12))}", f"n{j}") for j in targets]
    nodes = sorted({n for e in edges for n in e}, key=lambda n: int(n[1:]))
    sizes = {n: (40.0, 20.0) for n in nodes}
    reduced = layered_layout(sizes, edges)
    assert not boxes_overlap(reduced)
    assert count_crossings(reduced) < 0.6 * count_crossings(layered_layout(sizes, edges, sweeps=0))
