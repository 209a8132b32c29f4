"""Error mitigation for VQE energies, through the options of IBM's Qiskit Runtime.

``vqe``'s ``mitigation`` option (``none``, ``readout``, ``zne``, ``readout+zne``, ``auto``)
is translated into the Runtime's own ``resilience`` options (:func:`resilience_options`),
and the same options drive both places an estimator can run:

* on IBM hardware, a ``qiskit_ibm_runtime.EstimatorV2`` given to
  ``VQEBackend(estimator=...)`` gets them set (:func:`apply_resilience`), and the Runtime
  mitigates every energy server-side;
* locally, on a noisy Aer simulator, the energies at the optimum are measured by
  qiskit-ibm-runtime's client-side ``executor_estimator.Estimator`` in local mode
  (:func:`mitigated_energy`): it implements those resilience options on the client with
  IBM's ``qiskit-mitigation`` (TREX readout mitigation with measurement twirling;
  zero-noise extrapolation by two-qubit gate folding and a fitted extrapolator) and runs
  the resulting programs on the simulator.

Why this path: it is maintained by IBM together with the Runtime, so the mitigation that
runs here is the one that runs on the hardware, under the same option names; mitiq would
be the alternative but pins an older NumPy. Nothing of the mitigation itself is written
here: this module maps option spellings (``readout`` is the Runtime's
``measure_mitigation``; ``zne_fit='richardson'`` is the polynomial through all factors)
and reads the results. Two small things are its own: identity terms are added as the
constant they are rather than measured, and the standard error of an extrapolated energy
is propagated from the errors at each noise factor (:func:`extrapolation_weights`), since
the library's is scaled by a three-point fit's residual, or infinite for an interpolation.

Examples:
    >>> resilience_options("readout+zne", (1, 3, 5), "richardson")["zne"]
    {'noise_factors': [1.0, 3.0, 5.0], 'extrapolator': 'polynomial_degree_2', 'amplifier': 'gate_folding'}
    >>> resilience_options("readout", (1, 3), "linear")
    {'measure_mitigation': True, 'zne_mitigation': False}
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from hybrid_workbench.errors import OptionsError

__all__ = [
    "MITIGATIONS",
    "apply_resilience",
    "extrapolation_weights",
    "is_runtime_estimator",
    "mitigated_energy",
    "resilience_options",
    "runtime_extrapolator",
]

MITIGATIONS = ("none", "readout", "zne", "readout+zne")
FITS = ("linear", "richardson")


def runtime_extrapolator(fit: str, factors: tuple[int, ...] | list[int]) -> str:
    """The Runtime's ``zne.extrapolator`` for ``zne_fit`` over ``factors``.

    Examples:
        >>> runtime_extrapolator("linear", (1, 3, 5)), runtime_extrapolator("richardson", (1, 3))
        ('linear', 'polynomial_degree_1')
    """
    if fit == "linear":
        return "linear"
    if fit == "richardson":  # the interpolating polynomial through every factor
        return f"polynomial_degree_{len(factors) - 1}"
    raise OptionsError(f"zne_fit must be one of {', '.join(FITS)}, got {fit!r}")


def resilience_options(mitigation: str, factors: tuple[int, ...] | list[int] = (1, 3, 5),
                       fit: str = "linear") -> dict[str, Any]:
    """The Runtime ``resilience`` options for ``vqe``'s ``mitigation`` setting.

    Args:
        mitigation: ``none``, ``readout``, ``zne`` or ``readout+zne``.
        factors: ZNE noise factors (odd integers: two-qubit gate folding).
        fit: ``linear`` or ``richardson``.
    """
    if mitigation not in MITIGATIONS:
        raise OptionsError(f"mitigation must be one of {', '.join(MITIGATIONS)}, "
                           f"got {mitigation!r}")
    zne = "zne" in mitigation
    out: dict[str, Any] = {"measure_mitigation": "readout" in mitigation, "zne_mitigation": zne}
    if zne:
        out["zne"] = {"noise_factors": [float(f) for f in factors],
                      "extrapolator": runtime_extrapolator(fit, factors),
                      "amplifier": "gate_folding"}
    return out


def is_runtime_estimator(estimator: Any) -> bool:
    """Whether ``estimator`` is a Qiskit Runtime ``EstimatorV2`` (server or client side).

    Nothing is imported: an object of qiskit-ibm-runtime exists only once the module is.
    """
    if estimator is None or "qiskit_ibm_runtime" not in sys.modules:
        return False
    from qiskit_ibm_runtime import EstimatorV2

    kinds: tuple[type, ...] = (EstimatorV2,)
    try:
        from qiskit_ibm_runtime.executor_estimator import Estimator as ClientEstimator

        kinds += (ClientEstimator,)
    except ImportError:  # older qiskit-ibm-runtime: no client-side estimator
        pass
    return isinstance(estimator, kinds)


def apply_resilience(estimator: Any, resilience: dict[str, Any]) -> None:
    """Set ``resilience`` on a Runtime estimator's options (in place).

    Both option models (``qiskit_ibm_runtime.options`` for ``EstimatorV2`` and the pydantic
    ``options_models`` of the client-side estimator) take the same attribute names.
    """
    opts = estimator.options.resilience
    opts.measure_mitigation = resilience["measure_mitigation"]
    opts.zne_mitigation = resilience["zne_mitigation"]
    for key, value in resilience.get("zne", {}).items():
        setattr(opts.zne, key, value)


def extrapolation_weights(factors: Any, degree: int) -> np.ndarray:
    """Weights ``w`` with ``E(0) = w @ E(factors)`` for a least-squares polynomial fit.

    Both of ``vqe``'s fits are linear in the measured values, so the standard error of the
    extrapolated energy is ``sqrt(sum (w_i s_i)^2)`` from the errors ``s_i`` at each factor.
    The library's own error for it is scaled by the fit residual (three points, one degree
    of freedom) or infinite (an interpolating polynomial), hence this one.

    Examples:
        >>> [round(float(w), 6) for w in extrapolation_weights([1, 3], 1)]
        [1.5, -0.5]
    """
    x = np.asarray(factors, dtype=float)
    vander = np.vander(x, degree + 1, increasing=True)
    return np.linalg.pinv(vander)[0]


def mitigated_energy(simulator: Any, circuit: Any, observable: Any, x: np.ndarray,
                     resilience: dict[str, Any], shots: int, seed: int) -> dict[str, Any]:
    """Energy at ``x`` on a local simulator with the Runtime's resilience options applied.

    Args:
        simulator: a ``BackendV2`` (an ``AerSimulator`` with a noise model) small enough to
            simulate every qubit it has.
        circuit: ISA circuit for ``simulator``; ``observable`` laid out on it.
        resilience: from :func:`resilience_options`.
        shots: shots per noise factor and per twirl set (the Runtime's ``default_shots``).

    Returns:
        ``energy``, ``sigma`` (standard error; None where none can be given) and, with ZNE,
        ``energies_by_factor`` and ``sigmas_by_factor`` (readout-mitigated when asked).
    """
    from hybrid_workbench._optional import require

    runtime = require("qiskit_ibm_runtime.executor_estimator", extra="noise",
                      purpose="local error mitigation (qiskit-ibm-runtime >= 0.50)")
    # the identity term is exact (its zero variance would leave ZNE's weighted fit unweighted)
    observable = observable.simplify()
    identity = ~(observable.paulis.x.any(axis=1) | observable.paulis.z.any(axis=1))
    constant = float(np.real(observable.coeffs[identity]).sum())
    if identity.all():
        return {"energy": constant, "sigma": 0.0}
    rest = observable[~identity]
    estimator = runtime.Estimator(mode=simulator, options={
        "default_shots": int(shots), "simulator": {"seed_simulator": int(seed)}})
    apply_resilience(estimator, resilience)
    pub = (circuit, rest, np.asarray(x, dtype=float)[None, :]) \
        if circuit.num_parameters else (circuit, rest)
    data = estimator.run([pub]).result()[0].data
    energy = float(np.ravel(data.evs)[0]) + constant
    sigma: float | None = float(np.ravel(data.stds)[0])
    out: dict[str, Any] = {"energy": energy}
    if resilience["zne_mitigation"]:
        by_factor = np.asarray(data.evs_noise_factors, dtype=float).reshape(-1)
        errors = np.asarray(data.stds_noise_factors, dtype=float).reshape(-1)
        zne = resilience["zne"]
        degree = 1 if zne["extrapolator"] == "linear" else int(zne["extrapolator"].rsplit("_")[-1])
        w = extrapolation_weights(zne["noise_factors"], degree)
        propagated = float(np.sqrt(np.sum((w * errors) ** 2)))
        # the library fits term by term, weighted: the same estimate up to a fraction of
        # its error, unless it fell back to another extrapolator
        if abs(w @ by_factor + constant - energy) < 0.25 * propagated:
            sigma = propagated
        out.update(energies_by_factor=(by_factor + constant).tolist(),
                   sigmas_by_factor=errors.tolist())
    out["sigma"] = sigma if sigma is not None and np.isfinite(sigma) and sigma > 0 else None
    return out
