"""Options shared by the Ising solvers ``sb`` and ``gpu-sa``, and Ocean's names for them.

Both solvers take the workbench's one vocabulary for where array code runs
(:mod:`hybrid_workbench.arrays`: ``device`` ``auto|cpu|gpu``, ``kernel``
``auto|compiled|array``), a number of replicas advanced together, and a time limit that
they spend by default. Ocean code calls replicas *reads*: ``num_reads`` is accepted as
another name of ``num_replicas`` (one option, documented under its workbench name), so a
:class:`dimod.Sampler` call such as ``sampler.sample(bqm, num_reads=10)`` works unchanged.

Option values renamed in this release (``gpu-sa``'s ``kernel="vectorized"``, now
``"array"``) still work for one release, with a :class:`DeprecationWarning`.

Examples:
    >>> IsingOptions.from_mapping({"num_reads": 8}).num_replicas
    8
    >>> IsingOptions(time_limit=2.0).fills(None), IsingOptions().fills(None)
    (True, False)
    >>> IsingOptions(time_limit=2.0, fill_time_limit=False).fills(None)  # only cap
    False
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from hybrid_workbench.arrays import renamed_value
from hybrid_workbench.errors import OptionsError
from hybrid_workbench.options import BackendOptions

__all__ = ["InitialStates", "IsingOptions"]

#: Ocean's spelling -> the workbench's option name.
ALIASES = {"num_reads": "num_replicas"}


@dataclass(frozen=True)
class IsingOptions(BackendOptions):
    """Options common to ``sb`` and ``gpu-sa``.

    Attributes:
        num_replicas: independent runs advanced together (Ocean's ``num_reads`` is accepted
            as the same option).
        time_limit: seconds of the solve, counted from the start of the deadline (after
            set-up). Without a fixed schedule length the solver spends it on one schedule
            whose length follows the measured rate, complete by the deadline; with a fixed
            length it only caps the schedule.
        fill_time_limit: None (default): spend a given ``time_limit`` unless the schedule
            length is fixed; False: a limit only caps the default schedule; True: spend it
            (needs ``time_limit``, excludes a fixed schedule length).
        kernel: ``auto`` (compiled on the CPU when numba is installed, array code on a GPU),
            ``compiled`` (numba, CPU) or ``array`` (array-module operations: the GPU path).
        device: ``auto`` (GPU when present), ``cpu`` or ``gpu``.
    """

    num_replicas: int = 16
    time_limit: float | None = None
    fill_time_limit: bool | None = None
    kernel: Literal["auto", "compiled", "array"] = "auto"
    device: Literal["auto", "cpu", "gpu"] = "auto"

    #: Renamed option values: ``{option: {old: new}}`` (deprecated for one release).
    RENAMED: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    #: The option that fixes the schedule length (``num_steps``, ``num_sweeps``).
    LENGTH: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for name, renames in self.RENAMED.items():
            value = renamed_value(name, getattr(self, name), renames)
            object.__setattr__(self, name, value)
        for name in ("num_replicas", "time_limit"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OptionsError(f"{name} must be positive, got {value}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | BackendOptions | None = None,
                     **overrides: Any) -> BackendOptions:
        """Validated options; Ocean's names and renamed values are accepted (see module)."""
        if values is None or isinstance(values, Mapping):
            values, overrides = cls._translate({**dict(values or {}), **overrides}), {}
        else:
            overrides = cls._translate(overrides)
        return super().from_mapping(values, **overrides)

    @classmethod
    def _translate(cls, values: dict[str, Any]) -> dict[str, Any]:
        for alias, name in ALIASES.items():
            if alias in values:
                value = values.pop(alias)
                if name in values and values[name] != value:
                    raise OptionsError(f"{alias}={value!r} and {name}={values[name]!r} name the "
                                       f"same option; give one")
                values[name] = value
        for name, renames in cls.RENAMED.items():
            if name in values:
                values[name] = renamed_value(name, values[name], renames)
        return values

    def fills(self, length: int | None) -> bool:
        """Whether the schedule spends the time limit (``length``: the fixed length option)."""
        if self.time_limit is None or self.fill_time_limit is False:
            return False
        return self.fill_time_limit is True or length is None

    def check_fill(self) -> None:
        """Reject a ``fill_time_limit=True`` that cannot fill anything (before any work)."""
        if not self.fill_time_limit:
            return
        length = getattr(self, self.LENGTH, None) if self.LENGTH else None
        if self.time_limit is None:
            raise OptionsError("fill_time_limit=True needs a time limit: pass time_limit=SECONDS "
                               "(--time-limit SECONDS on the command line)")
        if length is not None:
            raise OptionsError(f"fill_time_limit=True picks {self.LENGTH} itself; drop "
                               f"{self.LENGTH}={length} or fill_time_limit")


