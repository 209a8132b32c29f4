"""MaxCut: file formats, errors with line numbers, certified optima, G-set quality."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.usecases.maxcut import MaxCut, maxcut_bqm
from hybrid_workbench.usecases.maxcut.io import generate_graph, load_graph, parse_rudy

MC = MaxCut()


def brute_force_cut(inst) -> float:
    """Largest cut by enumerating every bipartition (node 0 fixed), from the edge list."""
    n = inst.num_nodes
    best = 0.0
    for bits in itertools.product((0, 1), repeat=n - 1):
        side = np.array((0, *bits))
        best = max(best, float(inst.w[side[inst.u] != side[inst.v]].sum()))
    return best


def test_rudy_roundtrip_and_energy_is_minus_cut(tmp_path) -> None:
    path = tmp_path / "tri.txt"
    path.write_text("3 3\n1 2 1\n2 3 2\n1 3 -1\n")
    inst = load_graph(path)
    assert inst.num_nodes == 3 and inst.total_weight == 2.0
    bqm = maxcut_bqm(inst)
    for spins in itertools.product((-1, 1), repeat=3):
        side = np.array([(s + 1) // 2 for s in spins])
        assert bqm.energy(dict(zip(inst.nodes, spins))) == pytest.approx(-inst.cut_value(side))


@pytest.mark.parametrize(("text", "line", "what"), [
    ("3\n1 2 1\n", 1, "expected 'n m'"),
    ("3 2\n1 2 1\n2 x 1\n", 3, "expected integers"),
    ("3 2\n1 2 1\n2 4 1\n", 3, "out of range"),
    ("3 2\n1 2 1\n2 2 1\n", 3, "self-loop"),
    ("3 1\n1 2 1\n2 3 1\n", 3, "more edges"),
    ("3 2\n1 2 1 5\n", 2, "expected 'i j w'"),
])
def test_malformed_rudy_names_the_line(tmp_path, text: str, line: int, what: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InstanceFormatError, match=f"line {line}: .*{what}"):
        load_graph(path)


def test_missing_edges_reported() -> None:
    with pytest.raises(InstanceFormatError, match="announces 3 edges, found 1"):
        parse_rudy("3 3\n1 2 1\n")


def test_edge_list_json_with_labels(tmp_path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"name": "sq", "edges": [["a", "b", 2], ["b", "c"], ["c", "d"],
                                                         ["d", "a", 3]]}))
    inst = load_graph(path)
    out = MC.solve(inst, "exact", seed=0)
    assert out.evaluation.objective == pytest.approx(brute_force_cut(inst)) == 7.0
    assert sorted(map(sorted, out.solution["side"])) == [["a", "c"], ["b", "d"]]
    bad = tmp_path / "bad.json"
    bad.write_text('{"edges": [["a", "b"],\n ["b"]]}')
    with pytest.raises(InstanceFormatError, match="edge #1"):
        load_graph(bad)
    bad.write_text('{"edges": [\n["a", "b"],,]}')
    with pytest.raises(InstanceFormatError, match="line 2"):
        load_graph(bad)


def test_unknown_gset_name_and_missing_file() -> None:
    with pytest.raises(InstanceError):
        load_graph("no/such/file.txt")


def test_generator_is_seeded() -> None:
    a, b = generate_graph(seed=5, size=30), generate_graph(seed=5, size=30)
    assert np.array_equal(a.u, b.u) and np.array_equal(a.w, b.w)
    c = generate_graph(seed=6, size=30)
    assert not (np.array_equal(a.u, c.u) and np.array_equal(a.v, c.v))
    k = generate_graph(seed=1, size=50, kind="complete", weights="pm1")
    assert k.num_edges == 50 * 49 // 2 and set(np.unique(k.w)) == {-1.0, 1.0}


@pytest.mark.parametrize(("size", "kind", "weights"), [
    (12, "erdos", "unit"), (14, "regular", "uniform"), (13, "erdos", "pm1")])
@pytest.mark.parametrize("backend", ["exact", "cpsat", "dwave-sa", "openjij-sa", "dwave-tabu"])
def test_backends_reach_brute_force_cut(size, kind, weights, backend) -> None:
    inst = generate_graph(seed=size, size=size, kind=kind, weights=weights)
    best = brute_force_cut(inst)
    out = MC.solve(inst, backend, seed=1)
    assert out.evaluation.feasible
    assert out.evaluation.objective == pytest.approx(best)
    assert out.result.energy == pytest.approx(-best)


def test_cpsat_proves_optimum_on_sparse_30_node_graph() -> None:
    inst = generate_graph(seed=2, size=30, kind="regular", degree=3, weights="uniform")
    exact = MC.solve(inst, "exact", seed=0)
    out = MC.solve(inst, "cpsat", seed=0)
    assert out.result.status == "optimal"
    assert out.evaluation.objective == pytest.approx(exact.evaluation.objective)


def test_evaluate_flags_incomplete_partition() -> None:
    inst = generate_graph(seed=0, size=4, kind="erdos", p=1.0)
    ev = MC.evaluate(inst, {"side": [[0, 1], [2]]})
    assert not ev.feasible


def test_g1_dwave_sa_default_reaches_99_percent(gset_dir) -> None:
    inst = MC.load("G1")
    assert inst.best_known == 11624
    out = MC.solve(inst, "dwave-sa", seed=0)
    assert out.evaluation.metrics["ratio_to_best_known"] >= 0.99
    assert out.evaluation.objective == pytest.approx(-out.result.energy)


# -- the compiled reader agrees with the line-by-line one -----------------------------------
@given(st.integers(2, 30), st.integers(0, 2**31 - 1), st.sampled_from(["int", "float"]))
@settings(max_examples=30, deadline=None)
def test_fast_rudy_reader_matches_the_line_reader(n: int, seed: int, weights: str) -> None:
    from hybrid_workbench.usecases.maxcut import io as mio

    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(1, n + 1) for b in range(a + 1, n + 1) if rng.random() < 0.4]
    w = rng.choice([-1, 1], len(pairs)) if weights == "int" else rng.normal(size=len(pairs))
    text = f"{n} {len(pairs)}\n" + "".join(f"{a} {b} {x}\n" for (a, b), x in zip(pairs, w))
    split = mio._split_header(text)
    assert split is not None
    fast = mio._parse_edges_fast(split[1], *split[0])
    assert fast is not None                                # uniform files take the fast path
    slow = mio._parse_rudy_slow(text, "g", "<text>")
    for got, want in zip(fast, (slow.u, slow.v, slow.w)):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("line, message", [
    ("2 3 x", "line 3: expected integers i j and a number w"),
    ("1.0 3 1", "line 3: expected integers i j and a number w"),
    ("2 2 1", "line 3: self-loop"),
    ("2 4 1", "line 3: vertex out of range 1..3"),
    ("2 3 1 1", "line 3: expected 'i j w'"),
    ("2 3 inf", "line 3: weight is not finite"),
])
def test_malformed_rudy_line_is_named(line: str, message: str) -> None:
    from hybrid_workbench.usecases.maxcut.io import parse_rudy

    with pytest.raises(InstanceFormatError, match=message):
        parse_rudy(f"3 2\n1 2 1\n{line}\n", source="f.txt")
