"""What refuses torchrun refuses it in one line (exit 2), and a rank's share of a batch."""

from __future__ import annotations

import pytest
import torch
from cli_helpers import assert_clean_error, cli

from engine.training.distributed import Shard, World


@pytest.fixture
def under_torchrun(monkeypatch):
    for key, value in (("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("args, what", [
    ([], "the app"), (["--model", "lstm"], "the app"), (["open", "."], "`rnn-tui open`"),
    (["race", "--models", "gru,lstm"], "a race"), (["learn", "--list"], "`rnn-tui learn`")])
def test_the_app_open_and_races_refuse_torchrun(under_torchrun, capsys, args, what):
    code, out, err = cli(capsys, *args)
    assert_clean_error(code, out, err, f"{what} cannot run under torchrun")
    assert len(err.strip().splitlines()) == 1


def test_nproc_under_torchrun_is_refused(under_torchrun, capsys):
    assert_clean_error(*cli(capsys, "run", "--nproc", "2", "--steps", "1"),
                       "--nproc starts torchrun itself")


def test_a_shard_is_a_share_of_every_batch():
    items = list(range(7))
    assert [Shard(r, 2).take(items) for r in (0, 1)] == [[0, 2, 4, 6], [1, 3, 5]]
    assert Shard(2, 3).take([9]) == [9]  # more ranks than items: every rank steps
    assert Shard().take(items) == items
    assert [Shard(r, 2).rows(8) for r in (0, 1)] == [slice(0, 4), slice(4, 8)]
    h = torch.arange(16.0).view(2, 8, 1)  # (layers, B, H)
    assert torch.equal(Shard(1, 2).part(h, 1), h[:, 4:])
    assert Shard().gather(h, 1) is h  # alone: nothing to gather
    with pytest.raises(Exception, match="does not split over 3 processes"):
        Shard(0, 3).rows(8)


def test_alone_the_world_changes_nothing():
    w = World()
    assert not w.active and w.main
    assert w.agree(1.5, False, True) == (1.5, False, True)
    assert w.mean(2.0) == 2.0 and w.summary(32) == {}
    loss = torch.tensor(3.0)
    assert w.scale_loss(loss, 5) is loss
    assert w.describe("cpu (2 threads)", 32) == "cpu (2 threads)"


def test_a_language_model_batch_that_does_not_split_is_refused_at_setup():
    from engine.families.lm.config import LMConfig
    from engine.families.lm.task import LanguageModelTask

    task = LanguageModelTask(LMConfig(corpus="hello", batch_size=10).validate())
    task.shard = Shard(0, 4)
    with pytest.raises(Exception, match="--batch-size 10 does not split over 4 processes"):
        task.load_data()
