"""Execute the notebooks in nbs/ and keep their outputs, so they read as documentation where they are browsed.

`python tools/run_nbs.py [NAME ...]` runs each notebook (all by default) the way the test suite does — cells
carrying a test flag (`slow`, `gpu`, `spark`, `llm`) are skipped — saves the outputs into the notebook with
small PNG figures, and records a hash of the notebook's code in its metadata (`segment_lib.sources`).
`tests/test_notebooks.py` fails when a notebook's code changed after its outputs were made, or when its outputs
pass the size budget below. `make outputs` runs this after `make export`."""
import hashlib
import json
import os
import sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_PER_NOTEBOOK = 600_000  # bytes of outputs (text + base64 figures) one notebook may keep
BUDGET_TOTAL = 4_000_000  # bytes of outputs all notebooks together may keep
SETUP = "import matplotlib; matplotlib.rcParams.update({'figure.dpi': 55, 'savefig.dpi': 55})"


def sources_hash(nb: dict) -> str:
    "Hash of the notebook's code cells: outputs made from other code are stale."
    code = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()[:16]


def outputs_size(nb: dict) -> int:
    "Bytes the outputs of a notebook take (as JSON)."
    return sum(len(json.dumps(c.get("outputs", []))) for c in nb["cells"] if c["cell_type"] == "code")


def _flags() -> list[str]:
    cfg = ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini")
    return cfg["DEFAULT"].get("tst_flags", "").split()


def run(path: Path) -> int:
    "Execute `path` in place with outputs; returns the bytes of outputs kept."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from nbdev.process import NBProcessor
    flags = set(_flags())
    proc = NBProcessor(path, process=True).nb  # for the directives (test flags) of every cell
    skip = {i for i, c in enumerate(proc.cells) if c.cell_type == "code" and (flags & (getattr(c, "directives_", {}) or {}).keys())}
    nb = read_nb(path)
    for c in nb.cells:
        if c.cell_type == "code": c.outputs, c.execution_count = [], None
    shell = CaptureShell(path, mpl_format="png")
    cwd = os.getcwd(); os.chdir(path.parent)
    try:
        shell.run(SETUP)
        shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != "code" or c.idx_ in skip)
    finally: os.chdir(cwd)
    from segment_lib.report import _scrub_output, machine_paths
    shown = {**machine_paths(), str(ROOT): "<segment_lib>"}  # no folder of this machine in the documentation
    for c in nb.cells:
        if c.cell_type == "code":
            c.execution_count = None
            for o in c.get("outputs", []): _scrub_output(o, shown)
    nb.metadata["segment_lib"] = {"sources": sources_hash(json.loads(json.dumps(nb)))}
    write_nb(nb, path)
    return outputs_size(json.loads(path.read_text()))


if __name__ == "__main__":
    os.environ.pop("IN_TEST", None)
    names = sys.argv[1:] or sorted(p.stem for p in (ROOT / "nbs").glob("*.ipynb"))
    for name in names:
        size = run(ROOT / "nbs" / f"{name}.ipynb")
        print(f"{name}: {size:,} bytes of outputs{'  OVER BUDGET' if size > BUDGET_PER_NOTEBOOK else ''}", flush=True)
