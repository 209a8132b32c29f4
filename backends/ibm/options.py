"""Options of the ``ibm`` backend and their translation into Qiskit Runtime primitive options.

:class:`IBMOptions` is what a user sets (``-o key=value``, job files, ``gate_options`` of
``qaoa``/``vqe``); :func:`sampler_options` and :func:`estimator_options` turn it into the
nested dictionaries that ``qiskit_ibm_runtime.SamplerV2(options=...)`` and
``EstimatorV2(options=...)`` validate. Only what the user asked for goes in, so an unset
option keeps the Runtime's own default (for the estimator, ``resilience_level`` 1: TREX).

The Runtime's error mitigation, by primitive:

========================  =========================================  =========  =========
option                    Runtime field                              Sampler    Estimator
========================  =========================================  =========  =========
``dynamical_decoupling``  ``dynamical_decoupling.enable``            yes        yes
``dd_sequence``           ``dynamical_decoupling.sequence_type``     yes        yes
``twirl_gates``           ``twirling.enable_gates``                  yes        yes
``twirl_measure``         ``twirling.enable_measure``                yes        yes
``twirl_randomizations``  ``twirling.num_randomizations``            yes        yes
``resilience_level``      ``resilience_level``                       no         yes
``measure_mitigation``    ``resilience.measure_mitigation`` (TREX)   no         yes
``zne``                   ``resilience.zne_mitigation``              no         yes
``zne_noise_factors``     ``resilience.zne.noise_factors``           no         yes
``zne_extrapolator``      ``resilience.zne.extrapolator``            no         yes
========================  =========================================  =========  =========

Credentials are no option (they come from the environment or the saved account only).

Examples:
    >>> opts = IBMOptions.from_mapping({"zne": True, "dynamical_decoupling": True})
    >>> estimator_options(opts)["resilience"]
    {'zne_mitigation': True}
    >>> sampler_options(opts)
    {'default_shots': 1024, 'dynamical_decoupling': {'enable': True}}
    >>> sorted(estimator_only(opts))
    ['zne']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hybrid_workbench.errors import OptionsError
from hybrid_workbench.options import BackendOptions

__all__ = [
    "DEFAULT_DEVICE",
    "EXTRAPOLATORS",
    "IBMOptions",
    "estimator_only",
    "estimator_options",
    "sampler_options",
]

#: The default device: an offline fake, so nothing reaches IBM unless a device is named.
DEFAULT_DEVICE = "fake_sherbrooke"

EXTRAPOLATORS = ("linear", "exponential", "double_exponential", "polynomial_degree_1",
                 "polynomial_degree_2", "polynomial_degree_3", "polynomial_degree_4",
                 "polynomial_degree_5", "polynomial_degree_6", "polynomial_degree_7",
                 "fallback")
Extrapolator = Literal["linear", "exponential", "double_exponential", "polynomial_degree_1",
                       "polynomial_degree_2", "polynomial_degree_3", "polynomial_degree_4",
                       "polynomial_degree_5", "polynomial_degree_6", "polynomial_degree_7",
                       "fallback"]

_ESTIMATOR_ONLY = ("resilience_level", "measure_mitigation", "zne", "zne_noise_factors",
                   "zne_extrapolator")


@dataclass(frozen=True)
class IBMOptions(BackendOptions):
    """Options of ``ibm``.

    Attributes:
        ibm_backend: device name: a real one (``ibm_brisbane``; needs credentials) or a
            ``fake_*`` device of ``qiskit_ibm_runtime.fake_provider`` (offline, Runtime's
            local testing mode). The default is offline: naming a real device is the only
            way to spend QPU time.
        shots: measurement shots (the estimator's precision is 1/sqrt(shots)).
        optimization_level: preset pass-manager level (0-3) for the device's ISA.
        mode: Runtime execution mode: ``batch``, ``session`` or ``job``.
        resilience_level: estimator resilience level 0-2 (None: the Runtime's default, 1).
        measure_mitigation: estimator readout mitigation by twirled readout (TREX).
        zne: estimator zero-noise extrapolation.
        zne_noise_factors: ZNE noise amplification factors (each >= 1), e.g. [1, 3, 5].
        zne_extrapolator: ZNE extrapolator (``exponential``, ``linear``, ...).
        dynamical_decoupling: insert dynamical-decoupling sequences in idle periods.
        dd_sequence: the sequence: ``XX``, ``XpXm`` or ``XY4``.
        twirl_gates: Pauli twirling of two-qubit gates.
        twirl_measure: twirling of measurements.
        twirl_randomizations: number of twirled circuit randomisations.
        max_execution_time: cap on the QPU seconds of one job (Runtime's
            ``max_execution_time``).
    """

    ibm_backend: str = DEFAULT_DEVICE
    shots: int = 1024
    optimization_level: int = 1
    mode: Literal["batch", "session", "job"] = "batch"
    resilience_level: int | None = None
    measure_mitigation: bool | None = None
    zne: bool | None = None
    zne_noise_factors: tuple[float, ...] | None = None
    zne_extrapolator: Extrapolator | None = None
    dynamical_decoupling: bool | None = None
    dd_sequence: Literal["XX", "XpXm", "XY4"] | None = None
    twirl_gates: bool | None = None
    twirl_measure: bool | None = None
    twirl_randomizations: int | None = None
    max_execution_time: int | None = None

    def __post_init__(self) -> None:
        if not self.ibm_backend.strip():
            raise OptionsError("ibm_backend must name a device, e.g. 'fake_sherbrooke' or "
                               "'ibm_brisbane'")
        if self.shots < 1:
            raise OptionsError(f"shots must be >= 1, got {self.shots}")
        if not 0 <= self.optimization_level <= 3:
            raise OptionsError(f"optimization_level must be in 0..3, got {self.optimization_level}")
        if self.resilience_level is not None and not 0 <= self.resilience_level <= 2:
            raise OptionsError(f"resilience_level must be 0, 1 or 2, got {self.resilience_level}")
        if self.zne_noise_factors is not None and (
                not self.zne_noise_factors or min(self.zne_noise_factors) < 1):
            raise OptionsError("zne_noise_factors must be a non-empty list of factors >= 1, "
                               f"e.g. [1, 3, 5], got {list(self.zne_noise_factors)}")
        if (self.zne_noise_factors is not None or self.zne_extrapolator is not None) \
                and not self.zne:
            raise OptionsError("zne_noise_factors and zne_extrapolator tune zero-noise "
                               "extrapolation; set zne=true too")
        if self.dd_sequence is not None and not self.dynamical_decoupling:
            raise OptionsError("dd_sequence chooses the dynamical-decoupling sequence; set "
                               "dynamical_decoupling=true too")
        if self.twirl_randomizations is not None and self.twirl_randomizations < 1:
            raise OptionsError(f"twirl_randomizations must be >= 1, got {self.twirl_randomizations}")
        if self.max_execution_time is not None and self.max_execution_time < 1:
            raise OptionsError(f"max_execution_time must be >= 1 second, got "
                               f"{self.max_execution_time}")

    @property
    def is_fake(self) -> bool:
        """Whether the device is an offline fake (Runtime's local testing mode)."""
        return self.ibm_backend.startswith("fake_")


def _common(options: IBMOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"default_shots": options.shots}
    dd = {k: v for k, v in (("enable", options.dynamical_decoupling),
                            ("sequence_type", options.dd_sequence)) if v is not None}
    if dd:
        out["dynamical_decoupling"] = dd
    twirling = {k: v for k, v in (("enable_gates", options.twirl_gates),
                                  ("enable_measure", options.twirl_measure),
                                  ("num_randomizations", options.twirl_randomizations))
                if v is not None}
    if twirling:
        out["twirling"] = twirling
    if options.max_execution_time is not None:
        out["max_execution_time"] = options.max_execution_time
    return out


def sampler_options(options: IBMOptions) -> dict[str, Any]:
    """The ``SamplerV2`` options these settings ask for (no simulator seed)."""
    return _common(options)


def estimator_options(options: IBMOptions) -> dict[str, Any]:
    """The ``EstimatorV2`` options these settings ask for (no simulator seed)."""
    out = _common(options)
    if options.resilience_level is not None:
        out["resilience_level"] = options.resilience_level
    resilience: dict[str, Any] = {}
    if options.measure_mitigation is not None:
        resilience["measure_mitigation"] = options.measure_mitigation
    if options.zne is not None:
        resilience["zne_mitigation"] = options.zne
    zne = {k: v for k, v in (("noise_factors", options.zne_noise_factors),
                             ("extrapolator", options.zne_extrapolator)) if v is not None}
    if zne:
        resilience["zne"] = {k: list(v) if isinstance(v, tuple) else v for k, v in zne.items()}
    if resilience:
        out["resilience"] = resilience
    return out


def estimator_only(options: IBMOptions) -> list[str]:
    """The options set here that only the estimator knows (circuit sampling cannot use them)."""
    return [name for name in _ESTIMATOR_ONLY if getattr(options, name) is not None]
