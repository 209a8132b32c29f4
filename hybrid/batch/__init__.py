"""Batch solves with durable results: job files, a result store, runners, metrics, reports.

A YAML job file (:mod:`hybrid.batch.jobfile`) lists use cases x instances x backends x
repeats; each combination is one :class:`~hybrid.batch.jobfile.Task` with a stable id and
a derived seed. :mod:`hybrid.batch.runner` executes tasks on a local process pool or a
Dask cluster, each in a child process killed past its time limit, and writes one row per
finished task to the SQLite store of :mod:`hybrid.batch.store`. :mod:`hybrid.batch.metrics`
scores the rows (approximation ratio, success probability, TTS99, feasibility rate, with
bootstrap confidence intervals) and :mod:`hybrid.batch.report` writes the Markdown table
and the HTML report with plots.

Nothing heavy is imported here: the submodules load on use.
"""

from __future__ import annotations

__all__ = ["jobfile", "store", "runner", "task", "metrics", "report", "demo"]
