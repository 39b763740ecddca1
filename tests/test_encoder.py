"""segment_lib.encoder beyond the notebook: scikit-learn composition, device handling, reproducibility across
processes, and a UCI run."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.pipeline import make_pipeline

from conftest import ROOT
from segment_lib.core import Col, SegmentLibError
from segment_lib.encoder import DEC, IDEC, BehaviourEncoder
from segment_lib.synthetic import Dirt, make_shop


@pytest.fixture(scope="module")
def shop_data():
    shop = make_shop(300, n_items=200, dirt=Dirt(0, 0, 0, 0, 0, 0, 0, 0), random_state=11)
    tx = shop.transactions.dropna(subset=[Col.CUSTOMER]).assign(spend=lambda d: d[Col.QUANTITY] * d[Col.PRICE])
    g = tx.groupby(Col.CUSTOMER)
    feats = pd.DataFrame({"orders": g[Col.ORDER].nunique(), "spend": g["spend"].sum(), "lines": g.size(),
                          "price": g[Col.PRICE].mean()})
    return feats, tx.drop(columns="spend")


@pytest.mark.parametrize("est", [BehaviourEncoder(n_components=3), DEC(3), IDEC(4)], ids=["encoder", "dec", "idec"])
def test_clone_and_params(est):
    c = clone(est)
    assert c.get_params() == est.get_params()


def test_in_a_pipeline(shop_data):
    feats, _ = shop_data
    pipe = make_pipeline(BehaviourEncoder(n_components=4, max_items=0, epochs=5, random_state=0),
                         KMeans(3, n_init=3, random_state=0))
    labels = pipe.fit_predict(feats)
    assert len(labels) == len(feats) and set(labels) <= {0, 1, 2}


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))])
def test_devices(shop_data, device):
    feats, tx = shop_data
    be = BehaviourEncoder(n_components=4, max_items=100, epochs=3, device=device, random_state=0)
    out = be.fit(feats, transactions=tx).transform(feats, tx)
    assert out.shape == (len(feats), 4) and np.isfinite(out.to_numpy()).all()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_asked_without_gpu(shop_data):
    with pytest.raises(SegmentLibError, match="device='cuda' asked for CUDA"):
        BehaviourEncoder(device="cuda", epochs=1).fit(shop_data[0])


def test_same_embedding_in_a_fresh_process(shop_data, tmp_path):
    "Determinism across processes (not just within one): the same seed gives bit-identical embeddings."
    feats, tx = shop_data
    feats.to_pickle(tmp_path / "f.pkl"); tx.to_pickle(tmp_path / "t.pkl")
    code = (f"import pandas as pd, numpy as np; from segment_lib.encoder import BehaviourEncoder; "
            f"f = pd.read_pickle('{tmp_path}/f.pkl'); t = pd.read_pickle('{tmp_path}/t.pkl'); "
            f"np.save('{tmp_path}/e.npy', BehaviourEncoder(n_components=4, max_items=100, epochs=4, random_state=7)"
            f".fit(f, transactions=t).transform(f, t).to_numpy())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    here = BehaviourEncoder(n_components=4, max_items=100, epochs=4, random_state=7).fit(feats, transactions=tx)
    np.testing.assert_array_equal(np.load(tmp_path / "e.npy"), here.transform(feats, tx).to_numpy())


def test_early_stopping_stops(shop_data):
    feats, tx = shop_data
    be = BehaviourEncoder(n_components=4, max_items=100, epochs=500, patience=2, lr=5e-2, random_state=0)
    be.fit(feats, transactions=tx)
    assert be.n_epochs_ < 500 and len(be.history_) == be.n_epochs_


def test_unknown_customers_get_empty_bags(shop_data):
    feats, tx = shop_data
    be = BehaviourEncoder(n_components=4, max_items=100, epochs=2, random_state=0).fit(feats, transactions=tx)
    out = be.transform(feats.head(5), tx.iloc[:0])  # no lines: features alone still embed
    assert out.shape == (5, 4) and np.isfinite(out.to_numpy()).all()


def test_uci_encoder(uci_path):
    "Features + bags of the real UCI customers: trains, and the embedding is finite."
    raw = pd.read_parquet(uci_path).dropna(subset=["CustomerID"])
    tx = raw.rename(columns={"CustomerID": Col.CUSTOMER, "StockCode": Col.ITEM, "Quantity": Col.QUANTITY,
                             "UnitPrice": Col.PRICE, "InvoiceNo": Col.ORDER})
    tx[Col.CUSTOMER] = tx[Col.CUSTOMER].astype(str)
    tx = tx[tx[Col.CUSTOMER].isin(tx[Col.CUSTOMER].drop_duplicates().head(800))]
    g = tx.assign(s=tx[Col.QUANTITY] * tx[Col.PRICE]).groupby(Col.CUSTOMER)
    feats = pd.DataFrame({"orders": g[Col.ORDER].nunique(), "spend": g["s"].sum(), "lines": g.size()})
    be = BehaviourEncoder(n_components=8, max_items=500, epochs=10, random_state=0).fit(feats, transactions=tx)
    out = be.transform(feats, tx)
    assert out.shape == (len(feats), 8) and np.isfinite(out.to_numpy()).all()
    assert be.best_loss_ < be.history_[0][1]
