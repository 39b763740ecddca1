"""Stability of what the user gets (issue #24): `bootstrap_stability` on a whole `SegmentPipeline` resamples customers
with all their lines and refits everything; on a fixed embedding it refits the clustering only."""
import numpy as np
import pandas as pd
import pytest

from segment_lib.core import Col
from segment_lib.pipeline import SegmentPipeline
from segment_lib.synthetic import make_shop
from segment_lib.tuning import bootstrap_stability, stability_table


@pytest.fixture(scope="module")
def shop_tx() -> pd.DataFrame:
    return make_shop(300, random_state=0).transactions


def test_whole_pipeline_accepts_a_transaction_log(shop_tx):
    st = bootstrap_stability(SegmentPipeline(n_segments=3, random_state=0), shop_tx, n_boot=2, random_state=0)
    assert st.ari.shape == (2,) and np.all((st.ari > -1) & (st.ari <= 1))
    assert st.jaccard.shape == (3, 2) and st.jaccard.notna().all().all()
    assert list(st.k) == [3, 3] and st.scope == "whole pipeline"


def test_whole_pipeline_resamples_customers_and_is_deterministic(shop_tx):
    pipe = SegmentPipeline(n_segments=3, random_state=0).fit(shop_tx)
    a = bootstrap_stability(pipe, shop_tx, n_boot=2, random_state=1, reference=pipe)
    b = bootstrap_stability(SegmentPipeline(n_segments=3, random_state=0), shop_tx, n_boot=2, random_state=1)
    np.testing.assert_array_equal(a.ari, b.ari)  # reference=pipe saves the full fit, same numbers
    assert a.customers == int(0.8 * len(pipe.labels_))  # 80 % of the customers per refit, every line of each


def test_auto_k_is_chosen_again_in_each_refit_unless_fixed(shop_tx):
    pipe = SegmentPipeline(n_segments="auto", ks=(2, 3, 4), random_state=0).fit(shop_tx)
    fixed = bootstrap_stability(pipe, shop_tx, n_boot=2, random_state=0, reference=pipe, refit_k=False)
    assert list(fixed.k) == [pipe.n_segments_] * 2 and "k fixed" in fixed.scope
    free = bootstrap_stability(pipe, shop_tx, n_boot=2, random_state=0, reference=pipe)
    assert set(free.k) <= {2, 3, 4} and free.scope == "whole pipeline"


def test_stability_table_reads_as_a_person_reads_it(shop_tx):
    pipe = SegmentPipeline(n_segments=3, random_state=0).fit(shop_tx)
    whole = bootstrap_stability(pipe, shop_tx, n_boot=2, random_state=0, reference=pipe)
    model = bootstrap_stability(pipe.model_, pipe.embedding_, n_boot=2, random_state=0)
    t = stability_table({"model only": model, "whole pipeline": whole})
    assert list(t.index) == ["model only", "whole pipeline"]
    assert {"what is refitted", "refits", "mean ARI", "lowest ARI", "highest ARI"} <= set(t.columns)
    assert [c for c in t.columns if c.startswith("Jaccard")] == ["Jaccard, segment 0", "Jaccard, segment 1", "Jaccard, segment 2"]
    assert t.loc["whole pipeline", "mean ARI"] == round(whole.mean_ari, 3)
