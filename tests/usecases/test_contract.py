"""The use-case contract: typed formulation options made once, typed decoders, one flow,
and every instance value checked at the boundary with one sentence (file, field, fix)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hybrid_workbench.errors import (
    InstanceError,
    InstanceFormatError,
    OptionsError,
    ProblemTooLargeError,
    UnsupportedModelError,
)
from hybrid_workbench.formulation import Decoder, FormulationOptions
from hybrid_workbench.registry import all_usecases, get_backend, get_usecase
from hybrid_workbench.usecase import UseCase, _with_defaults

USECASES = sorted(all_usecases())
PYTHON_WORDS = ("Error", "Exception", "Traceback", "codec", "NoneType", "typing.")


def plain_sentence(message: str) -> bool:
    """No Python exception names or internals in a message meant for a person."""
    return not any(word in message for word in PYTHON_WORDS)


# -- one flow, typed options ------------------------------------------------------------
@pytest.mark.parametrize("name", USECASES)
def test_one_flow_and_typed_options(name: str) -> None:
    uc = get_usecase(name)
    assert type(uc).solve is UseCase.solve, f"{name} overrides solve"
    assert type(uc).formulate is UseCase.formulate, f"{name} overrides formulate"
    cls = type(uc).FormulationOptions
    assert issubclass(cls, FormulationOptions) and dataclasses.is_dataclass(cls)
    opts = uc.make_formulation_options({})
    assert uc.make_formulation_options(opts) is opts  # an instance is carried, not re-made
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.model_kind = "x"  # type: ignore[misc]
    with pytest.raises(OptionsError, match=rf"^{name} formulation: unknown option 'model_kid'"
                                           r".*did you mean 'model_kind'\? Valid options: "):
        uc.make_formulation_options({"model_kid": uc.model_kinds[0]})
    with pytest.raises(OptionsError, match="option 'model_kind' must be"):
        uc.make_formulation_options({"model_kind": "tensor-network"})


@pytest.mark.parametrize("name, values, field", [
    ("portfolio", {"budget": "many"}, "budget"),
    ("portfolio", {"formulation": "sparse"}, "formulation"),
    ("portfolio", {"penalty": "-1"}, "penalty"),
    ("portfolio", {"formulation": "longshort", "model_kind": "cqm"}, "model_kind"),
    ("agv", {"penalty": "big"}, "penalty"),
    ("agv", {"num_paths": 0}, "num_paths"),
    ("agv", {"objective": "makespan", "model_kind": "bqm"}, "objective"),
    ("fraud", {"classifier": "svm"}, "classifier"),
    ("fraud", {"k_ratio": "nan"}, "k_ratio"),
    ("peptide", {"penalty_scale": 0}, "penalty_scale"),
    ("factoring", {"a": 2, "strength": 3.0}, "strength"),
    ("chemistry", {"mapping": "jw"}, "mapping"),
    ("chemistry", {"sector_penalty": "inf"}, "sector_penalty"),
])
def test_bad_formulation_values_are_one_sentence(name: str, values: dict[str, Any],
                                                 field: str) -> None:
    with pytest.raises(OptionsError) as info:
        get_usecase(name).make_formulation_options(values)
    message = str(info.value)
    assert message.startswith(f"{name} formulation: ") and f"'{field}'" in message
    assert plain_sentence(message), message


def test_strings_are_converted_once_and_the_instance_is_not_validated_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pf = get_usecase("portfolio")
    opts = pf.make_formulation_options({"formulation": "lots", "budget": "6"})
    assert opts.budget == 6 and opts.formulation == "lots"

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("options validated again")

    monkeypatch.setattr(type(opts), "from_mapping", classmethod(refuse))
    inst = pf.generate(seed=1, size=6, k=2)
    out = pf.solve(inst, "exact", seed=0, formulation_options=opts)
    assert out.formulation_info["budget"] == 6
    brute = max(pf.evaluate(inst, {"lots": dict(zip(inst.assets, lots)), "budget": 6}).objective
                for lots in np.ndindex(*(7,) * 6) if sum(lots) <= 6)
    assert out.evaluation.feasible and math.isclose(out.evaluation.objective, brute,
                                                    rel_tol=1e-9, abs_tol=1e-12)


def test_formulate_accepts_options_or_keywords_and_records_them() -> None:
    pep = get_usecase("peptide")
    inst = pep.load("HPPH")
    by_keyword = pep.formulate(inst, penalty_scale=2.0)
    by_options = pep.formulate(inst, pep.make_formulation_options({"penalty_scale": "2"}))
    assert by_keyword.options == by_options.options
    assert by_keyword.options.model_kind == "bqm"  # formulate alone builds the QUBO
    assert by_keyword.model == by_options.model


# -- typed decoders -------------------------------------------------------------------------
@pytest.mark.parametrize("name, spec, kind", [
    ("maxcut", "generate:size=6,kind=regular,degree=3", "bqm"),
    ("portfolio", "generate:size=6,k=2", "bqm"),
    ("portfolio", "generate:size=6,k=2", "cqm"),
    ("peptide", "HPPHH", "cqm"),
    ("factoring", "generate:max_n=21", "bqm"),
    ("fraud", "generate:n_samples=300,fraud_rate=0.1", "bqm"),
    ("agv", "generate:agvs=3", "bqm"),
])
def test_every_formulation_carries_a_typed_decoder(name: str, spec: str, kind: str) -> None:
    uc = get_usecase(name)
    form = uc.formulate(uc.open(spec), model_kind=kind)
    assert isinstance(form.decoder, Decoder) and not callable(form.decoder)
    assert form.options is not None and form.options.model_kind == kind


def test_agv_reads_its_route_selection_from_the_decoder() -> None:
    from hybrid_workbench.usecases.agv.formulation import RouteSelection

    uc = get_usecase("agv")
    form = uc.formulate(uc.generate(seed=0, agvs=3), model_kind="bqm")
    assert uc.selection(form) is form.decoder and isinstance(form.decoder, RouteSelection)
    other = get_usecase("maxcut").formulate(get_usecase("maxcut").generate(seed=0, size=4))
    with pytest.raises(OptionsError, match="not made by AGV.formulate"):
        uc.selection(other)


# -- the flow's hooks: model kind, defaults for the backend, checks before building -----------
def test_model_kind_follows_the_options_and_the_backend() -> None:
    pep = get_usecase("peptide")
    cpsat = get_backend("cpsat")
    opts = pep.make_formulation_options({})
    assert pep.choose_model_kind(cpsat, opts) == "cqm"
    assert pep.choose_model_kind(cpsat, pep.make_formulation_options({"penalty_scale": 2})) == "bqm"
    pf = get_usecase("portfolio")
    longshort = pf.make_formulation_options({"formulation": "longshort"})
    assert pf.choose_model_kind(cpsat, longshort) == "bqm"
    with pytest.raises(UnsupportedModelError, match="model_kind='cqm'.*'exact' accepts bqm"):
        pf.solve(pf.generate(seed=0, size=6, k=2), "exact",
                 formulation_options={"model_kind": "cqm"})


def test_backend_defaults_fill_only_what_the_caller_left_unset() -> None:
    @dataclasses.dataclass(frozen=True)
    class Opts:
        num_particles: tuple[int, int] | None = None
        mapping: str = "jordan-wigner"
        reps: int = 1

    hints = {"num_particles": (1, 1), "mapping": "parity", "unknown": 3}
    assert _with_defaults(Opts(), hints) == Opts((1, 1), "parity", 1)
    assert _with_defaults(Opts(mapping="bravyi-kitaev"), hints) == Opts((1, 1), "bravyi-kitaev")
    chem = get_usecase("chemistry")
    h2 = chem.load("H2")
    form = chem.make_formulation_options({"mapping": "parity"})
    vqe = get_backend("vqe")
    assert chem.backend_defaults(h2, form, vqe) == {
        "num_particles": (1, 1), "num_spatial_orbitals": 2, "mapping": "parity"}
    assert chem.backend_defaults(h2, form, get_backend("exact-eigen")) == {}


def test_dense_portfolio_is_refused_on_exact_backends_before_building(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hybrid_workbench.usecases.portfolio import MAX_EXACT_ASSETS, Portfolio

    pf = get_usecase("portfolio")

    def no_work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the model was built")

    monkeypatch.setattr(Portfolio, "_formulate", no_work)
    inst = pf.generate(seed=0, size=MAX_EXACT_ASSETS + 1)
    with pytest.raises(ProblemTooLargeError) as info:
        pf.solve(inst, "cpsat", seed=0)
    message = str(info.value)
    assert "633 assets" in message and "200,028 quadratic terms" in message
    assert "GiB" in message and "dwave-sa" in message and plain_sentence(message)
    sa = get_backend("dwave-sa")
    form = pf.make_formulation_options({"model_kind": "bqm"})
    pf.check(inst, form, sa, sa.make_options(None))  # annealers take dense models


def test_portfolio_cli_refuses_2000_assets_on_cpsat(cli: Any) -> None:
    """The command-line case: refused with the estimate, as one JSON error."""
    proc = cli("solve", "portfolio", "generate:size=2000", "--backend", "cpsat", "--json")
    assert proc.returncode == 2, proc.stderr
    error = json.loads(proc.stdout)["error"]
    assert "1,999,000 quadratic terms" in error and plain_sentence(error)


# -- instance values at the boundary --------------------------------------------------------
@pytest.mark.parametrize("text, line", [
    ('{"edges": [[0, 1, 1.0],\n [1, 2, NaN]]}', 2),
    ('{"edges": [[0, 1, Infinity]]}', 1),
    ('{"edges": [[0, 1, -Infinity]]}', 1),
])
def test_maxcut_json_with_a_non_finite_weight(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "g.json"
    path.write_text(text)
    with pytest.raises(InstanceFormatError) as info:
        get_usecase("maxcut").load(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}, line {line}: ") and "finite" in message
    assert plain_sentence(message)


def test_maxcut_json_weight_overflowing_to_infinity(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"edges": [[0, 1, 1e999]]}')
    with pytest.raises(InstanceFormatError, match=r"edge #0 weight must be a finite number"):
        get_usecase("maxcut").load(str(path))


@pytest.mark.parametrize("name, filename, content", [
    ("maxcut", "g.txt", b"3 2\n1 2 1\n2 3 \xe9\n"),
    ("maxcut", "g.json", b'{"edges": [[0, 1]]}\n\xff'),
    ("portfolio", "p.json", b'{"assets": ["\xe9"]}'),
    ("portfolio", "prices.csv", b"date,A\n2020-01-01,1\n\xff\n"),
    ("peptide", "seq.txt", b"HPPH\xe9\n"),
    ("factoring", "n.json", b'{"N": 21, "name": "\xe9"}'),
    ("fraud", "data.csv", b"x,label\n1,0\n\xe9,1\n"),
])
def test_non_utf8_instance_files(tmp_path: Path, name: str, filename: str,
                                 content: bytes) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    line = content[:next(i for i, b in enumerate(content) if b >= 0x80)].count(b"\n") + 1
    with pytest.raises(InstanceFormatError) as info:
        get_usecase(name).load(str(path), **({"k": 1} if filename == "prices.csv" else {}))
    message = str(info.value)
    assert message.startswith(f"{path}, line {line}: ") and "UTF-8" in message
    assert plain_sentence(message)


def test_fraud_csv_with_infinite_values(tmp_path: Path) -> None:
    rows = ["amount,age,label"] + [f"{i},{i % 7},{int(i % 5 == 0)}" for i in range(40)]
    rows[13] = "inf,3,0"
    path = tmp_path / "data.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InstanceFormatError) as info:
        get_usecase("fraud").load(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}, line 14: column 'amount'") and "finite" in message
    assert plain_sentence(message)


@pytest.mark.parametrize("generate, field", [
    ({"n_samples": "many"}, "n_samples"),
    ({"n_samples": 300, "fraud_rate": 0.7}, "fraud_rate"),
    ({"n_features": 2.5}, "n_features"),
    ({"n_features": 3, "n_informative": 4}, "n_informative"),
])
def test_fraud_json_generator_values(tmp_path: Path, generate: dict[str, Any],
                                     field: str) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"generate": generate}))
    with pytest.raises(InstanceFormatError) as info:
        get_usecase("fraud").load(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: field 'generate': {field} ") and plain_sentence(message)


@pytest.mark.parametrize("name, spec, word", [
    ("fraud", "generate:n_samples=many", "n_samples"),
    ("maxcut", "generate:size=many", "size"),
    ("peptide", "generate:length=many", "length"),
    ("agv", "generate:agvs=many", "agvs"),
    ("factoring", "generate:max_n=many", "max_n"),
    ("rcs", "generate:rows=many", "rows"),
    ("portfolio", "generate:size=many", "size"),
    ("portfolio", "generate:sise=20", "did you mean 'size'"),
    ("maxcut", "generate:seed=-1", "seed"),
])
def test_generator_values(name: str, spec: str, word: str) -> None:
    with pytest.raises(InstanceError) as info:
        get_usecase(name).open(spec)
    message = str(info.value)
    assert word in message and plain_sentence(message), message


@pytest.mark.parametrize("name, filename, data", [
    ("portfolio", "p.json", {"assets": ["A", "B"], "mu": [0.1, 0.2],
                             "sigma": [[0.1, 0.0], [0.0]], "k": 1}),
    ("portfolio", "p.json", {"assets": ["A", "B"], "mu": [0.1, 0.2],
                             "sigma": [[0.1, 0.3], [0.3, 0.1]], "k": 1}),
    ("chemistry", "m.json", {"atoms": [["H", [0, 0, 0]], ["H", [0, 0, 0.74]]],
                             "basis": "sto-3g", "mapping": "qubit-magic"}),
    ("rcs", "c.json", {"rows": 1, "cols": 1, "depth": 4}),
    ("factoring", "n.json", {"N": 23}),
])
def test_file_content_mistakes_are_format_errors(tmp_path: Path, name: str, filename: str,
                                                 data: dict[str, Any]) -> None:
    """One class for one mistake: whatever is wrong inside a file is InstanceFormatError."""
    path = tmp_path / filename
    path.write_text(json.dumps(data))
    with pytest.raises(InstanceFormatError) as info:
        get_usecase(name).load(str(path))
    assert str(path) in str(info.value) and plain_sentence(str(info.value)), str(info.value)
