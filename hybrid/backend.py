"""The backend protocol: one small contract every solver implements, one lifecycle.

A backend has a ``name``, the model kinds it accepts, a frozen ``Options`` dataclass, and
three methods (``STYLE.md``: dimod's ``Sampler``, PennyLane's ``Device``):

* :meth:`Backend.capabilities` -- what it is and what it takes;
* :meth:`Backend.supports` -- ``True`` or the reason it cannot take *this* model (wrong
  kind, too large, missing package), decided before any memory is allocated;
* :meth:`Backend.solve` -- the one path from a request to a :class:`~hybrid_workbench.result.Result`.

``solve`` owns the lifecycle, in this order: options resolved once into the typed
``Options`` (an ``Options`` instance is carried forward, never validated again); availability
checked once; every check that can be made before work (``_check``: kind, size, kernel and
device choices); one-time set-up (``_setup``: imports, compiled kernels, device start),
timed as ``setup_s`` and not billed to the solve; a :class:`~hybrid_workbench.deadline.Deadline`
started from ``time_limit``; ``_solve(model, options, deadline, seed)``, which returns a
:class:`~hybrid_workbench.result.Solved`; the :class:`Result` built and timed here. A
backend is its ``Options``, ``_check``, ``_setup`` and ``_solve``.

Annealing-style backends derive from :class:`SamplerBackend` and so are real
:class:`dimod.Sampler` s, usable from Ocean code unchanged.

Size limits can be checked from a variable count alone (:meth:`Backend.check_size`), so
a use case refuses an oversized instance before building its model.
"""

from __future__ import annotations

