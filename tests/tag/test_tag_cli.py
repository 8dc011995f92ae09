"""`rnn-tui run --task tag`, `predict`, `eval` and the app's start: the happy path, and every
bad input as one line on stderr with exit code 2 (no traceback)."""

from __future__ import annotations

import json

import pytest
from tag_data import IOB

from cli_helpers import assert_clean_error, cli, run_main

TINY = ["--task", "tag", "--hidden", "16", "--embed", "8", "--char-embed", "4",
        "--char-hidden", "4", "--batch-size", "4", "--eval-every", "3", "--sample-every", "3",
        "--probe-every", "2", "--device", "cpu"]
SENTENCE = "Yesterday, Harry Potter met Hermione Granger."


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("tag") / "run"
    assert run_main("run", *TINY, "--data", str(IOB), "--steps", "4", "--out", str(out)) == 0
    return out


def test_run_writes_a_run_directory_and_prints_the_baseline(capsys, tmp_path):
    out = tmp_path / "r"
    code, text, err = cli(capsys, "run", *TINY, "--data", str(IOB), "--val", str(IOB),
                          "--steps", "3", "--out", str(out))
    assert code == 0, err
    assert "baselines (held-out, nats/token): word→tag counts" in text
    assert "  most frequent tag: accuracy" in text
    assert "span F1" in text and "tagged at step 3" in text and "per-tag accuracy" in text
    kinds = {json.loads(x)["event"] for x in (out / "metrics.jsonl").read_text().splitlines()}
    assert {"start", "baselines", "eval", "tagged", "tag_scores", "probe", "end"} <= kinds
    assert json.loads((out / "config.json").read_text())["data"] == str(IOB)


def test_predict_prints_token_tag_pairs(trained, capsys, tmp_path):
    code, out, err = cli(capsys, "predict", str(trained), SENTENCE, "Ron met Luna")
    assert code == 0, err
    first, second = out.strip().splitlines()
    pairs = [p.rsplit("/", 1) for p in first.split()]
    assert [w for w, _ in pairs] == ["Yesterday", ",", "Harry", "Potter", "met", "Hermione",
                                     "Granger", "."]
    assert all(t in ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
               for _, t in pairs)
    assert len(second.split()) == 3
    lines = tmp_path / "in.txt"
    lines.write_text(f"{SENTENCE}\r\n\r\nRon met Luna\r\n", encoding="utf-8")
    code, out, err = cli(capsys, "predict", str(trained), "--file", str(lines))
    assert code == 0, err
    rows = [r.split("\t") for r in out.strip().splitlines()]
    assert [r[0] for r in rows] == [SENTENCE, "Ron met Luna"] and all(len(r) == 3 for r in rows)
    assert all(0 <= float(p) <= 1 for p in rows[0][2].split())
    # pre-tokenised input: the space-separated pieces as they are ("Potter." one token)
    lines.write_text("Harry Potter. met Ron\n", encoding="utf-8")
    code, out, err = cli(capsys, "predict", str(trained), "--file", str(lines),
                         "--pretokenized")
    assert code == 0, err
    tagged = out.strip().split("\t")[1].split()
    assert [p.rsplit("/", 1)[0] for p in tagged] == ["Harry", "Potter.", "met", "Ron"]


def test_eval_prints_the_metrics(trained, capsys, tmp_path):
    code, out, err = cli(capsys, "eval", str(trained))
    assert code == 0, err
    assert out.startswith("accuracy ") and "held-out sentences" in out
    code, out, err = cli(capsys, "eval", str(trained), "--data", str(IOB))
    assert code == 0, err
    assert "span F1" in out and "entities.iob" in out and "most frequent tag baseline" in out
    pos = tmp_path / "pos.txt"  # another tag set: said, and scored as wrong
    pos.write_text("Harry PROPN\nmet VERB\n\nRon PROPN\n", encoding="utf-8")
    code, out, err = cli(capsys, "eval", str(trained), "--data", str(pos))
    assert code == 0, err
    assert "2 tag(s) the model was not trained on" in out and out.count("accuracy 0.00%") == 2


def test_dry_run(capsys):
    code, out, err = cli(capsys, "run", "--task", "tag", "--data", str(IOB), "--dry-run",
                         "--device", "cpu")
    assert code == 0, err
    assert "finished at step 3" in out


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


NO_XPOS = "1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n1\tYo\tyo\tINTJ\t_\t_\t0\troot\t_\t_\n"


