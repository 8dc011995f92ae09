"""`rnn-tui run --task classify`, `predict` and `eval` as a user runs them; every bad input
of the issue is one line on stderr and exit code 2 (a bad line the run can skip is a
warning with its file and line number)."""

from __future__ import annotations

import pytest

from cli_helpers import assert_clean_error, cli, train_tiny

GOOD = ["a fine film", "great acting and a fine plot", "I loved it", "superb and moving",
        "a great story", "loved the music", "fine work", "moving and great"]
BAD = ["a dull film", "awful acting and a dull plot", "I hated it", "boring and slow",
       "an awful story", "hated the music", "dull work", "slow and boring"]
TINY = ["--task", "classify", "--embed", "16", "--hidden", "24", "--batch-size", "8",
        "--eval-every", "10", "--sample-every", "10", "--probe-every", "10", "--lr", "0.01",
        "--threads", "1", "--device", "cpu", "--val-fraction", "0.25"]


def write(path, lines) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("cls")


@pytest.fixture(scope="module")
def data(folder) -> str:
    rows = [f"{t}\tpos" for t in GOOD] + [f"{t}\tneg" for t in BAD]
    return write(folder / "reviews.tsv", rows * 3 + ["no label here\t", "\tneg"])


@pytest.fixture(scope="module")
def trained(folder, data):
    import sys

    from rnn_tui.cli import main

    out = folder / "run"
    old, sys.argv = sys.argv, ["rnn-tui", "run", *TINY, "--data", data, "--steps", "30",
                               "--out", str(out)]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = old
    return out


def test_run_reports_baselines_accuracy_and_skipped_lines(capsys, folder, data):
    code, out, err = cli(capsys, "run", *TINY, "--data", data, "--steps", "20")
    assert code == 0, err
    assert "baselines (held-out, nats/example): majority" in out
    assert "majority: accuracy 50.00%" in out and "naive Bayes: accuracy" in out
    assert "accuracy" in out and "macro-F1" in out and "nats/example" in out
    assert "reviews.tsv: 1 line skipped, no label (line 49)" in out
    assert "reviews.tsv: 1 line skipped, empty text (line 50)" in out
    assert "misclassified at step 20" in out


def test_predict_prints_the_class_and_its_probabilities(capsys, trained, folder):
    code, out, err = cli(capsys, "predict", str(trained), "a fine film", "dull and ☃")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and all(line.split(" (")[0] in ("pos", "neg") for line in lines)
    assert " · " in lines[0]
    inputs = write(folder / "inputs.txt", ["a great plot", "", "hated it\twith a tab"])
    code, out, err = cli(capsys, "predict", str(trained), "--file", inputs)
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert [r[0] for r in rows] == ["a great plot", "hated it with a tab"]
    assert all(len(r) == 3 and r[1] in ("pos", "neg") and 0.5 <= float(r[2]) <= 1
               for r in rows)


def test_eval_prints_metrics_and_the_confusion_matrix(capsys, trained, folder):
    other = write(folder / "other.tsv", ["a fine film\tpos", "a dull film\tneg",
                                         "an odd film\tmeh"])
    code, out, err = cli(capsys, "eval", str(trained), "--data", other)
    assert code == 0, err
    assert "warning: other.tsv: label 'meh' is not in the training data" in out
    assert "on 2 examples of" in out and "precision  recall" in out
    assert "confusion (rows: true class" in out and " 0 neg" in out
    code, out, err = cli(capsys, "eval", str(trained))
    assert code == 0 and "on 12 examples of the run's held-out split" in out


def _lm_run(capsys, folder):
    corpus = folder / "lm.txt"
    corpus.write_text("the cat sat on the mat.\n" * 200, encoding="utf-8")
    out = folder / "lm"
    if not out.exists():
        train_tiny(capsys, corpus, out, steps=2)
    return out


