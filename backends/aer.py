"""``aer-statevector``, ``aer-mps``, ``aer-noisy``: Qiskit Aer as gate-model backends.

Three circuit backends over :class:`qiskit_aer.AerSimulator`, plus the factories other code
uses to get Aer's Qiskit V2 primitives:

* :func:`make_aer_simulator` -- an ``AerSimulator`` of a given kind: ``statevector`` (ideal,
  ``16 * 2**n`` bytes), ``mps`` (matrix product state: many qubits when entanglement stays
  low), ``noisy`` (the noise model and basis of a 127-qubit IBM device from
  ``qiskit_ibm_runtime.fake_provider``, offline);
* :func:`make_primitives` -- Aer ``SamplerV2`` and ``EstimatorV2`` on that simulator, with a
  preset pass manager targeting it, so any Qiskit V2 code runs on it unchanged.

Each backend also hands out its primitives as a
:class:`~hybrid_workbench.primitives.Primitives` bundle (``backend.primitives(options,
seed)``, built once per process and setting), which is how QAOA, VQE and the circuit use
cases run on it: they ask the registry by name and never import this module.

Solving a :class:`qiskit.QuantumCircuit` returns a :class:`~hybrid_workbench.result.Result` with
``model_kind='circuit'``, ``energy=None``, ``info['counts']`` exactly as Qiskit's
``BitArray.get_counts()`` gives them (big-endian strings: clbit 0 is the last character),
``info['shots']``, ``info['num_qubits']``, ``info['method']``, and ``sample`` = the most
frequent outcome as ``{clbit_index: 0/1}``. A circuit without measurements is measured
with ``measure_all()``.

Memory is estimated before anything runs: a statevector needs ``16 * 2**n`` bytes, and a
circuit over the limit (half this machine's memory unless ``max_memory_gb`` says otherwise)
is refused with :class:`~hybrid_workbench.errors.ProblemTooLargeError` naming the limit and the
alternatives, in well under a second.

GPU: ``device='GPU'`` works when Aer was built with CUDA. That build is the separate
``qiskit-aer-gpu`` distribution, which *replaces* ``qiskit-aer`` (``pip uninstall
qiskit-aer && pip install qiskit-aer-gpu``); it cannot be a project extra because both ship
the same ``qiskit_aer`` module.

Qiskit is imported inside functions only, so listing backends stays light.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from hybrid_workbench.backend import Backend, check_seed
from hybrid_workbench.errors import BackendUnavailableError, OptionsError, ProblemTooLargeError, UnsupportedModelError
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.primitives import Primitives, machine_memory_bytes
from hybrid_workbench.result import Solved, Status

__all__ = ["make_aer_simulator", "make_primitives", "statevector_bytes", "machine_memory_bytes",
           "AerOptions", "AerStatevectorBackend", "AerMPSBackend", "AerNoisyBackend",
           "DEFAULT_NOISE_BACKEND"]

DEFAULT_NOISE_BACKEND = "FakeSherbrooke"
KINDS = ("statevector", "mps", "noisy")
MPS_MAX_QUBITS = 1000


def statevector_bytes(num_qubits: int) -> int:
    """Bytes of a complex128 statevector: ``16 * 2**n``.

    Examples:
        >>> statevector_bytes(30) / 2**30
        16.0
    """
    return 16 * 2 ** int(num_qubits)


@functools.cache
def _fake_backend(name: str) -> Any:
    """An offline fake IBM device by class name (loaded once: its JSON takes seconds)."""
    from hybrid_workbench._optional import require

    fake_provider = require("qiskit_ibm_runtime.fake_provider", extra="noise",
                            purpose="the aer-noisy device noise model")
    cls = getattr(fake_provider, name, None)
    if cls is None:
        raise OptionsError(f"unknown fake device {name!r}; use a class of "
                           f"qiskit_ibm_runtime.fake_provider such as {DEFAULT_NOISE_BACKEND!r}")
    return cls()


@functools.cache
def _noise_model(name: str) -> Any:
    """The device's noise model, built once per process (it takes seconds)."""
    from qiskit_aer.noise import NoiseModel

    return NoiseModel.from_backend(_fake_backend(name))


