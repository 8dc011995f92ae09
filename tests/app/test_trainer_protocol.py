"""The trainer protocol the app relies on (rnn_tui/app/training.py), checked against the
engine's trainers and factory and against the tests' fakes: every method exists and accepts
the call the app makes."""

from __future__ import annotations

import inspect

import pytest
from fake_trainer import FAKES, FakeFactory, FakeTrainer, _import_fakes

from engine import families
from engine.training.loop import Trainer
from engine.storage.opened import OpenedRun
from rnn_tui.app import EngineFactory
from rnn_tui.app.training import OpenedTrainerProtocol, TrainerFactory, TrainerProtocol

_import_fakes()


def members(protocol) -> set[str]:
    """The attributes and methods a protocol declares (its own and its bases')."""
    names: set[str] = set()
    for cls in protocol.__mro__:
        if cls.__module__ == "rnn_tui.app.training":
            names |= {n for n in vars(cls) if not n.startswith("_") or n == "__call__"}
            names |= set(getattr(cls, "__annotations__", {}))
    return names


def conforms(obj, protocol) -> None:
    """Each of the protocol's methods is on `obj` and binds the protocol's own signature
    (positional and keyword names, **kwargs), and its attributes are set."""
    assert members(protocol) >= {"events", "stop"} or protocol is TrainerFactory
    for name in members(protocol):
        assert hasattr(obj, name), f"{type(obj).__name__} has no {name}"
        wanted = getattr(protocol, name, None)
        if not callable(wanted):
            continue
        params = list(inspect.signature(wanted).parameters.values())[1:]  # without self
        args = [object() for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        kwargs = {"some_option": 1} if any(p.kind is p.VAR_KEYWORD for p in params) else {}
        try:
            inspect.signature(getattr(obj, name)).bind(*args, **kwargs)
        except TypeError as exc:
            raise AssertionError(f"{type(obj).__name__}.{name}: {exc}") from None
    assert isinstance(obj, protocol)


def test_the_engine_trainer_has_the_protocol(tmp_path):
    conforms(Trainer(families.get("lm").config_class()()), TrainerProtocol)  # (every family's)
    conforms(OpenedRun(tmp_path), OpenedTrainerProtocol)


def test_the_engine_factory_has_the_protocol():
    conforms(EngineFactory(), TrainerFactory)


@pytest.mark.parametrize("family", families.FAMILIES, ids=lambda f: f.name)
def test_every_fake_has_the_protocol(family, tmp_path):
    factory = FakeFactory()
    conforms(factory, TrainerFactory)
    config = family.config_class()()
    trainer = factory(config)
    conforms(trainer, TrainerProtocol)
    conforms(factory.open(str(tmp_path), config), OpenedTrainerProtocol)
    assert type(trainer) is FAKES.get(family.name, FakeTrainer)


def test_a_new_family_needs_no_new_fake():
    """A config of a family with no fake of its own gets the generic fake trainer."""
    class NewConfig(families.get("lm").config_class()):
        FAMILY = "brand-new"

    trainer = FakeFactory()(NewConfig())
    conforms(trainer, TrainerProtocol)
    started = next(iter(trainer.events()))
    assert started.name == "start" and started.family == "brand-new"
