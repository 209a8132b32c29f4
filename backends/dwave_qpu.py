"""``dwave-qpu`` and ``dwave-leap-hybrid``: D-Wave's quantum annealer and Leap's hybrid solvers.

``dwave-qpu`` sends a BQM to a D-Wave QPU (``dwave.system.DWaveSampler``) through a
minor-embedding found by minorminer and cached per model structure
(:mod:`hybrid_workbench.backends.embedding`); the chain strength is dwave-system's
``uniform_torque_compensation`` unless set; reads are unembedded by ``majority_vote``
(default), ``minimize_energy`` or ``discard``. The steps are dwave-system's own
(``EmbeddedStructure.embed_bqm``, ``unembed_sampleset``), called one by one rather than
through ``FixedEmbeddingComposite`` because the chain-break statistics are taken on the
raw reads (after ``discard`` the broken reads are gone) and the composite's
``return_embedding`` fails with ``MinimizeEnergy``. The statistics (``info
['chain_break_fraction']``: mean and max fraction of broken chains per read, share of
reads with a broken chain) are over all reads; no per-row field is kept, since rows that
unembed to the same sample are merged in the result.

Credentials are never read from options: a token is looked for in ``DWAVE_API_TOKEN`` or
the saved dwave config (dwave-cloud-client's loader, no network), only to decide whether
a live solver can be asked; the client reads it itself, and it is written nowhere.

The offline stand-in is asked for by ``solver="mock"``, never substituted silently: it is
dwave-system's ``MockDWaveSampler`` on a Pegasus P6 graph (680 qubits). It has a QPU's
interface, graph and parameter ranges, but **it is not a quantum annealer**: it samples
the embedded problem with steepest descent from random states (``dwave-samplers``' ``SteepestDescentSampler``,
seeded here), and replaces the first read by the exact ground state when the embedded
problem has at most 16 qubits. ``annealing_time`` and the other physics parameters are
checked against its ranges but have no effect (``info['ignored_by_mock']``); its timing
figures are fixed placeholders, so ``solver_s`` is None on the mock. On a QPU,
``solver_s`` is the QPU access time (``info['timing']['qpu_access_time']``, in µs).

Time limits: none. A QPU call cannot be interrupted, and its length is set by
``num_reads`` and the anneal parameters, so ``dwave-qpu`` has no ``time_limit`` option
(its capabilities say so) and a limit given to it is warned about and ignored.

``dwave-leap-hybrid`` sends a BQM to ``LeapHybridSampler`` or a CQM to
``LeapHybridCQMSampler``; ``time_limit`` goes to the solver, which runs for that long; a
limit under the solver's minimum for the model is refused before submission. Network
and queue time come on top of it.
"""

from __future__ import annotations

import copy
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from hybrid_workbench.backend import Backend, SamplerBackend
from hybrid_workbench.backends.embedding import (
    EmbeddingCache,
    chain_stats,
    embedding_stats,
    find_embedding,
    graph_key,
    structure_key,
)
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    BackendUnavailableError,
    OptionsError,
    ProblemTooLargeError,
)
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    import dimod

__all__ = [
    "MOCK_SHAPE",
    "NO_CREDENTIALS",
    "DWaveQPUBackend",
    "LeapHybridBackend",
    "LeapHybridOptions",
    "QPUOptions",
    "has_token",
]

NO_CREDENTIALS = ("no credentials: set DWAVE_API_TOKEN (or run `dwave config create`); "
                  "solver=mock runs D-Wave's offline MockDWaveSampler")
#: Pegasus size of the offline stand-in (P6: 680 working qubits).
MOCK_SHAPE = 6
MOCK = "mock"

#: QPU parameters passed through, with the solver property that bounds each.
_RANGES = {"num_reads": "num_reads_range", "annealing_time": "annealing_time_range",
           "programming_thermalization": "programming_thermalization_range",
           "readout_thermalization": "readout_thermalization_range"}
_QPU_PARAMS = ("num_reads", "annealing_time", "auto_scale", "programming_thermalization",
               "readout_thermalization", "reduce_intersample_correlation", "fast_anneal")


