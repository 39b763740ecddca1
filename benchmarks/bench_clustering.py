"""Clustering benchmarks against scikit-learn, measured in the same run (issue #5 performance lines).

    python benchmarks/bench_clustering.py [--quick]

Prints one table: what was measured, ours, the scikit-learn baseline, the ratio and the target.
Memory: the k-means case holds 5M × 32 float32 (640 MB) plus scikit-learn's working copies.
"""
from __future__ import annotations

import argparse
import gc
import resource
import time

import numpy as np
import pandas as pd

from segment_lib.clustering import SegmentModel, fit_kmeans, kmeans_plus_plus, lloyd
from segment_lib.tuning import scalings, search_segmentations, silhouette_estimate


def cpu_s() -> float:
    "CPU seconds (user + system) of this process so far, all threads."
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime


CPU = {}  # label -> CPU seconds of the last `timed` call with that label


def timed(f, label=None):
    "Run f(); return (result, wall seconds); CPU seconds go to CPU[label]."
    c, t = cpu_s(), time.perf_counter(); out = f(); wall = time.perf_counter() - t
    if label: CPU[label] = cpu_s() - c
    return out, wall


def blobs(n, d, k, seed=0, spread=4.0):
    "Gaussian mixture with overlapping components, float32, generated in chunks."
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, spread, (k, d)).astype(np.float32)
    X = np.empty((n, d), np.float32); y = rng.integers(0, k, n)
    for s in range(0, n, 1_000_000):
        e = min(n, s + 1_000_000)
        X[s:e] = centres[y[s:e]] + rng.standard_normal((e - s, d), dtype=np.float32)
    return X, y


def bench_kmeans(n, rows, iters=10):
    from sklearn.cluster import KMeans
    X, _ = blobs(n, 32, 16)
    init = kmeans_plus_plus(X, 16, np.random.RandomState(0))
    # per-iteration time, same start, fixed number of iterations (tol=0)
    sk, t_sk = timed(lambda: KMeans(16, init=init, n_init=1, max_iter=iters, tol=0, algorithm="lloyd").fit(X))
    ours, t_ours = timed(lambda: lloyd(X, init, max_iter=iters, tol=0))
    it_sk, it_ours = t_sk / sk.n_iter_, t_ours / ours.n_iter
    rows.append(("k-means Lloyd, ms/iteration", f"N={n:,} D=32 K=16", it_ours * 1e3, it_sk * 1e3, it_ours / it_sk, "≤ 0.5"))
    del sk; gc.collect()
    # full default fit (k-means++, tol 1e-4) vs our large-N mode
    sk, t_sk = timed(lambda: KMeans(16, n_init=1, random_state=0).fit(X))
    fast, t_fast = timed(lambda: fit_kmeans(X, 16, 0, n_init=3, sample_size=100_000, refine_iter=0))
    rows.append(("k-means large-N mode (fit s)", f"sample 100k + assign; inertia {fast.inertia / sk.inertia_ - 1:+.3%}",
                 t_fast, t_sk, t_fast / t_sk, "≤ 0.1, |Δinertia| ≤ 0.5 %"))
    del X, sk, fast; gc.collect()


def bench_silhouette(n, rows):
    from sklearn.metrics import silhouette_score
    X, y = blobs(n, 32, 16, seed=1)
    est, t = timed(lambda: silhouette_estimate(X, y, random_state=0), "sil")
    m = 20_000
    _, t_sk = timed(lambda: silhouette_score(X, y, sample_size=m, random_state=0), "sil_sk")
    rows.append(("silhouette estimate (s)", f"N={n:,}: {est.value:.4f} ± {est.half_width:.4f} (n={est.n_query}); "
                 f"sklearn sample_size={m:,} (no CI); CPU s ours {CPU['sil']:.2f}, sklearn {CPU['sil_sk']:.2f}", t, t_sk, t / t_sk, "≤ 2 s, ± ≤ 0.005"))
    del X; gc.collect()


def bench_sample_assign(n, rows):
    from sklearn.cluster import AgglomerativeClustering, HDBSCAN
    X, y = blobs(n, 8, 8, seed=2, spread=6.0)
    from sklearn.metrics import adjusted_rand_score as ari
    for algo, base, m in [("ward", lambda Z: AgglomerativeClustering(8).fit(Z), 10_000),
                          ("hdbscan", lambda Z: HDBSCAN(min_cluster_size=50).fit(Z), 10_000)]:
        model, t = timed(lambda: SegmentModel(algo, n_segments=8, random_state=0).fit(X))
        _, t_sk = timed(lambda: base(X[:m]))
        rows.append((f"{algo} N={n:,} via sample+assign (s)", f"ARI vs truth {ari(y, model.labels_):.3f}; "
                     f"sklearn on {m:,} rows only", t, t_sk, t / t_sk, "≤ 60 s"))
    del X; gc.collect()


def customers(n, seed=3):
    "Heavy-tailed customer-like features: 10 columns, 5 latent groups."
    X, y = blobs(n, 10, 5, seed=seed, spread=1.5)
    return pd.DataFrame(np.exp(X / 2), columns=[f"f{i}" for i in range(10)]), y


