"""The use-case contract and the one flow that runs a use case on a backend.

A use case turns a domain problem into a model and the model's answer back into a domain
solution (``DESIGN.md``)::

    instance -> formulate -> solve(model, backend) -> interpret -> evaluate

Subclasses of :class:`UseCase` declare ``FormulationOptions`` (a frozen dataclass,
:mod:`hybrid_workbench.formulation`) and implement ``load`` (from a documented file
format), ``generate`` (from a seed), ``_formulate`` (returning a
:class:`~hybrid_workbench.formulation.Formulation`, which carries the typed decoder:
encoders return a decoder), ``interpret``, ``evaluate`` (feasibility first, then the
domain's own objective and KPIs) and ``baseline`` (the strongest classical method).

:meth:`UseCase.solve` is the only flow and no use case overrides it. It validates the
backend's options and the formulation options once, picks the model kind, lets the use
case add what it knows for the backend (:meth:`UseCase.backend_defaults`) and refuse what
cannot work (:meth:`UseCase.check`) before any model is built, then formulates, solves,
interprets and evaluates, and returns an :class:`Outcome`, whose ``to_dict`` is the JSON
the CLI prints.
"""

from __future__ import annotations

import abc
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from hybrid_workbench.errors import InstanceError, OptionsError, UnsupportedModelError
from hybrid_workbench.formulation import (
    Decoder,
    Formulation,
    FormulationOptions,
    FunctionDecoder,
    MappingDecoder,
)
from hybrid_workbench.instancefiles import parse_json_text, read_json_file, read_text_file
from hybrid_workbench.result import Result, to_jsonable

