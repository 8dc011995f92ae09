#!/usr/bin/env bash
# The wheel as a user gets it (pip wheel; what pipx / uv tool / pip install do): built,
# installed into a fresh virtual environment, and run from an empty temporary directory, so
# that only files inside the wheel can be found. Lists the corpora and styles in the wheel.
#
# torch (and the other dependencies) are reused from the project's .venv through a .pth
# file: a fresh CI machine then downloads nothing, and never a CUDA build of torch. The
# wheel itself goes in with --no-deps; the checks below prove that rnn_tui, engine and
# sample_corpora are imported from the fresh environment, not from the checkout.
#   usage: .ci/wheel_test.sh            (after `make test` or `make .venv/.installed`)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rnn-tui-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { printf '\n== %s\n' "$*"; }
exec 3>&2  # the log's own stream, which a command's 2>&1 | tail cannot swallow
show() { printf '$ %s\n' "$*" >&3; "$@"; }  # a command, quoted in the log before it runs

say "build: pip wheel --no-deps ."
# From a copy: an in-tree build leaves build/lib behind, whose stale files a later wheel
# would carry (a module since moved or deleted).
mkdir "$WORK/src"
tar -C "$ROOT" --exclude=./.venv --exclude=./.git --exclude=./build --exclude='*.egg-info' \
    --exclude=./runs -cf - . | tar -C "$WORK/src" -xf -
"$PY" -m pip wheel -q --no-deps "$WORK/src" -w "$WORK/dist"
WHEEL=$(ls "$WORK"/dist/rnn_tui-*.whl)

say "installed files: corpora and styles inside $(basename "$WHEEL")"
unzip -l "$WHEEL" > "$WORK/listing.txt"  # a file: grep -q on a pipe would cut unzip short
grep -E 'sample_corpora/.*\.txt|\.tcss' "$WORK/listing.txt" | awk '{print $1, $4}'
for f in sample_corpora/prose.txt sample_corpora/names/Essari.txt rnn_tui/app/app.tcss \
         rnn_tui/lessons/05-gradients.toml; do
  grep -q " $f\$" "$WORK/listing.txt" || { echo "wheel_test: $f is not in the wheel" >&2; exit 1; }
done

say "fresh venv, the wheel installed (--no-deps), torch and friends from .venv via a .pth"
"$PY" -m venv --without-pip "$WORK/venv"
MAIN_SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
NEW_SITE=$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$MAIN_SITE" > "$NEW_SITE/_rnn_tui_reuse_deps.pth"  # appended after the venv's own
"$PY" -m pip --python "$WORK/venv/bin/python" install -q --no-deps --ignore-installed "$WHEEL"

mkdir "$WORK/empty" && cd "$WORK/empty"
unset PYTHONPATH
export PATH="$WORK/venv/bin:$PATH"
[ "$(command -v rnn-tui)" = "$WORK/venv/bin/rnn-tui" ]

say "imported from the fresh environment"
python - "$NEW_SITE" <<'PY'
import sys
import engine, rnn_tui, sample_corpora
for mod in (engine, rnn_tui, sample_corpora):
    print(f"{mod.__name__:<15} {mod.__file__}")
    assert mod.__file__.startswith(sys.argv[1]), f"{mod.__name__} is not the installed one"
PY

say "rnn-tui --help"
show rnn-tui --help > help.txt && head -5 help.txt
say "rnn-tui corpus list (where each bundled corpus is)"
show rnn-tui corpus list > corpora.txt && cat corpora.txt
grep -q "$NEW_SITE/sample_corpora/prose.txt" corpora.txt
grep -q "$NEW_SITE/sample_corpora/names" corpora.txt  # the classifier's labelled names

say "rnn-tui learn --list and --validate (the chapters read from the installed package)"
show rnn-tui learn --list > chapters.txt && cat chapters.txt
grep -q "gradients" chapters.txt
show rnn-tui learn --validate gradients | grep -q "$NEW_SITE/rnn_tui/lessons/05-gradients.toml: ok"

say "rnn-tui run --steps 5 --out X (the default corpus)"
show rnn-tui run --steps 5 --out X --threads 1 2>&1 | tail -3
say "one step of every family's default data"
show rnn-tui run --task dates --steps 1 --out fam-seq2seq --threads 1 2>&1 | tail -1
show rnn-tui run --task adding --steps 1 --out fam-longrange --threads 1 2>&1 | tail -1
show rnn-tui run --task classify --steps 1 --out fam-classify --threads 1 2>&1 | tail -1  # names
# Tagging ships no data (its default, UD GUM, is found beside a checkout): a tiny file.
printf 'The\tDET\ncat\tNOUN\nsat\tVERB\n\nA\tDET\ndog\tNOUN\nran\tVERB\n\n' > tags.tsv
for i in 1 2 3 4 5; do cat tags.tsv; done > tags5.tsv
show rnn-tui run --task tag --data tags5.tsv --steps 1 --out fam-tag --threads 1 2>&1 | tail -1
say "rnn-tui sample X"
show rnn-tui sample X --length 80 > sample.txt && cat sample.txt

say "rnn-tui export and report of the runs above (the [tensorboard] and [report] extras)"
show rnn-tui export X fam-* --format csv --out scalars.csv && head -3 scalars.csv
show rnn-tui report X fam-* --out report.html

say "the app's first frame, its styles read from the installed package"
python - "$NEW_SITE" <<'PY'
import asyncio, sys
from rnn_tui.app import create_app
from rnn_tui.cli.options import resolve_config

app = create_app(resolve_config(None, None, {"threads": 1}), out_dir="app-run")

async def first_frame() -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(1.0)
        app.save_screenshot("first-frame.svg")
        await pilot.press("q")

asyncio.run(first_frame())
if app.runner is not None:
    app.runner.stop()
    app.runner.finished.wait(30)
paths = [str(p) for p in app.css_path]
print("styles:", *paths)
assert paths and all(p.startswith(sys.argv[1]) for p in paths), paths
svg = open("first-frame.svg", encoding="utf-8").read()
text = svg.count("<text")
print(f"first-frame.svg: {len(svg):,} bytes, {text} text runs")
assert text > 50, "the first frame is (nearly) empty"
PY
say "wheel test passed"
