"""MaxCut instances: the graph, its file formats, seeded generators, best-known cuts.

Formats read by :func:`load_graph`:

* **rudy / G-set** (``.txt``, ``.rud``, anything not JSON): first line ``n m``, then ``m``
  lines ``i j w`` with 1-based vertices and numeric weights. Nodes are labelled 1..n.
* **edge-list JSON**: ``{"name": "g", "nodes": [..] or n, "edges": [[u, v, w], [u, v], ...]}``
  (weight 1 when omitted; ``nodes`` optional: defaults to the endpoints, or ``0..n-1``
  when an integer is given).

A shipped G-set name (``G1``, ``G22``...) is found in ``shared/data/gset`` with its
best-known cut from ``best_known.csv``.

Examples:
    >>> g = generate_graph(seed=1, size=8, kind="regular", degree=3)
    >>> g.num_nodes, g.num_edges, g.total_weight
    (8, 12, 12.0)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.instancefiles import read_json_file, read_text_file
from hybrid_workbench.data import data_dir
from hybrid_workbench.errors import InstanceError, InstanceFormatError

__all__ = ["MaxCutInstance", "load_graph", "parse_rudy", "generate_graph", "best_known_cuts"]

GSET_NAME = re.compile(r"^G\d+$")
#: a line whose first or second token is not written as an integer (``1.0``, ``1e0``)
_NOT_INTEGER_END = re.compile(r"^(?:[^ \n]*[.eE]|[^ \n]+ +[^ \n]*[.eE])", re.MULTILINE)


@dataclass(frozen=True, eq=False)
class MaxCutInstance:
    """A weighted undirected graph.

    Attributes:
        name: instance name.
        nodes: node labels (index ``i`` in the edge arrays refers to ``nodes[i]``).
        u, v: edge endpoints as indices into ``nodes`` (``u != v``).
        w: edge weights.
        best_known: best cut reported in the literature, when known.
    """

    name: str
    nodes: tuple[Any, ...]
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    best_known: float | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @property
    def num_edges(self) -> int:
        return int(self.u.size)

    @property
    def total_weight(self) -> float:
        return float(self.w.sum())

    def cut_value(self, side: np.ndarray) -> float:
        """Cut weight of a 0/1 side assignment (array indexed like ``nodes``)."""
        side = np.asarray(side)
        return float(self.w[side[self.u] != side[self.v]].sum())

    def to_networkx(self) -> Any:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(self.nodes)
        for a, b, wt in zip(self.u.tolist(), self.v.tolist(), self.w.tolist()):
            if g.has_edge(self.nodes[a], self.nodes[b]):
                g[self.nodes[a]][self.nodes[b]]["weight"] += wt
            else:
                g.add_edge(self.nodes[a], self.nodes[b], weight=wt)
        return g

    @classmethod
    def from_networkx(cls, graph: Any, name: str = "graph", weight: str = "weight") -> MaxCutInstance:
        nodes = tuple(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        edges = [(index[a], index[b], float(d.get(weight, 1.0)))
                 for a, b, d in graph.edges(data=True) if a != b]
        arr = np.array(edges, dtype=float).reshape(-1, 3)
        return cls(name=name, nodes=nodes, u=arr[:, 0].astype(np.int64),
                   v=arr[:, 1].astype(np.int64), w=arr[:, 2])

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "nodes": list(self.nodes),
                "edges": [[self.nodes[a], self.nodes[b], wt] for a, b, wt in
                          zip(self.u.tolist(), self.v.tolist(), self.w.tolist())]}


def best_known_cuts() -> dict[str, float]:
    """Best-known cuts of the shipped G-set instances (from ``best_known.csv``)."""
    folder = data_dir("gset")
    if folder is None or not (folder / "best_known.csv").exists():
        return {}
    with open(folder / "best_known.csv", newline="") as fh:
        return {row["instance"]: float(row["best_known_cut"]) for row in csv.DictReader(fh)}


def parse_rudy(text: str, *, name: str = "graph", source: str = "<text>") -> MaxCutInstance:
    """Parse rudy/G-set text; errors name the file and line.

    The edge lines are read by pandas' compiled CSV parser when they are uniform (``i j w``
    separated by single spaces, no comments): the dense 2000-node file (1,999,000 edges)
    in well under two seconds rather than half a minute. Anything else (a comment, a
    line of two numbers, tabs, a mistake) goes through the line-by-line reader, which
    accepts every documented form and names the line of the first mistake.
    """
    split = _split_header(text)
    if split is not None:
        fast = _parse_edges_fast(split[1], *split[0])
        if fast is not None:
            n = split[0][0]
            return MaxCutInstance(name=name, nodes=tuple(range(1, n + 1)), u=fast[0],
                                  v=fast[1], w=fast[2], source=source)
    return _parse_rudy_slow(text, name, source)


def _split_header(text: str) -> tuple[tuple[int, int], str] | None:
    """``((n, m), body)`` when the first line that is neither blank nor a comment is a
    valid ``n m`` header (``\\n`` line ends); else None (the slow reader explains)."""
    pos = 0
    while True:
        nl = text.find("\n", pos)
        line = text[pos:] if nl < 0 else text[pos:nl]
        if line.strip() and not line.startswith("#"):
            head = line.split()
            if len(head) < 2 or not all(t.isdigit() for t in head[:2]):
                return None
            n, m = int(head[0]), int(head[1])
            if n <= 0:
                return None
            return (n, m), ("" if nl < 0 else text[nl + 1:])
        if nl < 0:
            return None
        pos = nl + 1


def _parse_edges_fast(body: str, n: int, m: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(u, v, w)`` (0-based) from uniform ``i j w`` lines, or None when the body is not
    uniform or not valid (the slow reader then finds and names the bad line)."""
    if "#" in body or "\t" in body:
        return None
    if any(c in body for c in ".eE") and _NOT_INTEGER_END.search(body):
        return None
    if m == 0:
        return None if body.strip() else (np.empty(0, np.int64), np.empty(0, np.int64),
                                          np.empty(0, float))
    import io

    import pandas as pd

    try:
        table = pd.read_csv(io.StringIO(body), sep=" ", header=None, names=["i", "j", "w"],
                            dtype={"i": np.int64, "j": np.int64, "w": np.float64},
                            engine="c", skip_blank_lines=True, quoting=3)   # csv.QUOTE_NONE
    except (ValueError, pd.errors.ParserError, OverflowError):
        return None
    if len(table) != m:
        return None
    u = table["i"].to_numpy() - 1
    v = table["j"].to_numpy() - 1
    w = table["w"].to_numpy(copy=True)
    if not (np.all(np.isfinite(w)) and np.all((u >= 0) & (u < n)) and np.all((v >= 0) & (v < n))
            and not np.any(u == v)):
        return None
    return u, v, w


