"""The use-case contract and the flow that runs one use case on one backend.

A use case turns a domain problem into a model and the model's answer back into a domain
solution (``DESIGN.md``)::

    instance -> formulate -> solve(model, backend) -> interpret -> evaluate

Subclasses of :class:`UseCase` implement ``load`` (from a documented file format),
``generate`` (from a seed), ``formulate`` (returning a :class:`Formulation`, which keeps
the decoder: encoders return a decoder), ``interpret``, ``evaluate`` (feasibility first,
then the domain's own objective and KPIs) and ``baseline`` (the strongest classical
method). :meth:`UseCase.solve` runs the whole flow and returns an :class:`Outcome`, whose
``to_dict`` is the JSON the CLI prints.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from hybrid_workbench.errors import InstanceError, UnsupportedModelError
from hybrid_workbench.result import Result, to_jsonable

__all__ = ["Formulation", "Evaluation", "Outcome", "UseCase", "parse_generate_spec",
           "read_json_file"]


@dataclass(frozen=True)
class Formulation:
    """A model plus what is needed to map its samples back to the domain.

    Attributes:
        model: the model handed to backends (BQM, CQM, SparsePauliOp, QuantumCircuit).
        decode: maps a sample (variable -> value) to the use case's raw assignment.
        info: how it was built (penalty weights, encoding, number of auxiliary variables).
    """

    model: Any
    decode: Callable[[Mapping[Hashable, Any]], Any] = field(default=lambda sample: dict(sample))
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))


@dataclass(frozen=True)
class Evaluation:
    """Scores of a domain solution: feasibility first, then the objective and KPIs."""

    feasible: bool
    objective: float | None
    metrics: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))


@dataclass(frozen=True)
class Outcome:
    """One run of the flow: the backend's result, the domain solution, its evaluation."""

    usecase: str
    instance: str
    result: Result
    solution: Any
    evaluation: Evaluation
    formulation_info: Mapping[str, Any] = field(default_factory=dict)
    total_wall_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON object (the contract fields first)."""
        r = self.result
        return to_jsonable({
            "usecase": self.usecase,
            "instance": self.instance,
            "backend": r.backend,
            "energy": r.energy,
            "objective": self.evaluation.objective,
            "feasible": self.evaluation.feasible,
            "solution": self.solution,
            "wall_s": r.timing.wall_s,
            "seed": r.seed,
            "status": r.status,
            "solver_s": r.timing.solver_s,
            "total_wall_s": self.total_wall_s,
            "backend_version": r.backend_version,
            "options": dict(r.options),
            "metrics": dict(self.evaluation.metrics),
            "formulation": dict(self.formulation_info),
            "info": dict(r.info),
        })


def read_json_file(path: Path) -> Any:
    """Parse a JSON instance file; invalid JSON raises InstanceFormatError with the line.

    Use cases check that the file exists first, with their own hint of what to give.
    """
    return parse_json_text(Path(path).read_text(), path)


def parse_json_text(text: str, source: Any) -> Any:
    """Parse JSON read from ``source``; invalid JSON raises InstanceFormatError naming the
    source and the line.

    Examples:
        >>> parse_json_text('{"a": 1}', "x.json")
        {'a': 1}
        >>> parse_json_text('{"a": }', "x.json")
        Traceback (most recent call last):
        ...
        hybrid_workbench.errors.InstanceFormatError: x.json, line 1: invalid JSON: Expecting value
    """
    import json

    from hybrid_workbench.errors import InstanceFormatError

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceFormatError(f"{source}, line {exc.lineno}: invalid JSON: {exc.msg}") from None


def parse_generate_spec(spec: str) -> dict[str, Any] | None:
    """Parse ``generate:size=20,seed=3`` into ``{'size': 20, 'seed': 3}``; None if not one.

    Examples:
        >>> parse_generate_spec("generate:size=20,seed=3,kind=regular")
        {'size': 20, 'seed': 3, 'kind': 'regular'}
        >>> parse_generate_spec("graph.json") is None
        True
    """
    for prefix in ("generate:", "gen:"):
        if spec.startswith(prefix):
            from hybrid_workbench.options import parse_option_strings

            body = spec[len(prefix):]
            return parse_option_strings([p for p in body.split(",") if p]) if body else {}
    return None


class UseCase(abc.ABC):
    """Base class of every use case (registered under ``hybrid_workbench.usecases``).

    Class attributes:
        name: registered name.
        description: one line.
        sense: ``'max'`` or ``'min'``: direction of the domain objective.
        model_kinds: model kinds ``formulate`` can produce, in order of preference.
        formats: one line describing the accepted instance files.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    sense: ClassVar[Literal["max", "min"]] = "min"
    model_kinds: ClassVar[tuple[str, ...]] = ("bqm",)
    formats: ClassVar[str] = ""

    # -- instances -----------------------------------------------------------------------
    @abc.abstractmethod
    def load(self, source: str | Path, **params: Any) -> Any:
        """Read an instance from a file (or a named shipped instance).

        ``params`` are instance parameters given on the command line (``--param k=v``),
        for formats that do not carry them (e.g. ``k`` for a CSV of prices); a use case
        that takes none raises :class:`InstanceError` naming them.
        """

    @abc.abstractmethod
    def generate(self, seed: int = 0, **params: Any) -> Any:
        """A random instance from a seed (same seed, same instance)."""

    def open(self, spec: str | Path, **params: Any) -> Any:
        """An instance from a path, a shipped name, or ``generate:k=v,...``.

        ``params`` (from ``--param k=v``) go to :meth:`generate` or :meth:`load`.
        """
        gen = parse_generate_spec(str(spec))
        if gen is not None:
            merged = {**gen, **params}
            seed = int(merged.pop("seed", 0))
            try:
                return self.generate(seed=seed, **merged)
            except TypeError as exc:
                raise InstanceError(f"{self.name}: bad generator parameters {sorted(merged)}: "
                                    f"{exc}") from None
        return self.load(spec, **params)

    def instance_name(self, instance: Any) -> str:
        return str(getattr(instance, "name", "instance"))

    # -- the flow ------------------------------------------------------------------------
    @abc.abstractmethod
    def formulate(self, instance: Any, **options: Any) -> Formulation:
        """The model for ``instance``; ``model_kind`` picks among :attr:`model_kinds`."""

    @abc.abstractmethod
    def interpret(self, instance: Any, formulation: Formulation, result: Result) -> Any:
        """The domain solution encoded by ``result``'s best sample."""

    @abc.abstractmethod
    def evaluate(self, instance: Any, solution: Any) -> Evaluation:
        """Feasibility, objective and KPIs of a domain solution (independent of any model)."""

    @abc.abstractmethod
    def baseline(self, instance: Any, **options: Any) -> Any:
        """A solution from the strongest classical method for this domain."""

    def size_hint(self, instance: Any, model_kind: str) -> int | None:
        """Variables (or qubits) of the model ``formulate`` would build, if known cheaply.

        Lets :meth:`solve` refuse an instance too large for the backend before building
        the model; None skips that early check (the backend still checks the model).
        """
        return None

    def reference(self, instance: Any) -> float | None:
        """Best-known or certified optimal objective, where known (for ratios)."""
        return None

    def solution_to_json(self, solution: Any) -> Any:
        return to_jsonable(solution)

    def choose_model_kind(self, backend: Any) -> str:
        """The first kind this use case produces that ``backend`` accepts."""
        for kind in self.model_kinds:
            if kind in backend.model_kinds:
                return kind
        raise UnsupportedModelError(
            f"backend {backend.name!r} accepts {', '.join(backend.model_kinds)} models; use case "
            f"{self.name!r} produces {', '.join(self.model_kinds)}")

    def solve(self, instance: Any, backend: str | Any, *, seed: int | None = None,
              options: Mapping[str, Any] | None = None, time_limit: float | None = None,
              formulation_options: Mapping[str, Any] | None = None) -> Outcome:
        """Run ``formulate -> solve -> interpret -> evaluate`` on one backend.

        Everything that can be checked before solving (backend exists and is available,
        options, model kind and size) is checked before solving.
        """
        from hybrid_workbench.registry import get_backend

        start = time.perf_counter()
        be = get_backend(backend) if isinstance(backend, str) else backend
        avail = be.available()
        if avail is not True:
            from hybrid_workbench.errors import BackendUnavailableError

            raise BackendUnavailableError(f"backend {be.name!r} is not available here: {avail}; "
                                          f"install with: {be.install_hint()}")
        opts = be.make_options(options, time_limit)  # reject bad options before formulating
        kind = self.choose_model_kind(be)
        size = self.size_hint(instance, kind)
        if size is not None:
            be.check_size(kind, size, opts)  # refuse before building the model
        formulation = self.formulate(instance, model_kind=kind, **dict(formulation_options or {}))
        result = be.solve(formulation.model, options=opts, seed=seed)
        solution = self.interpret(instance, formulation, result)
        evaluation = self.evaluate(instance, solution)
        return Outcome(usecase=self.name, instance=self.instance_name(instance), result=result,
                       solution=self.solution_to_json(solution), evaluation=evaluation,
                       formulation_info=formulation.info,
                       total_wall_s=time.perf_counter() - start)

    def check_instance(self, condition: bool, message: str) -> None:
        """Raise :class:`InstanceError` with ``message`` unless ``condition``."""
        if not condition:
            raise InstanceError(message)
