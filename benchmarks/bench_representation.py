"""Benchmark learned representations: the item text encoder (cold / warm cache; cold also with the
sentence-transformers backend as the baseline of the same run) on the UCI descriptions, the
BehaviourEncoder on the UCI customers and on 100k synthetic customers; `--gpu-only`: text-encoder throughput
on a CUDA device (fp16).

Each CPU case runs in a fresh subprocess (imports and model load included in 'wall s' and 'CPU s' (user + sys
of the whole process); 'timed s' is the step the target is about). On a shared machine wall time depends on the
load: the table prints the load average so a reader can tell. Usage:
    python benchmarks/bench_representation.py [--uci PATH] [--skip-100k | --only-100k] [--skip-baseline] [--n-synthetic 100000]
    python benchmarks/bench_representation.py --gpu-only [--model DIR] [--n-texts 200000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UCI = ROOT.parent / "shared" / "data" / "online_retail.parquet"

CASE = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
{body}
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall_s": wall, "timed_s": timed, "n": n, "extra": extra, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "load": os.getloadavg()[0],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

UCI_TEXTS = """
import pandas as pd
texts = pd.read_parquet({uci!r}, columns=["Description"])["Description"].dropna().astype(str).unique().tolist()
"""

TEXT = UCI_TEXTS + """
from segment_lib.representation import ItemTextEncoder
t1 = time.perf_counter()
enc = ItemTextEncoder(cache_dir={cache!r}, backend={backend!r})
v = enc.encode(texts)
timed, n = time.perf_counter() - t1, len(texts)
extra = f"dim {{v.shape[1]}}, {{type(getattr(enc, '_st', None)).__name__}}, {{sorted(m for m in ('torch', 'transformers') if m in sys.modules)}}"
"""

# features: segment_lib.features when it is on this branch, else a small provisional table
FEATURES = """
from segment_lib.core import Col
try:
    from segment_lib.features import customer_features
    def features(tx, as_of): return customer_features(tx, as_of).select_dtypes("number")
    fsrc = "features"
except ImportError:
    def features(tx, as_of):
        tx = tx[tx[Col.TIMESTAMP] < as_of].assign(spend=lambda d: d[Col.QUANTITY] * d[Col.PRICE])
        g = tx.groupby(Col.CUSTOMER)
        return pd.DataFrame({{"recency": (as_of - g[Col.TIMESTAMP].max()).dt.days, "orders": g[Col.ORDER].nunique(),
                             "spend": g["spend"].sum(), "lines": g.size(), "price": g[Col.PRICE].mean(),
                             "qty": g[Col.QUANTITY].mean()}})
    fsrc = "stand-in"
"""

UCI_ENCODER = FEATURES + """
import pandas as pd
from segment_lib.data import online_retail
from segment_lib.preprocessing import TransactionCleaner
from segment_lib.encoder import BehaviourEncoder
from segment_lib.representation import ItemTextEncoder
tx = TransactionCleaner().clean(online_retail({uci!r})).transactions
tx = tx[tx[Col.CUSTOMER].notna() & (tx[Col.CUSTOMER] != "None")]
as_of = tx[Col.TIMESTAMP].max() + pd.Timedelta("1s")
X = features(tx, as_of)
t1 = time.perf_counter()
be = BehaviourEncoder(n_components=16, text_encoder=ItemTextEncoder(cache_dir={cache!r}), random_state=0,
                      show_progress=False).fit(X, transactions=tx)
