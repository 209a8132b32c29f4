"""Ocean-style sampler options: ``num_reads``, ``initial_states``, ``initial_states_generator``.

The annealing backends accept these the way ``dwave-samplers`` does (dimod's
:class:`~dimod.core.initialized.Initialized`): ``initial_states`` is anything
:func:`dimod.as_samples` reads (a :class:`dimod.SampleSet`, a dict, a list of lists, an
array with or without labels), one state per read; fewer states than reads are filled by
``initial_states_generator`` (``'random'``, ``'tile'``, or ``'none'`` to refuse); and
``num_reads`` defaults to the number of states given.

Options are frozen dataclasses, so the states are frozen too: :func:`freeze_initial_states`
turns them into ``(rows, labels)`` tuples, which are hashable, comparable and JSON-safe
(they travel in ``Result.options``), and which :func:`dimod.as_samples` reads back
unchanged.

Examples:
    >>> freeze_initial_states([{"a": 1, "b": -1}])
    (((1, -1),), ('a', 'b'))
    >>> freeze_initial_states(freeze_initial_states([[0, 1], [1, 1]]))
    (((0, 1), (1, 1)), (0, 1))
    >>> resolve_num_reads(None, (((0, 1), (1, 1)), (0, 1)), default=10)
    2
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Literal

import numpy as np

from hybrid_workbench.errors import OptionsError

__all__ = ["Generator", "freeze_initial_states", "resolve_num_reads", "check_initial_states",
           "initial_rows"]

#: How states are added when fewer than ``num_reads`` are given.
Generator = Literal["none", "tile", "random"]

FrozenStates = tuple[tuple[tuple[int, ...], ...], tuple[Hashable, ...]]


def freeze_initial_states(value: Any) -> FrozenStates | None:
    """``initial_states`` as ``(rows, labels)`` tuples of ints, or None.

    Raises:
        OptionsError: not samples-like, or values other than -1/0/+1.
    """
    if value is None:
        return None
    import dimod

    try:
        array, labels = dimod.as_samples(value)
    except (TypeError, ValueError, KeyError) as exc:
        raise OptionsError(f"option 'initial_states' is not samples-like ({exc}); give a "
                           "SampleSet, a dict or a list of dicts, or (rows, labels)") from None
    if array.size and not np.isin(array, (-1, 0, 1)).all():
        raise OptionsError("option 'initial_states' must hold spins (-1/+1) or bits (0/1)")
    try:
        frozen_labels = tuple(labels)
        hash(frozen_labels)
    except TypeError:
        raise OptionsError("option 'initial_states': labels must be hashable") from None
    return tuple(tuple(int(x) for x in row) for row in array), frozen_labels


def resolve_num_reads(num_reads: int | None, initial_states: FrozenStates | None,
                      default: int) -> int:
    """``num_reads`` as given, else the number of initial states, else ``default``."""
    if num_reads is not None:
        if num_reads <= 0:
            raise OptionsError(f"num_reads must be positive, got {num_reads}")
        return num_reads
    if initial_states is not None and initial_states[0]:
        return len(initial_states[0])
    return default


def check_initial_states(bqm: Any, initial_states: FrozenStates | None,
                         generator: str, num_reads: int) -> None:
    """Refuse, before any work, initial states that do not fit ``bqm`` or ``num_reads``.

    Raises:
        OptionsError: the states' variables differ from the model's, or the generator is
            ``'none'`` and fewer than ``num_reads`` states are given.
    """
    if initial_states is None:
        return
    rows, labels = initial_states
    if set(labels) != set(bqm.variables) or len(labels) != len(bqm.variables):
        missing = [repr(v) for v in bqm.variables if v not in set(labels)][:5]
        raise OptionsError("initial_states must give a value to every variable of the model "
                           f"and to no other (missing, e.g.: {', '.join(missing) or 'none'}; "
                           f"{len(labels)} labels for {len(bqm.variables)} variables)")
    if generator == "none" and len(rows) < num_reads:
        raise OptionsError(f"initial_states_generator='none' needs {num_reads} initial "
                           f"states (num_reads), got {len(rows)}; give num_reads="
                           f"{len(rows)} or initial_states_generator='tile' or 'random'")
    if generator == "tile" and not rows:
        raise OptionsError("initial_states_generator='tile' needs at least one state")


def initial_rows(bqm: Any, initial_states: FrozenStates, generator: str, num_reads: int,
                 seed: int, spin: bool = True) -> np.ndarray:
    """``num_reads`` starting states, one row per read, in ``bqm.variables`` order.

    dimod's own parser (:meth:`dimod.Initialized.parse_initial_states`) fills and
    converts them, so the states mean what they mean to ``dwave-samplers``.

    Args:
        spin: return -1/+1 rows (else the model's own vartype).
    """
    import dimod

    parsed = dimod.Initialized().parse_initial_states(
        bqm, initial_states=initial_states, initial_states_generator=generator,
        num_reads=num_reads, seed=seed)
    states = parsed.initial_states
    order = [states.variables.index(v) for v in bqm.variables]
    rows = np.asarray(states.record.sample, dtype=np.int8)[:, order]
    if spin and bqm.vartype is dimod.BINARY:
        rows = 2 * rows - 1
    return rows