@pytest.mark.parametrize("args, needle", [
    ([], "tagging needs a training file: --data FILE"),
    (["--data", "{tmp}/missing.conllu"], "tag file not found"),
    (["--data", "{tmp}"], "is a directory"),
    (["--data", "{empty}"], "is empty"),
    (["--data", "{binary}"], "binary file"),
    (["--data", "{latin1}"], "not valid UTF-8"),
    (["--data", "{ragged}"], "no usable token-and-tag sentence"),
    (["--data", "{noxpos}", "--tag-column", "xpos"], "XPOS column is `_` on every word"),
    (["--data", "{iob}", "--tag-column", "lemma"], "unknown tag_column 'lemma'"),
    (["--data", "{iob}", "--format", "csv"], "unknown format 'csv'"),
    (["--data", "{iob}", "--val", "{tmp}/nope.txt"], "tag file not found"),
    (["--data", "{one}"], "cannot hold out a share of 1 sentence(s); give --val FILE"),
    (["--data", "{iob}", "--word-dropout", "1.5"], "word_dropout must be in [0, 1)"),
    (["--data", "{iob}", "--max-vocab", "2"], "max_vocab must be 0 (all) or at least 3"),
    (["--data", "{iob}", "--val-fraction", "0.95"], "val_fraction must be in (0, 0.9)"),
    (["--data", "{iob}", "--val-fraction", "0.5", "--test-fraction", "0.5"],
     "leave no sentence to train on"),
    (["--data", "{iob}", "--min-count", "0"], "min_count must be a whole number >= 1"),
    (["--data", "{iob}", "--corpus", "prose"], "--corpus: not an option of --task tag"),
    (["--data", "{iob}", "--attention", "none"], "--attention: not an option of --task tag"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, args, needle):
    files = {"tmp": str(tmp_path), "iob": str(IOB), "empty": write(tmp_path, "e.txt", "\n \n"),
             "binary": write(tmp_path, "b.conllu", b"\x00\x01\x02 tag\n"),
             "latin1": write(tmp_path, "l.txt", "caf\xe9 NOUN\n".encode("latin-1")),
             "ragged": write(tmp_path, "r.txt", "a B-X\nb c O\n\nd e f O\ng O\n"),
             "noxpos": write(tmp_path, "x.conllu", NO_XPOS),
             "one": write(tmp_path, "one.txt", "Harry B-PER\nmet O\n")}
    args = [a.format(**files) for a in args]
    code, out, err = cli(capsys, "run", "--task", "tag", "--steps", "1", *args)
    assert_clean_error(code, out, err, needle)
    assert len(err.strip().splitlines()) == 1, err


def test_the_app_refuses_bad_data_before_its_screen_opens(capsys, tmp_path):
    assert_clean_error(*cli(capsys, "--task", "tag"), "--data FILE")
    assert_clean_error(*cli(capsys, "--task", "tag", "--data", str(tmp_path / "x.conllu")),
                       "tag file not found")


def test_bad_uses_of_a_trained_tagger(trained, capsys, tmp_path):
    assert_clean_error(*cli(capsys, "predict", str(trained)), "nothing to predict")
    assert_clean_error(*cli(capsys, "predict", str(trained), "--file",
                            str(tmp_path / "none.txt")), "cannot read")
    assert_clean_error(*cli(capsys, "sample", str(trained)), "cannot sample",
                       "use `rnn-tui predict`")
    assert_clean_error(*cli(capsys, "translate", str(trained), "abc"), "cannot translate")
    assert_clean_error(*cli(capsys, "eval", str(trained), "--data", str(tmp_path / "t.iob")),
                       "tag file not found")
    assert_clean_error(*cli(capsys, "run", "--out", str(trained), "--resume",
                            "--no-bidirectional"), "cannot change on --resume")
    assert_clean_error(*cli(capsys, "run", "--out", str(trained), "--resume", "--task",
                            "tag"), "leave --task out")


@pytest.mark.parametrize("meta, needle", [({"seen": 5}, "'seen'"), ({"vocabs": "x"}, "'vocabs'"),
                                          ({"vocabs": {"words": [1], "tags": ["O"]}},
                                           "'vocabs'"), ({"scheme": 3}, "'scheme'")])
def test_an_edited_taggers_metadata_is_one_line(trained, capsys, tmp_path, meta, needle):
    """Issue 18: `seen` an integer or `vocabs` a string ended in a traceback in predict."""
    import shutil

    from cli_helpers import edit_checkpoint

    run = shutil.copytree(trained, tmp_path / "run")
    edit_checkpoint(run, meta=meta)
    assert_clean_error(*cli(capsys, "predict", str(run), SENTENCE), needle)
