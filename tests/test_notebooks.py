"""The notebooks under notebooks/: committed readable (outputs, figures, a question and its
answer) and executable top to bottom at their small default sizes.

``python notebooks/regenerate.py`` re-executes them in place; the readability checks below are
cheap (they read the committed files), the execution test runs every notebook in a kernel.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
MAX_PNG_BYTES = 80 * 1024
PRINTS = re.compile(r"\bprint\(")
PLOTS = re.compile(r"plt\.(subplots|figure)\(|\bplot_\w+\(|\.plot(\.\w+)?\(")


def _read(path: Path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def _data(cell) -> list[dict]:
    return [out.get("data", {}) for out in cell.get("outputs", [])]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_a_question_and_ends_with_the_answer(path: Path) -> None:
    nb = _read(path)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and "Question" in first.source
    assert last.cell_type == "markdown" and "Answer" in last.source
    assert "filled in" not in last.source, "the Answer cell still holds its placeholder"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_with_its_outputs(path: Path) -> None:
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        "not executed top to bottom in one kernel: run python notebooks/regenerate.py"
    pngs = 0
    for i, cell in enumerate(code):
        assert "matplotlib.use(" not in cell.source, f"code cell {i} picks a backend; figures must show inline"
        assert "execution" not in cell.metadata, "volatile timing metadata: run notebooks/regenerate.py"
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.output_type == "error"], f"code cell {i} raised"
        if PRINTS.search(cell.source):
            assert any(o.output_type == "stream" and o.name == "stdout" for o in outputs), \
                f"code cell {i} prints but has no stdout output"
        images = [d["image/png"] for d in _data(cell) if "image/png" in d]
        if PLOTS.search(cell.source):
            assert images, f"code cell {i} plots but has no PNG output"
        for png in images:
            assert len(base64.b64decode(png)) < MAX_PNG_BYTES, f"code cell {i}: PNG over {MAX_PNG_BYTES} bytes"
        pngs += len(images)
    assert pngs >= 1, "every notebook shows at least one figure"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes(path: Path, tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    nb = _read(path)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
