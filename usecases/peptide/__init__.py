"""Peptide folding: the HP lattice-protein model as a QUBO.

Lattice placement of residues as an Ising problem is how annealers have been pointed at
peptide design; the HP model (hydrophobic/polar residues on the square or cubic lattice)
is its standard benchmark. Energy = -(number of non-bonded H-H contacts); lower is better.

* instance: ``{"sequence": "HPHPPHHPHH", "lattice": "square"}`` (:mod:`.lattice`);
* formulation: the grid-placement QUBO with automatic, provably sufficient penalty weights
  (:mod:`.qubo`), no auxiliary variables; backends that take a CQM (CP-SAT) get the same
  variables with the rules as exact linear constraints instead;
* interpretation: the sites read from the best sample, checked (self-avoidance, chain
  connectivity) and flagged infeasible rather than repaired;
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
from hybrid_workbench.usecases.peptide.qubo import GridEncoding, build_grid_cqm, build_grid_qubo

__all__ = ["Peptide", "PeptideInstance", "PeptideOptions", "parse_instance"]


@dataclass(frozen=True)
class PeptideOptions(FormulationOptions):
    """Formulation options of ``peptide``.

    Attributes:
        model_kind: ``cqm`` (exact constraints, chosen for backends that take one) or
            ``bqm`` (the penalised QUBO; what ``formulate`` builds by default).
        penalty_scale: factor on the proven penalty weights, QUBO only (default 1; a
            value other than 1 asks for the QUBO).
    """

    model_kind: Literal["cqm", "bqm"] | None = None
    penalty_scale: float = 1.0

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
        decoded = formulation.decode(result.sample or {})
        return self.fold_solution(instance, decoded["coords"], decoded["decode_problems"])

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
                                   "violations": list(check.violations)}
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