@dataclass(frozen=True)
class InitialStates(Mapping[str, Any]):
    """Given start states, as the option value: ``{"variables": [...], "samples": [[...]]}``.

    A read-only mapping (so results serialise it as JSON as they are) built from anything
    :func:`dimod.as_samples` reads, or from that mapping itself (an option read back from
    a result). Values are spins (``-1``/``+1``) or bits (``0``/``1``), read in the model's
    vartype when they fit both (all ``+1``).

    Examples:
        >>> s = InitialStates.from_samples([{"a": 1, "b": 0}, {"a": 0, "b": 0}])
        >>> s.num_states, dict(s)
        (2, {'variables': ('a', 'b'), 'samples': ((1, 0), (0, 0))})
        >>> s.spins(["b", "a"], "SPIN").tolist()
        [[-1, 1], [-1, -1]]
    """

    variables: tuple[Hashable, ...]
    samples: tuple[tuple[int, ...], ...]

    @classmethod
    def from_samples(cls, states: Any) -> InitialStates:
        """From samples-like data, or the ``{"variables", "samples"}`` mapping."""
        import dimod

        if isinstance(states, Mapping) and set(states) == {"variables", "samples"}:
            labels = list(states["variables"])
            rows = np.asarray(states["samples"], dtype=float).reshape(-1, len(labels))
        else:
            try:
                rows, labels = dimod.as_samples(states)
            except (TypeError, ValueError) as exc:
                raise OptionsError(f"initial_states: not samples-like ({exc})") from None
        rows = np.asarray(rows)
        if rows.size and not np.all(np.isin(rows, (-1, 0, 1))):
            raise OptionsError("initial_states: values must be spins (-1, +1) or bits (0, 1)")
        if rows.size and np.any(rows == -1) and np.any(rows == 0):
            raise OptionsError("initial_states: values mix spins (-1) and bits (0)")
        labels = [tuple(v) if isinstance(v, list) else v for v in labels]
        return cls(tuple(labels), tuple(tuple(int(x) for x in row) for row in rows))

    @property
    def num_states(self) -> int:
        return len(self.samples)

    def spins(self, labels: list[Hashable], vartype: Any) -> np.ndarray:
        """The states as ``(num_states, n)`` int8 spins in the order of ``labels``.

        Raises:
            OptionsError: the states' variables are not the model's.
        """
        if set(self.variables) != set(labels) or len(self.variables) != len(labels):
            missing = [v for v in labels if v not in set(self.variables)][:3]
            extra = [v for v in self.variables if v not in set(labels)][:3]
            raise OptionsError(f"initial_states: variables differ from the model's "
                               f"(missing {missing}, unknown {extra})")
        rows = np.asarray(self.samples, dtype=np.int8).reshape(-1, len(self.variables))
        index = {v: i for i, v in enumerate(self.variables)}
        rows = rows[:, [index[v] for v in labels]]
        binary = bool(np.any(rows == 0)) or (not np.any(rows == -1)
                                              and str(getattr(vartype, "name", vartype)) == "BINARY")
        return (2 * rows - 1).astype(np.int8) if binary else rows

    def __getitem__(self, key: str) -> Any:
        if key == "variables":
            return self.variables
        if key == "samples":
            return self.samples
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("variables", "samples"))

    def __len__(self) -> int:
        return 2
