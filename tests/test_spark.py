"""Spark path, behind SEGMENT_LIB_TEST_FLAGS='spark' (pyspark 4 + Java 17): features equal DuckDB's to 1e-9, MLlib
k-means inertia within 1 % of scikit-learn's, k selection, batch scoring == local predict, segment popularity."""
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from conftest import enabled_flags
from segment_lib.clustering import SegmentModel
from segment_lib.core import Col
from segment_lib.features import customer_features, make_feature_pipeline
from segment_lib.preprocessing import TransactionCleaner
from segment_lib.synthetic import make_shop

pytestmark = pytest.mark.skipif("spark" not in enabled_flags(),
                                reason="Spark tests run with SEGMENT_LIB_TEST_FLAGS='spark' (pyspark 4 and Java 17)")


@pytest.fixture(scope="session")
def spark():
    from segment_lib.spark import spark_session
    return spark_session("local[2]", shuffle_partitions=2)  # reuses the notebook run's session when there is one


@pytest.fixture(scope="module")
def shop():
    return make_shop(400, random_state=11)


@pytest.fixture(scope="module")
def clean(shop):
    return TransactionCleaner(as_of="2011-12-10").clean(shop.transactions)


@pytest.fixture(scope="module")
def lines(spark, clean, tmp_path_factory):
    from segment_lib.spark import spark_transactions, write_spark_parquet
    path = write_spark_parquet(clean, tmp_path_factory.mktemp("spark") / "clean.parquet")
    return spark_transactions(spark, str(path)).cache()


@pytest.fixture(scope="module")
def scaled(clean):
    "Scaled features of the cleaned shop and the fitted scaling pipeline."
    f = customer_features(clean, "2011-12-10")
    pipe = make_feature_pipeline(f, max_correlation=None)
    return pipe.fit_transform(f), f, pipe


@pytest.mark.parametrize("as_of,spark_table", [("2011-03-01", False), ("2011-12-10", True)], ids=["march-pandas-attrs", "december-spark-attrs"])
def test_features_equal_duckdb(spark, lines, clean, shop, as_of, spark_table):
    "The conformance test: the same lines, the same feature SQL, DuckDB and Spark agree to 1e-9 (attributes and categories included)."
    from segment_lib.spark import spark_customer_features, spark_features_to_pandas
    attrs = shop.customers.drop(columns="persona")
    s = spark_features_to_pandas(spark_customer_features(lines, as_of, customers=spark.createDataFrame(attrs) if spark_table else attrs))
    d = customer_features(clean, as_of, customers=attrs)
    pd.testing.assert_frame_equal(s, d, rtol=1e-9, atol=1e-9)
    assert s.attrs["feature_groups"] == d.attrs["feature_groups"] and len(s) > 50 and d.attrs["feature_groups"]["category"]


def test_features_need_no_utc_session(spark, lines, clean):
    "Timestamps are TIMESTAMP_NTZ: another session time zone gives the same features (mid-day as_of, fractional days)."
    from segment_lib.spark import spark_customer_features, spark_features_to_pandas
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try: s = spark_features_to_pandas(spark_customer_features(lines, "2011-09-15 13:30", groups=["rfm", "behaviour"]))
    finally: spark.conf.set("spark.sql.session.timeZone", "UTC")
    pd.testing.assert_frame_equal(s, customer_features(clean, "2011-09-15 13:30", groups=["rfm", "behaviour"]), rtol=1e-9, atol=1e-9)


def test_mllib_kmeans_inertia_within_1pct_of_sklearn(spark, scaled):
    from segment_lib.spark import SparkSegmentModel
    z = scaled[0]
    sk = KMeans(6, n_init=10, random_state=0).fit(z.to_numpy())
    m = SparkSegmentModel("kmeans", 6, random_state=0, n_init=3).fit(spark.createDataFrame(z.reset_index()))
    assert abs(m.inertia_ / sk.inertia_ - 1) < 0.01, (m.inertia_, sk.inertia_)
    lab = m.predict(spark.createDataFrame(z.reset_index())).select("segment").toPandas().segment.to_numpy()
    own = ((z.to_numpy() - m.cluster_centers_[lab]) ** 2).sum()  # the inertia recomputed locally from its centres
    assert abs(own / m.inertia_ - 1) < 1e-6
    np.testing.assert_array_equal(np.bincount(lab), m.segment_sizes_)


