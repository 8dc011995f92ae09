"""Races: racers built from --models/--vary/--racer, run side by side with equal steps,
one run directory each, for any family; the standings; bad input."""

from __future__ import annotations

import json

import pytest

from cli_helpers import assert_clean_error, cli
from engine import events as ev
from engine.errors import EngineError
from engine.families.lm.config import LMConfig
from engine.families.longrange.config import LongRangeConfig
from engine.racing.race import Race
from engine.racing.racers import build_racers, parse_vary
from engine.racing.standings import Standings

TINY = LongRangeConfig(hidden=16, batch_size=8, length=8, heldout=32, probe_batch=2,
                       log_every=1, eval_every=4, probe_every=4, sample_every=0,
                       device="cpu")


def test_racers_are_the_product_of_models_and_vary(tmp_path):
    racers = build_racers(TINY, ["rnn", "lstm"], ["clip_mode=norm,off"])
    assert [r.name for r in racers] == ["rnn-clip_mode-norm", "rnn-clip_mode-off",
                                        "lstm-clip_mode-norm", "lstm-clip_mode-off"]
    assert racers[1].config.model == "rnn" and racers[1].config.clip_mode == "off"
    racers = build_racers(TINY, None, ["length=5,50", "lr=1e-3,0.01"])
    assert [r.name for r in racers][:2] == ["length-5-lr-0.001", "length-5-lr-0.01"]
    assert racers[3].config.length == 50 and racers[3].config.lr == 0.01
    file = tmp_path / "slow start.toml"
    file.write_text("model = 'gru'\nlr = 1e-4\n", encoding="utf-8")
    racers = build_racers(TINY, ["rnn"], None, [str(file)])
    assert [(r.name, r.config.model, r.config.lr) for r in racers] == [
        ("rnn", "rnn", TINY.lr), ("slow_start", "gru", 1e-4)]
    assert parse_vary("chrono=no", LongRangeConfig) == ("chrono", [False])
    assert parse_vary("forget-bias=none,1", LongRangeConfig) == ("forget_bias", [None, 1.0])


@pytest.mark.parametrize("models,vary,needle", [
    (["lstm"], None, "at least two racers"), (["lstm", "lstm"], None, "twice"),
    (["lstm", "cnn"], None, "racer cnn: unknown model"),
    (None, ["clip_mode"], "KEY=V1,V2"), (None, ["colour=red,blue"], "not an option"),
    (None, ["length=10,ten"], "'ten' is not a whole number"),
    (None, ["model=rnn,gru"], "--models"), (None, ["length=10,10"], "twice"),
    (None, ["length=1,10"], "racer length-1: length for the adding task"),
    (None, ["length=" + ",".join(map(str, range(2, 12)))], "at most 8")])
def test_bad_racers(models, vary, needle):
    with pytest.raises(EngineError, match=needle):
        build_racers(TINY, models, vary)


def test_two_tiny_racers_write_both_run_directories(tmp_path):
    racers = build_racers(TINY.replace(steps=6), ["rnn", "gru"])
    race = Race(racers, out_dir=tmp_path / "race")
    seen = list(race.events())
    assert {name for name, _ in seen} == {"rnn", "gru"}
    for name in ("rnn", "gru"):
        records = [json.loads(x) for x in
                   (tmp_path / "race" / name / "metrics.jsonl").read_text().splitlines()]
        assert records[-1]["event"] == "end" and records[-1]["step"] == 6
        assert json.loads((tmp_path / "race" / name / "config.json").read_text())["model"] \
            == name
        assert (tmp_path / "race" / name / "checkpoint.safetensors").is_file()
    rows = race.standings.rows
    assert race.elapsed() == race.elapsed() > 0  # the clock stopped with the race
    assert rows["gru"].metric == "mse" and rows["gru"].steps == 6
    assert rows["rnn"].status == "finished" and rows["rnn"].baseline == pytest.approx(1 / 6)


