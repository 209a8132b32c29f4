"""Variants of one backend in a benchmark: which rows are run the same way.

A benchmark often runs one backend several ways -- QAOA at depths 1..5, an annealer at four
time limits -- and those must not be pooled. :func:`variant_labels` names each row's
variant: the backend, then only the options (and time limit) that differ between that
backend's rows of the same use case, e.g. ``qaoa p=3`` or ``sb 1s``. Both the summary
(:mod:`hybrid_workbench.batch.metrics`) and the finer tables
(:mod:`hybrid_workbench.batch.breakdown`) group by it.

Examples:
    >>> rows = [{"usecase": "u", "instance": "i", "backend": "qaoa", "options": f'{{"p": {p}}}',
    ...          "time_limit": None} for p in (1, 2)]
    >>> variant_labels(rows)
    ['qaoa p=1', 'qaoa p=2']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["variant_labels"]


def _options(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("options")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return dict(raw) if isinstance(raw, Mapping) else {}


def _short(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 24 else text[:21] + "..."


def variant_labels(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each row's variant: its backend plus the options and time limit that vary among
    that backend's rows of the same use case (see the module text)."""
    by_backend: dict[tuple[Any, Any], list[int]] = {}
    for i, r in enumerate(rows):
        by_backend.setdefault((r.get("usecase"), r.get("backend")), []).append(i)
    labels = [str(r.get("backend")) for r in rows]
    for idx in by_backend.values():
        opts = [_options(rows[i]) for i in idx]
        keys = sorted({k for o in opts for k in o})
        varying = [k for k in keys if len({json.dumps(o.get(k), sort_keys=True) for o in opts}) > 1]
        limits = {rows[i].get("time_limit") for i in idx}
        for i, o in zip(idx, opts):
            parts = [f"{k}={_short(o[k])}" if k in o else f"{k}=-" for k in varying]
            if len(limits) > 1:
                limit = rows[i].get("time_limit")
                parts.append("no limit" if limit is None else f"{float(limit):g}s")
            if parts:
                labels[i] = f"{rows[i].get('backend')} {','.join(parts)}"
    return labels
