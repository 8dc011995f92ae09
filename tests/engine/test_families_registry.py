"""The task families' registry (engine/families/__init__.py): a family's name is written
once, on its config (`FAMILY`); the task reads it from there, and the app's view has none."""

from __future__ import annotations

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