def _parse_rudy_slow(text: str, name: str, source: str) -> MaxCutInstance:
    """The line-by-line reader: every documented form, errors naming the line."""
    lines = text.splitlines()
    header_at = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")), None)
    if header_at is None:
        raise InstanceFormatError(f"{source}: empty file; expected a first line 'n m'")
    head = lines[header_at].split()
    if len(head) < 2 or not all(t.lstrip("-").isdigit() for t in head[:2]):
        raise InstanceFormatError(
            f"{source}, line {header_at + 1}: expected 'n m' (number of nodes and edges), "
            f"got {lines[header_at].strip()!r}")
    n, m = int(head[0]), int(head[1])
    if n <= 0 or m < 0:
        raise InstanceFormatError(f"{source}, line {header_at + 1}: n must be > 0 and m >= 0")
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    w = np.empty(m, dtype=float)
    k = 0
    for lineno in range(header_at + 2, len(lines) + 1):
        raw = lines[lineno - 1].strip()
        if not raw or raw.startswith("#"):
            continue
        parts = raw.split()
        if k >= m:
            raise InstanceFormatError(f"{source}, line {lineno}: more edges than the {m} "
                                      "announced in the header")
        if len(parts) not in (2, 3):
            raise InstanceFormatError(f"{source}, line {lineno}: expected 'i j w', got {raw!r}")
        try:
            a, b = int(parts[0]), int(parts[1])
            wt = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            raise InstanceFormatError(
                f"{source}, line {lineno}: expected integers i j and a number w, got {raw!r}"
            ) from None
        if not (1 <= a <= n and 1 <= b <= n):
            raise InstanceFormatError(
                f"{source}, line {lineno}: vertex out of range 1..{n} in {raw!r}")
        if a == b:
            raise InstanceFormatError(f"{source}, line {lineno}: self-loop {a}-{b} in {raw!r}")
        if not np.isfinite(wt):
            raise InstanceFormatError(f"{source}, line {lineno}: weight is not finite: {raw!r}")
        u[k], v[k], w[k] = a - 1, b - 1, wt
        k += 1
    if k != m:
        raise InstanceFormatError(f"{source}: header announces {m} edges, found {k}")
    return MaxCutInstance(name=name, nodes=tuple(range(1, n + 1)), u=u, v=v, w=w, source=source)


