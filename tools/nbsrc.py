"""Edit notebooks as text: `python tools/nbsrc.py to-py NB...` writes .nbsrc/NAME.py (jupytext percent format),
`python tools/nbsrc.py to-nb NAME... [--folder=reports]` writes nbs/NAME.ipynb back with a plain kernelspec and no outputs.
The notebooks stay the source of truth; .nbsrc/ is ignored by git. Run `make export` afterwards."""
import difflib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTEXT = str(Path(sys.executable).parent / "jupytext")
KERNEL = {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}


def _keep_ids(old: list, new: list) -> None:
    "Give the new cells the ids of the old cells they correspond to (same source, or edited in place), so diffs stay small."
    src = lambda c: "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
    sm = difflib.SequenceMatcher(None, [src(c) for c in old], [src(c) for c in new], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or tag == "replace":
            for o, n in zip(old[i1:i2], new[j1:j2]):
                if "id" in o: n["id"] = o["id"]


def to_nb(name: str, folder: str = "nbs") -> None:
    src, dst = ROOT / ".nbsrc" / f"{name}.py", ROOT / folder / f"{name}.ipynb"
    old = json.loads(dst.read_text())["cells"] if dst.exists() else []
    subprocess.run([JUPYTEXT, "--to", "ipynb", str(src), "-o", str(dst), "-q"], check=True)
    nb = json.loads(dst.read_text())
    nb["metadata"] = KERNEL
    _keep_ids(old, nb["cells"])
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def to_py(path: str) -> None:
    p = Path(path); (ROOT / ".nbsrc").mkdir(exist_ok=True)
    subprocess.run([JUPYTEXT, "--to", "py:percent", str(p), "-o", str(ROOT / ".nbsrc" / f"{p.stem}.py"), "-q"], check=True)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    folder = next((a.split("=", 1)[1] for a in args if a.startswith("--folder=")), "nbs")
    args = [a for a in args if not a.startswith("--folder=")]
    for a in args: to_nb(a, folder) if cmd == "to-nb" else to_py(a)
