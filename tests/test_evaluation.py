"""Every metric rejects malformed input; metrics match hand-computed toy cases."""
import numpy as np
import pandas as pd
import pytest

from segment_lib.core import SchemaError
from segment_lib.evaluation import (catalog_coverage, evaluate, hit_rate_at_k, map_at_k, ndcg_at_k, novelty,
                                    paired_bootstrap, precision_at_k, recall_at_k, time_split)

RECS = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"], "rank": [1, 2, 3, 1, 2], "item_id": ["x", "y", "z", "x", "w"]})
REL = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "item_id": ["y", "q", "x", "z"]})
TRAIN = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "a", "b", "c"], "item_id": ["x", "x", "x", "x", "y", "y", "w"]})
G = 1 / np.log2(3)

RANKING = [precision_at_k, recall_at_k, ndcg_at_k, map_at_k, hit_rate_at_k]
ALL_METRICS = RANKING + [lambda r, rel, k=10: catalog_coverage(r, ["x", "y", "z", "w"], k), lambda r, rel, k=10: novelty(r, TRAIN, k)]
IDS = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty"]
MALFORMED = {
    "k=0": (RECS, REL, dict(k=0), ValueError, "positive integer"),
    "k=2.5": (RECS, REL, dict(k=2.5), ValueError, "positive integer"),
    "no rank column": (RECS.drop(columns="rank"), REL, {}, SchemaError, "lacks column(s) ['rank']"),
    "duplicate item": (pd.concat([RECS, RECS.head(1)]), REL, {}, SchemaError, "twice"),
    "text rank": (RECS.assign(rank=RECS["rank"].astype(str)), REL, {}, SchemaError, "must be numeric"),
    "missing item": (RECS.assign(item_id=None), REL, {}, SchemaError, "missing values"),
    "not a frame": (RECS.to_numpy(), REL, {}, SchemaError, "must be a pandas DataFrame"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
@pytest.mark.parametrize("metric", ALL_METRICS, ids=IDS)
def test_every_metric_rejects_malformed_input(metric, case):
    recs, rel, kw, exc, msg = MALFORMED[case]
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        metric(recs, rel, **kw)


@pytest.mark.parametrize("bad_rel,msg", [(pd.concat([REL, REL]), "pair twice"), (REL.iloc[:0], "relevant is empty"),
                                         (REL.drop(columns="item_id"), "lacks column")], ids=["duplicate", "empty", "no item"])
@pytest.mark.parametrize("metric", RANKING, ids=IDS[:5])
def test_ranking_metrics_reject_malformed_relevance(metric, bad_rel, msg):
    with pytest.raises(SchemaError, match=msg):
        metric(RECS, bad_rel, k=3)


@pytest.mark.parametrize("metric,expected", [
    (precision_at_k, 2 / 9), (recall_at_k, 1.5 / 3), (ndcg_at_k, (G / (1 + G) + 1) / 3), (map_at_k, 1.25 / 3), (hit_rate_at_k, 2 / 3),
], ids=IDS[:5])
def test_hand_computed_toy_case(metric, expected):
    assert metric(RECS, REL, k=3) == pytest.approx(expected)


def test_perfect_and_empty_rankings():
    perfect = pd.DataFrame({"customer_id": ["a", "a"], "rank": [1, 2], "item_id": ["y", "q"]})
    rel = REL[REL.customer_id == "a"]
    for m in RANKING[1:]:
        assert m(perfect, rel, k=2) == pytest.approx(1.0)
    assert ndcg_at_k(RECS.iloc[:0], REL, k=3) == 0.0


def test_coverage_and_novelty_by_hand():
    assert catalog_coverage(RECS, ["x", "y", "z", "w", "v"], k=3) == pytest.approx(0.8)
    assert novelty(RECS, TRAIN, k=2) == pytest.approx((0 + 1 + 0 + 2) / 4)


def test_evaluate_restricts_to_customers_in_both_windows():
    test = pd.DataFrame({"customer_id": ["a", "e"], "item_id": ["y", "x"]})
    ev = evaluate(RECS, test, TRAIN, k=3)
    assert list(ev.per_customer.index) == ["a"] and ev.summary["ndcg"] == pytest.approx(1 / np.log2(3))


def test_paired_bootstrap_is_seeded_and_centred():
    rs = np.random.RandomState(0)
    a = pd.Series(rs.rand(200)); b = a - 0.05 + rs.normal(0, 0.1, 200)
    r1, r2 = paired_bootstrap(a, b, random_state=1), paired_bootstrap(a, b, random_state=1)
    assert r1.equals(r2) and r1["ci_low"] < r1["diff"] < r1["ci_high"]
    with pytest.raises(ValueError, match="same non-empty customers"):
        paired_bootstrap(a, b.iloc[1:])


def test_time_split_is_disjoint_and_ordered():
    tx = pd.DataFrame({"timestamp": pd.date_range("2011-01-01", periods=100, freq="D")})
    s = time_split(tx, "2011-03-01", validation_days=14)
    assert len(s.train) + len(s.validation) + len(s.test) == 100
    assert s.train.timestamp.max() < s.validation.timestamp.min() and s.validation.timestamp.max() < s.test.timestamp.min()
