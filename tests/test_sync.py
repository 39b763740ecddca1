"""The committed segment_lib/ must equal a fresh export of the committed notebooks."""
import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def _tree(d: Path) -> dict[str, Path]:
    return {str(p.relative_to(d)): p for p in d.rglob("*.py") if "__pycache__" not in p.parts}


def test_export_matches_committed_library(tmp_path):
    for name in ("nbs", "segment_lib", "settings.ini", "setup.py"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    fresh = tmp_path / "fresh"; shutil.copytree(tmp_path / "segment_lib", fresh)
    shutil.rmtree(tmp_path / "segment_lib"); (tmp_path / "segment_lib").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "IN_TEST"}  # IN_TEST=1 makes nbdev_export a no-op
    nbdev_export = Path(sys.executable).parent / "nbdev_export"
    subprocess.run([str(nbdev_export)], cwd=tmp_path, env=env, check=True, capture_output=True)
    exported, committed = _tree(tmp_path / "segment_lib"), _tree(fresh)
    assert sorted(exported) == sorted(committed), (
        f"modules differ: only exported {sorted(set(exported) - set(committed))}, "
        f"only committed {sorted(set(committed) - set(exported))}; run `make export` and commit")
    stale = [n for n in exported if not filecmp.cmp(exported[n], committed[n], shallow=False)]
    assert not stale, f"segment_lib/{stale} differ from a fresh export of nbs/; run `make export` and commit both"
