"""``ibm``: IBM Quantum gate-model devices through Qiskit Runtime's V2 primitives.

A circuit is transpiled to the device's ISA with a preset pass manager
(``generate_preset_pass_manager``, ``optimization_level``, seeded), then sampled by
``qiskit_ibm_runtime.SamplerV2`` inside a ``Batch`` (or ``Session``, or as a plain job:
``mode``). ``Result.info`` holds the counts (big-endian bit strings, as every circuit backend
gives them), the shots, the device, the transpiled depth and two-qubit gate count, the job
id, the batch or session id, the QPU seconds the Runtime billed (``qpu_usage_s``) and when
the device was last calibrated (``calibrated_at``, from ``properties().last_update_date``).

Devices: a ``fake_*`` name (``fake_sherbrooke``, 127 qubits, the default; ``fake_lagos``,
7 qubits) runs offline in the Runtime's local testing mode, on Aer with that device's
noise model; any other name is a real device, fetched with ``QiskitRuntimeService()``,
which reads the credentials itself from ``QISKIT_IBM_TOKEN`` / ``QISKIT_IBM_INSTANCE`` /
``QISKIT_IBM_CHANNEL`` or the saved account. Credentials are never options and never enter
results, info or logs; without them a real device is refused before any work, and no fake
device is put in its place.

Gate-model use: :meth:`IBMBackend.primitives` hands out the Runtime ``SamplerV2`` and
``EstimatorV2`` with the pass manager, so ``qaoa`` and ``vqe`` run on a device with
``gate_backend='ibm'`` and ``gate_options={'ibm_backend': ...}``. The Runtime's error
mitigation (TREX, ZNE, dynamical decoupling, twirling, resilience level) is set through the
options (:mod:`hybrid_workbench.backends.ibm.options`); local testing mode ignores it, as
the Runtime warns, and ``info['mitigation_applied']`` says so.

:meth:`IBMBackend.dry_run` transpiles without submitting and reports depth, two-qubit gates
and the estimated QPU seconds (:mod:`hybrid_workbench.backends.ibm.dryrun`), e.g.
``IBMBackend().dry_run(circuit, {"ibm_backend": "fake_sherbrooke"})["two_qubit_gates"]``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from hybrid_workbench.backend import Backend, check_seed
from hybrid_workbench.backends.ibm import runtime
from hybrid_workbench.backends.ibm.dryrun import isa_report, two_qubit_gates
from hybrid_workbench.backends.ibm.options import (
    DEFAULT_DEVICE,
    IBMOptions,
    estimator_only,
    estimator_options,
    sampler_options,
)
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import Primitives
from hybrid_workbench.result import Solved, Status

__all__ = ["IBMBackend", "IBMOptions"]


class IBMBackend(Backend[IBMOptions]):
    """IBM Quantum devices (or their offline fakes) through Qiskit Runtime primitives."""

    name = "ibm"
    model_kinds = ("circuit",)
    Options = IBMOptions
    requires = ("qiskit", "qiskit_ibm_runtime", "qiskit_aer")
    extra = "cloud"
    package = "qiskit-ibm-runtime"
    device = "qpu"
    description = ("IBM Quantum via Qiskit Runtime SamplerV2/EstimatorV2 (fake_* devices run "
                   "offline in local testing mode)")
    # a 7-qubit fake device: a run takes about a second (fake_sherbrooke's noise model, 5-15 s)
    conformance: ClassVar[dict[str, Any]] = {"circuit_tvd": 0.25,
                                             "options": {"ibm_backend": "fake_oslo"}}

    def notes(self) -> str:
        source = runtime.credential_source()
        if source is None:
            return runtime.NO_CREDENTIALS
        return (f"credentials from the {source}; the default device {DEFAULT_DEVICE} runs "
                "offline, a real one is named with ibm_backend")

    # -- checks ---------------------------------------------------------------------------
    def _check_device(self, model: Any, options: IBMOptions) -> None:
        runtime.check_device_name(options.ibm_backend)
        if options.is_fake:
            qubits = runtime.fake_device(options.ibm_backend).num_qubits
            if model.num_qubits > qubits:
                raise ProblemTooLargeError(
                    f"backend 'ibm': device {options.ibm_backend!r} has {qubits} qubits; this "
                    f"circuit has {model.num_qubits}")

    def _check(self, model: Any, options: IBMOptions) -> None:
        super()._check(model, options)
        if model.num_parameters:
            names = ", ".join(p.name for p in list(model.parameters)[:5])
            raise UnsupportedModelError(
                f"circuit has {model.num_parameters} unbound parameter(s) ({names}); bind them "
                "first with circuit.assign_parameters(values)")
        only = estimator_only(options)
        if only:
            raise OptionsError(
                f"ibm: {', '.join(only)} mitigate expectation values (EstimatorV2); sampling a "
                "circuit cannot use them: drop them, or use dynamical_decoupling / twirl_gates "
                "/ twirl_measure, or pass them in gate_options of vqe or qaoa")
        self._check_device(model, options)

    def _setup(self, options: IBMOptions) -> None:
        super()._setup(options)
        import qiskit.transpiler  # noqa: F401  (the preset pass managers, seconds cold)

        if options.is_fake:
            runtime.fake_device(options.ibm_backend)

    # -- work -----------------------------------------------------------------------------
    @staticmethod
    def _pass_manager(backend: Any, options: IBMOptions, seed: int | None) -> Any:
        from qiskit.transpiler import generate_preset_pass_manager

        return generate_preset_pass_manager(optimization_level=options.optimization_level,
                                            backend=backend, seed_transpiler=seed)

    def _solve(self, model: Any, options: IBMOptions, deadline: Deadline, seed: int) -> Solved:
        circuit = model if model.num_clbits else model.measure_all(inplace=False)
        backend = runtime.device(options.ibm_backend)
        local = options.is_fake
        start = time.perf_counter()
        isa = self._pass_manager(backend, options, seed).run(circuit)
        asked = sampler_options(options)
        with runtime.execution_mode(backend, options.mode) as mode:
            sampler = runtime.make_sampler(mode, asked, seed, local=local)
            job = sampler.run([isa], shots=options.shots)
            pub = job.result()[0]
        solver_s = time.perf_counter() - start
        counts = {str(k): int(v) for k, v in pub.join_data().get_counts().items()}
        best = max(sorted(counts), key=lambda k: counts[k])
        sample = {i: int(bit) for i, bit in enumerate(reversed(best))}
        info = {
            "device": "simulator" if local else "qpu",
            "counts": counts, "shots": options.shots, "num_qubits": model.num_qubits,
            "num_clbits": circuit.num_clbits, "ibm_backend": backend.name,
            "method": f"qiskit-ibm-runtime SamplerV2 on {backend.name}"
                      + (" (local testing mode: Aer with its noise model)" if local else ""),
            "local_testing": local, "execution_mode": options.mode,
            "depth": int(isa.depth()), "two_qubit_gates": two_qubit_gates(isa),
            "calibrated_at": runtime.calibration_time(backend),
            "runtime_options": asked, **runtime.job_record(job),
            "mitigation_applied": _mitigation_applied(asked, local)}
        return Solved(sample=sample, solver_s=solver_s, status=Status.BEST_FOUND, info=info)

    # -- gate-model interface -------------------------------------------------------------
    def primitives(self, options: Mapping[str, Any] | IBMOptions | None = None,
                   seed: int | None = None) -> Primitives:
        """Runtime ``SamplerV2`` and ``EstimatorV2`` on the device, with its pass manager.

        Both share one execution mode (a ``Batch`` or ``Session`` that the Runtime closes
        when its time-to-live expires). ``seed`` seeds the transpiler and, in local testing
        mode, the simulator. The estimator is shot-based (``exact=False``).

        Raises:
            BackendUnavailableError: a real device without credentials.
            OptionsError: bad options or an unknown fake device.
        """
        opts = self.make_options(options)
        if seed is not None:
            seed = check_seed(seed)
        runtime.check_device_name(opts.ibm_backend)
        backend = runtime.device(opts.ibm_backend)
        mode = runtime.open_mode(backend, opts.mode)
        local = opts.is_fake
        return Primitives(
            sampler=runtime.make_sampler(mode, sampler_options(opts), seed, local),
            estimator=runtime.make_estimator(mode, estimator_options(opts), seed, local),
            pass_manager=self._pass_manager(backend, opts, seed),
            source=f"ibm:{backend.name}", exact=False)

    def dry_run(self, model: Any, options: Mapping[str, Any] | BackendOptions | None = None,
                seed: int | None = None) -> dict[str, Any]:
        """Transpile ``model`` for the device and report its cost, submitting nothing.

        Parametrised circuits are accepted (their gate counts do not depend on the values).

        Returns:
            ``depth``, ``two_qubit_gates``, ``two_qubit_depth``, ``operations``,
            ``duration_s``, ``estimated_qpu_s`` (see :mod:`~hybrid_workbench.backends.ibm.dryrun`)
            with the device, its qubits, ``local_testing`` and ``submitted=False``.
        """
        opts = self.make_options(options)
        Backend._check(self, model, opts)
        self._check_device(model, opts)
        backend = runtime.device(opts.ibm_backend)
        circuit = model if model.num_clbits else model.measure_all(inplace=False)
        isa = self._pass_manager(backend, opts, None if seed is None else check_seed(seed)
                                 ).run(circuit)
        return {"backend": self.name, "ibm_backend": backend.name,
                "device_qubits": int(backend.num_qubits), "num_qubits": model.num_qubits,
                "local_testing": opts.is_fake, "optimization_level": opts.optimization_level,
                "calibrated_at": runtime.calibration_time(backend),
                **isa_report(isa, backend, opts.shots), "submitted": False}


def _mitigation_applied(asked: Mapping[str, Any], local: bool) -> bool | None:
    """Whether error mitigation beyond the defaults ran: never in local testing mode."""
    wanted = any(key not in ("default_shots", "max_execution_time") for key in asked)
    if not wanted:
        return None
    return not local
