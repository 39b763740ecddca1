"""Run every report notebook in reports/ end to end (papermill + HTML) with small parameters, and check what
a reader gets: figures embedded, no code, no customer ids, no segment under the minimum size on its own; and
the segment report opened in headless Chromium renders with its figures (first screen saved under tests/out/)."""
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

import pandas as pd
import papermill as pm
import pytest

from conftest import ROOT
from segment_lib.profiling import SMALL_SEGMENT
from segment_lib.report import run_report
from segment_lib.synthetic import make_shop

REPORTS = sorted((ROOT / "reports").glob("*.ipynb"))
MIN_SIZE = 120  # large enough that the small shop below has segments under it


@pytest.fixture(scope="session")
def shop_file(tmp_path_factory) -> Path:
    "A small synthetic log whose customer ids are distinctive tokens, so a grep can find any leak."
    tx = make_shop(600, random_state=0).transactions
    tx["customer_id"] = "cust_" + tx["customer_id"].astype("str")
    path = tmp_path_factory.mktemp("data") / "shop.parquet"
    tx.to_parquet(path)
    return path


@pytest.fixture(scope="session")
def report_runs(shop_file, out_dir) -> dict:
    "Every report run once on the small log (shared by the tests below and the browser test)."
    runs = {}
    for nb in REPORTS:
        known = pm.inspect_notebook(str(nb))
        params = {"data": str(shop_file), "random_state": 0, "min_segment_size": MIN_SIZE, "n_boot": 100, "k": "6"}
        runs[nb.stem] = run_report(nb.stem, out_dir / f"smoke_{nb.stem}", {k: v for k, v in params.items() if k in known},
                                   progress=False)
    return runs


@pytest.mark.parametrize("nb", REPORTS, ids=[p.stem for p in REPORTS])
def test_report_parameters_are_documented(nb: Path):
    known = pm.inspect_notebook(str(nb))
    assert "out_dir" in known and "data" in known, f"{nb.name} needs data and out_dir parameters"
    for name, p in known.items():
        assert p["help"].strip(), f"parameter {name!r} of {nb.name} has no comment documenting it"


@pytest.mark.parametrize("name", [p.stem for p in REPORTS])
def test_report_renders(report_runs, name):
    text = report_runs[name].read_text(encoding="utf-8")
    assert "data:image/png;base64" in text, "the report has no embedded figure"
    assert not re.search(r'<script[^>]+src="https?://', text), "the report loads scripts from the network"
    assert "import segment_lib" not in text and "load_data(" not in text, "code cells leaked into the HTML"


def test_no_customer_id_in_any_output(report_runs):
    for html in report_runs.values():
        for f in html.parent.rglob("*"):
            if f.is_file():
                assert b"cust_" not in f.read_bytes(), f"a customer id appears in {f}"


def test_no_small_segment_shown_on_its_own(report_runs):
    out = report_runs["segment_report"].parent
    summary = pd.read_csv(out / "segment_summary.csv", index_col=0)
    own = summary.drop(index=SMALL_SEGMENT, errors="ignore")
    assert (own.customers >= MIN_SIZE).all(), own.customers
    assert SMALL_SEGMENT in summary.index, "expected the small shop to have segments under the minimum size"
    for f in ("feature_lift.csv", "top_items.csv"):
        segs = set(pd.read_csv(out / f).segment.astype(str))
        assert segs <= set(summary.index.astype(str)), f"{f} shows segments {segs - set(summary.index.astype(str))}"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--allow-file-access-from-files"]


def _shot(html: Path, png: Path, height: int, profile: Path) -> np.ndarray:
    from PIL import Image
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                    f"--window-size=1280,{height}", html.as_uri()], check=True, capture_output=True, timeout=120)
    return np.asarray(Image.open(png).convert("RGB"))


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_with_figures(report_runs, out_dir, tmp_path):
    html = report_runs["segment_report"]
    first = _shot(html, out_dir / "segment_report_first_screen.png", 900, tmp_path / "p1")
    assert first.std() > 10, "the first screen is blank"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count("<img") >= 2 and "Customer segment report" in dom
    # the whole page, tall: the figures' own colours must be on screen (seaborn/matplotlib default blue)
    full = _shot(html, tmp_path / "full.png", 6000, tmp_path / "p3")
    blue = (np.abs(full.astype(int) - [76, 114, 176]).sum(axis=2) < 30).sum()
    assert blue > 2000, f"no figure pixels rendered ({blue} matching pixels)"
