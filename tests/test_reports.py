"""Run every report notebook in reports/ end to end (papermill + HTML) with small parameters, and check what
a reader gets: figures embedded, no code, no customer ids, no segment under the minimum size on its own; and
the segment report opened in headless Chromium renders with its figures (first screen saved under tests/out/)."""
import json
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
        params = {"data": str(shop_file), "random_state": 0, "min_segment_size": MIN_SIZE, "n_boot": 100, "k": "6",
                  "export_members": str(shop_file.parent / f"members_{nb.stem}.csv")}
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


def test_where_segments_help_has_a_row_per_shown_segment(report_runs):
    "Issue #15.1: the per-segment table had only a header (labels mapped through a Series indexed by customer)."
    per = pd.read_csv(report_runs["evaluation_report"].parent / "ndcg_per_segment.csv")
    assert len(per) >= 1 and (per["customers scored"] >= MIN_SIZE).all(), per
    table = pd.read_csv(report_runs["evaluation_report"].parent / "recommendation_evaluation.csv", index_col=[0, 1])
    assert per["customers scored"].sum() <= table.loc[("new items only", "popularity"), "customers"]


def test_no_small_segment_shown_on_its_own(report_runs, shop_file):
    out = report_runs["segment_report"].parent
    summary = pd.read_csv(out / "segment_summary.csv", thousands=",")
    assert (summary.Customers >= MIN_SIZE).all(), summary.Customers  # the pooled group too
    members = pd.read_csv(shop_file.parent / "members_segment_report.csv")  # the private export: every customer
    sizes = members.segment_id.astype(str).value_counts()
    shown = set(sizes.index[sizes >= MIN_SIZE]) | ({SMALL_SEGMENT} if sizes[sizes < MIN_SIZE].sum() >= MIN_SIZE else set())
    assert len(summary) == len(shown), (summary.Segment.tolist(), sizes.to_dict())
    for f in ("feature_differences.csv", "top_items.csv", "rules.csv", "personas.csv", "keywords.csv"):
        segs = set(pd.read_csv(out / f).segment.astype(str)) if (out / f).stat().st_size > 1 else set()
        assert segs <= shown, f"{f} describes segments {segs - shown} (under {MIN_SIZE} customers)"
    stability = pd.read_csv(out / "stability.csv")
    jaccard = [c for c in stability.columns if c.startswith("Jaccard")]
    assert len(jaccard) <= len(shown), jaccard


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


# --- the command line as a user runs it: relative paths, odd shops, a busy folder --------------------------

from segment_lib.cli import EXIT_BUSY, main  # noqa: E402
from unusual_shops import lapsed_shop, line_total_log, one_product_shop  # noqa: E402


def _cli(*argv) -> int:
    return main([*map(str, argv), "--quiet"])


def test_cli_paths_are_relative_to_the_callers_folder(tmp_path, monkeypatch):
    (tmp_path / "logs").mkdir()
    tx = make_shop(300, random_state=0).transactions.rename(columns={"customer_id": "Kunde"})
    tx.to_parquet(tmp_path / "logs" / "shop.parquet")
    (tmp_path / "mapping.json").write_text('{"Kunde": "customer_id"}')
    monkeypatch.chdir(tmp_path)
    args = ["report", "--data", "logs/shop.parquet", "--mapping", "mapping.json", "--reports", "segment_report", "--k", "4",
            "--min-segment-size", "20"]
    assert _cli(*args, "--out", "first") == 0
    assert _cli(*args, "--out", "second", "--previous-model", "first/model.segmodel", "--export-members", "crm/members.csv") == 0
    assert (tmp_path / "second" / "segment_report.html").exists() and (tmp_path / "second" / "migration.csv").exists()
    members = pd.read_csv(tmp_path / "crm" / "members.csv")
    assert len(members) == tx.Kunde.nunique() and list(members.columns) == ["customer_id", "segment_id", "segment_name", "as_of"]
    for f in (tmp_path / "second").rglob("*"):  # no folder of this machine in any output, the data named by its file name
        text = f.read_bytes()
        assert str(tmp_path).encode() not in text and b"/logs/" not in text, f"a machine path appears in {f.name}"
    assert "shop.parquet" in (tmp_path / "second" / "segment_report.ipynb").read_text()
    assert "members" not in {p.stem for p in (tmp_path / "second").iterdir()}, "members must never land in the report folder"
    assert _cli("report", "--data", "logs/missing.parquet", "--out", "third") == 2 and not (tmp_path / "third").exists()


def test_a_second_run_into_a_busy_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".out.lock").write_text(f'{{"pid": {__import__("os").getpid()}, "started": "now"}}')
    assert _cli("report", "--out", "out", "--n-customers", "100") == EXIT_BUSY
    assert "is writing 'out'" in capsys.readouterr().err


ODD_SHOPS = {"one_product": (one_product_shop, ""), "line_totals": (line_total_log, '{"sales_value": "amount"}'),
             "lapsed": (lapsed_shop, "")}


@pytest.mark.parametrize("shop", list(ODD_SHOPS))
def test_reports_hold_on_shops_unlike_the_tuning_ones(shop, tmp_path):
    make, mapping = ODD_SHOPS[shop]
    make(400, random_state=1).to_parquet(tmp_path / "log.parquet")
    out, min_size = tmp_path / "out", 30
    assert _cli("report", "--data", tmp_path / "log.parquet", "--mapping", mapping, "--out", out, "--min-segment-size", min_size) == 0
    summary = pd.read_csv(out / "segment_summary.csv", thousands=",")
    assert (summary.Customers >= min_size).all() and summary.Segment.is_unique, summary
    audit = pd.read_csv(out / "audit.csv").set_index("reason")
    data = pd.read_csv(out / "data_summary.csv", index_col=0)
    assert int(data.loc["lines", "used for segments"].replace(",", "")) == audit.loc["kept", "rows"]
    assert int(data.loc["lines", "in the log"].replace(",", "")) == audit.loc["input", "rows"]
    html = (out / "evaluation_report.html").read_text()
    assert "the number the segment report chose on all purchases" in html, "the evaluation must use the segment report's segmentation"
    if (out / "ndcg_per_segment.csv").exists():
        per = pd.read_csv(out / "ndcg_per_segment.csv")
        assert (per["customers scored"] >= min_size).all()
    else:
        assert "not evaluated" in html
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_killed_run_leaves_the_previous_folder_whole(tmp_path):
    "kill -9 in the middle of a run: the previous report folder is untouched, and the next run takes over the stale lock."
    import os, signal, sys, time
    out = tmp_path / "out"; out.mkdir(); (out / "segment_report.html").write_text("the previous run")
    cli = Path(sys.executable).parent / "segment-lib"
    p = subprocess.Popen([str(cli), "report", "--n-customers", "150", "--out", str(out), "--quiet"], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock, deadline = tmp_path / ".out.lock", time.time() + 120
    while not list(tmp_path.glob(".out.tmp-*/segment_report.ipynb")) and time.time() < deadline and p.poll() is None: time.sleep(0.2)
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert sorted(f.name for f in out.iterdir()) == ["segment_report.html"] and (out / "segment_report.html").read_text() == "the previous run"
    assert lock.exists(), "the killed run's lock should be left behind (and taken over below)"
    assert main(["report", "--n-customers", "150", "--out", str(out), "--quiet", "--reports", "segment_report"]) == 0
    assert (out / "manifest.json").exists() and not lock.exists() and not list(tmp_path.glob(".out.tmp-*"))
