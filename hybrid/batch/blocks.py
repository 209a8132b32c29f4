r"""A report as a list of blocks, rendered both as Markdown and as one self-contained HTML page.

Blocks are ``(kind, content)`` pairs: ``h1``/``h2``/``h3`` and ``p`` (text; ``**bold**`` is
kept in Markdown and dropped in HTML), ``ul`` (a list of strings), ``table`` (``(header,
rows)``) and ``img`` (``(alt text, PNG path)``). In HTML an image is embedded as a
``data:`` URI, so the page needs no other file and works when opened from disk; Markdown
links the PNG beside it.

Examples:
    >>> md, page = render([("h1", "T"), ("table", (["a"], [["1|2"]]))], title="T")
    >>> md.splitlines()[2:5]
    ['| a |', '|---|', '| 1\\|2 |']
    >>> "<td>1|2</td>" in page
    True
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

__all__ = ["render"]


def render(blocks: Sequence[tuple[str, Any]], *, title: str) -> tuple[str, str]:
    """Markdown and HTML from ``(kind, content)`` blocks: h1/h2/h3, p, ul, table, img."""
    esc = html.escape
    md: list[str] = []
    page: list[str] = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            md += ["#" * int(kind[1]) + " " + content, ""]
            page.append(f"<{kind}>{esc(content)}</{kind}>")
        elif kind == "p":
            md += [content, ""]
            page.append("<p>" + esc(content).replace("**", "") + "</p>")
        elif kind == "ul":
            md += [f"- {x}" for x in content] + [""]
            page.append("<ul>" + "".join(f"<li>{esc(str(x))}</li>" for x in content) + "</ul>")
        elif kind == "table":
            header, body = content
            md += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            md += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in body]
            md.append("")
            page.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
                        + "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in r)
                                  + "</tr>" for r in body) + "</table>")
        elif kind == "img":
            alt, path = content
            md += [f"![{alt}](./{path.name})", ""]
            data = base64.b64encode(path.read_bytes()).decode()
            page.append(f"<img alt='{esc(alt)}' src='data:image/png;base64,{data}'>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:90em} table{border-collapse:"
             "collapse;font-size:0.85em;margin:0.5em 0} td,th{border:1px solid #ccc;padding:3px "
             "6px} th{background:#eee} img{max-width:100%}")
    return ("\n".join(md) + "\n",
            "<!doctype html><html><head><meta charset='utf-8'><title>"
            f"{esc(title)}</title><style>{style}</style></head><body>" + "\n".join(page) + "</body></html>\n")
