"""The task families' registry (engine/families/__init__.py): a family's name is written
once, on its config (`FAMILY`); the task reads it from there, and the app's view has none."""

from __future__ import annotations

import inspect

import pytest

from engine import families


@pytest.mark.parametrize("family", families.FAMILIES, ids=lambda f: f.name)
def test_every_entry_names_its_family_the_same_way(family):
    config_cls, task_cls = family.config_class(), family.task_class()
    assert config_cls.FAMILY == family.name
    assert task_cls.Config is config_cls and task_cls.family == family.name
    assert families.of_config(config_cls()) is family
    assert all(families.by_task(t) is family for t in family.task_names())
    assert "FAMILY" not in vars(family.view_class())  # no third copy of the name


def test_the_names_are_unique():
    names = [f.name for f in families.FAMILIES]
    assert len(set(names)) == len(names) and families.DEFAULT in names
    assert len(set(families.all_tasks())) == len(families.all_tasks())


@pytest.mark.parametrize("family", families.FAMILIES, ids=lambda f: f.name)
def test_what_a_familys_numbers_are_is_declared_once_on_its_config(family):
    """The headline and report metrics live on the config (the runs list reads them without
    torch); the task has them from there and declares no second copy."""
    config_cls, task_cls = family.config_class(), family.task_class()
    assert task_cls.headline == config_cls.HEADLINE
    assert task_cls.report_metrics == config_cls.REPORT_METRICS
    for task in family.task_names():
        config = config_cls(**({"task": task} if family.tasks else {}))
        assert task_cls.headline_of(config) == config.headline()
    source = inspect.getsource(task_cls)
    assert "report_metrics =" not in source and "\n    headline =" not in source
    upgrade = family.record_upgrade()
    assert upgrade({"event": "train", "step": 1}) == {"event": "train", "step": 1}