@pytest.mark.parametrize("algorithm", ["bisecting", "gmm"])
def test_bisecting_and_gmm(spark, scaled, algorithm):
    from segment_lib.spark import SparkSegmentModel
    z = scaled[0][["monetary", "frequency", "recency_days", "share_evening", "share_winter"]]
    df = spark.createDataFrame(z.reset_index())
    m = SparkSegmentModel(algorithm, 3, random_state=1, max_iter=20).fit(df)
    lab = m.predict(df).toPandas().segment.to_numpy()
    assert m.cluster_centers_.shape == (3, 5) and list(m.segment_sizes_) == sorted(m.segment_sizes_, reverse=True)
    if algorithm == "bisecting": np.testing.assert_array_equal(np.bincount(lab, minlength=3), m.segment_sizes_)
    else: assert m.log_likelihood_ is not None and set(lab) <= {0, 1, 2}


def test_select_k_finds_planted_blobs(spark):
    from segment_lib.spark import spark_select_k
    X, _ = make_blobs(600, n_features=4, centers=4, cluster_std=0.6, random_state=3)
    df = spark.createDataFrame(pd.DataFrame(X, columns=list("abcd")))
    ks = spark_select_k(df, ks=[3, 4, 5], sample_size=400, random_state=0)
    assert ks.loc[ks.silhouette.idxmax(), "k"] == 4 and ks.loc[ks.calinski_harabasz.idxmax(), "k"] == 4
    assert ks.loc[ks.davies_bouldin.idxmin(), "k"] == 4 and (ks.sample_rows <= 400).all()
    from segment_lib.tuning import choose_k
    assert choose_k(ks)[0] == 4  # the local guard-and-vote rule reads the Spark table


@pytest.mark.parametrize("algorithm", ["kmeans", "ward", "bisecting"])
def test_batch_scoring_equals_local_predict(spark, scaled, algorithm):
    from segment_lib.spark import spark_assign_segments
    z, f, pipe = scaled
    m = SegmentModel(algorithm, 5, random_state=0).fit(z)
    df = spark.createDataFrame(z.reset_index())
    got = spark_assign_segments(df, m).select(Col.CUSTOMER, "segment").toPandas().set_index(Col.CUSTOMER).segment
    np.testing.assert_array_equal(got.reindex(z.index).to_numpy(), m.predict(z))
    if algorithm == "kmeans":  # the Python path too, with the scaling pipeline in front of the model
        from sklearn.pipeline import make_pipeline
        full = make_pipeline(pipe, m)
        raw = spark_assign_segments(spark.createDataFrame(f.reset_index()), full, method="pandas").toPandas()
        np.testing.assert_array_equal(raw.set_index(Col.CUSTOMER).segment.reindex(f.index).to_numpy(), full.predict(f))


def test_segment_popularity_matches_pandas(spark, lines, clean, scaled):
    from segment_lib.spark import spark_segment_popularity
    z = scaled[0]
    seg = pd.Series(SegmentModel("kmeans", 4, random_state=0).fit_predict(z), index=z.index)
    got = spark_segment_popularity(lines, seg, k=5, exclude_bought=True).toPandas()
    tx = clean.transactions[[Col.CUSTOMER, Col.ITEM]].drop_duplicates()
    tx = tx.assign(segment=tx[Col.CUSTOMER].map(seg))
    share = tx.groupby(["segment", Col.ITEM]).size() / tx.groupby("segment")[Col.CUSTOMER].nunique()
    glob = tx.groupby(Col.ITEM).size()
    for c in seg.index[:25]:
        s = share.loc[seg[c]].rename("score").to_frame().assign(tie=glob).drop(tx[tx[Col.CUSTOMER] == c][Col.ITEM], errors="ignore")
        want = s.reset_index().sort_values(["score", "tie", Col.ITEM], ascending=[False, False, True]).head(5)
        mine = got[got[Col.CUSTOMER] == c].sort_values("rank")
        assert list(mine[Col.ITEM]) == list(want[Col.ITEM]), c
        np.testing.assert_allclose(mine.score, want.score, rtol=1e-12)


def test_features_on_raw_lines_with_zero_divisors(spark, shop):
    "Uncleaned lines (returns, zero gross quantity): no division error on Spark, the same values as DuckDB."
    from segment_lib.spark import spark_customer_features, spark_features_to_pandas, spark_transactions
    raw = shop.transactions.dropna(subset=[Col.CUSTOMER, Col.ORDER, Col.ITEM, Col.TIMESTAMP])
    raw = pd.concat([raw, raw.iloc[[0]].assign(customer_id="zero", quantity=0.0)])  # a customer whose gross quantity is 0
    s = spark_features_to_pandas(spark_customer_features(spark_transactions(spark, raw), "2011-12-10", groups=["rfm"]))
    d = customer_features(raw, "2011-12-10", groups=["rfm"])
    # a zero gross quantity gives return_rate 0 on every engine (nullif + coalesce in the feature SQL)
    assert np.isfinite(d.to_numpy()).all() and d.loc["zero", "return_rate"] == 0
    pd.testing.assert_frame_equal(s, d, rtol=1e-9, atol=1e-9)
