"""Issue #15, items 2-5 and the small-segment rule: what the profile *says* must hold on the shop's own data,
checked on hand-made frames and on three shops unlike the tuning ones (tests/unusual_shops.py)."""
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from segment_lib.core import Col, SegmentLibError
from segment_lib.pipeline import SegmentPipeline
from segment_lib.plots import plot_segment_sizes
from segment_lib.preprocessing import TransactionCleaner
from segment_lib.profiling import (SMALL_SEGMENT, name_segments, pool_small_segments, profile_segments,
                                   keyword_table, segment_keywords, top_items_by_lift)
from segment_lib.synthetic import make_shop
from unusual_shops import lapsed_shop, many_category_shop, one_product_shop

matplotlib.use("Agg")
SHOPS = {"one_product": one_product_shop, "many_categories": many_category_shop, "lapsed": lapsed_shop,
         "synthetic": lambda: make_shop(1500, random_state=0).transactions}


@pytest.fixture(scope="module", params=list(SHOPS))
def fitted(request):
    "(shop name, clean transactions, readable features, labels, pipeline) of each shop, fitted once."
    tx = SHOPS[request.param]()
    pipe = SegmentPipeline(random_state=0).fit(tx)
    feats, clean = pipe.features(tx, pipe.as_of_)
    return request.param, clean.transactions, feats, pipe.labels_.astype(str), pipe


# --- item 2: one measure whose sign means the same for every feature --------------------------------------
def test_difference_sign_is_right_for_a_signed_feature():
    "spend_trend's population mean is negative (as on UCI): the segment with rising spend must come out above."
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"spend_trend": np.r_[rng.normal(0.3, 0.05, 100), rng.normal(-0.9, 0.05, 300)],
                      "monetary": rng.uniform(10, 20, 400)}, index=[f"c{i}" for i in range(400)])
    lab = pd.Series(["rising"] * 100 + ["falling"] * 300, index=f.index)
    m = profile_segments(f, lab).lift_matrix()
    assert m.loc["rising", "spend_trend"] > 0 > m.loc["falling", "spend_trend"], m


# --- item 3: names ----------------------------------------------------------------------------------------
def _lapsed_base(n_a=100, n_b=300, n_c=200, seed=0):
    "A shop where most customers last ordered 300-500 days ago; segment a is the most recent but still 230 days."
    rng = np.random.default_rng(seed)
    n = n_a + n_b + n_c
    f = pd.DataFrame({"recency_days": np.r_[rng.normal(230, 10, n_a), rng.normal(430, 30, n_b), rng.normal(420, 30, n_c)],
                      "frequency": np.r_[rng.integers(6, 12, n_a), rng.integers(2, 4, n_b), np.ones(n_c)],
                      "monetary": np.r_[rng.uniform(2000, 4000, n_a), rng.uniform(150, 300, n_b), rng.uniform(20, 60, n_c)],
                      "ipi_mean_days": np.r_[rng.uniform(15, 25, n_a), rng.uniform(20, 40, n_b), np.zeros(n_c)]},
                     index=[f"c{i}" for i in range(n)])
    return f, pd.Series(np.repeat(["a", "b", "c"], [n_a, n_b, n_c]), index=f.index)


def test_no_champions_or_loyal_on_a_lapsed_base():
    f, lab = _lapsed_base()
    names = name_segments(profile_segments(f, lab))
    # segment a orders every ~20 days but last ordered 230 days ago: not "Champions", not "Loyal"
    assert not re.search(r"Champions|Loyal|New|Recent", names["a"]), names
    assert "Loyal" not in names["b"] and "Champions" not in names["b"], names


def test_names_unique_without_numerals(fitted):
    shop, tx, feats, labels, _ = fitted
    prof = profile_segments(feats, labels, tx)
    names = name_segments(prof, keywords=segment_keywords(tx, pool_small_segments(labels)))
    assert len(set(names.values())) == len(names), names
    assert not any(re.search(r"\b(I|II|III|IV|V|VI)$|#\d", n) for n in names.values()), names


def test_keyword_needs_support_from_the_segment():
    "A category bought by one customer of a segment is no keyword, however over-represented its spend."
    shop = make_shop(600, random_state=0)
    tx = TransactionCleaner().clean(shop.transactions).transactions
    lab = shop.truth.reindex(tx[Col.CUSTOMER].unique())
    one = lab.index[lab == "loyal_high_spender"][0]
    odd = tx[tx[Col.CUSTOMER] == one].head(1).assign(**{Col.CATEGORY: "photo & video", Col.QUANTITY: 500.0})
    kw = segment_keywords(pd.concat([tx, odd]), lab)
    assert "photo & video" not in kw["loyal_high_spender"], kw


