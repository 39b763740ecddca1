"""Smoke-run every report notebook in reports/ end to end (papermill + HTML) with small parameters."""
import re
from pathlib import Path

import papermill as pm
import pytest

from conftest import ROOT
from segment_lib.report import run_report

REPORTS = sorted((ROOT / "reports").glob("*.ipynb"))
SMALL = {"data": "synthetic", "n_customers": 600, "random_state": 0}


@pytest.mark.parametrize("nb", REPORTS, ids=[p.stem for p in REPORTS])
def test_report_smoke(nb: Path, out_dir: Path):
    known = pm.inspect_notebook(str(nb))
    assert "out_dir" in known, f"{nb.name} needs an out_dir parameter"
    for name, p in known.items():
        assert p["help"].strip(), f"parameter {name!r} of {nb.name} has no comment documenting it"
    html = run_report(nb.stem, out_dir / f"smoke_{nb.stem}", {k: v for k, v in SMALL.items() if k in known},
                      progress=False)
    text = html.read_text(encoding="utf-8")
    assert "data:image/png;base64" in text, "the report has no embedded figure"
    assert not re.search(r'<script[^>]+src="https?://', text), "the report loads scripts from the network"
    assert "import segment_lib" not in text and "load_data(" not in text, "code cells leaked into the HTML"
