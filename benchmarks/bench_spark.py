"""Feature table on Spark local[2] vs DuckDB (2 threads): wall time, CPU time and peak memory, Python and JVM.

Data: synthetic canonical lines as parquet with microsecond timestamps (`synthetic.write_shop_parquet`), generated
once under /tmp (never in the repo) or reused read-only (/tmp/features_bench/shop50m: 35 files of ~1.45M lines).
Each engine runs in a fresh subprocess (for Spark: a cold JVM, so the Spark start is counted apart from the query).
Memory: the kernel's high-water mark (`VmHWM`) of each process just before it ends — the Python process and, for
Spark, the JVM driver (in local mode it is also the executor) — plus the peak of their sum sampled every 0.1 s.
Both engines write their feature table; the parent checks that they are equal to 1e-9 (the conformance test at scale).

    python benchmarks/bench_spark.py                                  # 50M lines (the acceptance case)
    python benchmarks/bench_spark.py --lines 1000000,5000000,10000000  # scaling runs, with a 50M estimate
    python benchmarks/bench_spark.py --lines 1000000 --engines spark   # one engine

Acceptance (issue #8): 50M synthetic lines on local[2] vs DuckDB, time and peak memory, printed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2011-12-10"
# Spark query CPU on this machine kind: ~7.6 CPU s per 1M lines plus ~60 CPU s fixed (cold-JVM warm-up; see 11_spark):
# 50M lines need ~4-5 min wall on two quiet cores (~445 CPU s) plus the JVM start; 40 min covers a machine at load 15.
DEFAULT_TIMEOUT = 2400

PRELUDE = r"""
import json, os, resource, sys, time
def _hwm(pid):  # kernel high-water mark of a process's resident memory, MB
    with open(f"/proc/{{pid}}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
"""

DUCKDB = PRELUDE + r"""
t0 = time.perf_counter()
import duckdb
from segment_lib.features import customer_features
con = duckdb.connect(config={{"threads": 2}})
t1, c1 = time.perf_counter(), _cpu()
f = customer_features(con.read_parquet({files!r}), {as_of!r}, con=con)  # canonical already: no re-mapping
t2, c2 = time.perf_counter(), _cpu()
f.to_parquet({out!r})
print(json.dumps({{"start_s": t1 - t0, "query_s": t2 - t1, "query_cpu_s": c2 - c1, "cpu_s": c2, "py_hwm_mb": _hwm(os.getpid()),
                  "jvm_hwm_mb": 0.0, "customers": len(f), "columns": f.shape[1]}}))
"""

SPARK = PRELUDE + r"""
t0 = time.perf_counter()
import psutil
from segment_lib.spark import spark_session, spark_transactions, spark_customer_features, spark_features_to_pandas
spark = spark_session("local[2]", driver_memory={driver_memory!r})
jvm = next(p for p in psutil.Process().children(recursive=True) if p.name() == "java")
jcpu = lambda: sum(jvm.cpu_times()[:2])
t1, c1, j1 = time.perf_counter(), _cpu(), jcpu()
f = spark_features_to_pandas(spark_customer_features(spark_transactions(spark, spark.read.parquet(*{files!r})), {as_of!r}))
t2, c2, j2 = time.perf_counter(), _cpu(), jcpu()
f.to_parquet({out!r})
res = {{"start_s": t1 - t0, "query_s": t2 - t1, "query_cpu_s": (c2 - c1) + (j2 - j1), "cpu_s": c2 + j2, "jvm_start_cpu_s": j1,
        "py_hwm_mb": _hwm(os.getpid()), "jvm_hwm_mb": _hwm(jvm.pid), "customers": len(f), "columns": f.shape[1]}}
print(json.dumps(res), flush=True)
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
    "Run `code` in a fresh interpreter, sampling its process-tree RSS; wall time, sampled peak and its JSON report."
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        if time.perf_counter() - t0 > timeout:
            for q in ps.children(recursive=True) + [ps]:
                try: q.kill()
                except psutil.Error: pass
            proc.communicate()
            return {"wall_s": time.perf_counter() - t0, "tree_peak_mb": peak / 2**20, "error": f"timed out after {timeout:.0f} s"}
        time.sleep(0.1)
    out, err = proc.communicate()
    res = {"wall_s": time.perf_counter() - t0, "tree_peak_mb": peak / 2**20}
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return res | (json.loads(lines[-1]) if lines else {"error": err[-800:]})


def same_features(a: str, b: str) -> str:
    "'yes' when two feature tables are equal to 1e-9, else what differs."
    import pandas as pd
    try: pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), rtol=1e-9, atol=1e-9)
    except (AssertionError, OSError) as e: return "NO: " + str(e).replace("\n", " ")[:300]
    return "yes (1e-9)"