def _parse_json(path: Path) -> MaxCutInstance:
    data = read_json_file(path)
    if not isinstance(data, dict) or "edges" not in data:
        raise InstanceFormatError(f"{path}: expected an object with an 'edges' list, "
                                  'e.g. {"edges": [[0, 1, 1.0], [1, 2]]}')
    edges = data["edges"]
    if not isinstance(edges, list):
        raise InstanceFormatError(f"{path}: 'edges' must be a list of [u, v] or [u, v, w], "
                                  f"got {str(edges)[:60]!r}")
    nodes_spec = data.get("nodes")
    if isinstance(nodes_spec, int):
        nodes: list[Any] = list(range(nodes_spec))
    elif isinstance(nodes_spec, list):
        nodes = [tuple(x) if isinstance(x, list) else x for x in nodes_spec]
    elif nodes_spec is None:
        nodes = []
    else:
        raise InstanceFormatError(f"{path}: 'nodes' must be a list of labels or a count")
    known = set(nodes)
    index: dict[Any, int] = {n: i for i, n in enumerate(nodes)}
    if len(index) != len(nodes):
        raise InstanceFormatError(f"{path}: duplicate node labels in 'nodes'")
    uu, vv, ww = [], [], []
    for k, edge in enumerate(edges):
        if not isinstance(edge, list) or len(edge) not in (2, 3):
            raise InstanceFormatError(f"{path}: edge #{k} must be [u, v] or [u, v, w], got {edge!r}")
        a, b = edge[0], edge[1]
        wt = edge[2] if len(edge) == 3 else 1.0
        if not isinstance(wt, (int, float)) or isinstance(wt, bool) or not np.isfinite(wt):
            raise InstanceFormatError(f"{path}: edge #{k} weight must be a finite number, "
                                      f"got {wt!r}")
        a = tuple(a) if isinstance(a, list) else a
        b = tuple(b) if isinstance(b, list) else b
        for x in (a, b):
            if x not in index:
                if nodes_spec is not None and x not in known:
                    raise InstanceFormatError(f"{path}: edge #{k} uses node {x!r}, which is not "
                                              "in 'nodes'")
                index[x] = len(index)
                nodes.append(x)
        if a == b:
            raise InstanceFormatError(f"{path}: edge #{k} is a self-loop on {a!r}")
        uu.append(index[a])
        vv.append(index[b])
        ww.append(float(wt))
    if not nodes:
        raise InstanceFormatError(f"{path}: the graph has no nodes")
    best = data.get("best_known")
    if best is not None and (not isinstance(best, (int, float)) or isinstance(best, bool)
                             or not np.isfinite(best)):
        raise InstanceFormatError(f"{path}: 'best_known' must be a finite number (the best "
                                  f"cut known), got {best!r}")
    return MaxCutInstance(name=str(data.get("name", path.stem)), nodes=tuple(nodes),
                          u=np.array(uu, dtype=np.int64), v=np.array(vv, dtype=np.int64),
                          w=np.array(ww, dtype=float),
                          best_known=None if best is None else float(best), source=str(path))


