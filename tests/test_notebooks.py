"""Run every notebook in nbs/ as a test (nbdev's runner), honouring the test flags in settings.ini; and check that the
outputs each notebook keeps were made from its current code (tools/run_nbs.py, `make outputs`) within the size budget."""
import json
import sys
from pathlib import Path

import pytest

import nbdev.test as nbt  # not `from nbdev.test import test_nb`: pytest would collect it as a test
from conftest import ROOT, all_flags, enabled_flags

NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb: Path, monkeypatch):
    monkeypatch.chdir(nb.parent)
    skip = sorted(all_flags() - enabled_flags())
    ok, secs = nbt.test_nb(nb, skip_flags=skip, showerr=True)
    assert ok, f"{nb.name} failed (skipped flags: {skip}); see the traceback above"


sys.path.insert(0, str(ROOT / "tools"))
from run_nbs import BUDGET_PER_NOTEBOOK, BUDGET_TOTAL, outputs_size, sources_hash  # noqa: E402


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_outputs_are_current(nb: Path):
    "The notebooks keep their outputs (documentation where they are browsed), made from the code they hold."
    d = json.loads(nb.read_text())
    stored = d["metadata"].get("segment_lib", {}).get("sources")
    assert stored == sources_hash(d), f"{nb.name}: its outputs were made from other code; run `make outputs` and commit"
    assert outputs_size(d) <= BUDGET_PER_NOTEBOOK, f"{nb.name} keeps {outputs_size(d):,} bytes of outputs (budget {BUDGET_PER_NOTEBOOK:,})"


def test_notebook_outputs_fit_the_budget():
    total = sum(outputs_size(json.loads(p.read_text())) for p in NOTEBOOKS)
    assert total <= BUDGET_TOTAL, f"the notebooks keep {total:,} bytes of outputs (budget {BUDGET_TOTAL:,})"
