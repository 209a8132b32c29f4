r"""Reading a YAML job file with line numbers, within bounds, before anything else.

:func:`read_yaml` refuses a file over a size bound, a document nested too deeply, and one
whose aliases (``*name``) would expand it past a number of values -- the "billion laughs"
-- or loop, each with one :class:`Problem` naming the file and the line; it measures the
expansion on the composed node graph (memoised, linear in the file) before any value is
built. The values come back as mappings and sequences that remember the line of each key
and item, which is how every later problem names its line.

Examples:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "j.yaml"
    >>> _ = path.write_text("name: x\njobs:\n  - usecase: maxcut\n")
    >>> data, raw = read_yaml(path, 1 << 20, 1000)
    >>> data["jobs"][0]["usecase"], _line(data, "jobs"), _line(data["jobs"], 0)
    ('maxcut', 2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hybrid_workbench.errors import WorkbenchError

__all__ = ["JobFileError", "Problem", "read_yaml", "MAX_JOB_BYTES", "MAX_YAML_VALUES"]

#: Bytes of a job file, and values its YAML may expand to through aliases.
MAX_JOB_BYTES = 1 << 20
MAX_YAML_VALUES = 100_000


class JobFileError(WorkbenchError, ValueError):
    """A job file is malformed; the message lists every problem with file and line."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        problems = sorted(problems, key=lambda p: p.line or 0)
        self.source, self.problems = source, problems
        listed = "; ".join(str(p) for p in problems)
        n = len(problems)
        super().__init__(f"invalid job file {source} ({n} problem{'s' * (n != 1)}): {listed}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a job file: where (file, line, field), what, and what would do."""

    source: str
    line: int | None
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class _Map(dict):
    """A mapping from YAML that remembers its own line and its keys' lines."""

    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    """A sequence from YAML that remembers its own line and its items' lines."""

    line: int = 0
    item_lines: list[int]


def _convert(node: yaml.Node) -> Any:
    """Python values from a composed YAML node, keeping 1-based line numbers."""
    if isinstance(node, yaml.MappingNode):
        out = _Map()
        out.line, out.key_lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = _convert(key_node)
            key = key if isinstance(key, str) else str(key)
            out[key] = _convert(value_node)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = _Seq(_convert(n) for n in node.value)
        seq.line, seq.item_lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
        return seq
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _line(obj: Any, key: str | int | None = None) -> int | None:
    if key is None:
        return getattr(obj, "line", None)
    if isinstance(obj, _Map):
        return obj.key_lines.get(str(key), obj.line)
    if isinstance(obj, _Seq) and isinstance(key, int) and key < len(obj.item_lines):
        return obj.item_lines[key]
    return getattr(obj, "line", None)


class _Recursive(Exception):
    """A YAML alias that refers to a node containing itself."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _expanded_sizes(root: yaml.Node) -> dict[int, int]:
    """Values each node expands to once aliases are followed (memoised: linear time)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise _Recursive(node)
        open_.add(key)
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(n) for n in node.value)
        else:
            total = 1
        open_.discard(key)
        sizes[key] = total
        return total

    size(root)
    return sizes


def _check_expansion(src: str, root: yaml.Node, limit: int) -> None:
    """Refuse a document whose aliases expand it past ``limit`` values (or loop)."""
    try:
        sizes = _expanded_sizes(root)
    except _Recursive as exc:
        line = exc.node.start_mark.line + 1
        raise JobFileError(src, [Problem(src, line, "a YAML alias (*name) refers to a value that "
                                         "contains it; write the value out instead")]) from None
    except RecursionError:
        raise JobFileError(src, [Problem(src, None, "the YAML is nested too deeply to read; "
                                         "a job file needs a few levels")]) from None
    total = sizes[id(root)]
    if total <= limit:
        return
    line, field = root.start_mark.line + 1, None
    if isinstance(root, yaml.MappingNode):  # name the first top-level key that is too big
        for k, v in root.value:
            if sizes[id(v)] > limit or sizes[id(v)] * 2 > total:
                line, field = k.start_mark.line + 1, str(k.value)
                break
    raise JobFileError(src, [Problem(src, line, (
        f"the YAML expands to {total:,} values through its aliases (*name); at most "
        f"{limit:,} are allowed: write the values out, or use fewer aliases"), field)])


def _as_map(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        out = _Map({str(k): _as_map(v) for k, v in obj.items()})
        out.key_lines = {}
        return out
    if isinstance(obj, (list, tuple)):
        seq = _Seq(_as_map(v) for v in obj)
        seq.item_lines = []
        return seq
    return obj


def read_yaml(path: Path, max_bytes: int = MAX_JOB_BYTES,
              max_values: int = MAX_YAML_VALUES) -> tuple[Any, bytes]:
    """The line-aware values of a YAML file and its bytes; :class:`JobFileError` otherwise."""
    src = str(path)
    if not path.is_file():
        raise JobFileError(src, [Problem(src, None, "job file not found")])
    size = path.stat().st_size
    if size > max_bytes:
        raise JobFileError(src, [Problem(src, None, f"the job file is {size:,} bytes; at most "
                                         f"{max_bytes:,} are allowed (list instances in "
                                         "files, not inline)")])
    raw = path.read_bytes()
    try:
        node = yaml.compose(raw.decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        why = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "unreadable text"
        raise JobFileError(src, [Problem(src, line, f"not valid YAML: {why}")]) from None
    except RecursionError:
        raise JobFileError(src, [Problem(src, None, "the YAML is nested too deeply to read; "
                                         "a job file needs a few levels")]) from None
    if node is None:
        return None, raw
    _check_expansion(src, node, max_values)
    return _convert(node), raw