def load_graph(source: str | Path) -> MaxCutInstance:
    """Load a MaxCut instance from a file, or a shipped G-set instance by name."""
    path = Path(source)
    if not path.exists() and GSET_NAME.match(str(source)):
        folder = data_dir("gset")
        if folder is None:
            raise InstanceError(f"G-set instance {source!r} asked for, but the shared data folder "
                                "was not found; set HYBRID_DATA_DIR to the folder holding gset/")
        path = folder / f"{source}.txt"
        if not path.exists():
            available = sorted(p.stem for p in folder.glob("G*.txt"))
            raise InstanceError(f"no G-set instance {source!r}; shipped: {', '.join(available)}")
    if not path.exists():
        raise InstanceError(f"instance file not found: {source}")
    if path.suffix.lower() == ".json":
        inst = _parse_json(path)
    else:
        inst = parse_rudy(read_text_file(path), name=path.stem, source=str(path))
    if inst.best_known is None:
        best = best_known_cuts().get(inst.name)
        if best is not None and GSET_NAME.match(inst.name):
            inst = MaxCutInstance(name=inst.name, nodes=inst.nodes, u=inst.u, v=inst.v, w=inst.w,
                                  best_known=best, source=inst.source)
    return inst


def generate_graph(seed: int = 0, size: int = 20, kind: str = "erdos", p: float = 0.5,
                   degree: int = 3, weights: str = "unit") -> MaxCutInstance:
    """A random graph from a seed.

    Args:
        seed: random seed (same seed, same graph).
        size: number of nodes.
        kind: ``erdos`` (G(n, p)), ``regular`` (random ``degree``-regular),
            ``complete`` (K_n, e.g. the K2000-like benchmark with ``weights='pm1'``),
            ``torus`` (2D toroidal grid of side ``sqrt(size)``).
        weights: ``unit``, ``pm1`` (random +-1) or ``uniform`` (integers 1..10).
    """
    import networkx as nx

    for key, value in (("size", size), ("degree", degree)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InstanceError(f"maxcut generator: {key} must be an integer >= 1, "
                                f"got {value!r}")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise InstanceError(f"maxcut generator: p must be a probability in [0, 1], got {p!r}")
    rng = np.random.default_rng(seed)
    if kind == "complete":
        iu, ju = np.triu_indices(size, k=1)
        u, v = iu.astype(np.int64), ju.astype(np.int64)
    else:
        if kind == "erdos":
            g = nx.gnp_random_graph(size, p, seed=int(rng.integers(2 ** 31)))
        elif kind == "regular":
            if (size * degree) % 2 or degree >= size:
                raise InstanceError(f"no {degree}-regular graph on {size} nodes "
                                    "(size*degree must be even and degree < size)")
            g = nx.random_regular_graph(degree, size, seed=int(rng.integers(2 ** 31)))
        elif kind == "torus":
            side = int(round(size ** 0.5))
            g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side, periodic=True))
            size = side * side
        else:
            raise InstanceError(f"unknown graph kind {kind!r}; use erdos, regular, complete, torus")
        edges = np.array(sorted(g.edges()), dtype=np.int64).reshape(-1, 2)
        u, v = edges[:, 0], edges[:, 1]
    if weights == "unit":
        w = np.ones(u.size)
    elif weights == "pm1":
        w = rng.choice([-1.0, 1.0], size=u.size)
    elif weights == "uniform":
        w = rng.integers(1, 11, size=u.size).astype(float)
    else:
        raise InstanceError(f"unknown weights {weights!r}; use unit, pm1, uniform")
    name = f"{kind}-n{size}-{weights}-s{seed}"
    return MaxCutInstance(name=name, nodes=tuple(range(size)), u=u, v=v, w=w,
                          source=f"generate(seed={seed}, size={size}, kind={kind})")