def estimate(rows: list[dict], engine: str, target: int) -> str | None:
    "Least-squares line through (lines, query seconds / CPU seconds) of an engine's runs, read at `target` lines."
    pts = [(r["lines"], r["query_s"], r["query_cpu_s"]) for r in rows if r["engine"] == engine and "query_s" in r]
    if len(pts) < 2: return None
    n, q, c = map(np.array, zip(*pts))
    (bq, aq), (bc, ac) = np.polyfit(n, q, 1), np.polyfit(n, c, 1)
    return (f"{engine}: query ≈ {aq:.1f} s + {bq * 1e6:.2f} s per 1M lines → {aq + bq * target:.0f} s at {target / 1e6:.0f}M "
            f"(CPU ≈ {ac:.0f} s + {bc * 1e6:.2f} s per 1M lines → {ac + bc * target:.0f} CPU s, i.e. ≥ {(ac + bc * target) / 2:.0f} s wall on 2 cores)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/features_bench/shop50m", help="folder of write_shop_parquet output (µs timestamps)")
    ap.add_argument("--lines", default="50000000", help="line counts, comma-separated; each uses the first files holding that many")
    ap.add_argument("--engines", default="duckdb,spark", help="duckdb, spark or both")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per engine and size before giving up")
    ap.add_argument("--driver-memory", default="4g", help="Spark driver heap (local mode: driver = executor)")
    a = ap.parse_args()
    folder, sizes = Path(a.data), [int(float(x)) for x in a.lines.split(",")]
    engines = {"duckdb": ("DuckDB", DUCKDB), "spark": ("Spark local[2]", SPARK)}
    if not any(folder.glob("*.parquet")):
        from segment_lib.synthetic import write_shop_parquet
        print(f"generating {max(sizes):,} lines into {folder} (once) ...", flush=True)
        write_shop_parquet(folder, max(sizes))
    print(f"as_of={AS_OF}; DuckDB threads=2 vs Spark local[2] (driver {a.driver_memory}); load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            files, n = pick_files(folder, size)
            outs = {}
            for key in a.engines.split(","):
                name, code = engines[key]
                outs[key] = f"{tmp}/{key}_{n}.parquet"
                r = run(code.format(files=files, as_of=AS_OF, out=outs[key], driver_memory=a.driver_memory), a.timeout)
                rows.append({"engine": name, "lines": n, "load": os.getloadavg()[0]} | r)
                print(f"{n:,} lines, {name}:", json.dumps(rows[-1]), flush=True)
            if len(outs) == 2 and all(os.path.exists(p) for p in outs.values()):
                rows[-1]["same"] = same_features(outs["duckdb"], outs["spark"])
                print(f"{n:,} lines: Spark features equal DuckDB's: {rows[-1]['same']}", flush=True)
    nan = float("nan")
    print(f"\n{'lines':>11} {'engine':<15}{'wall s':>8}{'start s':>8}{'query s':>8}{'query CPU s':>12}{'Python MB':>10}"
          f"{'JVM MB':>8}{'both MB':>8}{'customers':>10}{'load':>6}  note")
    for r in rows:
        print(f"{r['lines']:>11,} {r['engine']:<15}{r['wall_s']:>8.1f}{r.get('start_s', nan):>8.1f}{r.get('query_s', nan):>8.1f}"
              f"{r.get('query_cpu_s', nan):>12.1f}{r.get('py_hwm_mb', nan):>10.0f}{r.get('jvm_hwm_mb', nan):>8.0f}"
              f"{r['tree_peak_mb']:>8.0f}{r.get('customers', 0):>10,}{r['load']:>6.1f}  {r.get('error', r.get('same', ''))}")
    print("(Python MB / JVM MB: kernel high-water mark of each process; both MB: peak of their sum, sampled every 0.1 s)")
    for size in sorted({r["lines"] for r in rows}):
        d, s = ([r for r in rows if r["lines"] == size and r["engine"] == e] for e in ("DuckDB", "Spark local[2]"))
        if d and s and "query_s" in d[0] and "query_s" in s[0]:
            print(f"{size:,} lines — Spark/DuckDB: wall x{s[0]['wall_s'] / d[0]['wall_s']:.1f}, query x{s[0]['query_s'] / d[0]['query_s']:.1f}, "
                  f"query CPU x{s[0]['query_cpu_s'] / d[0]['query_cpu_s']:.1f}, peak memory x{s[0]['tree_peak_mb'] / d[0]['tree_peak_mb']:.1f}")
    if len(sizes) > 1:
        for e in ("DuckDB", "Spark local[2]"):
            est = estimate(rows, e, 50_000_000)
            if est: print("estimate", est)


if __name__ == "__main__":
    main()
