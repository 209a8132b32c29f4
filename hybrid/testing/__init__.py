"""Test helpers shipped with the workbench: the backend conformance suite.

Every registered backend runs :mod:`hybrid_workbench.testing.conformance` automatically in the
project's tests; a third-party backend can run it in its own::

    from hybrid_workbench.testing import run_conformance
    failures = run_conformance("my-solver")
    assert not failures, failures
"""

from hybrid_workbench.testing.conformance import (
    CHECKS,
    ConformanceFailure,
    applicable_checks,
    brute_force_bqm,
    brute_force_cqm,
    check_deadline,
    ladder,
    random_bqm,
    run_conformance,
)

__all__ = ["CHECKS", "ConformanceFailure", "applicable_checks", "brute_force_bqm",
           "brute_force_cqm", "check_deadline", "ladder", "random_bqm", "run_conformance"]
