"""``neutral-atom``: maximum independent set on an analog Rydberg array (QuEra-style).

Takes a ``unit-disk`` model (:class:`~hybrid_workbench.usecases.stations.geometry.UnitDiskGraph`:
positions and a conflict radius, not only edges, since the atoms compute with distances),
places one atom per vertex, runs an adiabatic detuning sweep under the Rydberg blockade
(:mod:`hybrid_workbench.backends.neutral_atom_ahs` writes it as a ``braket.ir.ahs.Program``)
and reads the Rydberg atoms of each shot as a vertex set.

Targets (option ``device``):

* ``local`` (default): Amazon Braket's local AHS emulator
  (``amazon-braket-default-simulator``'s ``RydbergAtomSimulator``, pure Python), extra
  ``neutral-atom``. It integrates the Schroedinger equation in the subspace of states with
  no two Rydberg atoms closer than ``subspace_radius_um`` (by default just past the longest
  edge: the blockade is taken as perfect on edges, a truncation that makes 12 atoms take
  seconds instead of minutes; set it lower to let the emulator produce blockade
  violations). Its dense solver costs grow with the number of independent sets, so the
  emulator refuses more than ``max_atoms`` atoms (16 at most) before work.
* ``aquila``: QuEra Aquila through the Braket SDK (extra ``braket``, kept out of ``all``
  since it pins ``cloudpickle``), the same IR document. Chosen only where the SDK is
  installed and AWS credentials are in the environment (``AWS_ACCESS_KEY_ID`` /
  ``AWS_PROFILE``) or in the shared credentials file; never in options. Refused before work
  otherwise, with the reason. This path is written to the SDK's documented interface and
  has not been run against the device here.

Post-processing, reported in ``info['postprocess']``: shots whose Rydberg atoms include an
edge are repaired by dropping the most-conflicted atom until none is left
(``shots_with_violations``, ``bits_dropped``); with ``greedy_fill`` each set is then filled
to a maximal independent set (``shots_filled``, ``bits_added``), as in Ebadi et al. (2022).
``info['raw']`` says what the device gave before any of it. Energies are those of the MIS
QUBO (:meth:`UnitDiskGraph.to_bqm`), so results compare with ``exact`` and ``cpsat``.

Reproducibility: the emulator samples shots from NumPy's global generator; it is seeded
from the run's seed for the call and restored afterwards (not thread-safe: run solves in
processes, as ``hybrid batch`` does). BLAS is held to one thread during emulation where
``threadpoolctl`` is installed (several threads on dense 300 x 300 solves only contend).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from hybrid_workbench._optional import is_installed
from hybrid_workbench.backend import Backend
from hybrid_workbench.backends.neutral_atom_ahs import AQUILA, Schedule, layout, program
from hybrid_workbench.deadline import Deadline
from hybrid_workbench.errors import (
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.models import describe_model
from hybrid_workbench.options import BackendOptions
from hybrid_workbench.result import Solved, Status
from hybrid_workbench.usecases.stations.geometry import (
    MODEL_KIND,
    UnitDiskGraph,
    greedy_fill,
    remove_conflicts,
)

__all__ = ["NeutralAtomBackend", "NeutralAtomOptions", "aquila_unavailable"]

AQUILA_ARN = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
#: The emulator's hard limit: 2**16 configurations are enumerated in Python before the
#: blockade subspace is kept, and its solver is dense in that subspace.
EMULATOR_HARD_LIMIT = 16


@dataclass(frozen=True)
class NeutralAtomOptions(BackendOptions):
    """Options of ``neutral-atom`` (frequencies in rad/us, times in us, lengths in um).

    Attributes:
        device: ``local`` (Braket's AHS emulator) or ``aquila`` (QuEra, needs the SDK and
            AWS credentials).
        shots: measurements (Aquila takes 1..1000).
        steps: emulator time points over the sweep (its integrator holds the Hamiltonian
            fixed over each step, so fewer steps distort the sweep).
        duration_us: sweep length (Aquila: at most 4 us).
        ramp_us: Rabi rise and fall time.
        rabi_max: peak Rabi frequency (Aquila: at most 15.8 rad/us); sets the blockade
            radius ``(C6 / rabi_max)**(1/6)``.
        detuning_start, detuning_end: the linear sweep's ends (Aquila: within +-125).
        scale_um: um per unit of the graph's positions; by default the blockade radius is
            put at the geometric mean of the longest edge and the shortest non-edge.
        subspace_radius_um: the emulator drops states with two Rydberg atoms closer than
            this; by default just past the longest edge (perfect blockade on edges).
        max_atoms: the emulator refuses more atoms (at most 16).
        greedy_fill: fill each repaired shot to a maximal independent set.
    """

    device: Literal["local", "aquila"] = "local"
    shots: int = 100
    steps: int = 200
    duration_us: float = 4.0
    ramp_us: float = 0.2
    rabi_max: float = 15.8
    detuning_start: float = -30.0
    detuning_end: float = 20.0
    scale_um: float | None = None
    subspace_radius_um: float | None = None
    max_atoms: int = 14
    greedy_fill: bool = True

    def __post_init__(self) -> None:
        if self.shots < 1 or (self.device == "aquila" and self.shots > 1000):
            raise OptionsError(f"option 'shots' must be >= 1 (at most 1000 on Aquila), "
                               f"got {self.shots}")
        if self.steps < 2:
            raise OptionsError(f"option 'steps' must be >= 2, got {self.steps}")
        if not 1 <= self.max_atoms <= EMULATOR_HARD_LIMIT:
            raise OptionsError(f"option 'max_atoms' must be in 1..{EMULATOR_HARD_LIMIT} (the "
                               f"emulator's limit), got {self.max_atoms}")
        for name in ("scale_um", "subspace_radius_um"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise OptionsError(f"option {name!r} must be a positive number of um or null, "
                                   f"got {value}")
        problems = self.schedule().problems()
        if problems:
            raise OptionsError(f"the sweep breaks the device's limits: {'; '.join(problems)}")

    def schedule(self) -> Schedule:
        return Schedule.sweep(self.duration_us, self.ramp_us, self.rabi_max,
                              self.detuning_start, self.detuning_end)


def aquila_unavailable() -> str | None:
    """Why ``device='aquila'`` cannot be used here, or None.

    Credentials are looked for in the environment and the shared credentials file only
    (never through boto3's chain, which may query an instance-metadata endpoint).
    """
    if not is_installed("braket.aws"):
        return ("the Amazon Braket SDK is not installed (pip install 'hybrid-workbench[braket]'; "
                "it is not in 'all' because it pins cloudpickle==2.2.1)")
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return None
    shared = Path(env.get("AWS_SHARED_CREDENTIALS_FILE", Path.home() / ".aws" / "credentials"))
    if env.get("AWS_PROFILE") or shared.is_file():
        return None
    return ("no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or "
            "AWS_PROFILE, or write ~/.aws/credentials); they are never taken from options")


class NeutralAtomBackend(Backend[NeutralAtomOptions]):
    """MIS on unit-disk graphs by an adiabatic sweep on a Rydberg array (emulated or Aquila)."""

    name = "neutral-atom"
    model_kinds: ClassVar[tuple[str, ...]] = (MODEL_KIND,)
    Options = NeutralAtomOptions
    requires = ("braket.analog_hamiltonian_simulator",)
    extra = "neutral-atom"
    package = "amazon-braket-default-simulator"
    device = "simulator"
    description = ("maximum independent set on unit-disk graphs: adiabatic sweep on a Rydberg "
                   "array (Braket AHS emulator; QuEra Aquila with the SDK)")

    def notes(self) -> str:
        why = aquila_unavailable()
        aquila = "device=aquila available" if why is None else f"device=aquila unavailable: {why}"
        return (f"emulator up to {NeutralAtomOptions().max_atoms} atoms by default "
                f"({EMULATOR_HARD_LIMIT} at most); Aquila's limits checked for both targets; "
                f"{aquila}")

    def make_options(self, options: Any = None, time_limit: float | None = None
                     ) -> NeutralAtomOptions:
        opts = super().make_options(options, time_limit)
        if opts.device == "aquila":
            why = aquila_unavailable()
            if why is not None:
                raise OptionsError(f"{self.name}: option device='aquila' cannot be used here: "
                                   f"{why}; device='local' runs the emulator")
        return opts

    def max_variables(self, options: NeutralAtomOptions) -> int | None:
        return options.max_atoms if options.device == "local" else int(AQUILA["max_atoms"])

    def too_large_message(self, n: int, limit: int, options: NeutralAtomOptions) -> str:
        if options.device == "local":
            return (f"backend 'neutral-atom' emulates at most max_atoms = {limit} atoms "
                    f"({EMULATOR_HARD_LIMIT} at most; its cost grows with the number of "
                    f"independent sets); this graph has {n}")
        return f"Aquila holds at most {limit} atoms; this graph has {n}"

    def _check(self, model: Any, options: NeutralAtomOptions) -> None:
        if not isinstance(model, UnitDiskGraph):
            raise UnsupportedModelError(
                f"backend 'neutral-atom' takes a unit-disk model (atom positions and a "
                f"radius: hybrid_workbench.usecases.stations.geometry.UnitDiskGraph), not "
                f"{describe_model(model)}; the stations use case formulates one")
        if model.num_nodes == 0:
            raise UnsupportedModelError("backend 'neutral-atom': the unit-disk graph has no "
                                        "vertices, so there are no atoms to place")
        limit = self.max_variables(options)
        if limit is not None and model.num_nodes > limit:
            raise ProblemTooLargeError(self.too_large_message(model.num_nodes, limit, options))
        layout(model, options.rabi_max, options.scale_um)  # spacing and field, before work

    def _solve(self, model: UnitDiskGraph, options: NeutralAtomOptions, deadline: Deadline,
               seed: int) -> Solved:
        import dimod

        atoms = layout(model, options.rabi_max, options.scale_um)
        schedule = options.schedule()
        ir = program(atoms, schedule)
        start = time.perf_counter()
        if options.device == "local":
            subspace = options.subspace_radius_um
            if subspace is None:
                subspace = (atoms.longest_edge_um or 0.0) * 1.001 or 1.0
            shots, missing = _run_local(ir, options, subspace, seed), 0
            target: dict[str, Any] = {"device": "simulator", "target": "local",
                                      "emulator": "braket RydbergAtomSimulator",
                                      "steps": options.steps, "subspace_radius_um": subspace}
        else:
            shots, missing = _run_aquila(ir, options.shots)
            target = {"device": "qpu", "target": "aquila", "device_arn": AQUILA_ARN,
                      "shots_with_missing_atoms": missing}
        device_s = time.perf_counter() - start

        rows, raw_sizes, report = _postprocess(model, shots, options.greedy_fill)
        counts = Counter(tuple(r) for r in rows)
        states = np.array([list(k) for k in counts], dtype=np.int8).reshape(len(counts),
                                                                             model.num_nodes)
        sampleset = dimod.SampleSet.from_samples_bqm(
            (states, list(model.labels)), model.to_bqm(),
            num_occurrences=np.array(list(counts.values()), dtype=np.int64))
        independent_raw = [s for s in raw_sizes if s is not None]
        best_raw = max(independent_raw, default=0)
        info = {**target, "shots": options.shots, "atoms": atoms.to_dict(),
                "schedule": schedule.to_dict(), "limits": {"device": "QuEra Aquila", **AQUILA},
                "postprocess": report, "device_s": device_s,
                "raw": {"largest_independent_set": best_raw,
                        "shots_at_largest": independent_raw.count(best_raw)}}
        return Solved(sampleset, status=Status.BEST_FOUND, solver_s=device_s, info=info)


def _run_local(ir: Any, options: NeutralAtomOptions, subspace_um: float,
               seed: int) -> list[list[int]]:
    """Rydberg bits per shot from the emulator (vertex order), its sampling seeded."""
    from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator import (
        RydbergAtomSimulator,
    )

    saved = np.random.get_state()  # the emulator samples from the global generator
    np.random.seed(seed)
    try:
        limit: Any = _one_blas_thread()
        with limit:
            result = RydbergAtomSimulator().run(ir, shots=options.shots, steps=options.steps,
                                                blockade_radius=subspace_um * 1e-6)
    finally:
        np.random.set_state(saved)
    return [[1 - int(b) for b in m.shotResult.postSequence] for m in result.measurements]


def _one_blas_thread() -> Any:
    if is_installed("threadpoolctl"):
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1)
    import contextlib

    return contextlib.nullcontext()


def _run_aquila(ir: Any, shots: int) -> tuple[list[list[int]], int]:  # pragma: no cover
    """Rydberg bits per complete shot from Aquila, and how many shots missed an atom."""
    from braket.ahs.analog_hamiltonian_simulation import AnalogHamiltonianSimulation
    from braket.aws import AwsDevice

    task = AwsDevice(AQUILA_ARN).run(AnalogHamiltonianSimulation.from_ir(ir), shots=shots)
    out, missing = [], 0
    for m in task.result().measurements:
        pre, post = list(m.pre_sequence), list(m.post_sequence)
        if str(m.status).lower().endswith("success") and all(int(p) == 1 for p in pre):
            out.append([1 - int(b) for b in post])
        else:
            missing += 1
    return out, missing


def _postprocess(model: UnitDiskGraph, shots: list[list[int]], fill: bool
                 ) -> tuple[list[list[int]], list[int | None], dict[str, Any]]:
    """Repaired (and filled) 0/1 rows, raw set sizes (None where not independent), report."""
    rows: list[list[int]] = []
    raw_sizes: list[int | None] = []
    violated = dropped = filled = added = 0
    for bits in shots:
        chosen = [i for i, b in enumerate(bits) if b]
        kept, d = remove_conflicts(model, chosen)
        raw_sizes.append(len(chosen) if d == 0 else None)
        violated += d > 0
        dropped += d
        if fill:
            kept, a = greedy_fill(model, kept)
            filled += a > 0
            added += a
        row = [0] * model.num_nodes
        for i in kept:
            row[i] = 1
        rows.append(row)
    report = {"repair": "drop the most-conflicted atom until independent",
              "shots_with_violations": violated, "bits_dropped": dropped,
              "greedy_fill": fill, "shots_filled": filled, "bits_added": added}
    return rows, raw_sizes, report
