"""SegmentPipeline(representation=...): determinism of the torch encoder path, no customer ids in saved models,
and torch staying unimported unless the encoder is asked for."""
import subprocess
import sys
import zlib

import numpy as np
import pandas as pd
import pytest

from segment_lib.pipeline import SegmentPipeline
from segment_lib.synthetic import make_shop


class LastWordEncoder:
    "Deterministic toy text model: one-hot of the description's last word in 64 buckets."
    def encode(self, texts): return np.eye(64)[[zlib.crc32(t.split()[-1].encode()) % 64 if t else 0 for t in texts]]


PARAMS = {"taste": {"encoder": LastWordEncoder(), "n_components": 8}, "encoder": {"epochs": 3, "max_items": 100}}


@pytest.fixture(scope="module")
def shop():
    return make_shop(300, random_state=3)


@pytest.mark.parametrize("rep", ["encoder", "combined"])
def test_same_seed_same_segments(shop, rep):
    fit = lambda: SegmentPipeline(n_segments=4, representation=rep, representation_params=PARAMS, random_state=1).fit(shop.transactions)
    a, b = fit(), fit()
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.embedding_, b.embedding_)


@pytest.mark.parametrize("rep", ["taste", "combined"])
def test_saved_model_has_no_customer_ids(shop, rep, tmp_path):
    p = SegmentPipeline(n_segments=4, representation=rep, representation_params=PARAMS, random_state=1).fit(shop.transactions)
    path = p.save(tmp_path / "m.joblib")
    raw = path.read_bytes()
    ids = p.labels_.index.astype(str)[:200]
    assert not any(i.encode() in raw for i in ids), "a customer id was written into the model file"
    loaded = SegmentPipeline.load(path, trusted=[LastWordEncoder])  # the test's own text model: trusted explicitly
    pd.testing.assert_series_equal(loaded.predict(shop.transactions, as_of=p.as_of_), p.labels_, check_names=False)


@pytest.mark.parametrize("rep, torch_expected", [("features", False), ("taste", False), ("encoder", True)])
def test_torch_imported_only_for_the_encoder(rep, torch_expected):
    code = ("import sys, zlib, numpy as np\n"
            "from segment_lib.pipeline import SegmentPipeline\nfrom segment_lib.synthetic import make_shop\n"
            "class E:\n    def encode(self, t): return np.eye(8)[[zlib.crc32(x.encode()) % 8 for x in t]]\n"
            f"SegmentPipeline(n_segments=3, representation={rep!r}, representation_params={{'taste': {{'encoder': E(), 'n_components': 4}}, "
            "'encoder': {'epochs': 1, 'max_items': 50}}, random_state=0).fit(make_shop(200, random_state=0).transactions)\n"
            "print('torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == str(torch_expected)


@pytest.mark.parametrize("n_customers", [5, 12, 20])
def test_tiny_shop_is_segmented(n_customers):
    "A shop of a handful of customers gets segments (k limited to what the rows support) instead of an index error."
    pipe = SegmentPipeline(random_state=0).fit(make_shop(n_customers, random_state=1).transactions)
    assert 2 <= pipe.n_segments_ < len(pipe.labels_)
    assert pipe.k_selection_.table.k.max() < len(pipe.labels_)
