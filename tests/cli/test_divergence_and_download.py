"""A diverged run leaves a usable checkpoint; `corpus download` works end to end."""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import threading

import pytest

from cli_helpers import TINY, assert_clean_error, cli, edit_checkpoint, train_tiny


def test_a_diverged_run_can_sample_eval_and_resume(capsys, small_corpus, tmp_path):
    """The issue's command: exit 3 naming the step kept, and that checkpoint works."""
    out = tmp_path / "run"
    code, stdout, err = cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out),
                            "--model", "rnn", "--nonlinearity", "relu", "--optimizer", "sgd",
                            "--momentum", "0.99", "--lr", "10", "--clip-mode", "off",
                            "--checkpoint-every-s", "0.001", "--steps", "300", "--log-every",
                            "1", *TINY)
    assert code == 3 and "Traceback" not in stdout + err, err
    kept = int(re.search(r"last good checkpoint \(step (\d+)", err).group(1))
    code, text, err = cli(capsys, "sample", str(out), "--length", "50", "--seed", "1")
    assert code == 0 and len(text) == 51, err
    code, text, err = cli(capsys, "eval", str(out), "--corpus", str(small_corpus))
    assert code == 0 and "nan" not in text, err
    code, text, err = cli(capsys, "run", "--out", str(out), "--resume", "--lr", "0.01",
                          "--clip-mode", "norm", "--steps", str(kept + 20))
    assert code == 0, err
    assert f"resuming at step {kept}" in text and "training diverged" not in text + err


def test_sample_and_eval_refuse_non_finite_weights(capsys, small_corpus, tmp_path):
    from engine.storage.checkpoint import load

    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out)
    w = load(out).model["rnn.fused.weight_hh_l0"].clone()
    w[0, 0] = float("inf")
    edit_checkpoint(out, tensors={"model.rnn.fused.weight_hh_l0": w})
    for args in (["sample", str(out)], ["eval", str(out), "--corpus", str(small_corpus)]):
        code, text, err = cli(capsys, *args)
        assert_clean_error(code, text, err, "non-finite weights", "weight_hh_l0")
        assert len(err.strip().splitlines()) == 1


# --- rnn-tui corpus download, through the CLI, from a local server ---------------------------

BODY = ("Shall I compare thee to a summer's day?\n" * 400).encode()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def toy_remote(tmp_path, monkeypatch):
    """A registry entry 'toy' served on 127.0.0.1 (RNN_TUI_MIRROR), and an empty cache."""
    from engine.data import download as dl

    root = tmp_path / "www"
    root.mkdir()
    (root / "toy.txt").write_bytes(BODY)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    monkeypatch.setitem(dl.REGISTRY, "toy", dl.Remote(
        url="http://127.0.0.1:9/unused", sha256=hashlib.sha256(BODY).hexdigest(),
        size=len(BODY), description="a toy corpus"))
    monkeypatch.setenv("RNN_TUI_MIRROR", f"http://127.0.0.1:{httpd.server_address[1]}")
    monkeypatch.setenv("RNN_TUI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "*")
    yield tmp_path / "cache" / "corpora" / "toy.txt"
    httpd.shutdown()
    httpd.server_close()


def test_corpus_download_end_to_end(capsys, toy_remote, tmp_path):
    code, out, err = cli(capsys, "corpus", "download", "toy")
    assert code == 0 and "Traceback" not in err, err
    assert out.strip() == str(toy_remote) and toy_remote.read_bytes() == BODY
    assert f"{len(BODY):,} of {len(BODY):,} bytes" in err  # the progress lines
    code, out, _ = cli(capsys, "corpus", "list")
    line = next(line for line in out.splitlines() if line.startswith("toy "))
    assert f"{len(BODY):,} chars" in line and "not downloaded" not in line
    train_tiny(capsys, "toy", tmp_path / "run", steps=2)  # and it trains by name
