"""Batch solves with durable results: job files, a result store, runners, metrics, reports.

A YAML job file (:mod:`hybrid_workbench.batch.jobfile`) lists use cases x instances x backends x
repeats; each combination is one :class:`~hybrid_workbench.batch.jobfile.Task` with a stable id and
a derived seed. :mod:`hybrid_workbench.batch.runner` executes tasks on a local process pool that
replaces dead workers (:mod:`hybrid_workbench.batch.pool`) or a Dask cluster, each in a child
process killed past its time limit, and writes one row per finished task -- a
:class:`~hybrid_workbench.result.Result` plus the use case's columns -- to the SQLite store of
:mod:`hybrid_workbench.batch.store`, with each instance's reference computed once. :mod:`hybrid_workbench.batch.metrics`
scores the rows (approximation ratio, success probability, TTS99, feasibility rate, with
bootstrap confidence intervals) and :mod:`hybrid_workbench.batch.report` writes the Markdown table
and the HTML report with plots.

Nothing heavy is imported here: the submodules load on use.
"""

from __future__ import annotations

__all__ = ["jobfile", "store", "runner", "pool", "task", "metrics", "report", "demo"]
