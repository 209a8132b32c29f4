"""Peptide folding: the HP lattice-protein model as a QUBO.

Lattice placement of residues as an Ising problem is how annealers have been pointed at
peptide design; the HP model (hydrophobic/polar residues on the square or cubic lattice)
is its standard benchmark. Energy = -(number of non-bonded H-H contacts); lower is better.

* instance: ``{"sequence": "HPHPPHHPHH", "lattice": "square"}`` (:mod:`.lattice`);
* formulation: the grid-placement QUBO with automatic, provably sufficient penalty weights
  (:mod:`.qubo`), no auxiliary variables; backends that take a CQM (CP-SAT) get the same
  variables with the rules as exact linear constraints instead;
* interpretation: the sites read from the best sample, checked (self-avoidance, chain
  connectivity); a sample that is not a fold is repaired into the nearest valid walk
  (:mod:`.repair`; every read of the sample set is tried, the best fold kept) and the
  solution says so (``repaired: true``, the raw sample's violations, the residues moved);
  formulation option ``repair=false`` reports such samples infeasible instead;
* baseline: exhaustive self-avoiding-walk enumeration with branch and bound
  (:mod:`.enumerate`), a certified optimum for short chains;
* plot: :func:`hybrid_workbench.usecases.peptide.plot.plot_fold`.

``hybrid solve peptide FILE --json`` reports ``objective`` = the fold's HP energy
(``None`` when the fold is invalid).

Examples:
    >>> from hybrid_workbench.usecases.peptide import Peptide
    >>> pep = Peptide()
    >>> inst = pep.load("HPPHH")
    >>> out = pep.solve(inst, "exact", seed=0)
    >>> out.evaluation.feasible, out.evaluation.objective, pep.baseline(inst)["energy"]
    (True, -1, -1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hybrid_workbench.errors import InstanceError, OptionsError
from hybrid_workbench.formulation import Formulation, FormulationOptions
from hybrid_workbench.result import Result
from hybrid_workbench.usecase import Evaluation, UseCase
from hybrid_workbench.usecases.peptide.enumerate import enumerate_folds
from hybrid_workbench.usecases.peptide.lattice import (
    PeptideInstance,
    check_fold,
    generate_instance,
    load_instance,
    parse_instance,
)
from hybrid_workbench.usecases.peptide.qubo import (
    GridEncoding,
    build_grid_cqm,
    build_grid_qubo,
    variable_label,
)
from hybrid_workbench.usecases.peptide.repair import repair_fold

#: reads of a sample set repaired when the best one is not a fold (lowest energy first)
MAX_REPAIRED_READS = 32

__all__ = ["Peptide", "PeptideInstance", "PeptideOptions", "parse_instance"]


@dataclass(frozen=True)
class PeptideOptions(FormulationOptions):
    """Formulation options of ``peptide``.

    Attributes:
        model_kind: ``cqm`` (exact constraints, chosen for backends that take one) or
            ``bqm`` (the penalised QUBO; what ``formulate`` builds by default).
        penalty_scale: factor on the proven penalty weights, QUBO only (default 1; a
            value other than 1 asks for the QUBO).
        repair: rebuild a sample that is not a fold into the nearest valid walk
            (default True; the solution reports ``repaired``).
    """

    model_kind: Literal["cqm", "bqm"] | None = None
    penalty_scale: float = 1.0
    repair: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.penalty_scale) and self.penalty_scale > 0):
            raise OptionsError(f"option 'penalty_scale' must be a finite number > 0, "
                               f"got {self.penalty_scale!r}")
        if self.model_kind == "cqm" and self.penalty_scale != 1.0:
            raise OptionsError("option 'penalty_scale' applies to the QUBO only; drop it or "
                               "set model_kind=bqm")


class Peptide(UseCase):
    """HP lattice protein folding (square / cubic lattice) as a grid-placement QUBO."""

    name = "peptide"
    description = "HP lattice protein folding (square/cubic); objective = -(H-H contacts)"
    sense = "min"
    model_kinds = ("cqm", "bqm")   # the CQM where a backend takes one (CP-SAT), else the QUBO
    default_model_kind = "bqm"
    FormulationOptions = PeptideOptions
    formats = ('JSON {"sequence": "HPPHHPHH", "lattice": "square|cubic"}, a text file with '
               "the sequence, or the sequence itself (--param lattice=cubic)")

    def load(self, source: str | Path, **params: Any) -> PeptideInstance:
        return load_instance(source, **params)

    def generate(self, seed: int = 0, **params: Any) -> PeptideInstance:
        return generate_instance(seed=seed, **params)

    def model_kinds_for(self, options: PeptideOptions) -> tuple[str, ...]:
        """A scaled penalty asks for the QUBO; otherwise the CQM where a backend takes one."""
        return ("bqm",) if options.penalty_scale != 1.0 else self.model_kinds

    def _formulate(self, instance: PeptideInstance,
                   options: PeptideOptions) -> Formulation[GridEncoding]:
        """Grid-placement QUBO (``bqm``), or the same variables with exact constraints
        (``cqm``, chosen for backends that take one: CP-SAT proves optima far sooner)."""
        if options.model_kind == "cqm":
            cqm, enc = build_grid_cqm(instance)
            info = {**enc.info(), "model": "cqm: one-hot, site <= 1 and bond constraints",
                    "num_constraints": len(cqm.constraints)}
            info.pop("penalty_weights")
            return Formulation(model=cqm, decoder=enc, info=info)
        enc = build_grid_qubo(instance, penalty_scale=options.penalty_scale)
        return Formulation(model=enc.bqm, decoder=enc, info=enc.info())

    def interpret(self, instance: PeptideInstance, formulation: Formulation[GridEncoding],
                  result: Result) -> dict[str, Any]:
        """The fold of the best sample; if it is not a fold (and ``repair`` is on), the
        best repaired fold over the reads, marked ``repaired`` with the raw violations."""
        decoded = formulation.decode(result.sample or {})
        sol = self.fold_solution(instance, decoded["coords"], decoded["decode_problems"])
        opts = formulation.options
        if (sol["valid"] or result.sample is None
                or not getattr(opts, "repair", True)):
            return {**sol, "repaired": False}
        enc = formulation.decoder
        best: tuple[Any, ...] | None = None
        reads = _reads(result, MAX_REPAIRED_READS)
        for k, sample in zip(range(len(reads)), reads):   # (``enumerate`` is a submodule)
            placed = [[p for p in sites if i in enc.fixed or
                       sample.get(variable_label(i, p), 0) > 0]
                      for i, sites in zip(range(len(enc.candidates)), enc.candidates)]
            fold, report = repair_fold(instance, placed)
            energy = check_fold(instance, fold).energy
            if best is None or energy < best[0]:   # type: ignore[operator]
                best = (energy, k, fold, report)
        assert best is not None
        _, k, fold, report = best
        fixed = self.fold_solution(instance, [list(p) for p in fold])
        return {**fixed, "repaired": True, "raw_violations": sol["violations"],
                "repair": {**report, "read": k, "reads_tried": len(reads)}}

    @staticmethod
    def fold_solution(instance: PeptideInstance, coords: list[Any],
                      problems: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """The domain solution: sites, validity, violations, contacts and energy."""
        check = check_fold(instance, coords)
        return {"sequence": instance.sequence, "lattice": instance.lattice,
                "coords": [list(c) if c is not None else None for c in coords],
                "valid": check.valid,
                "violations": list(problems) + [v for v in check.violations
                                                if not v.endswith("has no site")],
                "contacts": [list(c) for c in check.contacts], "energy": check.energy}

    def evaluate(self, instance: PeptideInstance, solution: dict[str, Any]) -> Evaluation:
        """Recheck the fold from its sites alone; objective = energy (None if invalid)."""
        coords = solution.get("coords")
        if not isinstance(coords, list):
            raise InstanceError("a peptide solution needs 'coords': one site per residue")
        check = check_fold(instance, coords)
        metrics: dict[str, Any] = {"contacts": len(check.contacts), "length": instance.length,
                                   "num_h": len(instance.hydrophobic),
                                   "violations": list(check.violations),
                                   "repaired": bool(solution.get("repaired", False))}
        if solution.get("repaired"):
            metrics["raw_violations"] = len(solution.get("raw_violations", []))
        best = instance.meta.get("best_known")
        if best is not None:
            metrics["best_known"] = best
            if check.valid and best:
                metrics["ratio_to_best_known"] = check.energy / best
        return Evaluation(feasible=check.valid, objective=check.energy, metrics=metrics)

    def baseline(self, instance: PeptideInstance, **options: Any) -> dict[str, Any]:
        """Certified optimum by exhaustive enumeration (``method`` says so)."""
        res = enumerate_folds(instance, **options)
        sol = self.fold_solution(instance, [list(p) for p in res.fold])
        return {**sol, "method": "exhaustive self-avoiding-walk enumeration (certified)",
                "nodes": res.nodes, "wall_s": res.wall_s}

    def reference(self, instance: PeptideInstance) -> float | None:
        best = instance.meta.get("best_known")
        return float(best) if best is not None else None

    def reference_kind(self, instance: PeptideInstance) -> tuple[str, str]:
        return "published", f"best-known energy of {instance.source or 'this sequence'}"


def _reads(result: Result, limit: int) -> list[Any]:
    """The best sample, then the other reads by energy (at most ``limit``)."""
    out: list[Any] = [result.sample]
    if result.samples is not None and len(result.samples) > 1:
        order = sorted(range(len(result.samples)),
                       key=lambda r: float(result.samples.record.energy[r]))
        for r in order[:limit]:
            out.append(dict(zip(result.samples.variables, result.samples.record.sample[r])))
    return out[:limit]