def test_a_cheap_and_a_costly_racer_get_the_same_steps_in_a_fixed_time():
    # An LSTM step costs ~3-4x a tanh RNN step; free-running they would not be close.
    cfg = TINY.replace(hidden=64, length=30, batch_size=16, eval_every=10**6,
                       probe_every=0, log_every=1)
    racers = build_racers(cfg, ["rnn", "lstm", "gru", "irnn"])
    race = Race(racers, minutes=2.5 / 60)
    ends = {name: e for name, e in race.events() if isinstance(e, ev.Finished)}
    steps = [e.step for e in ends.values()]
    assert all(e.reason == "time" for e in ends.values())
    assert min(steps) >= 5 and max(steps) <= 1.2 * min(steps), steps


def test_a_language_model_race(small_corpus, tmp_path):
    base = LMConfig(corpus=str(small_corpus), hidden=16, embed=8, batch_size=4, bptt=16,
                    steps=4, eval_every=2, probe_every=2, sample_every=0, baseline_order=2,
                    log_every=1, device="cpu")
    race = Race(build_racers(base, ["lstm", "rnn"]), out_dir=tmp_path / "lm")
    events = list(race.events())
    assert sum(isinstance(e, ev.Probe) for _, e in events) >= 2
    assert race.standings.rows["lstm"].metric == "val_loss"
    assert race.standings.rows["lstm"].best is not None
    assert (tmp_path / "lm" / "rnn" / "checkpoint.safetensors").is_file()


def test_a_classifier_race(tmp_path):
    from engine.families.classify.config import ClassifyConfig

    data = tmp_path / "reviews.tsv"
    data.write_text("".join(f"{t}\t{y}\n" for t, y in [
        ("a fine film", "pos"), ("I loved it", "pos"), ("great acting", "pos"),
        ("a dull film", "neg"), ("I hated it", "neg"), ("awful acting", "neg")] * 4),
        encoding="utf-8")
    base = ClassifyConfig(data=str(data), embed=8, hidden=8, batch_size=4, steps=4,
                          eval_every=2, probe_every=2, sample_every=0, log_every=1,
                          val_fraction=0.25, device="cpu")
    race = Race(build_racers(base, ["gru", "lstm"]), out_dir=tmp_path / "cls")
    ends = {n: e for n, e in race.events() if isinstance(e, ev.Finished)}
    assert {e.reason for e in ends.values()} == {"steps"}
    assert race.standings.rows["gru"].metric == "accuracy"
    assert race.standings.rows["gru"].higher_is_better
    assert (tmp_path / "cls" / "lstm" / "checkpoint.safetensors").is_file()


def test_a_diverging_racer_does_not_stop_the_others():
    from engine.racing.race import Racer

    wild = TINY.replace(model="irnn", optimizer="sgd", lr=10.0, clip_mode="off", steps=20)
    race = Race([Racer("calm", TINY.replace(steps=20)), Racer("wild", wild)])
    ends = {name: e for name, e in race.events() if isinstance(e, ev.Finished)}
    assert ends["wild"].reason == "diverged" and "clipping" in ends["wild"].message
    assert ends["calm"].reason == "steps" and ends["calm"].step == 20
    assert race.standings.rows["wild"].status == "diverged"


def test_a_racer_that_cannot_start_is_named(tmp_path):
    racers = build_racers(TINY.replace(steps=4), ["rnn", "gru"])
    (tmp_path / "race" / "gru").mkdir(parents=True)
    (tmp_path / "race" / "gru" / "metrics.jsonl").write_text("{}\n")
    with pytest.raises(EngineError, match="racer gru: "):
        list(Race(racers, out_dir=tmp_path / "race").events())


