"""Every module imports in a fresh interpreter (catches exported code that needs an unexported cell),
and modules that do not need torch do not import it (torch costs seconds at import)."""
import subprocess
import sys

import pytest

from conftest import ROOT

MODULES = sorted(p.stem for p in (ROOT / "segment_lib").glob("*.py") if not p.stem.startswith("_"))
TORCH_MODULES = {"encoder"}  # modules that legitimately import torch at import time


@pytest.mark.parametrize("module", MODULES)
def test_fresh_import(module):
    code = (f"import sys, segment_lib.{module} as m; "
            "print('torch' in sys.modules); "
            "[getattr(m, n) for n in getattr(m, '__all__', [])]")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    if module not in TORCH_MODULES:
        assert r.stdout.strip() == "False", f"segment_lib.{module} imports torch at import time; import it lazily"
