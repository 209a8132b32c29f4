"""Every module's docstring examples run as doctests, imported under the package name.

The three folders install as one package (``hybrid_workbench``), so doctests are collected
by walking the package rather than the folders on disk.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest



def _modules() -> list[str]:
    names = set()
    for root in ("hybrid_workbench", "hybrid_workbench.backends", "hybrid_workbench.usecases"):
        package = importlib.import_module(root)
        names.add(root)
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            if not info.name.endswith("__main__"):
                names.add(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_doctests(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra is not installed here
        pytest.skip(f"{name}: {exc}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
