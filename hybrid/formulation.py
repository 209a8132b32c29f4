"""What a use case's formulation is made of: typed options and a typed decoder.

Each use case declares ``FormulationOptions``, a frozen dataclass subclassing
:class:`FormulationOptions`, with the same machinery as backend options
(:mod:`hybrid_workbench.options`): unknown names are refused with a close match and the
valid list, strings from the command line or a job file are converted to the declared
types, and range checks run in ``__post_init__``. Options are made once, by
:meth:`hybrid_workbench.usecase.UseCase.make_formulation_options`, and the instance is
carried forward without being validated again.

A :class:`Formulation` carries the model and its :class:`Decoder`: the object that knows
how the model was encoded and maps a backend's sample back to the use case's raw
assignment (dimod's ``cqm_to_bqm`` returns such an inverter with the model). Use cases
that need more than ``decode`` from it (AGV's candidate routes, for instance) check its
type, never the owner of a bound method.

Examples:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class CutOptions(FormulationOptions):
    ...     '''Options of a cut formulation.
    ...
    ...     Attributes:
    ...         penalty: weight of the constraint term.
    ...     '''
    ...     penalty: float = 1.0
    >>> CutOptions.from_mapping({"penalty": "2.5"}).penalty
    2.5
    >>> CutOptions.from_mapping({"penalti": 3})
    Traceback (most recent call last):
    ...
    hybrid_workbench.errors.OptionsError: unknown option 'penalti' for this formulation; did you mean 'penalty'? Valid options: model_kind, penalty
    >>> f = Formulation(model="a model", decoder=MappingDecoder(), info={"k": 1})
    >>> f.decode({"x": 1})
    {'x': 1}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from hybrid_workbench.options import BackendOptions

__all__ = ["FormulationOptions", "Decoder", "MappingDecoder", "FunctionDecoder", "Formulation"]

T_co = TypeVar("T_co", covariant=True)
D = TypeVar("D", bound="Decoder[Any]")


@dataclass(frozen=True)
class FormulationOptions(BackendOptions):
    """Base class of every use case's formulation options (a frozen dataclass).

    Subclasses add their fields and may check ranges in ``__post_init__`` by raising
    :class:`~hybrid_workbench.errors.OptionsError` with one sentence naming the field, what
    is wrong and what would be right.

    Attributes:
        model_kind: model to build (``bqm``, ``cqm``, ``pauli``, ``circuit``); ``None``
            (default) lets :meth:`~hybrid_workbench.usecase.UseCase.solve` pick the first
            kind the backend accepts, and ``formulate`` the use case's default.
    """

    _what: ClassVar[str] = "this formulation"

    model_kind: str | None = None

    def with_model_kind(self, kind: str) -> FormulationOptions:
        """The same options with ``model_kind`` set (range checks run again, names and
        types do not).

        Examples:
            >>> FormulationOptions().with_model_kind("bqm").model_kind
            'bqm'
        """
        if self.model_kind == kind:
            return self
        return dataclasses.replace(self, model_kind=kind)


@runtime_checkable
class Decoder(Protocol[T_co]):
    """Maps what a backend returned for a formulation back to the use case's raw answer.

    ``sample`` is a variable -> value mapping for BQM and CQM formulations (a backend's
    best sample, or any row of its sample set), and the measured counts (bit string ->
    shots) for circuit formulations. The decoder keeps whatever the encoding needs to
    undo (labels, candidate lists, an inverter); it is the formulation's typed record of
    how the model was built, so a use case's ``interpret`` may read its attributes.
    """

    def decode(self, sample: Mapping[Hashable, Any]) -> T_co:
        """The raw assignment encoded by ``sample``."""
        ...


@dataclass(frozen=True)
class MappingDecoder:
    """The identity decoder: the sample as a plain dict (models read directly).

    Examples:
        >>> MappingDecoder().decode({"a": 0})
        {'a': 0}
    """

    def decode(self, sample: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        return dict(sample)


@dataclass(frozen=True)
class FunctionDecoder(Generic[T_co]):
    """A decoder made of one function, for formulations whose decoding holds no state
    worth naming (a typed dataclass is preferred where ``interpret`` needs more).

    Examples:
        >>> FunctionDecoder(lambda s: sorted(s)).decode({"b": 1, "a": 0})
        ['a', 'b']
    """

    function: Callable[[Mapping[Hashable, Any]], T_co]

    def decode(self, sample: Mapping[Hashable, Any]) -> T_co:
        return self.function(sample)


@dataclass(frozen=True)
class Formulation(Generic[D]):
    """A model plus the decoder that maps its samples back to the domain.

    Attributes:
        model: the model handed to backends (BQM, CQM, SparsePauliOp, QuantumCircuit).
        decoder: a :class:`Decoder` (``decode(sample)``); typed per use case.
        info: how it was built (penalty weights, encoding, number of auxiliary variables).
        options: the validated formulation options it was built from.
    """

    model: Any
    decoder: D = field(default_factory=MappingDecoder)  # type: ignore[assignment]
    info: Mapping[str, Any] = field(default_factory=dict)
    options: FormulationOptions | None = None

    def __post_init__(self) -> None:
        if not callable(getattr(self.decoder, "decode", None)):
            raise TypeError(f"Formulation.decoder must have a decode(sample) method "
                            f"(see hybrid_workbench.formulation.Decoder), got "
                            f"{type(self.decoder).__name__}")
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    def decode(self, sample: Mapping[Hashable, Any]) -> Any:
        """``self.decoder.decode(sample)``."""
        return self.decoder.decode(sample)