def make_aer_simulator(kind: str = "statevector", *, seed: int | None = None, device: str = "CPU",
                       noise_backend: str | None = None) -> Any:
    """An :class:`qiskit_aer.AerSimulator` of the given kind.

    Args:
        kind: ``statevector`` (ideal), ``mps`` (matrix product state) or ``noisy`` (noise
            model, basis gates and coupling map of a 127-qubit fake IBM device).
        seed: ``seed_simulator`` for reproducible shots.
        device: ``CPU`` or ``GPU`` (GPU needs the ``qiskit-aer-gpu`` build).
        noise_backend: class name in ``qiskit_ibm_runtime.fake_provider`` for ``noisy``
            (default ``FakeSherbrooke``); ignored for other kinds.

    Examples:
        >>> make_aer_simulator("mps", seed=1).options.method
        'matrix_product_state'
    """
    from qiskit_aer import AerSimulator

    if kind not in KINDS:
        raise OptionsError(f"unknown simulator kind {kind!r}; choose one of {list(KINDS)}")
    device = device.upper()
    if device not in ("CPU", "GPU"):
        raise OptionsError(f"device must be 'CPU' or 'GPU', got {device!r}")
    if device == "GPU" and "GPU" not in AerSimulator().available_devices():
        raise BackendUnavailableError(
            "this qiskit-aer build has no GPU support; swap it for the CUDA build with "
            "`pip uninstall qiskit-aer && pip install qiskit-aer-gpu` on a CUDA machine")
    extra: dict[str, Any] = {} if seed is None else {"seed_simulator": int(seed)}
    if kind == "statevector":
        return AerSimulator(method="statevector", device=device, **extra)
    if kind == "mps":
        return AerSimulator(method="matrix_product_state", device="CPU", **extra)
    name = noise_backend or DEFAULT_NOISE_BACKEND
    return AerSimulator.from_backend(_fake_backend(name), noise_model=_noise_model(name),
                                     device=device, **extra)


def make_primitives(kind: str = "statevector", *, seed: int | None = None, device: str = "CPU",
                    noise_backend: str | None = None, default_shots: int = 1024,
                    optimization_level: int = 1) -> tuple[Any, Any, Any]:
    """Aer ``SamplerV2``, ``EstimatorV2`` and a preset pass manager for one simulator.

    Circuits must be run through the pass manager first (``pm.run(circuit)``); observables
    for a transpiled circuit take its layout (``obs.apply_layout(isa.layout)``). The
    estimator is exact (``default_precision=0``) on the ideal kinds.

    Returns:
        ``(sampler, estimator, pass_manager)``.

    Examples:
        >>> from qiskit import QuantumCircuit
        >>> sampler, estimator, pm = make_primitives("statevector", seed=7)
        >>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1); qc.measure_all()
        >>> counts = sampler.run([pm.run(qc)], shots=100).result()[0].data.meas.get_counts()
        >>> sorted(counts), sum(counts.values())
        (['00', '11'], 100)
    """
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer.primitives import EstimatorV2, SamplerV2

    sim = make_aer_simulator(kind, seed=seed, device=device, noise_backend=noise_backend)
    sampler = SamplerV2.from_backend(sim, default_shots=default_shots, seed=seed)
    run_options = {} if seed is None else {"seed_simulator": int(seed)}
    estimator = EstimatorV2.from_backend(sim, options={"run_options": run_options})
    pm = generate_preset_pass_manager(optimization_level=optimization_level, backend=sim,
                                      seed_transpiler=seed)
    return sampler, estimator, pm