def bench_sweep(n, rows):
    F, _ = customers(n)
    sc = {"log_standard": scalings()["log_standard"]}
    params = {"gmm": dict(sample_size=20_000, covariance_type="diag"), "bisecting": dict(sample_size=20_000),
              "ward": dict(sample_size=5_000)}
    res, t = timed(lambda: search_segmentations(F, ["kmeans", "gmm", "ward", "bisecting"], range(2, 13), scaling=sc,
                                                model_params=params, random_state=0), "sweep")
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    Z = sc["log_standard"].fit_transform(F)
    def sk_sweep():  # the seed's approach, k-means only: fit + silhouette on a 10k sample per k
        for k in range(2, 13): silhouette_score(Z, KMeans(k, random_state=0).fit_predict(Z), sample_size=10_000, random_state=0)
    _, t_sk = timed(sk_sweep, "sweep_sk")
    rows.append(("tuning sweep (s)", f"N={n:,}: 4 algorithms × k=2..12 = {len(res.table)} fits, chose {res.best_params['algorithm']} "
                 f"k={res.best_params['k']}; sklearn: k-means only; CPU s ours {CPU['sweep']:.1f}, sklearn {CPU['sweep_sk']:.1f}",
                 t, t_sk, t / t_sk, "≤ 180 s"))


def bench_report_tuning(rows, n_customers=3000):
    "The tuning calls of the two reports on the default synthetic shop (auto k with gap, 4-algorithm search, bootstrap)."
    import pandas as pd
    from segment_lib.pipeline import SegmentPipeline
    from segment_lib.synthetic import make_shop
    from segment_lib.tuning import bootstrap_stability
    shop = make_shop(n_customers, random_state=0); tx = shop.transactions
    cut = (tx["timestamp"].max() - pd.Timedelta(days=90)).normalize()
    pipe, t_fit = timed(lambda: SegmentPipeline(n_segments="auto", random_state=0).fit(tx, as_of=cut), "auto")
    Z = pipe.embedding_
    res, t_s = timed(lambda: search_segmentations(Z, ("kmeans", "gmm", "ward", "bisecting"), range(2, 9), scaling={"as fitted": None},
                                                  model_params={"gmm": {"covariance_type": "diag"}}, random_state=0), "search")
    st, t_b = timed(lambda: bootstrap_stability(pipe.model_, Z, n_boot=5, random_state=0), "boot")
    for name, t, lab, note in [("report: SegmentPipeline auto k (s)", t_fit, "auto", f"k={pipe.n_segments_} (cleaning + features included)"),
                               ("report: search 4 algos × k=2..8 (s)", t_s, "search", f"chose {res.best_params['algorithm']} k={res.best_params['k']}"),
                               ("report: bootstrap_stability n_boot=5 (s)", t_b, "boot", f"ARI {st.mean_ari:.3f}")]:
        rows.append((name, f"{n_customers:,} synthetic customers: {note}; CPU s {CPU[lab]:.1f}", t, np.nan, np.nan,
                     "was 61 / 59 / 3.9 CPU s (loaded)"))


def bench_mixed(n, rows):
    rng = np.random.default_rng(4)
    F, y = customers(n, seed=4)
    for j in range(10):
        levels = np.array([f"c{j}_{v}" for v in range(6)])
        pick = np.where(rng.random(n) < 0.7, (y + j) % 6, rng.integers(0, 6, n))
        F[f"cat{j}"] = levels[pick]
    model, t = timed(lambda: SegmentModel("kprototypes", n_segments=5, random_state=0, n_init=2).fit(F))
    from sklearn.metrics import adjusted_rand_score as ari
    rows.append(("k-prototypes (s)", f"N={n:,} × 20 columns (10 numeric, 10 categorical); ARI {ari(y, model.labels_):.3f}",
                 t, np.nan, np.nan, "≤ 120 s"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    ap.add_argument("--only", default="", help="comma-separated cases: kmeans,silhouette,sample+assign,sweep,report tuning,mixed")
    a = ap.parse_args()
    f = 10 if a.quick else 1
    rows = []
    for name, fn in [("kmeans", lambda: bench_kmeans(5_000_000 // f, rows)), ("silhouette", lambda: bench_silhouette(1_000_000 // f, rows)),
                     ("sample+assign", lambda: bench_sample_assign(1_000_000 // f, rows)), ("sweep", lambda: bench_sweep(100_000 // f, rows)),
                     ("report tuning", lambda: bench_report_tuning(rows, 3000 // f)),
                     ("mixed", lambda: bench_mixed(100_000 // f, rows))]:
        if a.only and name not in a.only.split(","): continue
        t0 = time.perf_counter(); n_before = len(rows); fn()
        for r in rows[n_before:]: print("  ", " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r), flush=True)
        print(f"[{name} done in {time.perf_counter() - t0:.0f} s]", flush=True)
    t = pd.DataFrame(rows, columns=["benchmark", "setting", "ours", "sklearn", "ratio", "target"])
    with pd.option_context("display.width", 300, "display.max_colwidth", 160):
        print(t.round(3).to_string(index=False))