def test_keywords_have_support_and_lift(fitted):
    """Every keyword is a category or description word of items bought by >= 10 % of the segment's customers, and
    at least 1.5 times as common among the segment's purchases (distinct customer-item pairs) as among the shop's."""
    shop, tx, feats, labels, _ = fitted
    lab = pool_small_segments(labels)
    kw, table = segment_keywords(tx, lab), keyword_table(tx, lab)
    pairs = tx[tx[Col.CUSTOMER].isin(lab.index)].drop_duplicates([Col.CUSTOMER, Col.ITEM])
    cats = pairs[Col.CATEGORY].astype(str).str.replace("_", " ").str.lower() if Col.CATEGORY in pairs else pd.Series("", index=pairs.index)
    seg_of = pairs[Col.CUSTOMER].map(lab)
    for seg, words in kw.items():
        for w in words:
            source = table.set_index(["segment", "keyword"]).source[(seg, w)]
            hit = cats.eq(w) if source == "category" else pairs[Col.DESCRIPTION].astype(str).str.lower().str.contains(rf"\b{re.escape(w)}\b")
            share = pairs.loc[hit & seg_of.eq(seg), Col.CUSTOMER].nunique() / (lab == seg).sum()
            lift = hit[seg_of.eq(seg)].mean() / hit.mean()
            assert share >= 0.10 and lift >= 1.5, (shop, seg, w, source, share, lift)


def test_size_chart_never_averages_same_named_segments():
    summ = pd.DataFrame({"customers": [340, 420, 240], "share": [0.34, 0.42, 0.24], "revenue_share": [0.76, 0.14, 0.10]},
                        index=["0", "1", "2"])
    fig = plot_segment_sizes(summ, {"0": "Loyal", "1": "Loyal", "2": "Lapsed"})
    widths = sorted(round(p.get_width()) for p in fig.axes[0].patches if p.get_width() > 0)
    assert widths == [10, 14, 24, 34, 42, 76], widths


# --- item 4: top items ------------------------------------------------------------------------------------
def test_top_items_have_support_and_lift(fitted):
    shop, tx, feats, labels, _ = fitted
    lab = pool_small_segments(labels)
    items = top_items_by_lift(tx, lab)
    sizes = lab.value_counts()
    assert (items.lift >= 1.2).all(), items[items.lift < 1.2]
    share = items.buyers.astype(float) / items.segment.map(sizes).astype(float)
    assert (items.buyers >= 10).all() and (share >= 0.05 - 1e-12).all(), items
    assert np.allclose(items.segment_share.astype(float), share), items  # the share of the segment that bought each


# --- item 5: rules ----------------------------------------------------------------------------------------
def test_rules_distinct_rounded_and_readable(fitted):
    shop, tx, feats, labels, pipe = fitted
    rules = pipe.explain(feats, pool_small_segments(labels)).rules
    real = rules[~rules.rule.str.startswith("no simple rule")]
    assert real.rule.is_unique, rules
    assert {"precision", "coverage"} <= set(rules.columns), rules.columns
    for r in rules.rule:
        assert "_" not in r and "e+" not in r, r  # human feature names, no scientific notation
        for num in re.findall(r"\d[\d,]*\.?\d*", r):  # at most 3 significant digits (days and counts whole)
            digits = num.replace(",", "").replace(".", "").lstrip("0")
            assert len(digits.rstrip("0")) <= 3, (r, num)


# --- small segments ---------------------------------------------------------------------------------------
def test_min_segment_size_is_validated():
    lab = pd.Series(["0"] * 5)
    with pytest.raises(SegmentLibError, match="min_segment_size"):
        pool_small_segments(lab, -5)


def test_a_pooled_group_under_the_minimum_is_not_shown():
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"monetary": rng.uniform(1, 100, 146)}, index=[f"c{i}" for i in range(146)])
    lab = pd.Series(["0"] * 60 + ["1"] * 60 + ["2"] * 26, index=f.index)  # 26 < 50: pooled alone, still too small
    prof = profile_segments(f, lab, min_segment_size=50)
    assert SMALL_SEGMENT not in prof.summary.index and "2" not in prof.summary.index
    assert set(prof.lift.segment) == {"0", "1"} == set(prof.summary.index), prof.summary
