"""The shot-based paths of ``vqe``: noisy simulation, user samplers, the mitigated report.

:func:`noisy_path` builds what a noisy VQE needs, in one of two ways:

* ``aer-noisy``: the ansatz is laid out on the offline fake IBM device
  (``qiskit_ibm_runtime.fake_provider``) by a preset pass manager, and the physical
  qubits it uses become a :class:`CompactDevice` -- the device's target (gates, errors,
  T1/T2, readout) restricted to those qubits. Aer builds its noise model from that target,
  so every qubit of the simulator is one the circuit uses: the Runtime's local mode, which
  measures every qubit of the device it is given, then simulates a handful of qubits, not
  127. Energies during the optimisation come from Qiskit's ``BackendEstimatorV2`` (Pauli
  groups measured with shots, standard errors from the shot variance); the final report
  measures the optimum again with more shots, unmitigated, and with the Runtime's
  resilience options through :func:`~hybrid_workbench.algorithms.mitigation.mitigated_energy`.
* a user ``SamplerV2`` without an estimator: :class:`PauliMeasurement` turns the sampler
  into energies. Qiskit has no estimator on top of a sampler (``BackendEstimatorV2`` needs a
  ``BackendV2``), so this part is written here: qubit-wise commuting groups
  (``SparsePauliOp.group_commuting``), one basis-change circuit per group, and per shot the
  group's value ``sum_t c_t (-1)^{parity_t}``, whose mean and variance give the energy and
  its standard error (covariances within a group included). No mitigation runs on a bare
  sampler: the Runtime's mitigation needs a backend (pass ``estimator=`` instead).

Examples:
    >>> from qiskit.circuit.library import real_amplitudes
    >>> from qiskit.primitives import StatevectorSampler
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> m = PauliMeasurement(SparsePauliOp.from_list([("ZZ", 1.0), ("XX", 0.5)]),
    ...                      real_amplitudes(2, reps=1), None)
    >>> len(m.circuits)
    2
    >>> e, s = m.energies(StatevectorSampler(seed=1), np.zeros((1, 4)), 1000)
    >>> round(float(e[0]), 1), bool(0.0 < s[0] < 0.05)
    (1.0, True)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hybrid_workbench.errors import OptionsError, SolverError

__all__ = [
    "DEFAULT_NOISE_BACKEND",
    "CompactDevice",
    "NoisyPath",
    "PauliMeasurement",
    "active_qubits",
    "fake_device",
    "mitigation_reserve_s",
    "noisy_path",
]

DEFAULT_NOISE_BACKEND = "FakeSherbrooke"


def active_qubits(circuit: Any) -> list[int]:
    """Indices of the qubits a (transpiled) circuit acts on, barriers and delays aside."""
    used = {circuit.find_bit(q).index for inst in circuit.data
            if inst.operation.name not in ("barrier", "delay") for q in inst.qubits}
    return sorted(used)


@functools.cache
def _compact_device_class() -> type:
    from qiskit.providers import BackendV2, Options
    from qiskit.transpiler import Target

    class _CompactDevice(BackendV2):
        """A device's target restricted to some of its qubits (renumbered 0..n-1)."""

        def __init__(self, device: Any, qubits: list[int]) -> None:
            super().__init__(name=f"{device.name}{list(qubits)}")
            full = device.target
            index = {q: i for i, q in enumerate(qubits)}
            props = full.qubit_properties
            target = Target(num_qubits=len(qubits), dt=full.dt,
                            qubit_properties=None if props is None
                            else [props[q] for q in qubits])
            for name in full.operation_names:
                op = full.operation_from_name(name)
                if isinstance(op, type):  # variable-width control flow: no qubit arguments
                    target.add_instruction(op, name=name)
                    continue
                entries = {}
                for qargs, p in (full[name] or {}).items():
                    if qargs is None:
                        entries[None] = p
                    elif all(q in index for q in qargs):
                        entries[tuple(index[q] for q in qargs)] = p
                if entries:
                    target.add_instruction(op, entries, name=name)
            self.physical_qubits = list(qubits)
            self._target = target

        @property
        def target(self) -> Any:
            return self._target

        @property
        def max_circuits(self) -> None:
            return None

        @classmethod
        def _default_options(cls) -> Any:
            return Options()

        def run(self, run_input: Any, **options: Any) -> Any:
            raise NotImplementedError("a CompactDevice describes noise; simulate it with "
                                      "AerSimulator.from_backend")

    return _CompactDevice


