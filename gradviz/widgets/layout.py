"""A layered (Sugiyama-style) layout for directed graphs: sources on top, sinks at the bottom.

Why our own: grandalf, the maintained pure-Python Sugiyama, took ~26 s on a 2,000-node computation
graph here, and networkx offers only layer positions without crossing reduction; this module lays out
the same graph in well under a second (``benchmarks/bench_layout.py``).

The four classic phases, each a short function:

1. **layers** — longest path from the sources, then every source moved down to sit just above its
   nearest consumer (a parameter is drawn next to the op that uses it, as network simplex would place it,
   instead of at the top with an edge running down the whole graph). Cycles (which collapsing modules can
   create) are broken by reversing the edges that point backwards in a topological-ish order.
2. **dummy nodes** split every edge spanning several layers into unit steps, so edges take part in
   crossing reduction and get bends.
3. **crossing reduction** — alternating down/up barycenter sweeps; the ordering with fewest crossings wins.
4. **coordinates** — x by repeatedly pulling each node towards its neighbours (long edges weigh more, so
   they straighten) and projecting back onto "no overlap, keep the order" exactly (isotonic regression);
   y from the tallest box of each layer, so boxes never overlap.

Coordinates are plotly's: y grows upwards, so the first layer has the largest y and every edge runs
downwards.
"""

from dataclasses import dataclass

import numpy as np

DUMMY_WEIGHTS = (1.0, 2.0, 8.0)  # edge pull between two real nodes, a real and a dummy, two dummies
SWEEPS = 8
X_PASSES = 6


@dataclass(frozen=True)
class Layout:
    """``boxes``: node id -> (x centre, y centre, width, height). ``routes``: (source, target) -> points
    from the source's bottom edge through the bends to the target's top edge. ``layer_of``: node id ->
    layer index (0 on top); a route has one point per layer it passes."""

    boxes: dict
    routes: dict
    layer_of: dict

    @property
    def bounds(self):
        """(x0, y0, x1, y1) enclosing every box."""
        if not self.boxes:
            return (0.0, 0.0, 0.0, 0.0)
        x, y, w, h = np.array(list(self.boxes.values()), dtype=float).T
        return (
            float((x - w / 2).min()),
            float((y - h / 2).min()),
            float((x + w / 2).max()),
            float((y + h / 2).max()),
        )


def layered_layout(sizes, edges, *, layer_gap=36.0, node_gap=16.0, sweeps=SWEEPS):
    """Lay out the graph with nodes ``sizes`` (id -> (width, height), in a topological order when one
    exists; it breaks ties) and ``edges`` (pairs of ids; repeats and self-loops are ignored).
    ``sweeps`` bounds the crossing-reduction passes (0 keeps the input order)."""
    ids = list(sizes)
    index = {node: i for i, node in enumerate(ids)}
    pairs = list(dict.fromkeys((index[s], index[t]) for s, t in edges if s != t))
    order = _linear_order(len(ids), pairs)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    forward = [(s, t) if rank[s] < rank[t] else (t, s) for s, t in pairs]
    layer = _assign_layers(len(ids), forward, order)
    graph = _LayeredGraph.build(layer, forward, np.array([sizes[i] for i in ids], dtype=float).reshape(-1, 2))
    graph.reduce_crossings(sweeps)
    x = graph.assign_x(node_gap)
    y = graph.assign_y(layer_gap)
    return _assemble(ids, pairs, forward, graph, x, y)


# ---- phase 1: layers ----
def _adjacency(n, pairs):
    succ, pred = [[] for _ in range(n)], [[] for _ in range(n)]
    for s, t in pairs:
        succ[s].append(t)
        pred[t].append(s)
    return succ, pred


def _linear_order(n, pairs):
    """Kahn's topological order, ties by id order; on a cycle the earliest waiting node goes next, so
    every graph gets an order and only the edges pointing backwards in it are reversed."""
    succ, pred = _adjacency(n, pairs)
    waiting = [len(p) for p in pred]
    placed = np.zeros(n, dtype=bool)
    order, ready, cursor = [], [i for i in range(n) if waiting[i] == 0], 0
    ready.reverse()
    while len(order) < n:
        if not ready:
            while placed[cursor]:
                cursor += 1
            ready.append(cursor)
        node = ready.pop()
        if placed[node]:
            continue
        placed[node] = True
        order.append(node)
        for t in reversed(succ[node]):
            waiting[t] -= 1
            if waiting[t] == 0 and not placed[t]:
                ready.append(t)
    return np.array(order, dtype=np.int64)


