"""Reading instance files: UTF-8 text and standard JSON, every error naming file and line.

Use cases read their files through these, so that a file that is not UTF-8, JSON that does
not parse and the non-standard ``NaN`` / ``Infinity`` that Python's ``json`` would accept
all raise :class:`~hybrid_workbench.errors.InstanceFormatError` with one sentence: the
file, the line, what is wrong and what would be right.

Examples:
    >>> parse_json_text('{"a": [1, 2.5]}', "x.json")
    {'a': [1, 2.5]}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hybrid_workbench.errors import InstanceFormatError

__all__ = ["read_text_file", "read_json_file", "parse_json_text"]


def read_text_file(path: str | Path) -> str:
    """The text of an instance file; a file that is not UTF-8 text (or cannot be read)
    raises InstanceFormatError naming the file and the line.

    A UTF-8 byte-order mark is accepted. Use cases check that the file exists first, with
    their own hint of what to give.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InstanceFormatError(f"{path}: cannot be read ({exc.strerror or exc}); give a "
                                  "readable instance file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InstanceFormatError(f"{path}, line {line}: byte 0x{data[exc.start]:02x} is not "
                                  "UTF-8 text; save the file as UTF-8") from None


def read_json_file(path: str | Path) -> Any:
    """Parse a JSON instance file; invalid JSON raises InstanceFormatError with the line.

    Use cases check that the file exists first, with their own hint of what to give.
    """
    return parse_json_text(read_text_file(path), path)


class _NonFinite(Exception):
    pass


def _refuse_constant(token: str) -> Any:
    raise _NonFinite(token)


def parse_json_text(text: str, source: Any) -> Any:
    """Parse JSON read from ``source``; invalid JSON, and the non-standard ``NaN`` and
    ``Infinity`` that Python would accept, raise InstanceFormatError naming the source
    and the line.

    Examples:
        >>> parse_json_text('{"a": 1}', "x.json")
        {'a': 1}
        >>> parse_json_text('{"a": }', "x.json")
        Traceback (most recent call last):
        ...
        hybrid_workbench.errors.InstanceFormatError: x.json, line 1: invalid JSON: Expecting value
        >>> parse_json_text('{"w":\\n NaN}', "x.json")
        Traceback (most recent call last):
        ...
        hybrid_workbench.errors.InstanceFormatError: x.json, line 2: NaN is not a number; JSON numbers must be finite
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InstanceFormatError(f"{source}, line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except _NonFinite as exc:
        token = str(exc)
        match = re.search(r"(?<![\w\"])" + re.escape(token) + r"(?![\w\"])", text)
        line = text.count("\n", 0, match.start()) + 1 if match else None
        where = f"{source}, line {line}" if line else str(source)
        raise InstanceFormatError(f"{where}: {token} is not a number; JSON numbers must be "
                                  "finite") from None
