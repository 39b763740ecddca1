"""SegmentModel against scikit-learn's estimator checks, persistence and reproducibility (what notebooks can't do)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from segment_lib.clustering import SegmentModel, save_model, load_model
from segment_lib.core import ModelVersionError

# check_clustering fits 3 blobs with the default number of clusters unless the estimator has
# `n_clusters`; ours is `n_segments`, so the checks get models built with n_segments=3.
ESTIMATORS = [SegmentModel(n_segments=3), SegmentModel("gmm", n_segments=3), SegmentModel("ward", n_segments=3),
              SegmentModel("bisecting", n_segments=3)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


ALGOS = ["kmeans", "gmm", "ward", "bisecting", "hdbscan"]


@pytest.fixture(scope="module")
def blobs():
    return make_blobs([300, 200, 100], n_features=5, cluster_std=0.8, random_state=0)


@pytest.mark.parametrize("algo", ALGOS)
def test_same_seed_same_labels(blobs, algo):
    X, _ = blobs
    a = SegmentModel(algo, n_segments=3, random_state=7).fit(X).labels_
    b = SegmentModel(algo, n_segments=3, random_state=7).fit(X).labels_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("algo", ALGOS)
def test_save_load_predict_identical(blobs, algo, tmp_path):
    X, _ = blobs
    pipe = make_pipeline(StandardScaler(), SegmentModel(algo, n_segments=3, random_state=0)).fit(X)
    back = load_model(save_model(pipe, tmp_path / f"{algo}.joblib"))
    np.testing.assert_array_equal(back.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].labels_)


def test_kprototypes_save_load(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b", "c"], 200)})
    m = SegmentModel("kprototypes", n_segments=3, random_state=0).fit(df)
    np.testing.assert_array_equal(load_model(save_model(m, tmp_path / "kp.joblib")).predict(df), m.labels_)


def test_incompatible_version_refused(blobs, tmp_path, monkeypatch):
    import segment_lib
    p = save_model(SegmentModel(n_segments=3, random_state=0).fit(blobs[0]), tmp_path / "m.joblib")
    monkeypatch.setattr(segment_lib, "__version__", "7.0.0")
    with pytest.raises(ModelVersionError, match="refit the model"):
        load_model(p)


def test_kmeans_large_n_mode_close_to_full():
    X, _ = make_blobs(60_000, n_features=8, centers=10, random_state=1)
    full = SegmentModel(n_segments=10, random_state=0, n_init=2).fit(X)
    fast = SegmentModel(n_segments=10, random_state=0, n_init=2, sample_size=5_000, refine_iter=2).fit(X)
    inertia = lambda m: float((m.transform(X).min(1) ** 2).sum())
    assert inertia(fast) <= inertia(full) * 1.005


def test_pipeline_equal_group_weights():
    "With standard scaling and group_weights='equal', every feature group carries the same total variance."
    from segment_lib.pipeline import SegmentPipeline
    from segment_lib.synthetic import make_shop
    shop = make_shop(300, random_state=0)
    pipe = SegmentPipeline(n_segments=4, exclude_outliers=False, random_state=0).fit(shop.transactions)
    feats, _ = pipe.features(shop.transactions)
    Z = pipe._represent(feats)
    groups = {c: g for g, cols in feats.attrs["feature_groups"].items() for c in cols}
    per_group = Z.var(ddof=0).groupby(Z.columns.map(groups)).sum()
    assert set(per_group.index) == {"rfm", "behaviour", "category"}
    np.testing.assert_allclose(per_group.to_numpy(), 1.0, rtol=1e-6)
    plain = SegmentPipeline(n_segments=4, group_weights=None, exclude_outliers=False, random_state=0).fit(shop.transactions)
    assert plain._represent(feats).var(ddof=0).groupby(Z.columns.map(groups)).sum()["behaviour"] > 5