@dataclass(frozen=True)
class AerOptions(BackendOptions):
    """Options of the ``aer-*`` backends.

    Attributes:
        shots: measurement shots.
        device: ``CPU`` or ``GPU`` (needs the ``qiskit-aer-gpu`` build).
        optimization_level: preset pass-manager level (0-3).
        max_memory_gb: statevector memory limit in GiB; by default half this machine's
            memory.
        noise_backend: fake device class for ``aer-noisy`` (default ``FakeSherbrooke``).
    """

    shots: int = 1024
    device: Literal["CPU", "GPU"] = "CPU"
    optimization_level: int = 1
    max_memory_gb: float | None = None
    noise_backend: str | None = None

    def __post_init__(self) -> None:
        if self.shots < 1:
            raise OptionsError(f"shots must be >= 1, got {self.shots}")
        if not 0 <= self.optimization_level <= 3:
            raise OptionsError(f"optimization_level must be in 0..3, got {self.optimization_level}")
        if self.max_memory_gb is not None and self.max_memory_gb <= 0:
            raise OptionsError(f"max_memory_gb must be positive, got {self.max_memory_gb}")


@functools.lru_cache(maxsize=16)
def _cached_primitives(kind: str, seed: int | None, device: str, noise_backend: str | None,
                       shots: int, optimization_level: int) -> Primitives:
    """One bundle per process and setting (a noisy pass manager's target takes seconds to
    build; runs stay reproducible: the seed goes with every run)."""
    sampler, estimator, pm = make_primitives(kind, seed=seed, device=device,
                                             noise_backend=noise_backend, default_shots=shots,
                                             optimization_level=optimization_level)
    return Primitives(sampler=sampler, estimator=estimator, pass_manager=pm,
                      source=f"aer-{kind}", exact=kind != "noisy")


