"""What a fast-path QAOA solve will cost here, before any of it runs.

Under a time limit ``qaoa`` must not start work it cannot finish: tabulating the cost of a
30-qubit model or one expectation on it takes longer than many limits. :func:`calibrate`
times the fast simulator once per process and engine on a small model (building the cost
table, one layer, the final evolve-and-sample; it also compiles the numba kernels, so it
belongs to the backend's set-up, not to a solve), and :func:`estimate` scales those rates
to ``n`` qubits and ``p`` layers: every step is a few passes over ``2**n`` amplitudes,
``n`` mixers per layer. The estimates decide whether even one evaluation fits (if not,
``qaoa`` refuses before work and says why); during the solve the measured costs take over
(:class:`~hybrid_workbench.algorithms.budget.Budget`).

Examples:
    >>> cost = estimate(20, 2, "numpy")
    >>> 0 < cost.build_s and 0 < cost.evaluation_s and 0 < cost.final_s
    True
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FastCost", "calibrate", "estimate"]

#: qubits of the two calibration models per engine (numba from its own threshold up)
CALIBRATION_QUBITS = {"numpy": (12, 15), "numba": (16, 19), "cupy": (16, 19)}
#: states past this many qubits leave the caches: per-amplitude costs measured in cache
#: are scaled by this factor (measured on a loaded 2-core VM: 1.3-2x at 22-26 qubits)
MEMORY_BOUND_QUBITS, MEMORY_FACTOR = 20, 2.0

#: engine -> (fixed, per-amplitude) seconds of (table, layer, final step)
_rates: dict[str, tuple[tuple[float, float], ...]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class FastCost:
    """Estimated seconds of the fast path's steps on one model.

    Attributes:
        build_s: tabulating the cost vector (once per solve).
        evaluation_s: one objective evaluation (``p`` layers and the energy).
        final_s: evolving the best angles once more, its energy, and sampling the shots.
    """

    build_s: float
    evaluation_s: float
    final_s: float

    def first_step_s(self) -> float:
        """The least a solve needs: the table, one evaluation and the final sampling."""
        return self.build_s + self.evaluation_s + self.final_s


def _calibration_model(n: int) -> Any:
    import dimod

    rng = np.random.default_rng(0)
    edges = {(i, (i + 1) % n): 1.0 for i in range(n)}
    edges.update({(i, int(j)): 1.0 for i, j in enumerate(rng.integers(0, n, n)) if i != j})
    return dimod.BinaryQuadraticModel({}, edges, 0.0, "SPIN")


def _time_steps(engine: str, n: int) -> tuple[float, float, float]:
    """Seconds of (table, one layer, final step beyond the layers), best of two runs."""
    from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator

    bqm = _calibration_model(n)
    rng = np.random.default_rng(0)
    best = [float("inf")] * 3
    for _ in range(2):
        start = time.perf_counter()
        sim = DiagonalQAOASimulator(bqm, engine=engine)
        build = time.perf_counter() - start
        start = time.perf_counter()
        sim.objective([0.1, 0.3], [0.2, 0.4])
        layer = (time.perf_counter() - start) / 2
        start = time.perf_counter()
        psi = sim.evolve([0.1], [0.2])
        sim.energy_of(psi)
        sim.sample(psi, 1024, rng)
        final = max(0.0, time.perf_counter() - start - layer)
        best = [min(a, b) for a, b in zip(best, (build, layer, final))]
    return best[0], best[1], best[2]


def calibrate(engine: str) -> tuple[tuple[float, float], ...]:
    """``(fixed_s, per_amplitude_s)`` of (table, layer, final step) for ``engine``.

    Timed on two model sizes (the fixed part is thread start-up and Python overhead, which
    dominates small states); once per process and engine. The first run compiles the
    numba kernels and is not timed.
    """
    with _lock:
        if engine in _rates:
            return _rates[engine]
        from hybrid_workbench.algorithms.qaoa_sim import DiagonalQAOASimulator

        n1, n2 = CALIBRATION_QUBITS.get(engine, (16, 19))
        warm = DiagonalQAOASimulator(_calibration_model(n1), engine=engine)  # compiles
        psi = warm.evolve([0.1], [0.2])
        warm.energy_of(psi)
        warm.sample(psi, 16, np.random.default_rng(0))
        warm.objective([0.1], [0.2], alpha=0.5)
        t1, t2 = _time_steps(engine, n1), _time_steps(engine, n2)
        a1, a2 = _amplitudes(n1, n1), _amplitudes(n2, n1)
        fits = []
        for y1, y2 in zip(t1, t2):
            # a noisy pair (a loaded machine) must not make a step look free
            slope = max(0.5 * y2 / a2, (y2 - y1) / (a2 - a1))
            fits.append((max(0.0, y1 - slope * a1), slope))
        _rates[engine] = tuple(fits)
        return _rates[engine]


def _amplitudes(n: int, n_c: int) -> float:
    """Amplitude passes of one step at ``n`` qubits, relative to the model size ``n_c``."""
    amps = float(2 ** n) * max(1.0, n / n_c)
    return amps * MEMORY_FACTOR if n > MEMORY_BOUND_QUBITS else amps


def estimate(n: int, p: int, engine: str) -> FastCost:
    """Estimated :class:`FastCost` of ``n`` qubits and ``p`` layers on ``engine``.

    The fitted ``fixed + per_amplitude * passes`` of :func:`calibrate`, with ``2**n``
    amplitudes, ``n / n_c`` passes (mixers per layer, table columns) and, past
    ``MEMORY_BOUND_QUBITS``, ``MEMORY_FACTOR`` for a state that no longer fits in cache.
    """
    (b0, b1), (l0, l1), (f0, f1) = calibrate(engine)
    amps = _amplitudes(n, CALIBRATION_QUBITS.get(engine, (16, 19))[0])
    evaluation = p * (l0 + l1 * amps)
    return FastCost(build_s=b0 + b1 * amps, evaluation_s=evaluation,
                    final_s=evaluation + f0 + f1 * amps)
