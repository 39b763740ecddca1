"""Benchmark the data layer: load + validate the real UCI data, generate synthetic shops.

Each case runs in a fresh subprocess that reports its own wall time and peak RSS, so cases do not
share memory. Usage: python benchmarks/bench_data.py [--uci PATH] [--skip-10m]
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UCI = ROOT.parent / "shared" / "data" / "online_retail.parquet"

CASE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
{body}
wall = time.perf_counter() - t0
print(json.dumps({{"wall_s": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}}))
"""

CASES = {
    "UCI: load + validate (541,909 lines)":
        "from segment_lib.data import online_retail\nrows = len(online_retail({uci!r}))",
    "synthetic: make_shop, ~1M lines":
        "from segment_lib.synthetic import make_shop\nrows = len(make_shop(15_500, random_state=0).transactions)",
    "synthetic: make_shop, ~10M lines":
        "from segment_lib.synthetic import make_shop\nrows = len(make_shop(155_000, random_state=0).transactions)",
    "synthetic: write_shop_parquet, 10M lines in chunks":
        "from segment_lib.synthetic import write_shop_parquet\nrows = int(write_shop_parquet({tmp!r}, 10_000_000).lines.sum())",
}


def run_case(body: str) -> dict:
    "Run one case in a fresh interpreter; the import of segment_lib is timed as part of the case."
    r = subprocess.run([sys.executable, "-c", CASE.format(body=body)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode: raise RuntimeError(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--uci", default=str(DEFAULT_UCI))
    ap.add_argument("--skip-10m", action="store_true")
    args = ap.parse_args()
    print(f"{'case':52s} {'rows':>12s} {'wall s':>8s} {'peak RSS MB':>12s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in CASES.items():
            if args.skip_10m and "10M" in name: continue
            res = run_case(body.format(uci=args.uci, tmp=tmp))
            print(f"{name:52s} {res['rows']:>12,d} {res['wall_s']:>8.2f} {res['peak_rss_mb']:>12.0f}", flush=True)


if __name__ == "__main__":
    main()