class _AerBackend(Backend[AerOptions]):
    """Shared behaviour of the Aer circuit backends."""

    kind: ClassVar[str] = "statevector"
    model_kinds = ("circuit",)
    Options = AerOptions
    requires = ("qiskit", "qiskit_aer")
    package = "qiskit-aer"
    device = "simulator"
    conformance: ClassVar[dict[str, Any]] = {"circuit_tvd": 0.08}

    def memory_limit_bytes(self, options: AerOptions) -> int:
        if options.max_memory_gb is not None:
            return int(options.max_memory_gb * 2 ** 30)
        return machine_memory_bytes() // 2

    def primitives(self, options: Mapping[str, Any] | AerOptions | None = None,
                   seed: int | None = None) -> Primitives:
        """Aer ``SamplerV2``, ``EstimatorV2`` and a preset pass manager for this simulator.

        ``options`` are this backend's (``shots`` becomes the sampler's default shots;
        ``device``, ``optimization_level``, ``noise_backend`` as for :meth:`solve`). The
        estimator is exact on the ideal simulators. Bundles are cached per setting.

        Examples:
            >>> prims = AerStatevectorBackend().primitives(seed=3)
            >>> type(prims.sampler).__name__, type(prims.estimator).__name__, prims.exact
            ('SamplerV2', 'EstimatorV2', True)
        """
        opts = self.make_options(options)
        if seed is not None:
            seed = check_seed(seed)
        return _cached_primitives(self.kind, seed, opts.device, opts.noise_backend, opts.shots,
                                  opts.optimization_level)

    def max_variables(self, options: AerOptions) -> int | None:
        limit = self.memory_limit_bytes(options)
        return max(0, (limit // 16).bit_length() - 1)

    def _check(self, model: Any, options: AerOptions) -> None:
        from hybrid_workbench.models import describe_model, model_kind

        if model_kind(model) != "circuit":
            raise UnsupportedModelError(
                f"backend {self.name!r} accepts circuit models (qiskit.QuantumCircuit), "
                f"not {describe_model(model)}")
        if model.num_parameters:
            names = ", ".join(p.name for p in list(model.parameters)[:5])
            raise UnsupportedModelError(
                f"circuit has {model.num_parameters} unbound parameter(s) ({names}); bind them "
                "first with circuit.assign_parameters(values)")
        self._check_size(model.num_qubits, options)

    def _check_size(self, n: int, options: AerOptions) -> None:
        need = statevector_bytes(n) if n < 200 else float("inf")
        limit = self.memory_limit_bytes(options)
        if need > limit:
            machine = machine_memory_bytes()
            raise ProblemTooLargeError(
                f"backend {self.name!r}: a {n}-qubit statevector needs 16*2^{n} bytes = "
                f"{_gib(need)}, over the limit of {_gib(limit)} (max_memory_gb; this machine "
                f"has {_gib(machine)}); alternatives: 'aer-mps' for shallow or weakly "
                "entangled circuits, fewer qubits, or a machine with more memory")

    def _simulator(self, options: AerOptions, seed: int) -> Any:
        return make_aer_simulator(self.kind, seed=seed, device=options.device,
                                  noise_backend=options.noise_backend)

    def _solve(self, model: Any, options: AerOptions, deadline: Deadline, seed: int) -> Solved:
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer.primitives import SamplerV2

        circuit = model
        if circuit.num_clbits == 0:
            circuit = circuit.measure_all(inplace=False)
        sim = self._simulator(options, seed)
        pm = generate_preset_pass_manager(optimization_level=options.optimization_level,
                                          backend=sim, seed_transpiler=seed)
        start = time.perf_counter()
        isa = pm.run(circuit)
        sampler = SamplerV2.from_backend(sim, default_shots=options.shots, seed=seed)
        pub = sampler.run([isa], shots=options.shots).result()[0]
        solver_s = time.perf_counter() - start
        counts = {str(k): int(v) for k, v in pub.join_data().get_counts().items()}
        best = max(sorted(counts), key=lambda k: counts[k])
        sample = {i: int(bit) for i, bit in enumerate(reversed(best))}
        info = {"device": options.device.lower(), "counts": counts, "shots": options.shots,
                "num_qubits": model.num_qubits, "num_clbits": circuit.num_clbits,
                "method": self._method_name(sim), "depth": isa.depth()}
        if self.kind == "noisy":
            info["noise_backend"] = options.noise_backend or DEFAULT_NOISE_BACKEND
        return Solved(sample=sample, solver_s=solver_s, status=Status.BEST_FOUND, info=info)

    def _method_name(self, sim: Any) -> str:
        return str(sim.options.method)


def _gib(nbytes: float) -> str:
    return "unbounded" if nbytes == float("inf") else f"{nbytes / 2 ** 30:.3g} GiB"


class AerStatevectorBackend(_AerBackend):
    """Ideal statevector simulation with Qiskit Aer (``16 * 2**n`` bytes)."""

    name = "aer-statevector"
    kind = "statevector"
    description = "Qiskit Aer ideal statevector simulator (circuits; 16*2^n bytes)"


class AerMPSBackend(_AerBackend):
    """Matrix-product-state simulation with Qiskit Aer: many qubits when entanglement is low."""

    name = "aer-mps"
    kind = "mps"
    description = "Qiskit Aer matrix product state simulator (large, weakly entangled circuits)"

    def max_variables(self, options: AerOptions) -> int | None:
        return MPS_MAX_QUBITS

    def _check_size(self, n: int, options: AerOptions) -> None:
        if n > MPS_MAX_QUBITS:
            raise ProblemTooLargeError(
                f"backend 'aer-mps' takes at most {MPS_MAX_QUBITS} qubits; this circuit has {n}")


class AerNoisyBackend(_AerBackend):
    """Aer with the noise model of a 127-qubit IBM device (offline fake backend)."""

    name = "aer-noisy"
    kind = "noisy"
    requires = ("qiskit", "qiskit_aer", "qiskit_ibm_runtime")
    extra = "noise"
    description = "Qiskit Aer with a 127-qubit IBM device noise model (FakeSherbrooke, offline)"
    conformance: ClassVar[dict[str, Any]] = {"circuit_tvd": 0.25}

    def _check_size(self, n: int, options: AerOptions) -> None:
        if n > 127:
            raise ProblemTooLargeError(
                f"backend 'aer-noisy' models a 127-qubit device; this circuit has {n} qubits")
        super()._check_size(n, options)

    def _method_name(self, sim: Any) -> str:
        return f"{sim.options.method} (noise model of {sim.name})"