def test_standings_rank_solved_racers_by_own_time():
    table = Standings(["a", "b", "c"], threshold=0.01)
    for name in "abc":
        table.judge_by(name, ("mse", False), "")
    for name, (step, own, mse) in {"a": (100, 9.0, 0.005), "b": (100, 4.0, 0.008),
                                   "c": (100, 2.0, 0.05)}.items():
        table.update(name, ev.TrainStep(step=step, epoch=None, train_loss=0.1,
                                        tokens_per_s=1.0, lr=1e-3, grad_norm=1.0,
                                        clipped=False, elapsed_s=own))
        table.update(name, ev.Eval(step=step, val_loss=mse, best=True, metrics={"mse": mse}))
    assert [s.name for s in table.ranked()] == ["b", "a", "c"]
    assert table.rows["b"].solved_s == 4.0 and table.rows["c"].solved_step is None


def test_race_cli_headless(capsys, tmp_path):
    code, out, err = cli(capsys, "race", "--task", "adding", "--length", "6", "--models",
                         "rnn,irnn", "--steps", "4", "--hidden", "8", "--heldout", "20",
                         "--eval-every", "2", "--out", str(tmp_path / "r"), "--headless")
    assert code == 0, err
    assert "final standings" in out and "irnn" in out and "mse" in out
    assert "nobody solved yet (mse < 0.0100) after 4 steps each" in out  # not "leads"
    assert (tmp_path / "r" / "irnn" / "metrics.jsonl").is_file()


def test_a_race_without_a_budget_gets_equal_steps(monkeypatch, tmp_path):
    from rnn_tui.cli import race as cli_race

    seen = {}

    def fake_headless(race):
        seen["minutes"] = race.minutes
        seen["steps"] = {r.config.steps for r in race.racers}

    monkeypatch.setattr(cli_race, "run_headless", fake_headless)  # the Race is real
    cli_race.race("adding", None, str(tmp_path / "r"), "rnn,gru", None, None, None, 2, True,
                  False, {})
    assert seen == {"minutes": None, "steps": {cli_race.DEFAULT_STEPS}}


@pytest.mark.parametrize("args,needle", [
    (["--models", "rnn"], "at least two racers"), (["--models", "rnn,"], "empty name"),
    (["--models", "rnn,gru", "--minutes", "0"], "minutes"),
    (["--vary", "lengthh=1,2"], "not an option"),
    (["--models", "rnn,gru", "--corpus", "x"], "not an option")])
def test_race_cli_bad_input(capsys, tmp_path, args, needle):
    code, out, err = cli(capsys, "race", "--task", "adding", "--headless", "--out",
                         str(tmp_path / "r"), *args)
    assert_clean_error(code, out, err, needle)


def test_race_cli_refuses_a_used_racer_directory(capsys, tmp_path):
    (tmp_path / "r" / "irnn").mkdir(parents=True)
    (tmp_path / "r" / "irnn" / "metrics.jsonl").write_text("{}\n")
    code, out, err = cli(capsys, "race", "--task", "adding", "--models", "rnn,irnn",
                         "--steps", "2", "--out", str(tmp_path / "r"))
    assert_clean_error(code, out, err, "racer irnn: ", "--force")
    assert not (tmp_path / "r" / "rnn").exists()  # refused before anything was built


def test_a_race_without_a_finisher_exits_with_why(capsys, tmp_path):
    """Every racer diverged: exit 3; every racer failed (a full disk): 2; one finished: 0."""
    code, out, err = cli(capsys, "race", "--task", "adding", "--models", "irnn,rnn",
                         "--optimizer", "sgd", "--lr", "10", "--clip-mode", "off", "--steps",
                         "20", "--hidden", "16", "--batch-size", "8", "--length", "8",
                         "--heldout", "32", "--device", "cpu", "--headless",
                         "--out", str(tmp_path / "race"))
    assert code == 3, (out, err)
    table = Standings(["a", "b"])
    for status, ended in ((("failed", "failed"), "failed"), (("failed", "diverged"), "failed"),
                          (("diverged", "finished"), "finished"),
                          (("stopped", "finished"), "stopped")):
        for name, s in zip("ab", status):
            table.rows[name].status = s
        assert table.ended() == ended, status