def CompactDevice(device: Any, qubits: list[int]) -> Any:
    """A ``BackendV2`` holding ``device``'s target on ``qubits`` only (renumbered 0..n-1).

    The qubit properties and the errors and durations of every gate and readout among those
    qubits are copied; Qiskit has no sub-target helper, so the copy is made here.
    """
    return _compact_device_class()(device, qubits)


class PauliMeasurement:
    """Energy of a SparsePauliOp in a parameterised state, from the shots of a SamplerV2.

    Args:
        operator: the Hermitian SparsePauliOp.
        ansatz: parameterised circuit (no measurements).
        pass_manager: transpiles to the sampler's target (None: circuits run as built).
    """

    def __init__(self, operator: Any, ansatz: Any, pass_manager: Any) -> None:
        from qiskit import QuantumCircuit

        n = operator.num_qubits
        self.parameters = list(ansatz.parameters)
        self.circuits: list[Any] = []
        self.groups: list[tuple[np.ndarray, np.ndarray]] = []
        for group in operator.group_commuting(qubit_wise=True):
            qc = QuantumCircuit(n)
            qc.compose(ansatz, inplace=True)
            zs = np.logical_or.reduce(group.paulis.z, axis=0)
            xs = np.logical_or.reduce(group.paulis.x, axis=0)
            for q in range(n):
                if xs[q] and zs[q]:
                    qc.sdg(q)
                if xs[q]:
                    qc.h(q)
            qc.measure_all()
            self.circuits.append(qc if pass_manager is None else pass_manager.run(qc))
            supports = (group.paulis.x | group.paulis.z).astype(np.int64)  # terms x qubits
            self.groups.append((supports, np.real(np.asarray(group.coeffs))))
        if any(c.num_parameters != len(self.parameters) for c in self.circuits):
            raise SolverError("vqe: transpilation removed ansatz parameters")

    def energies(self, sampler: Any, values: np.ndarray, shots: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Energies and their standard errors at each row of ``values``, one sampler call."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        pubs = [(c, values) if self.parameters else (c,) for c in self.circuits]
        results = sampler.run(pubs, shots=shots).result()
        energy = np.zeros(len(values))
        variance = np.zeros(len(values))
        for (supports, coeffs), pub in zip(self.groups, results):
            bits = pub.join_data()  # BitArray, shape (points,) or ()
            for k in range(len(values)):
                arr = bits[k] if bits.ndim else bits
                # shots x bits, column q = measured bit of qubit q (BitArray is big-endian)
                b = np.unpackbits(arr.array, axis=-1)[:, ::-1][:, :supports.shape[1]]
                per_shot = ((1 - 2 * ((b.astype(np.int64) @ supports.T) % 2)) @ coeffs)
                energy[k] += per_shot.mean()
                variance[k] += per_shot.var(ddof=1) / len(per_shot) if len(per_shot) > 1 \
                    else np.inf
        return energy, np.sqrt(variance)


def mitigation_reserve_s(options: Any) -> float:
    """Seconds to hold back for the locally mitigated final energy on ``aer-noisy``: about
    what the Runtime's client-side estimator takes for a few-qubit circuit on one CPU core
    (twirled readout calibration 3 s, each ZNE noise factor 1 s more)."""
    chosen = "readout+zne" if options.mitigation == "auto" else options.mitigation
    if chosen == "none":
        return 0.0
    return (3.0 if "readout" in chosen else 1.5) + (
        1.0 * len(options.zne_factors) if "zne" in chosen else 0.0)


@functools.cache
def fake_device(name: str) -> tuple[Any, Any]:
    """The offline fake IBM device ``name`` and a preset pass manager for it (both cached:
    the pass manager of a 127-qubit target takes a second to build)."""
    from qiskit.transpiler import generate_preset_pass_manager

    from hybrid_workbench._optional import require

    fake_provider = require("qiskit_ibm_runtime.fake_provider", extra="noise",
                            purpose="the aer-noisy device noise model")
    device_class = getattr(fake_provider, name, None)
    if device_class is None or not isinstance(device_class, type):
        raise OptionsError(f"noise_backend: unknown fake device {name!r}; use a class of "
                           f"qiskit_ibm_runtime.fake_provider such as {DEFAULT_NOISE_BACKEND!r}")
    device = device_class()
    return device, generate_preset_pass_manager(optimization_level=1, backend=device,
                                                seed_transpiler=0)


@dataclass
class NoisyPath:
    """Energies from shots (``batch``), and the final report at the optimum (``report``)."""

    batch: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    final: Callable[[np.ndarray, int], tuple[float, float]]
    model: Any
    ansatz: Any
    simulator: Any = None       # the compact noisy AerSimulator (aer-noisy only)
    circuit: Any = None         # ISA ansatz on ``simulator``
    observable: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    def report(self, x: np.ndarray, options: Any, seed: int) -> dict[str, Any]:
        """The optimum measured again: unmitigated, mitigated (as ``options.mitigation``
        says), the ideal value, side by side; ``energy`` and ``energy_sigma`` are the
        mitigated ones where mitigation ran."""
        from qiskit.quantum_info import Statevector

        from hybrid_workbench.algorithms.mitigation import (
            mitigated_energy,
            resilience_options,
        )

        shots = 4 * (options.shots or 4096)  # the final estimate gets more shots
        raw, raw_sigma = self.final(x, shots)
        chosen = "none" if options.mitigation == "auto" and self.simulator is None else (
            "readout+zne" if options.mitigation == "auto" else options.mitigation)
        report: dict[str, Any] = {"unmitigated": raw, "unmitigated_sigma": raw_sigma,
                                  "mitigation": chosen, "final_shots": shots, **self.info}
        energy, sigma = raw, raw_sigma
        if chosen != "none":
            resilience = resilience_options(chosen, options.zne_factors, options.zne_fit)
            out = mitigated_energy(self.simulator, self.circuit, self.observable, x,
                                   resilience, shots, seed)
            energy, sigma = out["energy"], out["sigma"]
            report.update(resilience=resilience, mitigated_sigma=sigma)
            if "energies_by_factor" in out:
                report.update(energies_by_factor=out["energies_by_factor"],
                              sigmas_by_factor=out["sigmas_by_factor"],
                              zne_factors=list(options.zne_factors), zne_fit=options.zne_fit)
        report["mitigated"] = energy
        bound = self.ansatz.assign_parameters(x) if self.ansatz.num_parameters else self.ansatz
        report["ideal_at_optimum"] = float(np.real(
            Statevector(bound).expectation_value(self.model)))
        return {"noisy": report, "energy": energy, "energy_sigma": sigma}


def noisy_path(model: Any, ansatz: Any, options: Any, seed: int,
               primitives: Any = None) -> NoisyPath:
    """Shot-based energies on ``aer-noisy`` (``primitives`` None) or on a user sampler
    (``primitives`` with a sampler)."""
    shots = options.shots or 4096
    if primitives is not None:
        sampler = primitives.sampler
        measurement = PauliMeasurement(model, ansatz, primitives.pass_manager)

        def sampled(points: np.ndarray, n: int = shots) -> tuple[np.ndarray, np.ndarray]:
            return measurement.energies(sampler, points, n)

        def final_sampled(x: np.ndarray, n: int) -> tuple[float, float]:
            e, s = sampled(np.asarray(x, dtype=float)[None, :], n)
            return float(e[0]), float(s[0])

        return NoisyPath(sampled, final_sampled, model, ansatz)

    from qiskit.primitives import BackendEstimatorV2
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator

    name = options.noise_backend or DEFAULT_NOISE_BACKEND
    device, layout_pm = fake_device(name)
    qubits = active_qubits(layout_pm.run(ansatz))
    simulator = AerSimulator.from_backend(CompactDevice(device, qubits),
                                          seed_simulator=int(seed))
    circuit = generate_preset_pass_manager(optimization_level=1, backend=simulator,
                                           seed_transpiler=int(seed)).run(ansatz)
    if circuit.num_parameters != ansatz.num_parameters:
        raise SolverError("vqe: transpilation removed ansatz parameters")
    observable = model.apply_layout(circuit.layout)

    def estimated(points: np.ndarray, n: int = shots) -> tuple[np.ndarray, np.ndarray]:
        estimator = BackendEstimatorV2(backend=simulator, options={
            "default_precision": 1.0 / np.sqrt(n), "seed_simulator": int(seed)})
        pub = (circuit, observable, points) if circuit.num_parameters else (circuit, observable)
        data = estimator.run([pub]).result()[0].data
        return (np.broadcast_to(np.asarray(data.evs, dtype=float), (len(points),)),
                np.broadcast_to(np.asarray(data.stds, dtype=float), (len(points),)))

    def final_estimated(x: np.ndarray, n: int) -> tuple[float, float]:
        e, s = estimated(np.asarray(x, dtype=float)[None, :], n)
        return float(e[0]), float(s[0])

    return NoisyPath(estimated, final_estimated, model, ansatz, simulator, circuit, observable,
                     info={"noise_backend": name, "physical_qubits": qubits})
