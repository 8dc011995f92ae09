"""The headless CLI: happy paths, and every bad input gets one clear line and exit code 2."""

from __future__ import annotations

import json
import sys

import pytest

from cli_helpers import TINY, assert_clean_error, cli




def test_run_writes_a_run_directory(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = cli(capsys, "run", "--corpus", str(small_corpus), "--steps", "10",
                            "--out", str(out), *TINY)
    assert code == 0, err
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    kinds = {r["event"] for r in records}
    assert {"start", "baselines", "train", "eval", "sample", "checkpoint", "end"} <= kinds
    train = next(r for r in records if r["event"] == "train")
    assert {"step", "train_loss", "tokens_per_s"} <= train.keys()
    assert "val_loss" in next(r for r in records if r["event"] == "eval")
    assert json.loads((out / "config.json").read_text())["steps"] == 10
    assert (out / "checkpoint.safetensors").is_file() and (out / "samples.txt").is_file()
    assert "val" in stdout  # plain lines when piped

    code, stdout, err = cli(capsys, "sample", str(out), "--length", "40", "--seed", "1",
                            "--prime", "the ")
    assert code == 0 and stdout.startswith("the ") and len(stdout) == 4 + 40 + 1
    again = cli(capsys, "sample", str(out), "--length", "40", "--seed", "1", "--prime", "the ")
    assert again[1] == stdout  # seeded: reproducible
    code, stdout, _ = cli(capsys, "sample", str(out), "--length", "10", "--greedy")
    assert code == 0 and len(stdout) == 11

    code, stdout, _ = cli(capsys, "eval", str(out), "--corpus", str(small_corpus))
    assert code == 0 and "nats/char" in stdout and "perplexity" in stdout

    # --resume continues the run to a larger budget
    code, stdout, err = cli(capsys, "run", "--out", str(out), "--resume", "--steps", "14")
    assert code == 0, err
    assert "resuming at step 10" in stdout


def test_config_file(capsys, small_corpus, tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(f'corpus = "{small_corpus}"\nsteps = 3\nhidden = 16\nembed = 8\n'
                    'batch_size = 4\nbptt = 16\nbaseline_order = 2\n')
    code, out, err = cli(capsys, "run", "--config", str(toml), "--out", str(tmp_path / "r"),
                         "--lr", "0.01")
    assert code == 0, err
    saved = json.loads((tmp_path / "r" / "config.json").read_text())
    assert saved["hidden"] == 16 and saved["lr"] == 0.01


def test_baseline_command(capsys, small_corpus):
    code, out, err = cli(capsys, "baseline", "--corpus", str(small_corpus), "--order", "3")
    assert code == 0, err
    assert "uniform" in out and "3-gram Kneser-Ney" in out and "nats/char" in out


def test_baseline_command_over_words(capsys, tmp_path):
    text = "The cat sat on the mat.\nA dog, a cat.\n" * 200
    (tmp_path / "w.txt").write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "baseline", "--corpus", str(tmp_path / "w.txt"),
                         "--tokens", "word", "--order", "3")
    assert code == 0, err
    assert "3-gram Kneser-Ney" in out and "nats/token" in out
    assert "perplexity per word" in out and "per token" in out  # "mat." is two tokens


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_dry_run(capsys, small_corpus, model):
    code, out, err = cli(capsys, "run", "--dry-run", "--corpus", str(small_corpus),
                         "--model", model)
    assert code == 0, err
    assert "finished at step 3" in out


# --- bad input -------------------------------------------------------------------------

def bad_corpora(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 50)
    (tmp_path / "short.txt").write_text("hi")
    return {
        "missing": (str(tmp_path / "nope.txt"), "not found"),
        "empty": (str(tmp_path / "empty.txt"), "empty"),
        "binary": (str(tmp_path / "binary.bin"), "binary"),
        "undecodable": (str(tmp_path / "latin1.txt"), "UTF-8"),
        "short": (str(tmp_path / "short.txt"), "characters"),
    }


@pytest.mark.parametrize("kind", ["missing", "empty", "binary", "undecodable", "short"])
def test_bad_corpus(capsys, tmp_path, kind):
    path, needle = bad_corpora(tmp_path)[kind]
    assert_clean_error(*cli(capsys, "run", "--corpus", path, "--steps", "1", *TINY), needle)


@pytest.mark.parametrize("args,needle", [
    (["--hidden", "0"], "hidden"),
    (["--layers", "-1"], "layers"),
    (["--batch-size", "0"], "batch_size"),
    (["--lr", "0"], "lr"),
    (["--lr", "-0.1"], "lr"),
    (["--lr", "nan"], "lr"),
    (["--dropout", "1.5"], "dropout"),
    (["--model", "transformer"], "model"),
    (["--device", "tpu"], "device"),
    (["--optimizer", "lion"], "optimizer"),
    (["--steps", "0"], "steps"),
    (["--hidden", "99999999"], "hidden"),
    (["--batch-size", "100000", "--bptt", "32"], "batch_size"),
    (["--batch-size", "4000"], "fewer than one batch"),
])
def test_absurd_hyperparameters(capsys, small_corpus, args, needle):
    base = ["run", "--corpus", str(small_corpus), "--steps", "2", "--threads", "1"]
    assert_clean_error(*cli(capsys, *base, *args), needle)


def test_wrong_type_is_a_usage_error(capsys, small_corpus):
    code, out, err = cli(capsys, "run", "--corpus", str(small_corpus), "--hidden", "big")
    assert code == 2 and "Traceback" not in out + err


def test_cuda_where_there_is_none(capsys, small_corpus):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(small_corpus), "--device", "cuda",
                            "--steps", "1"), "CUDA")


