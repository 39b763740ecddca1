"""README.md is generated from nbs/index.ipynb and must not drift from it."""
import subprocess
import sys

from conftest import ROOT


def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "readme.py"), "--check"])
    assert r.returncode == 0, "README.md differs from nbs/index.ipynb; run `python tools/readme.py`"


def test_readme_names_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make report" in text and "make test" in text
