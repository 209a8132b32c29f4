"""Sycamore-style random circuits: the instance, its JSON file format and the circuit builder.

An instance is a ``rows x cols`` grid of qubits (qubit ``r * cols + c`` sits at row ``r``,
column ``c``), a number of cycles ``depth`` and a ``seed``. Cycle ``k`` is, as in Arute et
al., Nature 574, 505 (2019):

1. on every qubit, a single-qubit gate drawn from {√X, √Y, √W} (``W = (X + Y)/√2``), never
   the same gate as on that qubit in the previous cycle; the three are
   ``RGate(π/2, φ)`` with ``φ = 0, π/2, π/4`` (equal to √X, √Y, √W up to a global phase);
2. a layer of two-qubit ``fSim(θ=π/2, φ=π/6)`` couplers (the Sycamore gate) on the grid
   edges of pattern ``PATTERN[k % 8]``, the supremacy sequence ``ABCDCDAB``: ``A`` and
   ``B`` are horizontal edges starting in even and odd columns, ``C`` and ``D`` vertical
   edges starting in even and odd rows.

A final layer of single-qubit gates precedes the measurement of every qubit. fSim is
emitted as ``RXX(θ) RYY(θ) CP(-φ)`` (exact, checked in the tests), gates every simulator
has natively.

File format (JSON object; unknown keys are an error)::

    {"rows": 3, "cols": 4, "depth": 14, "seed": 7, "name": "rcs-3x4"}

``rows``, ``cols`` >= 1 with ``2 <= rows * cols <= 26`` (XEB needs the ``2**n`` ideal
amplitudes), ``1 <= depth <= 200``, ``seed >= 0``; ``name`` is optional.

Examples:
    >>> inst = RCSInstance(rows=2, cols=3, depth=4, seed=1)
    >>> qc = build_circuit(inst)
    >>> qc.num_qubits, count_gates(inst)
    (6, {'single_qubit': 30, 'two_qubit': 7})
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hybrid_workbench.errors import InstanceError, InstanceFormatError
from hybrid_workbench.instancefiles import read_json_file

__all__ = ["RCSInstance", "PATTERN", "MAX_QUBITS", "coupler_layer", "gate_choices",
           "build_circuit", "count_gates", "load_instance", "FSIM_THETA", "FSIM_PHI"]

PATTERN = "ABCDCDAB"
MAX_QUBITS = 26
MAX_DEPTH = 200
FSIM_THETA = math.pi / 2
FSIM_PHI = math.pi / 6
#: axis angle φ of RGate(π/2, φ) for √X, √Y, √W
GATE_PHASES = (0.0, math.pi / 2, math.pi / 4)
GATE_NAMES = ("sqrt_x", "sqrt_y", "sqrt_w")
FIELDS = {"rows", "cols", "depth", "seed", "name"}


@dataclass(frozen=True)
class RCSInstance:
    """A random-circuit-sampling instance (see the module docstring for the file format)."""

    rows: int
    cols: int
    depth: int
    seed: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        for key in ("rows", "cols", "depth", "seed"):
            value = getattr(self, key)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise InstanceError(f"rcs: {key!r} must be an integer, got {value!r}")
        if self.rows < 1 or self.cols < 1:
            raise InstanceError(f"rcs: rows and cols must be >= 1, got {self.rows}x{self.cols}")
        if not 2 <= self.rows * self.cols <= MAX_QUBITS:
            raise InstanceError(
                f"rcs: a {self.rows}x{self.cols} grid has {self.rows * self.cols} qubits; use 2.."
                f"{MAX_QUBITS} (linear XEB needs all 2**n ideal probabilities in memory)")
        if not 1 <= self.depth <= MAX_DEPTH:
            raise InstanceError(f"rcs: depth must be in 1..{MAX_DEPTH} cycles, got {self.depth}")
        if self.seed < 0:
            raise InstanceError(f"rcs: seed must be >= 0, got {self.seed}")
        if not self.name:
            object.__setattr__(self, "name",
                               f"rcs-{self.rows}x{self.cols}-d{self.depth}-s{self.seed}")

    @property
    def num_qubits(self) -> int:
        return self.rows * self.cols

    def to_json_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "cols": self.cols, "depth": self.depth, "seed": self.seed,
                "name": self.name}


def coupler_layer(rows: int, cols: int, letter: str) -> list[tuple[int, int]]:
    """Qubit pairs coupled in pattern ``letter`` (``A``, ``B``, ``C`` or ``D``).

    Examples:
        >>> coupler_layer(2, 3, "A"), coupler_layer(2, 3, "C")
        ([(0, 1), (3, 4)], [(0, 3), (1, 4), (2, 5)])
    """
    pairs = []
    if letter in "AB":
        start = 0 if letter == "A" else 1
        for r in range(rows):
            for c in range(start, cols - 1, 2):
                pairs.append((r * cols + c, r * cols + c + 1))
    elif letter in "CD":
        start = 0 if letter == "C" else 1
        for r in range(start, rows - 1, 2):
            for c in range(cols):
                pairs.append((r * cols + c, (r + 1) * cols + c))
    else:
        raise ValueError(f"coupler pattern must be one of A, B, C, D, got {letter!r}")
    return pairs


def gate_choices(instance: RCSInstance) -> np.ndarray:
    """Indices into (√X, √Y, √W) of shape ``(depth + 1, n)``; no repeat on a qubit in a row."""
    rng = np.random.default_rng(instance.seed)
    n = instance.num_qubits
    choice = np.empty((instance.depth + 1, n), dtype=np.int8)
    choice[0] = rng.integers(0, 3, size=n)
    for k in range(1, instance.depth + 1):
        # one of the two gates different from the previous one, uniformly
        choice[k] = (choice[k - 1] + rng.integers(1, 3, size=n)) % 3
    return choice


def build_circuit(instance: RCSInstance, *, measure: bool = True) -> Any:
    """The random circuit as a :class:`qiskit.QuantumCircuit` (all qubits measured if asked).

    The measurement (``measure_all``) writes qubit ``i`` to bit ``i`` of register ``meas``,
    so a count's bitstring read as a binary integer indexes ``Statevector.probabilities()``.
    """
    from qiskit import QuantumCircuit

    n = instance.num_qubits
    choice = gate_choices(instance)
    qc = QuantumCircuit(n, name=instance.name)
    for k in range(instance.depth + 1):
        for q in range(n):
            qc.r(math.pi / 2, GATE_PHASES[choice[k, q]], q)
        if k == instance.depth:
            break
        for a, b in coupler_layer(instance.rows, instance.cols, PATTERN[k % len(PATTERN)]):
            qc.rxx(FSIM_THETA, a, b)
            qc.ryy(FSIM_THETA, a, b)
            qc.cp(-FSIM_PHI, a, b)
    if measure:
        qc.measure_all()
    return qc


def count_gates(instance: RCSInstance) -> dict[str, int]:
    """Number of single-qubit gates and of fSim couplers (for the digital error model)."""
    two = sum(len(coupler_layer(instance.rows, instance.cols, PATTERN[k % len(PATTERN)]))
              for k in range(instance.depth))
    return {"single_qubit": (instance.depth + 1) * instance.num_qubits, "two_qubit": two}


def load_instance(source: str | Path) -> RCSInstance:
    """Read an instance file (JSON, see the module docstring); errors name the file and field."""
    path = Path(source)
    if not path.is_file():
        raise InstanceError(f"rcs: no such instance file {str(source)!r}; give a JSON file like "
                            '{"rows": 3, "cols": 3, "depth": 8, "seed": 0} or generate:rows=3,'
                            "cols=3,depth=8,seed=0")
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise InstanceFormatError(f"{path}: expected a JSON object like "
                                  '{"rows": 3, "cols": 3, "depth": 8, "seed": 0}')
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise InstanceFormatError(f"{path}: unknown field(s) {unknown}; allowed: {sorted(FIELDS)}")
    for key in ("rows", "cols", "depth"):
        if key not in data:
            raise InstanceFormatError(f"{path}: missing field {key!r} (an integer)")
    for key in ("rows", "cols", "depth", "seed"):
        if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            raise InstanceFormatError(f"{path}: field {key!r} must be an integer, "
                                      f"got {data[key]!r}")
    try:
        return RCSInstance(rows=data["rows"], cols=data["cols"], depth=data["depth"],
                           seed=data.get("seed", 0), name=str(data.get("name", path.stem)))
    except InstanceError as exc:
        raise InstanceFormatError(f"{path}: {exc}") from None