BAD_RUNS = [
    ("missing", None, [], "no such file or directory"),
    ("empty.tsv", "", [], "no labelled examples"),
    ("one.tsv", "good\tpos\nfine\tpos\n", [], "only one class"),
    ("bin.tsv", b"\x00\x01\x02", [], "binary"),
    ("latin.tsv", "caf\xe9\tpos\nbad\tneg\n".encode("latin-1"), [], "not UTF-8"),
    ("cols.tsv", "a\tpos\nb\tneg\n", ["--text-column", "5"], "column 5 does not exist"),
    ("head.csv", "text,label\na,pos\nb,neg\n", ["--label-column", "stars"],
     "no label column named 'stars'"),
    ("same.tsv", "a\tpos\nb\tneg\n", ["--text-column", "1", "--label-column", "1"],
     "both column 1"),
    ("junk.tsv", "a\tpos\n\tneg\n\tneg\n\tpos\n", [], "could not be read"),
    ("single.tsv", "a\tpos\nb\tneg\nc\tmeh\n", [], "nothing to hold out"),
    ("many.tsv", "".join(f"text {i}\tlabel{i}\n" for i in range(120)), ["--label-column", "1"],
     "is the label column right?"),
    ("ok.tsv", None, ["--tokens", "bytes"], "unknown tokens 'bytes'"),
    ("ok.tsv", None, ["--pooling", "sum"], "unknown pooling 'sum'"),
    ("ok.tsv", None, ["--val-fraction", "0"], "val_fraction must be in"),
    ("ok.tsv", None, ["--explain", "attention"], "needs --pooling attention"),
    ("ok.tsv", None, ["--header", "maybe"], "unknown header 'maybe'"),
    ("ok.tsv", None, ["--max-tokens", "0"], "max_tokens must be"),
    ("ok.tsv", None, ["--bptt", "10"], "--bptt: not an option of --task classify"),
    ("ok.tsv", None, ["--val", "VAL"], "no example of a class the training data has"),
    ("ok.tsv", None, ["--test", "/nonexistent/test.tsv"], "no such file or directory"),
]


@pytest.mark.parametrize("name,content,extra,needle", BAD_RUNS,
                         ids=[f"{r[0]}-{r[3][:20]}" for r in BAD_RUNS])
def test_bad_data_and_options_are_one_line_and_exit_2(capsys, tmp_path, data, name, content,
                                                      extra, needle):
    path = tmp_path / name
    if name == "ok.tsv":
        path = data
    elif content is not None:
        (path.write_bytes if isinstance(content, bytes) else
         lambda c: path.write_text(c, encoding="utf-8"))(content)
    if "VAL" in extra:
        extra = [write(tmp_path / "val.tsv", ["a film\tmeh"]) if x == "VAL" else x
                 for x in extra]
    code, out, err = cli(capsys, "run", *TINY, "--data", str(path), "--steps", "1", *extra)
    assert_clean_error(code, out, err, needle)
    assert len(err.strip().splitlines()) == 1


def test_the_app_refuses_bad_data_before_its_screen(capsys, tmp_path):
    code, out, err = cli(capsys, "--task", "classify", "--data", str(tmp_path / "nope.tsv"))
    assert_clean_error(code, out, err, "no such file or directory")


def test_bad_predict_and_eval_inputs(capsys, trained, folder, tmp_path):
    lm = _lm_run(capsys, folder)
    unknown = write(tmp_path / "unknown.tsv", ["a film\tmeh", "a play\tbah"])
    for args, needle in [
        (["predict", str(trained)], "nothing to predict"),
        (["predict", str(trained), "--file", str(tmp_path / "none.txt")], "cannot read"),
        (["predict", str(lm), "some text"], "cannot predict"),
        (["predict", str(tmp_path / "no-run"), "x"], "no checkpoint"),
        (["eval", str(trained), "--data", unknown], "no example of a class"),
        (["eval", str(trained), "--data", str(tmp_path / "none.tsv")],
         "no such file or directory"),
        (["run", "--resume", "--out", str(trained), "--data", unknown, "--steps", "40"],
         "cannot change on --resume"),
        (["run", "--resume", "--out", str(trained), "--pooling", "max", "--steps", "40"],
         "cannot change on --resume"),
    ]:
        assert_clean_error(*cli(capsys, *args), needle)


def test_resume_continues_the_run(capsys, folder, data):
    out = folder / "resumed"
    code, _, err = cli(capsys, "run", *TINY, "--data", data, "--steps", "10", "--out", str(out))
    assert code == 0, err
    code, text, err = cli(capsys, "run", "--resume", "--out", str(out), "--steps", "15")
    assert code == 0, err
    assert "resuming at step 10" in text and "finished at step 15" in text
