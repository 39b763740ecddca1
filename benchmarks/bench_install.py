"""Benchmark the lean core install a user gets from `pip install segment_lib`: build the wheel, install it (no extras)
into a fresh virtual environment, report the environment's size on disk and the cold import time of
`segment_lib.pipeline` (a fresh interpreter each time; median of --repeat runs), and check that torch is absent.

Usage: python benchmarks/bench_install.py [--repeat N]   (needs `build` from the dev environment; uses pip's cache)
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as w:
        w = Path(w)
        subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(w / "dist"), str(ROOT)],
                       check=True, capture_output=True)
        wheel = next((w / "dist").glob("*.whl"))
        subprocess.run([sys.executable, "-m", "venv", str(w / "core")], check=True)
        py = w / "core" / "bin" / "python"
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)], check=True,
                       capture_output=True)
        torch = subprocess.run([str(py), "-c", "import importlib.util as u; print(u.find_spec('torch') is not None)"],
                               capture_output=True, text=True, check=True).stdout.strip()
        code = "import time; t = time.perf_counter(); import segment_lib.pipeline; print(time.perf_counter() - t)"
        times = [float(subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True, cwd=w).stdout)
                 for _ in range(args.repeat)]
        print(f"{'measure':44s} {'value':>10s}")
        print(f"{'core install, venv size on disk (MB)':44s} {_size_mb(w / 'core'):>10.0f}")
        print(f"{'cold import of segment_lib.pipeline (s, median)':44s} {statistics.median(times):>10.2f}")
        print(f"{'  runs (s)':44s} {', '.join(f'{t:.2f}' for t in times):>10s}")
        print(f"{'torch installed by the core':44s} {torch:>10s}")


if __name__ == "__main__":
    main()
