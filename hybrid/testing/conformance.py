"""The backend conformance suite (dimod.testing's sampler ladder, PennyLane's device tests).

Each check takes a backend instance and raises :class:`ConformanceFailure` (an
``AssertionError``) with a precise message. The suite is data-driven by the backend's
declared model kinds: BQM checks for BQM backends, CQM checks for CQM backends, and so on.

What is checked, for every backend that accepts BQMs:

* the empty/1/2/3-variable ladder, SPIN and BINARY, with odd labels (tuples, strings,
  mixed types): a result comes back, over exactly the model's variables;
* energies are recomputed independently (:func:`hybrid_workbench.models.bqm_energy`, term by term)
  for the best sample and every returned sample;
* the optimum equals brute-force enumeration (written here, independent of the ``exact``
  backend) on small random models -- in every trial, or in the fraction the backend
  declares in ``conformance['min_success']`` (the suite's stated tolerance for
  heuristics such as QAOA);
* the same seed gives the same answer;
* unknown options, unsupported models and models over the backend's size limit are
  rejected before any work starts (``_solve`` is never entered);
* the result round-trips through JSON; a :class:`dimod.Sampler` backend answers
  ``sample_ising`` / ``sample_qubo`` too;
* a time limit is a promise (:func:`check_deadline`): a backend whose options have
  ``time_limit`` returns, on a random ~300-variable model (12 where it has a size limit)
  given 1 s, within the limit plus :data:`DEADLINE_SLACK_S`; an anytime backend spends at
  least half of it. Backends that cannot honour a limit say so in
  ``capabilities().time_limit``.

A backend tunes the suite through a class attribute ``conformance`` (a dict): ``options``
(used for the optimum checks), ``sizes`` (variable counts for optimum checks), ``trials``,
``min_success``, ``deterministic`` (False skips the same-seed check, with the reason),
``live`` (True for a backend that talks to a cloud service and spends the user's quota:
the test suite runs its checks only where ``HYBRID_LIVE_TESTS=1`` is set, see
:func:`live_skip_reason`; :func:`run_conformance` called by hand always runs them).
The deadline check runs the backend's default options plus the limit (a model has to be
solvable within a limit with the defaults).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import dimod
import numpy as np

from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.models import bqm_energy
from hybrid_workbench.result import Result, Status
from hybrid_workbench.testing.circuits import CIRCUIT_CHECKS
from hybrid_workbench.testing.failures import ConformanceFailure
from hybrid_workbench.testing.failures import fail as _fail
from hybrid_workbench.testing.failures import no_work as _no_work
from hybrid_workbench.testing.pauli import PAULI_CHECKS

__all__ = [
    "CHECKS",
    "DEADLINE_SLACK_S",
    "ConformanceFailure",
    "applicable_checks",
    "brute_force_bqm",
    "brute_force_cqm",
    "check_deadline",
    "ladder",
    "live_skip_reason",
    "random_bqm",
    "run_conformance",
]

ATOL = 1e-6
#: How far past a 1 s limit the deadline check lets a backend return (generous: the
#: contract's own bound is ``hybrid_workbench.deadline.grace_s``, checked by hand at scale).
DEADLINE_SLACK_S = 2.0
DEADLINE_LIMIT_S = 1.0
ODD_LABELS: list[Hashable] = [("a", 1), "b c", 7, ("nested", ("t", 2)), "z"]


def _settings(backend: Any) -> dict[str, Any]:
    defaults = {"options": {}, "sizes": (4, 6, 8), "trials": 3, "min_success": 1.0,
                "deterministic": True, "live": False}
    return {**defaults, **dict(getattr(backend, "conformance", {}) or {})}


# -- reference models and brute force ---------------------------------------------------
def random_bqm(n: int, vartype: str | dimod.Vartype = "SPIN", seed: int = 0,
               labels: list[Hashable] | None = None, density: float = 0.6) -> dimod.BinaryQuadraticModel:
    """A random BQM with integer-valued biases (so energies compare exactly)."""
    rng = np.random.default_rng(seed)
    labels = list(labels) if labels is not None else list(range(n))
    bqm = dimod.BinaryQuadraticModel(vartype)
    for v in labels[:n]:
        bqm.add_variable(v, float(rng.integers(-3, 4)))
    for u, v in itertools.combinations(labels[:n], 2):
        if rng.random() < density:
            bqm.add_interaction(u, v, float(rng.choice([-3, -2, -1, 1, 2, 3])))
    bqm.offset = float(rng.integers(-2, 3))
    return bqm


def brute_force_bqm(bqm: dimod.BinaryQuadraticModel) -> float:
    """Ground energy by plain enumeration (itertools + :func:`bqm_energy`); tiny models only."""
    labels = list(bqm.variables)
    if len(labels) > 16:
        raise ValueError("brute_force_bqm is for at most 16 variables")
    values = (-1, 1) if bqm.vartype is dimod.SPIN else (0, 1)
    return min(bqm_energy(bqm, dict(zip(labels, combo)))
               for combo in itertools.product(values, repeat=len(labels)))


def brute_force_cqm(cqm: dimod.ConstrainedQuadraticModel) -> float | None:
    """Lowest objective over feasible points (binary/spin variables), or None if infeasible."""
    labels = list(cqm.variables)
    domains = [(-1, 1) if cqm.vartype(v) is dimod.SPIN else (0, 1) for v in labels]
    best = None
    for combo in itertools.product(*domains):
        sample = dict(zip(labels, combo))
        if cqm.check_feasible(sample, atol=ATOL):
            e = float(cqm.objective.energy(sample))
            best = e if best is None else min(best, e)
    return best


def ladder() -> Iterator[tuple[str, dimod.BinaryQuadraticModel]]:
    """Tiny models: 0 to 3 variables, SPIN and BINARY, plain and odd labels."""
    for vartype in ("SPIN", "BINARY"):
        yield f"empty-{vartype}", dimod.BinaryQuadraticModel({}, {}, 1.5, vartype)
        yield f"one-{vartype}", dimod.BinaryQuadraticModel({0: 1.0}, {}, 0.0, vartype)
        yield f"two-{vartype}", dimod.BinaryQuadraticModel({0: 0.5, 1: -1.0}, {(0, 1): -2.0}, 0.0, vartype)
        yield f"three-{vartype}", dimod.BinaryQuadraticModel(
            {"a": 1.0}, {("a", "b"): 1.0, ("b", "c"): 1.0, ("a", "c"): 1.0}, -0.5, vartype)
        yield f"odd-labels-{vartype}", random_bqm(5, vartype, seed=11, labels=ODD_LABELS)


# -- helpers ---------------------------------------------------------------------------
def _check_bqm_result(backend: Any, bqm: dimod.BinaryQuadraticModel, result: Result,
                      what: str) -> None:
    if not isinstance(result, Result):
        _fail(backend, f"{what}: solve returned {type(result).__name__}, not Result")
    if result.sample is None:
        _fail(backend, f"{what}: no sample returned")
    if set(result.sample) != set(bqm.variables):
        _fail(backend, f"{what}: sample variables {sorted(map(repr, result.sample))} differ "
                       f"from the model's {sorted(map(repr, bqm.variables))}")
    allowed = {-1, 1} if bqm.vartype is dimod.SPIN else {0, 1}
    bad = {v: x for v, x in result.sample.items() if x not in allowed}
    if bad:
        _fail(backend, f"{what}: values outside {allowed}: {bad}")
    recomputed = bqm_energy(bqm, result.sample)
    if result.energy is None or abs(recomputed - result.energy) > ATOL:
        _fail(backend, f"{what}: reported energy {result.energy} but the sample's energy is "
                       f"{recomputed}")
    if result.samples is not None:
        for row in result.samples.data(["sample", "energy"]):
            e = bqm_energy(bqm, row.sample)
            if abs(e - row.energy) > ATOL:
                _fail(backend, f"{what}: a returned sample has energy {e}, reported {row.energy}")
            if e < result.energy - ATOL:
                _fail(backend, f"{what}: best sample ({result.energy}) is not the lowest "
                               f"returned ({e})")
    if result.wall_s < 0 or result.backend != backend.name:
        _fail(backend, f"{what}: bad metadata: backend={result.backend!r} wall_s={result.wall_s}")


# -- checks ------------------------------------------------------------------------------
def check_ladder(backend: Any) -> None:
    """Tiny models of every shape: a valid result over exactly the model's variables."""
    for what, bqm in ladder():
        result = backend.solve(bqm, seed=5, options=_settings(backend)["options"])
        _check_bqm_result(backend, bqm, result, what)
        if bqm.num_variables <= 5 and result.energy > brute_force_bqm(bqm) + ATOL:
            _fail(backend, f"{what}: energy {result.energy} above the optimum "
                           f"{brute_force_bqm(bqm)} on a {bqm.num_variables}-variable model")