timed, n, extra = time.perf_counter() - t1, len(X), f"{{be.n_epochs_}} epochs, {{X.shape[1]}} {{fsrc}} features, vocab {{len(be.vocab_)}}"
"""

SYN_ENCODER = FEATURES + """
import pandas as pd
from segment_lib.synthetic import make_shop, Dirt
from segment_lib.encoder import BehaviourEncoder
shop = make_shop({n_syn}, dirt=Dirt(0, 0, 0, 0, 0, 0, 0, 0), random_state=0)
tx = shop.transactions.dropna(subset=[Col.CUSTOMER])
as_of = tx[Col.TIMESTAMP].max() + pd.Timedelta("1s")
X = features(tx, as_of)
t1 = time.perf_counter()
be = BehaviourEncoder(n_components=16, random_state=0).fit(X, transactions=tx)
timed, n, extra = time.perf_counter() - t1, len(X), f"{{be.n_epochs_}} epochs, {{len(tx):,}} lines, vocab {{len(be.vocab_)}}"
"""

TARGETS = {"text cold": 20, "text warm": 1, "encoder UCI": 60, "encoder synthetic": 600}


def run_case(body: str, env: dict | None = None, timeout: float | None = None) -> dict:
    "Run one case in a fresh interpreter (killed after `timeout` seconds)."
    r = subprocess.run([sys.executable, "-c", CASE.format(body=body)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=timeout)
    if r.returncode: raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def row(name: str, res: dict) -> str:
    target = TARGETS.get(name)
    ok = "" if target is None else ("ok" if res["timed_s"] <= target else "MISSED")
    return (f"{name:20s} {res['n']:>8,d} {res['wall_s']:>8.2f} {res['cpu_s']:>8.2f} {res['timed_s']:>8.2f} "
            f"{res['n'] / max(res['timed_s'], 1e-9):>10,.0f} {str(target or ''):>7s} {ok:>6s} {res['peak_rss_mb']:>8.0f} "
            f"{res['load']:>5.1f}  {res['extra']}")


def text_and_uci(args, cache: str, env: dict):
    "Text cold (and its sentence-transformers baseline), text warm, encoder on UCI."
    if not args.skip_baseline:  # the sentence-transformers backend, in the same run (no cache), for the ratio
        base = run_case(TEXT.format(uci=args.uci, cache=False, backend="sentence-transformers"), env)
        print(row("text cold (st)", base), flush=True)
    cold = run_case(TEXT.format(uci=args.uci, cache=cache, backend="auto"), env)
    print(row("text cold", cold), flush=True)
    if not args.skip_baseline:
        print(f"{'':20s} lean / sentence-transformers: timed {cold['timed_s'] / base['timed_s']:.2f}x, "
              f"process CPU {cold['cpu_s'] / base['cpu_s']:.2f}x", flush=True)
    print(row("text warm", run_case(TEXT.format(uci=args.uci, cache=cache, backend="auto"), env)), flush=True)
    print(row("encoder UCI", run_case(UCI_ENCODER.format(uci=args.uci, cache=cache), env)), flush=True)


def cpu(args):
    print(f"{'case':20s} {'n':>8s} {'wall s':>8s} {'CPU s':>8s} {'timed s':>8s} {'n/s':>10s} {'target':>7s} {'':>6s} "
          f"{'RSS MB':>8s} {'load':>5s}  notes  (wall/CPU: whole process; timed: the step the target is about; "
          f"load: 1-min load average of the 2-core machine at the end)")
    with tempfile.TemporaryDirectory() as cache:
        env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        if not args.only_100k: text_and_uci(args, cache, env)
    if not args.skip_100k:
        try: print(row("encoder synthetic", run_case(SYN_ENCODER.format(n_syn=args.n_synthetic), timeout=args.timeout)), flush=True)
        except subprocess.TimeoutExpired:
            print(f"{'encoder synthetic':20s} {args.n_synthetic:>8,d} customers: no result within --timeout {args.timeout:.0f} s "
                  f"(target 600 s for the fit: MISSED); load {os.getloadavg()[0]:.1f}", flush=True)


def gpu(args):
    "Text-encoder throughput on CUDA: fp16, no cache, synthetic product descriptions (all distinct)."
    import time
    import numpy as np
    import torch
    from segment_lib.representation import ItemTextEncoder
    from segment_lib.synthetic import ADJECTIVES, CATEGORIES
    rng = np.random.default_rng(0)
    nouns = [n for c in CATEGORIES.values() for n in c["nouns"]]
    texts = list(dict.fromkeys(f"{ADJECTIVES[a]} {ADJECTIVES[b]} {nouns[c]} no {i}".upper() for i, (a, b, c) in
                               enumerate(zip(rng.integers(0, 20, args.n_texts), rng.integers(0, 20, args.n_texts),
                                             rng.integers(0, len(nouns), args.n_texts)))))
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, {len(texts):,} texts")
    for half, bs in [(True, 512), (True, 2048), (True, 8192)]:
        enc = ItemTextEncoder(args.model, batch_size=bs, device="cuda", cache_dir=False, half=half, show_progress=False)
        enc.encode(texts[:5000]); torch.cuda.synchronize()  # load + warm-up
        m = enc._load_model()
        half = (getattr(m, "dtype", None) or next(m.parameters()).dtype) == torch.float16  # what actually ran
        t0 = time.perf_counter()
        v = enc.encode(texts); torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        ok = "ok" if len(texts) / dt >= 10_000 else "MISSED"
        print(f"gpu text {'fp16' if half else 'fp32'} batch {bs:5d}: {len(texts):,} in {dt:.2f} s = "
              f"{len(texts) / dt:,.0f} descriptions/s (target 10,000: {ok}); norms {np.linalg.norm(v, axis=1).mean():.4f}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uci", default=str(DEFAULT_UCI))
    ap.add_argument("--skip-100k", action="store_true")
    ap.add_argument("--only-100k", action="store_true", help="only the 100k synthetic encoder case")
    ap.add_argument("--skip-baseline", action="store_true", help="skip the sentence-transformers cold run")
    ap.add_argument("--n-synthetic", type=int, default=100_000)
    ap.add_argument("--timeout", type=float, default=1500, help="seconds for the synthetic case (data + fit)")
    ap.add_argument("--gpu-only", action="store_true")
    ap.add_argument("--model", default="all-MiniLM-L6-v2", help="text model name or folder (GPU run)")
    ap.add_argument("--n-texts", type=int, default=200_000)
    args = ap.parse_args()
    gpu(args) if args.gpu_only else cpu(args)


if __name__ == "__main__":
    main()