__all__ = ["Formulation", "FormulationOptions", "Decoder", "MappingDecoder",
           "FunctionDecoder", "Evaluation", "Outcome", "UseCase", "parse_generate_spec",
           "read_json_file", "read_text_file", "parse_json_text"]


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
        default_model_kind: what ``formulate`` builds when no kind is asked for (default:
            the first of ``model_kinds``).
        formats: one line describing the accepted instance files.
        FormulationOptions: the frozen dataclass of this use case's formulation options.

    Examples:
        >>> from hybrid_workbench.registry import get_usecase
        >>> mc = get_usecase("maxcut")
        >>> mc.make_formulation_options({"model_kind": "bqm"}).model_kind
        'bqm'
        >>> mc.make_formulation_options({"penalty": 2})
        Traceback (most recent call last):
        ...
        hybrid_workbench.errors.OptionsError: maxcut formulation: unknown option 'penalty' for this formulation. Valid options: model_kind
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    sense: ClassVar[Literal["max", "min"]] = "min"
    model_kinds: ClassVar[tuple[str, ...]] = ("bqm",)
    default_model_kind: ClassVar[str | None] = None
    formats: ClassVar[str] = ""
    FormulationOptions: ClassVar[type[FormulationOptions]] = FormulationOptions

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
            seed = merged.pop("seed", 0)
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise InstanceError(f"{self.name}: generator parameter seed must be an "
                                    f"integer >= 0, got {seed!r}")
            _check_generator_names(self, merged)
            try:
                return self.generate(seed=seed, **merged)
            except TypeError:
                raise InstanceError(f"{self.name}: the generator cannot take {merged}; see "
                                    "its parameters in the use case's documentation") from None
        return self.load(spec, **params)

    def instance_name(self, instance: Any) -> str:
        return str(getattr(instance, "name", "instance"))

    # -- formulation options -------------------------------------------------------------
    def make_formulation_options(self, options: Mapping[str, Any] | FormulationOptions | None
                                 = None, **overrides: Any) -> FormulationOptions:
        """Validated formulation options, made once (the CLI and job files call this
        before any instance is loaded).

        An instance of this use case's ``FormulationOptions`` is already valid and is
        returned as it is; a mapping (values may be strings, as typed on a command line)
        is checked: an unknown name raises :class:`OptionsError` with a close match and
        the valid list, a bad value one sentence naming the option, what was wrong and
        what would be right.
        """
        cls = self.FormulationOptions
        if isinstance(options, cls) and not overrides:
            return options
        try:
            opts = cls.from_mapping(options, **overrides)
            if opts.model_kind is not None and opts.model_kind not in self.model_kinds:
                raise OptionsError(f"option 'model_kind' must be one of "
                                   f"{list(self.model_kinds)}, got {opts.model_kind!r}")
        except OptionsError as exc:
            raise OptionsError(f"{self.name} formulation: {exc}") from None
        return opts  # type: ignore[return-value]

    # -- the flow ------------------------------------------------------------------------
    def formulate(self, instance: Any, options: Mapping[str, Any] | FormulationOptions | None
                  = None, /, **overrides: Any) -> Formulation[Any]:
        """The model for ``instance`` under ``options`` (or keyword overrides), with its
        decoder; ``model_kind`` picks among :attr:`model_kinds`."""
        opts = self.make_formulation_options(options, **overrides)
        if opts.model_kind is None:
            kinds = self.model_kinds_for(opts)
            default = self.default_model_kind
            opts = opts.with_model_kind(default if default in kinds else kinds[0])
        formulation = self._formulate(instance, opts)
        if formulation.options is None:
            formulation = dataclasses.replace(formulation, options=opts)
        return formulation

    @abc.abstractmethod
    def _formulate(self, instance: Any, options: Any) -> Formulation[Any]:
        """Build the model; ``options`` is this use case's validated ``FormulationOptions``
        with ``model_kind`` set."""

    @abc.abstractmethod
    def interpret(self, instance: Any, formulation: Formulation[Any], result: Result) -> Any:
        """The domain solution encoded by ``result``'s best sample."""

    @abc.abstractmethod
    def evaluate(self, instance: Any, solution: Any) -> Evaluation:
        """Feasibility, objective and KPIs of a domain solution (independent of any model)."""

    @abc.abstractmethod
    def baseline(self, instance: Any, **options: Any) -> Any:
        """A solution from the strongest classical method for this domain."""

    def size_hint(self, instance: Any, model_kind: str) -> int | None:
        """Variables (or qubits) of the model ``formulate`` would build, if known cheaply.

        Lets :meth:`check` refuse an instance too large for the backend before building
        the model; None skips that early check (the backend still checks the model).
        """
        return None

    def backend_defaults(self, instance: Any, options: Any, backend: Any) -> Mapping[str, Any]:
        """Backend option values this use case knows for ``instance`` (chemistry's active
        space for a VQE backend, for instance), typed as the backend's ``Options`` declares.

        :meth:`solve` applies each one the backend declares and the caller left at its
        default. The base knows none.
        """
        return {}

    def check(self, instance: Any, options: Any, backend: Any, backend_options: Any) -> None:
        """Refuse, before the model is built, what the backend cannot take.

        The base compares :meth:`size_hint` with the backend's size limit
        (:class:`~hybrid_workbench.errors.ProblemTooLargeError`); override to add checks of
        the use case's own (call ``super().check`` first).
        """
        kind = options.model_kind
        size = self.size_hint(instance, kind)
        if size is not None:
            backend.check_size(kind, size, backend_options)

    def reference(self, instance: Any) -> float | None:
        """Best-known or certified optimal objective, where known (for ratios)."""
        return None

    def reference_kind(self, instance: Any) -> tuple[str, str]:
        """What :meth:`reference` is: ``('certified' | 'published', source)``.

        The default says certified (computed with a proof by the use case itself); a use
        case whose reference comes from the literature overrides it and names the source.
        """
        return "certified", f"{self.name}: computed with a proof"

    def solution_to_json(self, solution: Any) -> Any:
        return to_jsonable(solution)

    def model_kinds_for(self, options: Any) -> tuple[str, ...]:
        """The kinds ``formulate`` can build under ``options`` (default: all of them)."""
        return self.model_kinds

    def choose_model_kind(self, backend: Any, options: Any = None) -> str:
        """The first kind this use case produces (under ``options``) that ``backend`` accepts."""
        kinds = self.model_kinds if options is None else self.model_kinds_for(options)
        for kind in kinds:
            if kind in backend.model_kinds:
                return kind
        narrowed = " with these formulation options" if kinds != self.model_kinds else ""
        raise UnsupportedModelError(
            f"backend {backend.name!r} accepts {', '.join(backend.model_kinds)} models; use case "
            f"{self.name!r} produces {', '.join(kinds)}{narrowed}")

    def solve(self, instance: Any, backend: str | Any, *, seed: int | None = None,
              options: Mapping[str, Any] | Any | None = None, time_limit: float | None = None,
              formulation_options: Mapping[str, Any] | FormulationOptions | None = None,
              on_start: Callable[[Any], None] | None = None) -> Outcome:
        """Run ``formulate -> solve -> interpret -> evaluate`` on one backend.

        ``on_start`` goes to :meth:`Backend.solve <hybrid_workbench.backend.Backend.solve>`:
        it is called with the deadline when the backend's measured interval starts.

        Everything that can be checked before solving (backend exists and is available,
        backend and formulation options, model kind, the use case's :meth:`check`) is
        checked before the model is built. Options given as instances of the backend's
        ``Options`` or of :attr:`FormulationOptions` are not validated again.
        """
        from hybrid_workbench.errors import BackendUnavailableError
        from hybrid_workbench.registry import get_backend

        start = time.perf_counter()
        be = get_backend(backend) if isinstance(backend, str) else backend
        avail = be.available()
        if avail is not True:
            raise BackendUnavailableError(f"backend {be.name!r} is not available here: {avail}; "
                                          f"install with: {be.install_hint()}")
        opts = be.make_options(options, time_limit)
        form = self.make_formulation_options(formulation_options)
        if form.model_kind is None:
            form = form.with_model_kind(self.choose_model_kind(be, form))
        elif form.model_kind not in be.model_kinds:
            raise UnsupportedModelError(
                f"{self.name} formulation: model_kind={form.model_kind!r}, but backend "
                f"{be.name!r} accepts {', '.join(be.model_kinds)}; drop model_kind or pick "
                "one of those")
        opts = _with_defaults(opts, self.backend_defaults(instance, form, be))
        self.check(instance, form, be, opts)
        formulation = self._formulate(instance, form)
        if formulation.options is None:
            formulation = dataclasses.replace(formulation, options=form)
        result = be.solve(formulation.model, options=opts, seed=seed, on_start=on_start)
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


def _with_defaults(options: Any, defaults: Mapping[str, Any]) -> Any:
    """``options`` with each of ``defaults`` that it declares and holds at its default."""
    if not defaults:
        return options
    fields = {f.name: f for f in dataclasses.fields(options)}
    changes = {}
    for name, value in defaults.items():
        f = fields.get(name)
        if f is None:
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if getattr(options, name) == default:
            changes[name] = value
    return dataclasses.replace(options, **changes) if changes else options


def _check_generator_names(uc: UseCase, params: Mapping[str, Any]) -> None:
    """Refuse generator parameters that ``uc.generate`` does not declare (when it lists
    them all), with a close match and the valid list."""
    import difflib
    import inspect

    sig = inspect.signature(uc.generate)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    names = sorted(n for n in sig.parameters if n != "seed")
    for key in params:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise InstanceError(f"{uc.name}: unknown generator parameter {key!r}{hint} "
                                f"Valid: seed, {', '.join(names)}")