def check_optimum(backend: Any) -> None:
    """Optimum equals brute force on small random models (or the declared success rate)."""
    cfg = _settings(backend)
    total = hits = 0
    misses = []
    for n in cfg["sizes"]:
        for trial in range(cfg["trials"]):
            for vartype in ("SPIN", "BINARY"):
                bqm = random_bqm(n, vartype, seed=1000 * n + trial)
                best = brute_force_bqm(bqm)
                result = backend.solve(bqm, seed=trial, options=cfg["options"])
                _check_bqm_result(backend, bqm, result, f"random n={n} {vartype}")
                total += 1
                if abs(result.energy - best) <= ATOL:
                    hits += 1
                else:
                    misses.append(f"n={n} {vartype} trial {trial}: {result.energy} vs {best}")
    if hits < cfg["min_success"] * total:
        _fail(backend, f"reached the brute-force optimum in {hits}/{total} models "
                       f"(required {cfg['min_success']:.0%}); misses: {misses[:5]}")


def check_seed(backend: Any) -> None:
    """The same seed gives the same answer."""
    cfg = _settings(backend)
    if not cfg["deterministic"]:
        return
    bqm = random_bqm(8, "SPIN", seed=77)
    a = backend.solve(bqm, seed=42, options=cfg["options"])
    b = backend.solve(bqm, seed=42, options=cfg["options"])
    if dict(a.sample) != dict(b.sample) or a.energy != b.energy:
        _fail(backend, f"same seed, different answers: {a.energy} vs {b.energy}")