def _assign_layers(n, pairs, order):
    """Longest path from the sources, then sources pulled down to just above their nearest consumer."""
    succ, pred = _adjacency(n, pairs)
    layer = np.zeros(n, dtype=np.int64)
    for node in order:
        if pred[node]:
            layer[node] = max(layer[p] for p in pred[node]) + 1
    for node in order:
        if not pred[node] and succ[node]:
            layer[node] = min(layer[t] for t in succ[node]) - 1
    return layer


# ---- phases 2-4 ----
class _LayeredGraph:
    """Real nodes then dummy nodes, each on one layer, joined by unit edges ``src -> dst`` (dst one layer
    down). ``chains[k]`` is the node path of forward pair ``k``; ``layers[i]`` the nodes of layer ``i`` in
    their left-to-right order, ``pos`` each node's place in its layer."""

    def __init__(self, layer, size, src, dst, weight, chains, real):
        self.layer, self.size, self.real = layer, size, real
        self.src, self.dst, self.weight, self.chains = src, dst, weight, chains
        depth = int(layer.max()) + 1 if len(layer) else 0
        self.layers = [np.flatnonzero(layer == i) for i in range(depth)]
        by_upper_layer = layer[src]
        self.between = [np.flatnonzero(by_upper_layer == i) for i in range(max(depth - 1, 0))]
        self.pos = np.zeros(len(layer), dtype=np.int64)
        self._set_positions()

    @classmethod
    def build(cls, layer, pairs, sizes):
        """Insert a dummy node on every layer an edge skips."""
        n, layers, chains = len(layer), list(layer), []
        for s, t in pairs:
            chain = [s]
            for depth in range(layer[s] + 1, layer[t]):
                chain.append(len(layers))
                layers.append(depth)
            chain.append(t)
            chains.append(chain)
        src = np.array([a for c in chains for a in c[:-1]], dtype=np.int64)
        dst = np.array([b for c in chains for b in c[1:]], dtype=np.int64)
        dummies = np.zeros((len(layers) - n, 2))
        dummy_ends = (src >= n).astype(int) + (dst >= n)
        weight = np.array(DUMMY_WEIGHTS)[dummy_ends]
        layer = np.array(layers, dtype=np.int64)
        return cls(layer, np.vstack([sizes, dummies]), src, dst, weight, chains, n)

    def _set_positions(self):
        for nodes in self.layers:
            self.pos[nodes] = np.arange(len(nodes))

    # ---- crossing reduction ----
    def crossings(self):
        return sum(_inversions(self.pos[self.src[e]], self.pos[self.dst[e]]) for e in self.between)

    def reduce_crossings(self, sweeps):
        best, best_layers = self.crossings(), [nodes.copy() for nodes in self.layers]
        for sweep in range(sweeps):
            if best == 0:
                break
            self._sweep(downwards=sweep % 2 == 0)
            found = self.crossings()
            if found < best:
                best, best_layers = found, [nodes.copy() for nodes in self.layers]
        self.layers = best_layers
        self._set_positions()
        return best

    def _sweep(self, downwards):
        steps = range(1, len(self.layers)) if downwards else range(len(self.layers) - 2, -1, -1)
        for i in steps:
            edges = self.between[i - 1] if downwards else self.between[i]
            moved, fixed = (self.dst, self.src) if downwards else (self.src, self.dst)
            self._order_by_barycenter(i, moved[edges], fixed[edges], i - 1 if downwards else i + 1)

    def _order_by_barycenter(self, i, moved, fixed, fixed_layer):
        """Sort layer ``i`` by the mean relative place of each node's neighbours on ``fixed_layer``; a node
        without neighbours there keeps its own relative place."""
        nodes = self.layers[i]
        local = self.pos[moved]
        relative = (self.pos[fixed] + 0.5) / len(self.layers[fixed_layer])
        total = np.bincount(local, weights=relative, minlength=len(nodes))
        count = np.bincount(local, minlength=len(nodes))
        own = (np.arange(len(nodes)) + 0.5) / len(nodes)
        key = np.where(count > 0, total / np.maximum(count, 1), own)
        self.layers[i] = nodes[np.argsort(key, kind="stable")]
        self.pos[self.layers[i]] = np.arange(len(nodes))

    # ---- coordinates ----
    def assign_x(self, node_gap, passes=X_PASSES):
        offsets = [self._packed_offsets(nodes, node_gap) for nodes in self.layers]
        x = np.zeros(len(self.layer))
        for nodes, offset in zip(self.layers, offsets):
            x[nodes] = offset - offset[-1] / 2  # centred on 0
        for p in range(passes):
            self._pull_layers(x, offsets, direction=("down", "up", "both")[p % 3])
        return x

    def _packed_offsets(self, nodes, node_gap):
        """The x centres of the layer's nodes packed tightly from 0: real nodes ``node_gap`` apart, a
        dummy half that (dummies are edge bends, of width 0)."""
        widths = self.size[nodes, 0]
        is_dummy = nodes >= self.real
        gaps = np.where(is_dummy[1:] | is_dummy[:-1], node_gap / 2, node_gap)
        steps = (widths[1:] + widths[:-1]) / 2 + gaps
        return np.concatenate([[0.0], np.cumsum(steps)])

    def _pull_layers(self, x, offsets, direction):
        steps = range(len(self.layers))
        for i in steps if direction != "up" else reversed(steps):
            nodes = self.layers[i]
            target = self._neighbour_mean(x, i, direction)
            x[nodes] = offsets[i] + _isotonic(target - offsets[i])

    def _neighbour_mean(self, x, i, direction):
        nodes = self.layers[i]
        total, weight = np.zeros(len(nodes)), np.zeros(len(nodes))
        if direction in ("down", "both") and i > 0:
            edges = self.between[i - 1]
            _accumulate(total, weight, self.pos[self.dst[edges]], x[self.src[edges]], self.weight[edges])
        if direction in ("up", "both") and i < len(self.between):
            edges = self.between[i]
            _accumulate(total, weight, self.pos[self.src[edges]], x[self.dst[edges]], self.weight[edges])
        return np.where(weight > 0, total / np.maximum(weight, 1e-12), x[nodes])

    def assign_y(self, layer_gap):
        heights = np.array([self.size[nodes, 1].max(initial=0.0) for nodes in self.layers])
        tops = np.concatenate([[0.0], np.cumsum(heights + layer_gap)[:-1]])
        return -(tops + heights / 2)[self.layer]


