"""`rnn-tui report`: one self-contained HTML page (no scripts, nothing fetched) with the runs'
summary, config, loss curves, gradient heatmaps, standings and each family's own pictures,
drawn by headless Chromium into a screenshot that is not blank (skipped without Chromium)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from rnn_tui.app.svg_to_png import converter
from tests.cli_helpers import assert_clean_error, cli, run_main
from tests.export.conftest import CADENCE, FAMILY_ARGS

pytest.importorskip("matplotlib")
EXTERNAL = re.compile(r"<script|<link|<iframe|<object|@import|(?:src|href)=\"(?!#|data:)"
                      r"|url\((?!#)", re.I)


def report(capsys, runs, out: Path) -> str:
    code, _, err = cli(capsys, "report", *map(str, runs), "--out", str(out))
    assert code == 0, err
    return out.read_text(encoding="utf-8")


def chromium(page: Path, *args: str) -> None:
    """Headless Chromium on PAGE with ARGS (--screenshot=..., --print-to-pdf=...)."""
    found = converter()
    if found is None or found[0] != "chromium":
        pytest.skip("no headless Chromium installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([found[1], "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={profile}", *args,
                        page.resolve().as_uri()], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_report_of_every_family_is_one_self_contained_page(capsys, family_runs, tmp_path):
    page = report(capsys, family_runs.values(), tmp_path / "report.html")
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    for heading in ("Runs", "Config", "Loss curves", "Gradient per timestep"):
        assert f"<h2>{heading}</h2>" in page
    assert "<h2>Standings</h2>" not in page  # their headlines do not compare across families
    # each family's own picture (the charts' text is in comments beside its outlines)
    for marker in ("<h3>Sample at step 3", "<!-- Attention at step 3 -->",
                   "<!-- Confusion on the held-out set at step 3 -->", "<h3>Tagged at step 3",
                   "<!-- Jacobian gain at step ", "<h3>Held-out examples at step 3"):
        assert marker in page, marker
    for name in family_runs:  # a loss curve and a gradient heatmap per run
        assert f"<!-- {name} train -->" in page
        assert f"<!-- {name}, row 0 -->" in page


@pytest.mark.slow
def test_three_runs_rendered_by_headless_chromium_are_not_blank(capsys, family_runs,
                                                                 tmp_path):
    from PIL import Image

    runs = [family_runs["lm"]]
    for model in ("rnn", "lstm"):  # three cells on the same corpus, as in a race
        runs.append(tmp_path / model)
        assert run_main("run", *FAMILY_ARGS["lm"], *CADENCE, "--model", model, "--out",
                        str(runs[-1])) == 0
    page = tmp_path / "three.html"
    html = report(capsys, runs, page)
    assert "<h2>Standings</h2>" in html and "LSTM 32" in html and "RNN 32" in html
    png, pdf = tmp_path / "three.png", tmp_path / "three.pdf"
    chromium(page, "--window-size=1100,2400", f"--screenshot={png}")
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    inked = sum(n for n, rgb in colours if sum(rgb) < 600)  # not white-ish
    assert len(colours) > 50 and inked > 0.02 * image.width * image.height, len(colours)
    chromium(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")  # and it prints
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert data.startswith(b"%PDF") and pages >= 2, pages  # more than one page


def test_report_refuses_what_export_refuses(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = cli(capsys, "report", str(tmp_path / "empty"), "--out",
                         str(tmp_path / "r.html"))
    assert_clean_error(code, out, err, "not an rnn-tui run")
    assert not (tmp_path / "r.html").exists()
    old = Path(__file__).resolve().parents[1] / "fixtures" / "old_runs" / "lm-v0"
    code, out, err = cli(capsys, "report", str(old), "--out",
                         str(tmp_path / "missing" / "r.html"))
    assert_clean_error(code, out, err, "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