def check_rejects_unknown_option(backend: Any) -> None:
    """Unknown options raise OptionsError before any work."""
    bqm = random_bqm(3, "SPIN", seed=1)
    with _no_work(backend):
        try:
            backend.solve(bqm, options={"surely_not_an_option": 1}, seed=0)
        except OptionsError:
            pass
        else:
            _fail(backend, "accepted an unknown option")


def check_rejects_unsupported(backend: Any) -> None:
    """Models of a kind it does not accept, or over its size limit, are refused before work."""
    with _no_work(backend):
        for model in ("not a model", 42):
            try:
                backend.solve(model, seed=0)
            except UnsupportedModelError:
                pass
            else:
                _fail(backend, f"accepted {model!r} as a model")
            reason = backend.supports(model)
            if reason is True or not isinstance(reason, str) or not reason:
                _fail(backend, f"supports({model!r}) must return a reason string, got {reason!r}")
        if "cqm" not in backend.model_kinds:
            cqm = dimod.ConstrainedQuadraticModel()
            cqm.add_variable("BINARY", "x")
            try:
                backend.solve(cqm, seed=0)
            except UnsupportedModelError:
                pass
            else:
                _fail(backend, "accepted a CQM without declaring 'cqm'")
        limit = backend.max_variables(backend.make_options(None))
        if limit is not None and "bqm" in backend.model_kinds:
            big = dimod.BinaryQuadraticModel({i: 1.0 for i in range(limit + 1)}, {}, 0.0, "SPIN")
            try:
                backend.solve(big, seed=0)
            except ProblemTooLargeError:
                pass
            else:
                _fail(backend, f"accepted {limit + 1} variables over its limit of {limit}")


def check_roundtrip(backend: Any) -> None:
    """The result survives JSON."""
    bqm = random_bqm(4, "BINARY", seed=3, labels=ODD_LABELS)
    result = backend.solve(bqm, seed=1, options=_settings(backend)["options"])
    again = Result.from_json(json.dumps(json.loads(result.to_json())))
    if again != result:
        _fail(backend, "result changed through a JSON round trip")
    if dict(again.sample) != dict(result.sample):
        _fail(backend, "best sample (with tuple labels) changed through JSON")


def check_dimod_sampler(backend: Any) -> None:
    """An annealing-style backend is a working dimod.Sampler."""
    if not isinstance(backend, dimod.Sampler):
        return
    opts = _settings(backend)["options"]
    ss = backend.sample_ising({"a": 0.5}, {("a", "b"): -1.0}, seed=3, **opts)
    if not isinstance(ss, dimod.SampleSet) or ss.first.energy != -1.5:
        _fail(backend, f"sample_ising gave {ss!r}")
    ss = backend.sample_qubo({(0, 0): -1.0, (0, 1): 2.0, (1, 1): -1.0}, seed=3, **opts)
    if ss.first.energy != -1.0:
        _fail(backend, f"sample_qubo optimum -1.0 missed: {ss.first.energy}")
    try:
        backend.sample_ising({"a": 1.0}, {}, not_a_parameter=3)
    except OptionsError:
        pass
    else:
        _fail(backend, "sample() silently accepted an unknown parameter")


