"""Open the rendered report in headless Chromium: it must render, with its figures; the first screen is saved."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from segment_lib.report import run_report

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
def test_report_renders_with_figures(out_dir, tmp_path):
    html = run_report("segment_report", out_dir / "browser", {"n_customers": 600}, progress=False)
    first = _shot(html, out_dir / "segment_report_first_screen.png", 900, tmp_path / "p1")
    assert first.std() > 10, "the first screen is blank"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count("<img") >= 2 and "Customer segment report" in dom
    # the whole page, tall: the figures' own colours must be on screen (seaborn/matplotlib default blue)
    full = _shot(html, tmp_path / "full.png", 6000, tmp_path / "p3")
    blue = (np.abs(full.astype(int) - [76, 114, 176]).sum(axis=2) < 30).sum()
    assert blue > 2000, f"no figure pixels rendered ({blue} matching pixels)"
