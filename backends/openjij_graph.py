"""OpenJij's Ising graph and annealing schedules, built from dimod's arrays.

OpenJij (0.12) turns a dimod model into its C++ graph through a Python dictionary and a
SciPy DOK matrix, and its simulated-annealing sampler re-derives the inverse-temperature
range from the graph on every call: seconds per call on a dense model of a few hundred
variables, minutes at two thousand. This module builds the same graph once, with NumPy
and SciPy in bulk, and computes the same schedules from arrays it keeps:

* :class:`IsingGraph` -- OpenJij's interaction matrix (SPIN form, upper triangle, linear
  biases in the last column, ``1`` in the corner) as an :mod:`openjij.cxxjij` graph;
* :func:`sa_schedule` -- ``openjij.sampler.sa_sampler.geometric_ising_beta_schedule``
  computed from the arrays (same random draw for the same seed, so the same schedule);
* :func:`sqa_schedule` -- ``openjij.sampler.sqa_sampler.quartic_ising_schedule``.

``tests/backends/test_openjij.py`` checks them against OpenJij's own samplers, sample for
sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["IsingGraph", "sa_schedule", "sqa_schedule"]

THRESHOLD = 1e-8


@dataclass
class IsingGraph:
    """A model in OpenJij's Ising form, over ``labels`` in the model's order.

    Attributes:
        graph: the :mod:`openjij.cxxjij` graph (``CSRSparse`` or ``Dense``).
        h: linear SPIN biases.
        upper: OpenJij's interaction matrix ((n+1) x (n+1), SciPy CSR).
        n: number of variables.
        min_interaction: smallest absolute entry of the matrix over ``THRESHOLD``.
    """

    graph: Any
    h: np.ndarray
    upper: Any
    n: int
    min_interaction: float

    @classmethod
    def from_bqm(cls, bqm: dimod.BinaryQuadraticModel, scale: float = 1.0,
                 sparse: bool = True) -> IsingGraph:
        """The graph of ``scale * bqm`` in SPIN form (labels in ``bqm.variables`` order)."""
        import dimod
        import openjij.cxxjij as cxxjij
        import scipy.sparse as sp

        spin = bqm if bqm.vartype is dimod.SPIN else bqm.change_vartype("SPIN", inplace=False)
        n = spin.num_variables
        h, (irow, icol, q), _ = spin.to_numpy_vectors(variable_order=list(bqm.variables))
        h = np.asarray(h, dtype=float) * scale
        q = np.asarray(q, dtype=float) * scale
        rows = np.concatenate([np.minimum(irow, icol), np.arange(n), [n]])
        cols = np.concatenate([np.maximum(irow, icol), np.full(n, n), [n]])
        upper = sp.csr_matrix((np.concatenate([q, h, [1.0]]), (rows, cols)), shape=(n + 1, n + 1))
        if sparse:
            graph = cxxjij.graph.CSRSparse(upper)
        else:
            graph = cxxjij.graph.Dense(n)
            graph.set_interaction_matrix(upper.toarray())
        magnitudes = np.abs(np.concatenate([h, q, [1.0]]))
        return cls(graph, h, upper, n, float(np.min(magnitudes[magnitudes > THRESHOLD])))

    def couple(self, spins: np.ndarray) -> np.ndarray:
        """The symmetric couplings times ``spins`` (an n x k array): the local fields."""
        padded = np.zeros((self.n + 1, spins.shape[1]))
        padded[:-1] = spins
        return (self.upper @ padded)[:-1] + (self.upper.T @ padded)[:-1]


def _energy_scales(graph: IsingGraph, seed: int) -> tuple[float, float, float]:
    """OpenJij's estimate of (dE_max, dE_min, rate_dE) from one random pair of states."""
    random_spin = np.random.RandomState(seed).choice([-1, 1], size=(graph.n + 1, 2))[:-1]
    de_quad = graph.couple(random_spin) * (-2 * random_spin)
    de_linear = graph.h[:, np.newaxis] * random_spin
    rate = 0.5
    quad_abs = np.abs(de_quad)
    mask = quad_abs > THRESHOLD
    if np.any(mask):
        rate = float(np.max(np.abs(de_linear[mask]) / (quad_abs[mask].mean() + THRESHOLD)))
    positive = de_quad[de_quad > THRESHOLD]
    if len(positive) == 0:
        return 1.1, 1.0, rate
    return float(np.median(positive)), float(np.min(positive)), rate


def sa_schedule(graph: IsingGraph, num_sweeps: int, beta_min: float | None,
                beta_max: float | None, seed: int) -> list[Any]:
    """OpenJij's geometric SA schedule for ``num_sweeps`` sweeps (its defaults, its seed use).

    Ported from ``openjij.sampler.sa_sampler.geometric_ising_beta_schedule`` (0.12,
    Apache-2.0), reading the biases from arrays instead of the C++ graph and drawing the
    random states from a private ``RandomState`` instead of re-seeding NumPy's global one.
    """
    import openjij.cxxjij as cxxjij

    de_max = de_min = 1.0
    rate_de = 0.5
    n = graph.n + 1
    if beta_min is None or beta_max is None:
        de_max, de_min, rate_de = _energy_scales(graph, seed)
    prob_init = 9 / 10 - 8 / 10 * np.tanh(rate_de / 50) + THRESHOLD
    if beta_min is None:
        beta_low, beta_high = -np.log(prob_init) / de_max, -np.log(prob_init) / de_min
        for _ in range(5):
            beta = (beta_low + beta_high) / 2
            f = 2 * beta * prob_init - np.exp(-beta * de_min) + np.exp(-beta * de_max)
            if abs(f) < 1e-8:
                break
            if f > 0:
                beta_high = beta
            else:
                beta_low = beta
        beta_min = beta_low
        floor = beta_min * 0.8
        beta_min = floor + (beta_min * 1.5 - floor) * np.tanh(num_sweeps / n)
    if beta_max is None:
        int_min = max(graph.min_interaction, de_min / 10.0)
        prob_final = 1 / 1000
        by_int = -np.log(prob_final) / int_min
        by_de = -np.log(prob_final) / de_min
        if rate_de < 2:
            low, high = min(by_de, by_int), max(by_de, by_int)
            beta_max = low + (high - low) * np.tanh(num_sweeps / (2 * n))
        else:
            last_step = min(100, num_sweeps // 10 + 1)
            beta_max = -np.log(prob_final) / max(de_min, int_min) / last_step
        if beta_max < beta_min:
            beta_max = beta_min * 10.0
    if rate_de > 1:
        beta_min *= rate_de
        beta_max *= rate_de
    per_beta = max(1, num_sweeps // 1000)
    return cxxjij.utility.make_classical_schedule_list(
        beta_min=beta_min, beta_max=beta_max, one_mc_step=per_beta,
        num_call_updater=num_sweeps // per_beta)


def sqa_schedule(beta: float, num_sweeps: int) -> list[tuple[tuple[float, float], int]]:
    """OpenJij's quartic SQA schedule (Morita and Nishimori 2008): ``((beta, s), 1)`` steps."""
    s = np.linspace(0, 1, num_sweeps)
    fs = s**4 * (35 - 84 * s + 70 * s**2 - 20 * s**3)
    return [((beta, float(x)), 1) for x in fs]