def _accumulate(total, weight, local, values, weights):
    total += np.bincount(local, weights=values * weights, minlength=len(total))
    weight += np.bincount(local, weights=weights, minlength=len(weight))


def _isotonic(values):
    """The non-decreasing sequence closest to ``values`` in least squares (pool adjacent violators)."""
    means, counts = [], []
    for value in values.tolist():
        mean, count = value, 1
        while means and means[-1] > mean:
            previous, previous_count = means.pop(), counts.pop()
            mean = (mean * count + previous * previous_count) / (count + previous_count)
            count += previous_count
        means.append(mean)
        counts.append(count)
    return np.repeat(means, counts)


def _inversions(upper, lower, block=1024):
    """Crossings between two layers: pairs of edges whose ends are in opposite orders. Edges sharing an
    end do not cross."""
    if len(upper) < 2:
        return 0
    order = np.lexsort((lower, upper))
    lower = lower[order]
    count, columns = 0, np.arange(len(lower))
    for start in range(0, len(lower), block):
        rows = columns[start : start + block]
        later = columns[None, :] > rows[:, None]
        count += int(np.count_nonzero(later & (lower[rows, None] > lower[None, :])))
    return count


def _assemble(ids, pairs, forward, graph, x, y):
    boxes = {node: (float(x[i]), float(y[i]), *map(float, graph.size[i])) for i, node in enumerate(ids)}
    layer_of = {node: int(graph.layer[i]) for i, node in enumerate(ids)}
    routes = {}
    for (s, t), (upper, _), chain in zip(pairs, forward, graph.chains):
        points = [(float(x[i]), float(y[i])) for i in chain]
        points[0] = (points[0][0], points[0][1] - float(graph.size[chain[0], 1]) / 2)
        points[-1] = (points[-1][0], points[-1][1] + float(graph.size[chain[-1], 1]) / 2)
        routes[(ids[s], ids[t])] = points if upper == s else points[::-1]
    return Layout(boxes, routes, layer_of)


def count_crossings(layout):
    """How many pairs of edge segments cross between adjacent layers of ``layout`` (each route has one
    point per layer it passes; a reversed edge counts on the layers it spans too)."""
    segments = {}
    for (source, target), points in layout.routes.items():
        top = min(layout.layer_of[source], layout.layer_of[target])
        ordered = points if layout.layer_of[source] <= layout.layer_of[target] else points[::-1]
        for k, ((x0, _), (x1, _)) in enumerate(zip(ordered, ordered[1:])):
            segments.setdefault(top + k, []).append((x0, x1))
    return sum(_inversions(*np.array(pairs).T) for pairs in segments.values())
