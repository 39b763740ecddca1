"""Benchmark the main job as a user runs it: `segment-lib report` (both reports, end to end: kernel start, data,
cleaning, fit, tables, figures, HTML) on the default synthetic shop and on UCI, with the environment already built.

Each run is the real command in a fresh process (its wall time is what the user waits; the peak RSS is the
largest of the command and its kernels). Targets (issue #15): default data <= 90 s, UCI <= 3 min, both reports.
Usage: python benchmarks/bench_reports.py [--uci PATH] [--repeat N] [--skip-uci]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UCI = ROOT.parent / "shared" / "data" / "online_retail.parquet"
CLI = Path(sys.executable).parent / "segment-lib"
TARGETS = {"synthetic (3,000 customers)": 90.0, "uci": 180.0}


def run(data: str, env: dict) -> tuple[float, float]:
    "Wall seconds and peak RSS (MB, children included) of one `segment-lib report --data DATA`."
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        r = subprocess.run([str(CLI), "report", "--data", data, "--out", out, "--quiet"], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if r.returncode: raise RuntimeError(r.stderr[-3000:])
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--uci", default=str(DEFAULT_UCI))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-uci", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "SEGMENT_LIB_ONLINE_RETAIL": args.uci}
    cases = {"synthetic (3,000 customers)": "synthetic", **({} if args.skip_uci else {"uci": "uci"})}
    print(f"{'data':30s} {'runs (wall s)':>24s} {'median s':>9s} {'target s':>9s} {'peak RSS MB':>12s}")
    for name, data in cases.items():
        walls, rss = [], 0.0
        for _ in range(args.repeat):
            w, m = run(data, env); walls.append(w); rss = max(rss, m)
        med = statistics.median(walls)
        mark = "ok" if med <= TARGETS[name] else "OVER"
        print(f"{name:30s} {', '.join(f'{w:.1f}' for w in walls):>24s} {med:>9.1f} {TARGETS[name]:>9.0f} {rss:>12.0f}  {mark}", flush=True)


if __name__ == "__main__":
    main()
