"""Per-backend options: frozen dataclasses that reject what they do not know.

Each backend declares ``Options``, a frozen dataclass subclassing :class:`BackendOptions`.
:meth:`BackendOptions.from_mapping` builds one from a mapping (Python) or from ``k=v``
strings (CLI, job files), converting strings to the declared field types and raising
:class:`~hybrid_workbench.errors.OptionsError` on unknown names, wrong types and bad ranges, listing
the valid options, before any work starts.

Examples:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class SAOptions(BackendOptions):
    ...     num_reads: int = 10
    ...     beta_range: tuple[float, float] | None = None
    >>> SAOptions.from_mapping({"num_reads": "20"}).num_reads
    20
    >>> SAOptions.from_mapping({"num_read": 3})
    Traceback (most recent call last):
    ...
    hybrid_workbench.errors.OptionsError: unknown option 'num_read' for this backend; did you mean 'num_reads'? Valid options: beta_range, num_reads
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

import yaml

from hybrid_workbench.errors import OptionsError

__all__ = ["BackendOptions", "describe_options", "parse_option_strings"]


def parse_option_strings(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse CLI ``k=v`` strings; values are read as YAML scalars/lists (``10``, ``1e-3``, ``[0.1, 5]``).

    Examples:
        >>> parse_option_strings(["num_reads=10", "beta_range=[0.1, 5]", "name=abc"])
        {'num_reads': 10, 'beta_range': [0.1, 5], 'name': 'abc'}
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise OptionsError(f"option {item!r} is not of the form key=value (e.g. num_reads=100)")
        key, _, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        try:
            out[key] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key] = raw
    return out


def _describe(tp: Any) -> str:
    """A type in words, for messages: ``float | None`` -> ``a number or null``."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(tp))
    if origin is Literal:
        return " or ".join(repr(c) for c in get_args(tp))
    if origin in (tuple, list):
        return "a list"
    words = {type(None): "null", bool: "true or false", int: "an integer", float: "a number",
             str: "a string", dict: "a mapping"}
    return words.get(tp, f"a {getattr(tp, '__name__', tp)}")


def _coerce(value: Any, tp: Any, name: str) -> Any:
    """Convert ``value`` to type ``tp`` or raise OptionsError."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, name)
            except OptionsError as exc:
                errors.append(str(exc))
        raise OptionsError(f"option {name!r} must be {_describe(tp)}, got {value!r}")
    if origin is Literal:
        choices = get_args(tp)
        if value in choices:
            return value
        raise OptionsError(f"option {name!r} must be one of {list(choices)}, got {value!r}")
    if origin in (tuple, list):
        if isinstance(value, str):
            value = yaml.safe_load(value)
        if not isinstance(value, (list, tuple)):
            raise OptionsError(f"option {name!r} must be a list, got {value!r}")
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise OptionsError(f"option {name!r} must have {len(args)} items, got {value!r}")
            return tuple(_coerce(v, a, name) for v, a in zip(value, args))
        inner = args[0] if args else Any
        seq = [_coerce(v, inner, name) for v in value]
        return tuple(seq) if origin is tuple else seq
    if origin in (dict, Mapping) or tp in (dict,):
        if not isinstance(value, Mapping):
            raise OptionsError(f"option {name!r} must be a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise OptionsError(f"option {name!r} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise OptionsError(f"option {name!r} must be an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise OptionsError(f"option {name!r} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise OptionsError(f"option {name!r} must be a number, got {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise OptionsError(f"option {name!r} must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise OptionsError(f"option {name!r} must be a string, got {value!r}")
    if isinstance(tp, type):
        if isinstance(value, tp):
            return value
        raise OptionsError(f"option {name!r} must be a {tp.__name__}, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class BackendOptions:
    """Base class of every backend's options. Subclasses are frozen dataclasses.

    Subclasses may validate ranges in ``__post_init__`` by raising
    :class:`~hybrid_workbench.errors.OptionsError`.
    """

    _what: ClassVar[str] = "this backend"  # what the options are for, in error messages

    @classmethod
    def field_names(cls) -> list[str]:
        return sorted(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | BackendOptions | None = None,
                     **overrides: Any) -> BackendOptions:
        """Validated options from a mapping (strings are converted to the field types)."""
        if isinstance(values, cls):
            values = values.to_dict()
        elif isinstance(values, BackendOptions):
            raise OptionsError(f"expected {cls.__name__}, got {type(values).__name__}")
        merged = {**dict(values or {}), **overrides}
        names = cls.field_names()
        hints = typing.get_type_hints(cls)
        for key in merged:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                valid = ", ".join(names) if names else "(none)"
                raise OptionsError(f"unknown option {key!r} for {cls._what}{hint} "
                                   f"Valid options: {valid}")
        kwargs = {k: _coerce(v, hints[k], k) for k, v in merged.items()}
        try:
            return cls(**kwargs)
        except OptionsError:
            raise
        except (TypeError, ValueError) as exc:
            raise OptionsError(str(exc)) from exc

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def has(self, name: str) -> bool:
        return name in self.field_names()


def describe_options(options_cls: type[BackendOptions]) -> list[dict[str, Any]]:
    """Each option's name, type, default and one-line help (from the ``Attributes:`` section).

    Examples:
        >>> @dataclasses.dataclass(frozen=True)
        ... class Opts(BackendOptions):
        ...     '''Options.
        ...
        ...     Attributes:
        ...         num_reads: independent runs.
        ...     '''
        ...     num_reads: int = 10
        >>> describe_options(Opts)
        [{'name': 'num_reads', 'type': 'int', 'default': 10, 'help': 'independent runs.'}]
    """
    helps = _attribute_help(options_cls)
    hints = typing.get_type_hints(options_cls)
    out = []
    for f in dataclasses.fields(options_cls):
        tp = hints.get(f.name, f.type)
        default = f.default if f.default is not dataclasses.MISSING else None
        name_of_type = getattr(tp, "__name__", None) if isinstance(tp, type) else None
        out.append({"name": f.name, "type": name_of_type or str(tp).replace("typing.", ""),
                    "default": default, "help": helps.get(f.name, "")})
    return out


def _attribute_help(cls: type) -> dict[str, str]:
    """``{name: text}`` from Google-style ``Attributes:`` sections along the class's MRO."""
    import inspect
    import re

    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = inspect.getdoc(klass) or ""
        if "Attributes:" not in doc:
            continue
        section = doc.split("Attributes:", 1)[1]
        current = None
        for line in section.splitlines()[1:]:
            if line and not line.startswith(" "):
                break  # next section
            m = re.match(r"^ {4}(\w+)(?: \([^)]*\))?: ?(.*)$", line)
            if m:
                current = m.group(1)
                out[current] = m.group(2).strip()
            elif current and line.strip():
                out[current] += " " + line.strip()
    return out