@pytest.mark.parametrize("content,needle", [
    ("hiden = 3\n", "unknown key"),
    ("hidden = 'big'\n", "whole number"),
    ("lr = [1]\n", "number"),
    ("this is not toml", "not valid TOML"),
])
def test_bad_config_file(capsys, small_corpus, tmp_path, content, needle):
    toml = tmp_path / "bad.toml"
    toml.write_text(content)
    assert_clean_error(*cli(capsys, "run", "--config", str(toml), "--corpus",
                            str(small_corpus)), needle)


def test_missing_config_file(capsys, tmp_path):
    assert_clean_error(*cli(capsys, "run", "--config", str(tmp_path / "x.toml")), "not found")


def test_existing_and_unwritable_out_dir(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "something").write_text("x")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out),
                            *TINY), "already exists")
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(small_corpus), "--out",
                            str(afile / "sub"), *TINY), "cannot write")
    assert_clean_error(*cli(capsys, "run", "--out", str(tmp_path / "none"), "--resume"),
                       "cannot resume")


@pytest.mark.parametrize("kind", ["truncated", "garbage", "foreign", "missing"])
def test_bad_checkpoints(capsys, tmp_path, kind):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "checkpoint.safetensors"
    if kind == "truncated":
        save_file({"w": torch.zeros(100)}, str(path))
        path.write_bytes(path.read_bytes()[:60])
    elif kind == "garbage":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    elif kind == "foreign":
        save_file({"w": torch.zeros(3)}, str(path))
    for cmd in (["sample", str(tmp_path)], ["eval", str(tmp_path), "--corpus", "hello"]):
        code, out, err = cli(capsys, *cmd)
        assert_clean_error(code, out, err)
        assert len(err.strip().splitlines()) == 1


def test_unknown_prime_characters(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    assert cli(capsys, "run", "--corpus", str(small_corpus), "--steps", "2", "--out", str(out),
               *TINY)[0] == 0
    assert_clean_error(*cli(capsys, "sample", str(out), "--prime", "Ωmega"), "never saw")


def test_help_lists_commands_without_importing_torch():
    import subprocess

    res = subprocess.run([sys.executable, "-m", "rnn_tui", "--help"], capture_output=True,
                         text=True)
    assert res.returncode == 0
    for cmd in ("run", "sample", "eval", "baseline", "corpus", "open"):
        assert cmd in res.stdout
    probe = subprocess.run([sys.executable, "-c", "import rnn_tui.cli, sys; "
                            "print('torch' in sys.modules)"], capture_output=True, text=True)
    assert probe.stdout.strip() == "False"  # torch is imported inside commands only
