"""Instances loaded with parameters keep their parameters in their stored name."""

from __future__ import annotations

from hybrid_workbench.batch.jobfile import job_from_dict, with_params


def test_one_instance_under_two_parameter_sets_is_two_instances() -> None:
    job = job_from_dict({"name": "p", "jobs": [
        {"usecase": "chemistry", "instances": ["LiH"], "backends": ["exact-eigen"],
         "params": {"active_space": "2e2o"}},
        {"usecase": "chemistry", "instances": ["LiH"], "backends": ["exact-eigen"],
         "params": {"active_space": "2e3o"}}]})
    names = [t.instance for t in job.tasks]
    assert len(set(names)) == 2
    assert names == ["LiH[active_space=2e2o]", "LiH[active_space=2e3o]"]
    assert len({t.seed for t in job.tasks}) == 2 and len({t.task_id for t in job.tasks}) == 2


def test_without_parameters_the_name_is_unchanged() -> None:
    assert with_params("G22", {}) == "G22"
    assert with_params("Li2S", {"basis": "6-31g", "active_space": "8e8o"}) == \
        "Li2S[active_space=8e8o,basis=6-31g]"
