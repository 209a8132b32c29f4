"""The one result shape every backend returns.

A :class:`Result` is immutable and carries what was asked (backend, options, seed), what
came back (best sample, its energy, all samples as a :class:`dimod.SampleSet` where that
fits, backend-specific details in ``info``), how long it took (:class:`Timing`, seconds in
every field name) and on what (backend version, device in ``info``). It round-trips
through JSON and flattens into a table row, so a benchmark or a batch run is just many
results.

Examples:
    >>> import dimod
    >>> ss = dimod.SampleSet.from_samples([{"a": -1, "b": 1}], "SPIN", energy=[-1.0])
    >>> r = Result.from_sampleset(ss, backend="demo", backend_version="1.0",
    ...                           timing=Timing(wall_s=0.01, setup_s=0.2), options={}, seed=7)
    >>> r.energy, dict(r.sample)
    (-1.0, {'a': -1, 'b': 1})
    >>> Result.from_json(r.to_json()) == r
    True
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hybrid_workbench.models import decode_label, encode_label

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["Timing", "Result", "Solved", "Status", "to_jsonable"]


class Status:
    """Values of :attr:`Result.status`."""

    OPTIMAL = "optimal"          #: proved optimal (exhaustive search, CP-SAT proof...)
    BEST_FOUND = "best_found"    #: best of a heuristic run, no proof either way
    TIME_LIMIT = "time_limit"    #: stopped by the time limit; best found so far
    INFEASIBLE = "infeasible"    #: the solver proved that no feasible point exists
    NO_SOLUTION = "no_solution"  #: no feasible point found within the limit (none proved absent)
    ALL = (OPTIMAL, BEST_FOUND, TIME_LIMIT, INFEASIBLE, NO_SOLUTION)


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, mappings and sets into JSON-safe values."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if type(obj).__module__ == "numpy":  # arrays and numpy scalars
        return to_jsonable(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, complex):
        return {"real": obj.real, "imag": obj.imag}
    return obj


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Timing:
    """Where the time went, in seconds.

    Attributes:
        wall_s: wall-clock time of the solve, measured by the workbench from the start of
            the deadline to the end of ``_solve`` (what a time limit bounds, and what
            comparisons use).
        solver_s: the backend's own figure where it reports one (solver or kernel time,
            excluding model conversion); None otherwise.
        setup_s: one-time set-up measured before the solve and not billed to it: imports,
            compiling or loading compiled kernels, starting a device. Zero when the
            process had already paid it.
    """

    wall_s: float
    solver_s: float | None = None
    setup_s: float = 0.0

    def to_dict(self) -> dict[str, float | None]:
        return {"wall_s": self.wall_s, "solver_s": self.solver_s, "setup_s": self.setup_s}


@dataclass(frozen=True)
class Solved:
    """What a backend's ``_solve`` hands back; the core turns it into a :class:`Result`.

    A backend never builds a :class:`Result` (nor a :class:`Timing`) itself: the base
    class measures time and adds name, version, options and seed.

    Attributes:
        samples: all samples with energies, where the backend produces several; the best
            (lowest-energy, feasible first) becomes :attr:`Result.sample`.
        energy, sample: the answer where there is no sample set (a ground-energy estimate,
            the most frequent bitstring); ignored when ``samples`` is given.
        status: a :class:`Status` value.
        solver_s: the backend's own time figure, if it has one.
        info: backend details (JSON-safe); ``device`` defaults to the backend's.
        model_kind: overrides the kind inferred from the model.
    """

    samples: dimod.SampleSet | None = None
    energy: float | None = None
    sample: Mapping[Hashable, Any] | None = None
    status: str = Status.BEST_FOUND
    solver_s: float | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    model_kind: str | None = None


@dataclass(frozen=True, eq=False)
class Result:
    """One backend's answer to one model.

    Attributes:
        backend: registered backend name.
        backend_version: version of the package doing the work.
        model_kind: ``'bqm'``, ``'cqm'``, ``'pauli'`` or ``'circuit'``.
        energy: energy of the best sample (for ``pauli``: the ground-energy estimate).
        sample: the best assignment, variable label to value; None where not applicable.
        samples: all samples with energies, where the backend produces several.
        timing: :class:`Timing`.
        options: the backend options actually used (defaults filled in).
        seed: the seed actually used (drawn and recorded when the caller gave none).
        status: one of :class:`Status` values.
        info: backend-specific details (device, bound, history, counts...), JSON-safe.
    """

    backend: str
    backend_version: str
    model_kind: str
    energy: float | None
    sample: Mapping[Hashable, Any] | None
    samples: dimod.SampleSet | None
    timing: Timing
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    status: str = Status.BEST_FOUND
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _freeze(self.options))
        object.__setattr__(self, "info", _freeze(self.info))
        if self.sample is not None:
            object.__setattr__(self, "sample", _freeze(self.sample))
        if self.status not in Status.ALL:
            raise ValueError(f"status must be one of {Status.ALL}, got {self.status!r}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_sampleset(cls, sampleset: dimod.SampleSet, *, backend: str, backend_version: str,
                       timing: Timing, options: Mapping[str, Any], seed: int | None,
                       status: str = Status.BEST_FOUND, model_kind: str = "bqm",
                       info: Mapping[str, Any] | None = None) -> Result:
        """Build a result whose best sample is the lowest-energy row of ``sampleset``.

        For a CQM sample set (with an ``is_feasible`` field), the best sample is the
        lowest-energy *feasible* row when there is one.
        """
        sampleset = sampleset.aggregate() if len(sampleset) > 1 else sampleset
        best = None
        if len(sampleset):
            candidates = sampleset
            if "is_feasible" in sampleset.record.dtype.names:
                feasible = sampleset.filter(lambda row: row.is_feasible)
                if len(feasible):
                    candidates = feasible
            best = candidates.first
        if best is None:
            energy, sample = None, None
        else:
            energy, sample = float(best.energy), {v: int(x) for v, x in best.sample.items()}
        return cls(backend=backend, backend_version=backend_version, model_kind=model_kind,
                   energy=energy, sample=sample, samples=sampleset, timing=timing,
                   options=options, seed=seed, status=status, info=info or {})

    # -- views ----------------------------------------------------------------------------
    @property
    def wall_s(self) -> float:
        return self.timing.wall_s

    @property
    def proved_optimal(self) -> bool:
        return self.status == Status.OPTIMAL

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_dict` inverts it."""
        sample = None
        if self.sample is not None:
            sample = {"variables": [encode_label(v) for v in self.sample],
                      "values": [to_jsonable(x) for x in self.sample.values()]}
        samples = None
        if self.samples is not None:
            samples = self.samples.to_serializable(use_bytes=False)
        return {
            "backend": self.backend,
            "backend_version": self.backend_version,
            "model_kind": self.model_kind,
            "energy": to_jsonable(self.energy),
            "sample": sample,
            "samples": samples,
            "timing": self.timing.to_dict(),
            "options": to_jsonable(dict(self.options)),
            "seed": self.seed,
            "status": self.status,
            "info": to_jsonable(dict(self.info)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        sample = None
        if data.get("sample") is not None:
            s = data["sample"]
            sample = {decode_label(v): x for v, x in zip(s["variables"], s["values"])}
        samples = None
        if data.get("samples") is not None:
            import dimod

            samples = dimod.SampleSet.from_serializable(data["samples"])
        energy = data.get("energy")
        return cls(
            backend=data["backend"], backend_version=data["backend_version"],
            model_kind=data["model_kind"],
            energy=None if energy is None else float(energy),
            sample=sample, samples=samples, timing=Timing(**data["timing"]),
            options=data.get("options", {}), seed=data.get("seed"),
            status=data.get("status", Status.BEST_FOUND), info=data.get("info", {}),
        )

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls.from_dict(json.loads(text))

    def to_row(self) -> dict[str, Any]:
        """One flat table row (no samples), for pandas and result stores."""
        row: dict[str, Any] = {
            "backend": self.backend,
            "backend_version": self.backend_version,
            "model_kind": self.model_kind,
            "energy": self.energy,
            "status": self.status,
            "wall_s": self.timing.wall_s,
            "solver_s": self.timing.solver_s,
            "setup_s": self.timing.setup_s,
            "seed": self.seed,
            "num_samples": 0 if self.samples is None else len(self.samples),
        }
        for key in ("device", "bound", "num_qubits"):
            if key in self.info:
                row[key] = to_jsonable(self.info[key])
        return row

    def __repr__(self) -> str:
        return (f"Result(backend={self.backend!r}, energy={self.energy!r}, "
                f"status={self.status!r}, wall_s={self.timing.wall_s:.4g}, seed={self.seed!r})")

    def replace(self, **changes: Any) -> Result:
        """A copy with some fields changed (results are immutable)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Result(**values)