def check_deadline(backend: Any) -> None:
    """A backend with a ``time_limit`` option returns within it (and spends it if anytime).

    A random SPIN model of 300 variables (12 where the backend has a size limit) is solved
    with a 1 s limit and the default options; the wall time (measured here, set-up apart,
    and as the result reports it) must stay within ``limit + DEADLINE_SLACK_S``, and an
    anytime backend must run at least half the limit unless it proved its answer optimal.
    """
    options = backend.make_options(None)
    if not options.has("time_limit"):
        if backend.capabilities().time_limit:
            _fail(backend, "capabilities claim a time limit its options do not have")
        return
    limit_n = backend.max_variables(options)
    n = 300 if limit_n is None else min(limit_n, 12)
    bqm = random_bqm(n, "SPIN", seed=300, density=min(1.0, 12 / n))
    started = time.perf_counter()
    result = backend.solve(bqm, seed=3, time_limit=DEADLINE_LIMIT_S)
    outer_s = time.perf_counter() - started - result.timing.setup_s
    _check_bqm_result(backend, bqm, result, f"{n} variables, {DEADLINE_LIMIT_S} s limit")
    bound = DEADLINE_LIMIT_S + DEADLINE_SLACK_S
    if max(result.wall_s, outer_s) > bound:
        _fail(backend, f"given {DEADLINE_LIMIT_S} s on {n} variables, returned after "
                       f"{max(result.wall_s, outer_s):.2f} s (bound {bound:.1f} s)")
    proved = result.status == Status.OPTIMAL  # an exact solver may stop when it has a proof
    if backend.capabilities().anytime and not proved and result.wall_s < 0.5 * DEADLINE_LIMIT_S:
        _fail(backend, f"anytime, but spent {result.wall_s:.2f} s of a {DEADLINE_LIMIT_S} s "
                       "limit (less than half)")


def check_cqm(backend: Any) -> None:
    """CQM optimum (with constraints) equals brute force over feasible points."""
    rng = np.random.default_rng(5)
    for trial in range(3):
        n = 6
        x = [dimod.Binary(("x", i)) for i in range(n)]
        cqm = dimod.ConstrainedQuadraticModel()
        cqm.set_objective(sum(float(rng.integers(-5, 6)) * x[i] for i in range(n)) +
                          sum(float(rng.integers(-3, 4)) * x[i] * x[j]
                              for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5))
        cqm.add_constraint(sum(x) == 2 + trial % 2, label="cardinality")
        cqm.add_constraint(x[0] + x[1] <= 1, label="exclusive")
        best = brute_force_cqm(cqm)
        result = backend.solve(cqm, seed=trial, options=_settings(backend)["options"])
        if result.sample is None or not cqm.check_feasible(result.sample, atol=ATOL):
            _fail(backend, f"CQM trial {trial}: returned an infeasible or empty sample")
        e = float(cqm.objective.energy(result.sample))
        if abs(e - result.energy) > ATOL:
            _fail(backend, f"CQM trial {trial}: reported {result.energy}, sample gives {e}")
        if best is not None and abs(e - best) > ATOL:
            _fail(backend, f"CQM trial {trial}: objective {e}, brute force {best}")


CHECKS: dict[str, list[Callable[[Any], None]]] = {
    "any": [check_rejects_unknown_option, check_rejects_unsupported],
    "bqm": [check_ladder, check_optimum, check_seed, check_roundtrip, check_dimod_sampler,
            check_deadline],
    "cqm": [check_cqm],
    "pauli": PAULI_CHECKS,
    "circuit": list(CIRCUIT_CHECKS),
}


def live_skip_reason(backend: Any) -> str | None:
    """Why the suite leaves ``backend`` alone here: it calls a cloud service (network, quota)
    and ``HYBRID_LIVE_TESTS=1`` is not set; None when it may run."""
    if _settings(backend)["live"] and os.environ.get("HYBRID_LIVE_TESTS") != "1":
        return "talks to a cloud service (network, quota); set HYBRID_LIVE_TESTS=1 to run it"
    return None


def applicable_checks(backend: Any) -> list[Callable[[Any], None]]:
    checks = list(CHECKS["any"])
    for kind in backend.model_kinds:
        checks.extend(CHECKS.get(kind, []))
    return checks


def run_conformance(backend: Any | str) -> list[str]:
    """Run every applicable check; return the failure messages (empty when conformant)."""
    if isinstance(backend, str):
        from hybrid_workbench.registry import get_backend

        backend = get_backend(backend)
    failures = []
    for check in applicable_checks(backend):
        try:
            check(backend)
        except ConformanceFailure as exc:
            failures.append(f"{check.__name__}: {exc}")
    return failures
