"""Feature table on Spark local[2] vs DuckDB (2 threads): wall time and peak memory of the whole process tree.

Data: synthetic canonical lines as parquet with microsecond timestamps (`synthetic.write_shop_parquet`), generated
once under /tmp (never in the repo) or reused read-only. Each engine runs in a fresh subprocess; the parent samples
the RSS of that process and all its children (the JVM and Python workers for Spark) every 0.1 s with psutil.

Usage: python benchmarks/bench_spark.py [--data /tmp/features_bench/shop50m] [--lines 50_000_000] [--timeout 900]
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2011-12-10"

DUCKDB = r"""
import json, sys, time
t0 = time.perf_counter()
import duckdb
from segment_lib.features import customer_features
con = duckdb.connect(config={{"threads": 2}})
t1 = time.perf_counter()
f = customer_features(con.read_parquet({files!r}), {as_of!r}, con=con)  # canonical already: no re-mapping
t2 = time.perf_counter()
print(json.dumps({{"start_s": t1 - t0, "query_s": t2 - t1, "customers": len(f), "columns": f.shape[1]}}))
"""

SPARK = r"""
import json, sys, time
t0 = time.perf_counter()
from segment_lib.spark import spark_session, spark_transactions, spark_customer_features, spark_features_to_pandas
spark = spark_session("local[2]", shuffle_partitions=16, driver_memory="4g")
t1 = time.perf_counter()
f = spark_features_to_pandas(spark_customer_features(spark_transactions(spark, spark.read.parquet(*{files!r})), {as_of!r}))
t2 = time.perf_counter()
print(json.dumps({{"start_s": t1 - t0, "query_s": t2 - t1, "customers": len(f), "columns": f.shape[1]}}))
spark.stop()
"""


def pick_files(folder: Path, n_lines: int) -> tuple[list[str], int]:
    "The first parquet files of `folder` holding at least `n_lines` lines (whole files), and their line count."
    files, total = [], 0
    for p in sorted(folder.glob("*.parquet")):
        if total >= n_lines: break
        files.append(str(p)); total += pq.ParquetFile(p).metadata.num_rows
    return files, total


def tree_rss(p: psutil.Process) -> int:
    "RSS of a process and all its descendants, bytes."
    total = 0
    for q in [p] + p.children(recursive=True):
        try: total += q.memory_info().rss
        except psutil.Error: pass
    return total


def run(code: str, timeout: float) -> dict:
    "Run `code` in a fresh interpreter, sampling its process-tree RSS; wall time, peak RSS and its JSON report."
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        if time.perf_counter() - t0 > timeout:
            for q in ps.children(recursive=True) + [ps]: q.kill()
            return {"wall_s": time.perf_counter() - t0, "peak_mb": peak / 2**20, "error": f"timed out after {timeout:.0f} s"}
        time.sleep(0.1)
    out, err = proc.communicate()
    res = {"wall_s": time.perf_counter() - t0, "peak_mb": peak / 2**20}
    lines = [l for l in out.splitlines() if l.startswith("{")]
    return res | (json.loads(lines[-1]) if lines else {"error": err[-800:]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/features_bench/shop50m", help="folder of write_shop_parquet output (µs timestamps)")
    ap.add_argument("--lines", type=int, default=50_000_000, help="use the first files holding this many lines")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per engine before giving up")
    a = ap.parse_args()
    folder = Path(a.data)
    if not any(folder.glob("*.parquet")):
        from segment_lib.synthetic import write_shop_parquet
        print(f"generating {a.lines:,} lines into {folder} (once) ...", flush=True)
        write_shop_parquet(folder, a.lines)
    files, n = pick_files(folder, a.lines)
    print(f"{n:,} lines in {len(files)} files of {folder}; as_of={AS_OF}; 2 cores: DuckDB threads=2, Spark local[2] (driver 4g, 16 shuffle partitions)\n", flush=True)
    rows = {}
    for name, code in (("DuckDB", DUCKDB), ("Spark local[2]", SPARK)):
        rows[name] = run(code.format(files=files, as_of=AS_OF), a.timeout)
        print(name, json.dumps(rows[name]), flush=True)
    print(f"\n{'engine':<16}{'wall s':>9}{'start s':>9}{'query s':>9}{'peak RSS MB':>13}{'customers':>11}")
    for name, r in rows.items():
        print(f"{name:<16}{r['wall_s']:>9.1f}{r.get('start_s', float('nan')):>9.1f}{r.get('query_s', float('nan')):>9.1f}"
              f"{r['peak_mb']:>13.0f}{r.get('customers', 0):>11,}  {r.get('error', '')}")
    d, s = rows["DuckDB"], rows["Spark local[2]"]
    if "query_s" in d and "query_s" in s:
        print(f"\nSpark/DuckDB: wall x{s['wall_s'] / d['wall_s']:.1f}, query x{s['query_s'] / d['query_s']:.1f}, peak memory x{s['peak_mb'] / d['peak_mb']:.1f}")


if __name__ == "__main__":
    main()
