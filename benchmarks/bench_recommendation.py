"""Recommendation benchmarks (2 cores): (1) fit + evaluate every recommender on the UCI data (target <= 60 s in total);
(2) top-10 for 1M synthetic customers over 50k items (target <= 5 min, peak RSS <= 6 GB).

The 1M x 50k interaction matrix is generated directly with numpy (make_shop at that size would take minutes and
its catalogue is far smaller than 50k items): each customer buys ~20 distinct items from one of 50 taste clusters
with Zipf-like item popularity. Usage: python benchmarks/bench_recommendation.py [--skip-uci] [--skip-scale] [--scale-customers N]"""
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from segment_lib.core import Col
from segment_lib.data import online_retail
from segment_lib.evaluation import VARIANTS, evaluate_recommenders, time_split
from segment_lib.pipeline import SegmentPipeline
from segment_lib.preprocessing import TransactionCleaner
from segment_lib.recommendation import (
    Interactions,
    ItemItemCF,
    RepeatPurchaseRecommender,
    default_recommenders,
    tfidf_item_embeddings,
)

UCI = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail.parquet"


def peak_rss_gb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_s() -> float:
    "User + system CPU seconds of this process so far (all threads)."
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime


def bench_uci() -> pd.DataFrame:
    t0 = time.perf_counter()
    raw, cut = online_retail(UCI), pd.Timestamp("2011-09-01")
    split = time_split(TransactionCleaner().clean(raw).transactions, cut)
    segs = SegmentPipeline(n_segments=6, random_state=0).fit(raw[raw[Col.TIMESTAMP] < cut], as_of=cut).labels_  # training window only
    emb = tfidf_item_embeddings(split.train)
    prep = time.perf_counter() - t0
    rows = []
    for name, model in default_recommenders(segs, emb).items():
        t, c = time.perf_counter(), cpu_s(); model.fit(split.train); fit_s, fit_cpu = time.perf_counter() - t, cpu_s() - c
        t, c = time.perf_counter(), cpu_s(); ev = evaluate_recommenders({name: model}, split.test, split.train); ev_s, ev_cpu = time.perf_counter() - t, cpu_s() - c
        rows.append({"recommender": name, "fit_s": fit_s, "evaluate_s": ev_s, "fit_cpu_s": fit_cpu, "evaluate_cpu_s": ev_cpu,
                     **{f"ndcg@10 {v}": ev[v][name].summary["ndcg"] for v in VARIANTS}})
    out = pd.DataFrame(rows).set_index("recommender")
    print(f"\nUCI: data + segments + embeddings {prep:.1f} s; all recommenders fit + evaluate {out[['fit_s', 'evaluate_s']].sum().sum():.1f} s wall, "
          f"{out[['fit_cpu_s', 'evaluate_cpu_s']].sum().sum():.1f} s CPU (target <= 60 s; load {os.getloadavg()[0]:.1f})")
    print(out.round(3).to_string())
    return out


def synthetic_interactions(n_customers=1_000_000, n_items=50_000, per_customer=20, n_clusters=50, seed=0) -> Interactions:
    rng = np.random.default_rng(seed)
    n = rng.poisson(per_customer, n_customers).clip(1, None)
    rows = np.repeat(np.arange(n_customers), n)
    cluster = rng.integers(0, n_clusters, n_customers)[rows]
    # Zipf-like popularity within a cluster's 2,000-item slice of the catalogue, 20% of purchases anywhere
    local = np.minimum((rng.pareto(1.2, len(rows)) * 30).astype(np.int64), 1999)
    cols = np.where(rng.random(len(rows)) < 0.8, (cluster * 1000 + local) % n_items, rng.integers(0, n_items, len(rows)))
    counts = sp.csr_matrix((rng.geometric(0.5, len(rows)).astype(np.float32), (rows, cols)), shape=(n_customers, n_items))
    counts.sum_duplicates(); counts.sort_indices()
    age = rng.uniform(0, 365, counts.nnz).astype(np.float32)
    orders = np.diff(counts.indptr) // 2 + 1
    return Interactions(pd.Index(np.arange(n_customers), name=Col.CUSTOMER), pd.Index(np.arange(n_items), name=Col.ITEM),
                        counts, age, orders, pd.Timestamp("2011-12-01"))


def bench_scale(n_customers=1_000_000, n_items=50_000) -> pd.DataFrame:
    t = time.perf_counter(); inter = synthetic_interactions(n_customers, n_items); gen = time.perf_counter() - t
    print(f"\nsynthetic {inter} generated in {gen:.1f} s, peak RSS {peak_rss_gb():.2f} GB")
    rows = []
    for name, model in {"repeat purchase": RepeatPurchaseRecommender(), "item-item CF": ItemItemCF()}.items():
        t, c = time.perf_counter(), cpu_s(); model.fit(inter); fit_s = time.perf_counter() - t
        t = time.perf_counter(); recs = model.recommend(inter.customers, k=10, exclude_bought=True, batch_size=5000); rec_s = time.perf_counter() - t
        assert len(recs) == 10 * n_customers, len(recs)
        rows.append({"recommender": name, "fit_s": fit_s, "top10_all_customers_s": rec_s, "fit_plus_top10_s": fit_s + rec_s,
                     "cpu_s": cpu_s() - c, "rows": len(recs), "peak_rss_gb": peak_rss_gb()})
        print(rows[-1], flush=True); del recs
    out = pd.DataFrame(rows).set_index("recommender")
    print(f"\n{n_customers:,} customers x {n_items:,} items, top-10 (target <= 300 s, peak RSS <= 6 GB; load {os.getloadavg()[0]:.1f})")
    print(out.round(2).to_string())
    return out


if __name__ == "__main__":  # --scale-customers N: a smaller scale run to extrapolate from
    if "--skip-uci" not in sys.argv: bench_uci()
    n = int(sys.argv[sys.argv.index("--scale-customers") + 1]) if "--scale-customers" in sys.argv else 1_000_000
    if "--skip-scale" not in sys.argv: bench_scale(n)