import abc
import importlib
import importlib.abc
import importlib.metadata
import importlib.util
import math
import secrets
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from hybrid_workbench._optional import install_hint, is_installed
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.dimodlink import DimodSamplerMixin, on_import
from hybrid_workbench.errors import (
    BackendUnavailableError,
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.models import describe_model, model_kind
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Result, Solved, Timing

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["Backend", "SamplerBackend", "Capabilities", "TimeLimitIgnoredWarning", "draw_seed",
           "check_seed", "check_time_limit", "MAX_SEED"]

O = TypeVar("O", bound=BackendOptions)

#: Seeds are 32-bit unsigned integers, the range every wrapped library accepts.
MAX_SEED = 2**32 - 1


class TimeLimitIgnoredWarning(UserWarning):
    """A time limit was given to a backend that cannot honour one."""


def draw_seed() -> int:
    """A fresh seed from the OS entropy pool (recorded in the result for reproducibility)."""
    return secrets.randbits(31)


def check_seed(seed: Any, where: str = "seed") -> int:
    """``seed`` as an int in ``0..2**32-1``, or an :class:`OptionsError` that says so."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise OptionsError(f"{where} must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return seed


def check_time_limit(value: Any, where: str = "time limit") -> float:
    """``value`` as a finite positive float of seconds, or an :class:`OptionsError`."""
    try:
        limit = float(value)
    except (TypeError, ValueError):
        raise OptionsError(f"{where} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(limit) or limit <= 0:
        raise OptionsError(f"{where} must be a finite positive number of seconds, got {value!r}")
    return limit


@dataclass(frozen=True)
class Capabilities:
    """What a backend is and what it accepts.

    Attributes:
        name: registered name.
        model_kinds: accepted model kinds (``'bqm'``, ``'cqm'``, ``'pauli'``, ``'circuit'``).
        options: option names with their defaults.
        device: where it computes (``'cpu'``, ``'gpu'``, ``'cpu/gpu'``, ``'simulator'``, ``'qpu'``).
        exact: whether it proves optimality when it finishes.
        time_limit: whether it honours a time limit (returns within
            ``limit + max(0.5 s, 5 %)``, see :mod:`hybrid_workbench.deadline`).
        anytime: whether, given a limit, it spends it improving its answer (and so takes
            part in equal-budget comparisons on the same footing as the others).
        max_variables: a hard size limit (variables or qubits), or None.
        description: one line.
    """

    name: str
    model_kinds: tuple[str, ...]
    options: Mapping[str, Any]
    device: str = "cpu"
    exact: bool = False
    time_limit: bool = False
    max_variables: int | None = None
    description: str = ""
    anytime: bool = False


class Backend(abc.ABC, Generic[O]):
    """Base class of every backend, generic in its options type.

    Class attributes to set in subclasses:
        name: identifier it is registered under (``[a-z][a-z0-9-]*``).
        model_kinds: accepted model kinds.
        Options: its frozen options dataclass.
        requires: importable modules it needs (checked without importing them).
        extra: the project's extra that installs them (for the install hint).
        package: the distribution whose version is reported in results.
        device, exact, anytime, description: see :class:`Capabilities`.
    """

    name: ClassVar[str] = ""
    model_kinds: ClassVar[tuple[str, ...]] = ()
    Options: type[O] = BackendOptions  # type: ignore[assignment]
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None
    package: ClassVar[str | None] = None
    device: ClassVar[str] = "cpu"
    exact: ClassVar[bool] = False
    anytime: ClassVar[bool] = False
    description: ClassVar[str] = ""

    # -- introspection ----------------------------------------------------------------------
    def available(self) -> Literal[True] | str:
        """True, or why this backend cannot run here."""
        missing = [m for m in self.requires if not is_installed(m)]
        if missing:
            return f"missing package(s): {', '.join(missing)}"
        return True

    def notes(self) -> str:
        """A short note on limits in force here (a licence, a device), shown by ``hybrid backends``."""
        return ""

    def install_hint(self) -> str:
        """How to make an unavailable backend available."""
        return install_hint(self.extra, self.package)

    def version(self) -> str:
        """Version of the package doing the work (the project's own for native solvers)."""
        dist = self.package or "hybrid-workbench"
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def capabilities(self) -> Capabilities:
        defaults = self.Options()
        return Capabilities(
            name=self.name, model_kinds=tuple(self.model_kinds), options=defaults.to_dict(),
            device=self.device, exact=self.exact, time_limit=defaults.has("time_limit"),
            max_variables=self.max_variables(defaults), description=self.description,
            anytime=self.anytime and defaults.has("time_limit"),
        )

    def max_variables(self, options: O) -> int | None:
        """A hard size limit under these options, if any."""
        return None

    # -- validation -------------------------------------------------------------------------
    def make_options(self, options: Mapping[str, Any] | BackendOptions | None = None,
                     time_limit: float | None = None) -> O:
        """Validated options; ``time_limit`` (seconds) goes to the ``time_limit`` field if any.

        An instance of this backend's ``Options`` is already valid and is returned as it
        is (validation happens once, where the options are made).
        """
        if isinstance(options, self.Options) and time_limit is None:
            return options
        try:
            opts = self.Options.from_mapping(options)
            if opts.has("time_limit") and getattr(opts, "time_limit") is not None:
                check_time_limit(getattr(opts, "time_limit"), "option time_limit")
            if time_limit is not None:
                time_limit = check_time_limit(time_limit)
                if opts.has("time_limit"):
                    opts = self.Options.from_mapping(opts, time_limit=float(time_limit))
                else:
                    warnings.warn(f"backend {self.name!r} cannot honour a time limit; "
                                  "it runs to completion", TimeLimitIgnoredWarning, stacklevel=3)
        except OptionsError as exc:
            raise OptionsError(f"{self.name}: {exc}") from None
        return opts

    def too_large_message(self, n: int, limit: int, options: O) -> str:
        """Why ``n`` variables (or qubits) exceed ``limit``; override for a precise reason."""
        return f"backend {self.name!r} takes at most {limit} variables; this model has {n}"

    def check_size(self, kind: str, n: int, options: BackendOptions | None = None) -> None:
        """Refuse a model of ``kind`` with ``n`` variables/qubits without building it.

        Raises:
            UnsupportedModelError: the kind is not accepted.
            ProblemTooLargeError: ``n`` is over the limit; the message names the
                backends that can take such a model here.
        """
        if kind not in self.model_kinds:
            raise UnsupportedModelError(f"backend {self.name!r} accepts "
                                        f"{', '.join(self.model_kinds)} models, not {kind}")
        options = options if options is not None else self.make_options(None)
        limit = self.max_variables(options)
        if limit is not None and n > limit:
            others = backends_that_take(kind, n, exclude=self.name)
            where = ", ".join(others) if others else "none available here"
            raise ProblemTooLargeError(f"{self.too_large_message(n, limit, options)}. "
                                       f"Backends that can take it: {where}")

    def _check(self, model: Any, options: O) -> None:
        """Raise UnsupportedModelError/ProblemTooLargeError for models this backend can't take.

        The base checks the model kind and :meth:`max_variables`; override to add more
        (call ``super()._check`` first).
        """
        kind = model_kind(model)
        if kind not in self.model_kinds:
            accepted = ", ".join(self.model_kinds)
            raise UnsupportedModelError(
                f"backend {self.name!r} accepts {accepted} models, not {describe_model(model)}")
        limit = self.max_variables(options)
        if limit is not None:
            n = len(model.variables) if kind in ("bqm", "cqm") else model.num_qubits
            if n > limit:
                raise ProblemTooLargeError(self.too_large_message(n, limit, options))

    def supports(self, model: Any, options: Mapping[str, Any] | BackendOptions | None = None
                 ) -> Literal[True] | str:
        """True, or the reason this backend cannot take ``model`` (nothing is computed)."""
        avail = self.available()
        if avail is not True:
            return f"backend {self.name!r} is not available here: {avail}"
        try:
            self._check(model, self.make_options(options))
        except UnsupportedModelError as exc:
            return str(exc)
        return True

    def dry_run(self, model: Any, options: Mapping[str, Any] | BackendOptions | None = None,
                seed: int | None = None) -> dict[str, Any]:
        """What :meth:`solve` would submit and what it would cost, without submitting it.

        Optional: backends that submit to a device (``ibm``) override it and return a
        JSON-safe dict (transpiled depth, two-qubit gates, estimated device seconds...).
        The default refuses, before any work.
        """
        raise OptionsError(f"backend {self.name!r} has no dry run (only backends that submit to "
                           "a device estimate a run without making it, e.g. 'ibm'); run it "
                           "without --dry-run")

    def has_dry_run(self) -> bool:
        """Whether this backend overrides :meth:`dry_run`."""
        return type(self).dry_run is not Backend.dry_run

    # -- solving ----------------------------------------------------------------------------
    def solve(self, model: Any, *, options: Mapping[str, Any] | BackendOptions | None = None,
              seed: int | None = None, time_limit: float | None = None,
              on_start: Callable[[Deadline], None] | None = None) -> Result:
        """Validate once, set up, solve within the deadline, time, and build the result.

        ``on_start`` is called with the :class:`Deadline` the moment it starts (after every
        check and the one-time set-up), e.g. so a batch watchdog times the same interval.

        Raises:
            BackendUnavailableError: a package or device is missing (the message says how
                to install it).
            OptionsError: unknown option or bad value (time limits finite and positive,
                seeds in ``0..2**32-1``).
            UnsupportedModelError: wrong model kind; ProblemTooLargeError: too large.
        """
        avail = self.available()
        if avail is not True:
            raise BackendUnavailableError(
                f"backend {self.name!r} is not available here: {avail}; "
                f"install with: {self.install_hint()}")
        opts = self.make_options(options, time_limit)
        seed = draw_seed() if seed is None else check_seed(seed)
        try:
            self._check(model, opts)
        except ProblemTooLargeError as exc:
            others = _backends_that_take_model(model, exclude=self.name)
            where = ", ".join(others) if others else "none available here"
            raise ProblemTooLargeError(f"{exc}. Backends that can take it: {where}") from None
        setup_start = time.perf_counter()
        self._setup(opts)
        setup_s = time.perf_counter() - setup_start
        deadline = Deadline.start(getattr(opts, "time_limit", None) if opts.has("time_limit")
                                  else None)
        if on_start is not None:
            on_start(deadline)
        solved = self._solve(model, opts, deadline, seed)
        result = self._result(model, solved, opts, seed, Timing(wall_s=0.0))
        # the record is built inside the measured interval (aggregating samples is work too)
        return result.replace(timing=Timing(wall_s=deadline.elapsed(), solver_s=solved.solver_s,
                                            setup_s=setup_s))

    def _setup(self, options: O) -> None:
        """One-time, per-process set-up, timed apart from the solve (``Timing.setup_s``).

        The default imports the modules in :attr:`requires`, so their import cost is not
        billed as solve time. Backends with compiled kernels load (or compile and cache)
        them here. Must be cheap when called again in the same process.
        """
        for module in self.requires:
            importlib.import_module(module)

    @abc.abstractmethod
    def _solve(self, model: Any, options: O, deadline: Deadline, seed: int) -> Solved:
        """Solve a validated model within ``deadline``; return samples and info."""

    def _result(self, model: Any, solved: Solved, options: O, seed: int,
                timing: Timing) -> Result:
        kind = solved.model_kind or model_kind(model)
        info = {"device": self.device, **dict(solved.info)}
        common = dict(backend=self.name, backend_version=self.version(), timing=timing,
                      options=options.to_dict(), seed=seed, status=solved.status, info=info)
        if solved.samples is not None:
            return Result.from_sampleset(solved.samples, model_kind=kind, **common)
        return Result(model_kind=kind, energy=solved.energy, sample=solved.sample,
                      samples=None, **common)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _backends_that_take_model(model: Any, exclude: str = "") -> list[str]:
    """Registered, available backends whose default options accept ``model`` (no solving)."""
    from hybrid_workbench.registry import all_backends

    return [name for name, backend in all_backends().items()
            if name != exclude and backend.supports(model) is True]


def backends_that_take(kind: str, n: int, exclude: str = "") -> list[str]:
    """Registered, available backends that accept ``kind`` models of ``n`` variables."""
    from hybrid_workbench.registry import all_backends

    out = []
    for name, backend in all_backends().items():
        if name == exclude or kind not in backend.model_kinds or backend.available() is not True:
            continue
        limit = backend.max_variables(backend.make_options(None))
        if limit is None or n <= limit:
            out.append(name)
    return out


class SamplerBackend(Backend[O], DimodSamplerMixin):
    """A BQM backend that is also a :class:`dimod.Sampler`.

    ``sample(bqm, **parameters)`` takes the backend's options plus ``seed`` and returns
    the :class:`dimod.SampleSet`, so Ocean code (composites, ``sample_ising``,
    ``sample_qubo``) works on it unchanged. Unknown parameters raise
    :class:`~hybrid_workbench.errors.OptionsError` instead of being dropped.
    """

    model_kinds: ClassVar[tuple[str, ...]] = ("bqm",)

    @property
    def parameters(self) -> dict[str, list[str]]:
        return {**{name: [] for name in self.Options.field_names()}, "seed": []}

    @property
    def properties(self) -> dict[str, Any]:
        return {"backend": self.name, "version": self.version(), "device": self.device}

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters: Any) -> dimod.SampleSet:
        seed = parameters.pop("seed", None)
        result = self.solve(bqm, options=parameters, seed=seed)
        assert result.samples is not None
        return result.samples


on_import("dimod", lambda dimod_module: dimod_module.Sampler.register(SamplerBackend))