def has_token() -> bool:
    """Whether a Leap token is set (``DWAVE_API_TOKEN`` or the saved dwave config); no network."""
    if os.environ.get("DWAVE_API_TOKEN", "").strip():
        return True
    try:
        from dwave.cloud.config import load_config
        from dwave.cloud.exceptions import ConfigFileError
    except ImportError:  # dwave-cloud-client not installed: no saved config to read
        return False
    try:
        return bool(load_config().get("token"))
    except (ConfigFileError, OSError, ValueError):  # unreadable config: no usable token
        return False


@dataclass(frozen=True)
class QPUOptions(BackendOptions):
    """Options of ``dwave-qpu``.

    Attributes:
        solver: a QPU solver name; None for Leap's default QPU; ``"mock"`` for the offline
            ``MockDWaveSampler`` (see the module docstring).
        num_reads: reads (anneals); checked against the solver's ``num_reads_range``.
        annealing_time: µs per anneal; None for the solver's default.
        auto_scale: rescale h and J to the solver's ranges (the QPU's default, True).
        programming_thermalization, readout_thermalization: µs; None for the defaults.
        reduce_intersample_correlation, fast_anneal: as ``DWaveSampler`` takes them.
        chain_strength: coupling that holds chains together; None computes
            ``uniform_torque_compensation(bqm, prefactor=chain_strength_prefactor)``.
        chain_strength_prefactor: its prefactor (recommended range 0.5 to 2).
        chain_break_method: how a read with broken chains is unembedded.
        embedding_timeout: seconds minorminer may search for an embedding.
        embedding_tries: minorminer restarts.
    """

    solver: str | None = None
    num_reads: int = 100
    annealing_time: float | None = None
    auto_scale: bool = True
    programming_thermalization: float | None = None
    readout_thermalization: float | None = None
    reduce_intersample_correlation: bool | None = None
    fast_anneal: bool | None = None
    chain_strength: float | None = None
    chain_strength_prefactor: float = 1.414
    chain_break_method: Literal["majority_vote", "minimize_energy", "discard"] = "majority_vote"
    embedding_timeout: float = 10.0
    embedding_tries: int = 10

    def __post_init__(self) -> None:
        for name in ("num_reads", "annealing_time", "chain_strength", "chain_strength_prefactor",
                     "embedding_timeout", "embedding_tries"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OptionsError(f"option {name!r} must be positive, got {value}")
        for name in ("programming_thermalization", "readout_thermalization"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise OptionsError(f"option {name!r} must be zero or more µs, got {value}")

    @property
    def mock(self) -> bool:
        return self.solver == MOCK

    def qpu_params(self) -> dict[str, Any]:
        """The parameters given to the sampler (None means the solver's default)."""
        return {k: getattr(self, k) for k in _QPU_PARAMS if getattr(self, k) is not None}


def _make_mock() -> Any:
    from dwave.system.testing import MockDWaveSampler

    return MockDWaveSampler(topology_type="pegasus", topology_shape=[MOCK_SHAPE],
                            parameter_warnings=False)


def check_ranges(options: QPUOptions, properties: Mapping[str, Any],
                 parameters: Mapping[str, Any]) -> None:
    """Refuse parameters the solver does not take or values outside its ranges."""
    for name, value in options.qpu_params().items():
        if name not in parameters:
            raise OptionsError(f"option {name!r} is not a parameter of this solver; "
                               f"it takes {', '.join(sorted(parameters))}")
        prop = _RANGES.get(name)
        if name == "annealing_time" and options.fast_anneal:
            prop = "fast_anneal_time_range"
        if prop and prop in properties:
            low, high = properties[prop]
            if not low <= value <= high:
                raise OptionsError(f"option {name!r} must be within the solver's {prop} "
                                   f"[{low}, {high}], got {value}")


class DWaveQPUBackend(SamplerBackend[QPUOptions]):
    """A D-Wave QPU (or, on request, its offline mock) behind a cached minor-embedding."""

    name = "dwave-qpu"
    Options = QPUOptions
    requires = ("dwave.system", "minorminer")
    extra = "cloud"
    package = "dwave-system"
    device = "qpu"
    description = "D-Wave quantum annealer via minor-embedding (solver=mock: offline stand-in)"
    conformance: ClassVar[dict[str, Any]] = {"options": {"solver": MOCK, "num_reads": 50}}

    #: embeddings shared by every instance, keyed by (solver graph, model structure)
    embeddings: ClassVar[EmbeddingCache] = EmbeddingCache()

    def __init__(self) -> None:
        self._samplers: dict[str | None, tuple[Any, tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def notes(self) -> str:
        if has_token():
            return ""
        return "no credentials: set DWAVE_API_TOKEN; offline stand-in only (solver=mock)"

    def _check(self, model: Any, options: QPUOptions) -> None:
        super()._check(model, options)
        if not options.mock and not has_token():
            raise BackendUnavailableError(NO_CREDENTIALS)

    def supports(self, model: Any, options: Mapping[str, Any] | BackendOptions | None = None
                 ) -> Literal[True] | str:
        try:
            return super().supports(model, options)
        except BackendUnavailableError as exc:
            return f"backend {self.name!r} cannot run here: {exc}"

    def _sampler(self, options: QPUOptions) -> tuple[Any, tuple[str, str]]:
        """The sampler for ``options.solver`` and its graph key (made once per solver)."""
        with self._lock:
            if options.solver not in self._samplers:
                if options.mock:
                    sampler = _make_mock()
                    name = f"MockDWaveSampler pegasus [{MOCK_SHAPE}]"
                else:
                    from dwave.system import DWaveSampler

                    sampler = (DWaveSampler(solver=options.solver) if options.solver
                               else DWaveSampler())
                    name = str(getattr(getattr(sampler, "solver", None), "name", "DWaveSampler"))
                key = graph_key(name, sampler.nodelist, sampler.edgelist)
                self._samplers[options.solver] = (sampler, key)
            return self._samplers[options.solver]

    def _setup(self, options: QPUOptions) -> None:
        super()._setup(options)
        sampler, _ = self._sampler(options)
        check_ranges(options, sampler.properties, sampler.parameters)

    def _solve(self, model: dimod.BinaryQuadraticModel, options: QPUOptions,
               deadline: Deadline, seed: int) -> Solved:
        import dimod
        from dwave.embedding import EmbeddedStructure, unembed_sampleset
        from dwave.embedding.chain_breaks import (
            MinimizeEnergy,
            broken_chains,
            discard,
            majority_vote,
        )
        from dwave.embedding.chain_strength import uniform_torque_compensation

        if model.num_variables == 0:
            return Solved(dimod.SampleSet.from_samples_bqm(([[]], []), model))
        sampler, gkey = self._sampler(options)
        if model.num_variables > len(sampler.nodelist):
            raise ProblemTooLargeError(
                f"backend {self.name!r}: {model.num_variables} variables exceed the "
                f"{len(sampler.nodelist)} working qubits of {gkey[0]}")
        embedding, cached = self.embeddings.get_or_find(
            gkey, structure_key(model.variables, model.quadratic),
            lambda: find_embedding(model, sampler.edgelist, seed=seed,
                                   timeout_s=options.embedding_timeout,
                                   tries=options.embedding_tries))
        if not embedding:
            raise ProblemTooLargeError(
                f"backend {self.name!r}: minorminer found no embedding of this "
                f"{model.num_variables}-variable model into {gkey[0]} within "
                f"embedding_timeout={options.embedding_timeout} s; raise it or use a "
                "classical backend")
        strength = (options.chain_strength if options.chain_strength is not None else
                    uniform_torque_compensation(model, embedding,
                                                prefactor=options.chain_strength_prefactor))
        structure = EmbeddedStructure(sampler.edgelist, embedding)
        target = structure.embed_bqm(model, chain_strength=strength, smear_vartype=dimod.SPIN)
        child = sampler
        if options.mock:
            child = copy.copy(sampler)  # the per-call seed goes to the substitute sampler
            child.substitute_kwargs = {"seed": seed}
        raw = child.sample(target, **options.qpu_params())
        raw.resolve()

        labels = list(raw.variables)
        index = {q: i for i, q in enumerate(labels)}
        chains = [[index[q] for q in embedding[v]] for v in model.variables]
        broken = broken_chains(raw.record.sample, chains)
        method = {"majority_vote": majority_vote, "discard": discard,
                  "minimize_energy": MinimizeEnergy(model, embedding)}[options.chain_break_method]
        # per-row fractions are not kept: rows merge when the result aggregates samples
        ss = unembed_sampleset(raw, embedding, source_bqm=model, chain_break_method=method)

        timing_us = dict(raw.info.get("timing", {}))
        info: dict[str, Any] = {
            "solver": (f"{gkey[0]} (offline stand-in: steepest descent, not a quantum annealer)"
                       if options.mock else gkey[0]),
            "mock": options.mock,
            "embedding_cached": cached,
            "embedding": [[v, list(chain)] for v, chain in embedding.items()],
            **embedding_stats(embedding),
            "chain_strength": float(strength),
            "chain_break_method": options.chain_break_method,
            "chain_break_fraction": chain_stats(broken.mean(axis=1) if chains else
                                                np.zeros(len(raw)), raw.record.num_occurrences),
            "num_reads": int(raw.record.num_occurrences.sum()),
            # the mock's figures are fixed placeholders, named so they are not read as real
            ("mock_placeholder_timing_us" if options.mock else "timing_us"): timing_us,
        }
        if options.mock:
            info["device"] = "cpu (MockDWaveSampler, offline stand-in)"
            info["ignored_by_mock"] = sorted(k for k in options.qpu_params()
                                             if k not in ("num_reads",))
            solver_s = None
        else:
            info["problem_id"] = raw.info.get("problem_id")
            access = timing_us.get("qpu_access_time")
            solver_s = float(access) / 1e6 if access is not None else None
        status = Status.BEST_FOUND if len(ss) else Status.NO_SOLUTION
        return Solved(ss, solver_s=solver_s, status=status, info=info)


@dataclass(frozen=True)
class LeapHybridOptions(BackendOptions):
    """Options of ``dwave-leap-hybrid``.

    Attributes:
        time_limit: seconds the hybrid solver runs; None for its minimum for the model;
            a value under that minimum is refused before submission.
        solver: a hybrid solver name; None for Leap's default of the model's kind.
        label: a problem label shown in the Leap dashboard.
    """

    time_limit: float | None = None
    solver: str | None = None
    label: str | None = None


class LeapHybridBackend(Backend[LeapHybridOptions]):
    """Leap's hybrid BQM solver (``LeapHybridSampler``) and CQM solver (``LeapHybridCQMSampler``)."""

    name = "dwave-leap-hybrid"
    model_kinds = ("bqm", "cqm")
    Options = LeapHybridOptions
    requires = ("dwave.system",)
    extra = "cloud"
    package = "dwave-system"
    device = "qpu"  # Leap quota is spent: kept out of demos, like the QPU
    #: live: the shared suite calls Leap only where HYBRID_LIVE_TESTS=1 (network, quota)
    conformance: ClassVar[dict[str, Any]] = {"live": True}
    anytime = True
    description = "D-Wave Leap hybrid solvers (BQM, CQM); needs a Leap token"

    def available(self) -> Literal[True] | str:
        base = super().available()
        if base is not True:
            return base
        return True if has_token() else "no credentials: set DWAVE_API_TOKEN"

    def install_hint(self) -> str:
        if super().available() is True:  # installed; only the token is missing
            return "export DWAVE_API_TOKEN=... (or run `dwave config create`)"
        return super().install_hint()

    def _client(self, kind: str, options: LeapHybridOptions) -> Any:
        from dwave.system import LeapHybridCQMSampler, LeapHybridSampler

        cls = LeapHybridCQMSampler if kind == "cqm" else LeapHybridSampler
        return cls(solver=options.solver) if options.solver else cls()

    def _solve(self, model: Any, options: LeapHybridOptions, deadline: Deadline,
               seed: int) -> Solved:
        from hybrid_workbench.models import model_kind

        kind = model_kind(model)
        client = self._client(kind, options)
        minimum = float(client.min_time_limit(model))
        limit = options.time_limit if options.time_limit is not None else minimum
        if limit < minimum:
            raise OptionsError(f"{self.name}: time_limit {limit} s is under the solver's "
                               f"minimum of {minimum} s for this model; give at least {minimum}")
        params: dict[str, Any] = {"time_limit": limit}
        if options.label is not None:
            params["label"] = options.label
        ss = (client.sample_cqm(model, **params) if kind == "cqm"
              else client.sample(model, **params))
        ss.resolve()
        timing_us = {k: v for k, v in ss.info.items() if k.endswith("_time")}
        run = timing_us.get("run_time")
        return Solved(ss, solver_s=float(run) / 1e6 if run is not None else None,
                      info={"solver": str(getattr(getattr(client, "solver", None), "name", "")),
                            "time_limit_s": limit, "min_time_limit_s": minimum,
                            "problem_id": ss.info.get("problem_id"), "timing_us": timing_us})
