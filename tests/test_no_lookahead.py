"""No look-ahead: nothing booked at or after `as_of` / the cut-off may change what is learned before it (issue #24)."""
import pandas as pd
import pytest

from segment_lib.core import Col
from segment_lib.evaluation import clean_split
from segment_lib.pipeline import SegmentPipeline
from segment_lib.synthetic import make_shop

CUT = pd.Timestamp("2011-09-01")


@pytest.fixture(scope="module")
def shop_tx() -> pd.DataFrame:
    "A small synthetic log with a return after the cut-off of a purchase made before it."
    tx = make_shop(300, random_state=0).transactions
    past = tx[(tx[Col.TIMESTAMP] < CUT) & (tx[Col.QUANTITY] > 1)].iloc[0]
    ret = past.to_frame().T.astype(tx.dtypes).assign(**{Col.ORDER: "C_LATE", Col.QUANTITY: -past[Col.QUANTITY] + 1,
                                                          Col.TIMESTAMP: CUT + pd.Timedelta(days=3)})
    return pd.concat([tx, ret], ignore_index=True)


def test_pipeline_cleans_only_lines_before_as_of(shop_tx):
    before = shop_tx[shop_tx[Col.TIMESTAMP] < CUT]
    full = SegmentPipeline(n_segments=4, random_state=0).fit(shop_tx, as_of=CUT)
    past = SegmentPipeline(n_segments=4, random_state=0).fit(before, as_of=CUT)
    f_full, c_full = full.features(shop_tx, CUT)
    f_past, c_past = past.features(before, CUT)
    pd.testing.assert_frame_equal(c_full.transactions, c_past.transactions)  # no future return netted, same outlier flags
    pd.testing.assert_frame_equal(f_full, f_past)
    pd.testing.assert_frame_equal(full.embedding_, past.embedding_)
    pd.testing.assert_series_equal(full.labels_, past.labels_)
    audit = c_full.audit.set_index("reason").rows
    assert audit["future_timestamp"] > 0 and audit["kept"] == c_past.audit.set_index("reason").rows["kept"]  # later rows: removed, said why


def test_clean_split_train_equals_cleaning_the_past_alone(shop_tx):
    cs = clean_split(shop_tx, CUT)
    alone = clean_split(shop_tx[shop_tx[Col.TIMESTAMP] < CUT], CUT)
    pd.testing.assert_frame_equal(cs.train, alone.train)
    assert (cs.test[Col.TIMESTAMP] >= CUT).all() and (cs.train[Col.TIMESTAMP] < CUT).all()
    assert cs.audit.loc[("unmatched_return", "removed"), ("test", "rows")] >= 1  # the late return, not netted into training
