"""README.md is generated from nbs/index.ipynb and must not drift from it; every Python snippet in it runs as written."""
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "readme.py"), "--check"])
    assert r.returncode == 0, "README.md differs from nbs/index.ipynb; run `python tools/readme.py`"


def test_readme_names_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make report" in text and "make test" in text


def python_snippets(text: str) -> list[str]:
    "Every ```python block of a Markdown text, in order."
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


SNIPPETS = python_snippets((ROOT / "README.md").read_text())


def test_readme_has_python_snippets():
    assert len(SNIPPETS) >= 3, "expected the README's library snippets"


@pytest.mark.parametrize("i", range(len(SNIPPETS)), ids=[f"snippet{i + 1}" for i in range(len(SNIPPETS))])
def test_readme_snippet_runs_as_written(i, tmp_path):
    "Each snippet on its own, in a fresh interpreter and an empty folder: every name it uses, it defines."
    r = subprocess.run([sys.executable, "-c", SNIPPETS[i]], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"README snippet {i + 1} fails:\n{SNIPPETS[i]}\n{r.stderr[-3000:]}"
