"""Run every notebook in nbs/ as a test (nbdev's runner), honouring the test flags in settings.ini."""
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
