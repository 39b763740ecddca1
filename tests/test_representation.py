"""segment_lib.representation beyond the notebook: torch-free import, offline model loading, the disk cache
on real UCI descriptions, scikit-learn conventions."""
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from conftest import ROOT
from segment_lib.core import Col, SchemaError
from segment_lib.representation import (CustomerTasteEmbedder, EmbeddingCache, ItemTextEncoder, distinctive_terms,
                                        text_hashes)


def test_import_is_torch_free():
    code = "import sys, segment_lib.representation; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]


def test_default_model_loads_without_a_hub(tmp_path):
    "With no offline flags, the bundled model loads and encodes without opening a single network connection."
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT="http://127.0.0.1:9", SEGMENT_LIB_CACHE=str(tmp_path), PYTHONPATH=str(ROOT))
    code = ("import socket\n"
            "calls = []\n"
            "_connect = socket.socket.connect\n"
            "def connect(self, addr): calls.append(addr); return _connect(self, addr)\n"
            "socket.socket.connect = connect\n"
            "from segment_lib.representation import ItemTextEncoder\n"
            "print(ItemTextEncoder().encode(['RED CAKE STAND']).shape, len(calls))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "(1, 384) 0"  # no connection attempted


@pytest.fixture(scope="module")
def uci_descriptions(uci_path):
    d = pd.read_parquet(uci_path, columns=["Description"])["Description"].dropna().astype(str)
    return d.drop_duplicates().tolist()


def test_uci_cache_cold_then_warm(uci_descriptions, tmp_path):
    "A subset of real descriptions: the warm call never runs the model and returns the same vectors."
    texts = uci_descriptions[:400]
    cold = ItemTextEncoder(cache_dir=tmp_path).encode(texts)
    warm_enc = ItemTextEncoder(cache_dir=tmp_path)
    warm_enc._embed = lambda t: pytest.fail(f"warm call embedded {len(t)} texts")
    t0 = time.perf_counter()
    warm = warm_enc.encode(texts)
    assert time.perf_counter() - t0 < 1.0
    np.testing.assert_array_equal(cold, warm)
    np.testing.assert_allclose(np.linalg.norm(cold, axis=1), 1, atol=1e-5)
    # only new descriptions are embedded on a re-run with more texts
    seen = []
    more = ItemTextEncoder(cache_dir=tmp_path)
    orig = more._embed
    more._embed = lambda t: (seen.append(len(t)), orig(t))[1]
    more.encode(uci_descriptions[:410])
    assert seen == [10]


def test_cache_shards_are_append_only(tmp_path):
    c = EmbeddingCache(tmp_path)
    c.put(text_hashes(["a"]), np.ones((1, 2)))
    c.put(text_hashes(["b"]), np.zeros((1, 2)))
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert not list(tmp_path.glob(".*tmp*"))
    vec, miss = EmbeddingCache(tmp_path).lookup(text_hashes(["b", "a", "c"]))
    np.testing.assert_array_equal(vec[:2], [[0, 0], [1, 1]])
    assert miss.tolist() == [False, False, True]


class _Toy:
    def encode(self, texts):
        return np.array([[len(t), t.count("A"), 1.0] for t in texts])


def _tx():
    return pd.DataFrame({Col.CUSTOMER: ["x", "x", "y"], Col.ITEM: ["1", "2", "1"], Col.DESCRIPTION: ["AB", "CAKE", "AB"],
                         Col.QUANTITY: [1.0, 1.0, 3.0], Col.PRICE: [2.0, 1.0, 1.0],
                         Col.TIMESTAMP: pd.to_datetime(["2011-01-01", "2011-01-02", "2011-01-03"])})


def test_taste_embedder_sklearn_conventions():
    est = CustomerTasteEmbedder(_Toy(), half_life_days=10, as_of="2011-01-10")
    assert clone(est).get_params()["half_life_days"] == 10
    out = est.fit(_tx()).transform(_tx())
    assert list(out.index) == ["x", "y"] and out.shape == (2, 3)
    assert est.as_of_ == pd.Timestamp("2011-01-10")
    # as_of is a parameter: lines after it are ignored
    early = CustomerTasteEmbedder(_Toy(), as_of="2011-01-01 12:00").fit_transform(_tx())
    assert list(early.index) == ["x"]


def test_distinctive_terms_on_uci(uci_path):
    tx = pd.read_parquet(uci_path).rename(columns={"CustomerID": Col.CUSTOMER, "Description": Col.DESCRIPTION})
    tx = tx.dropna(subset=[Col.CUSTOMER]).head(20000)
    tx[Col.CUSTOMER] = tx[Col.CUSTOMER].astype(str)
    labels = pd.Series(tx[Col.CUSTOMER].unique()).pipe(lambda s: pd.Series(np.arange(len(s)) % 3, index=s.to_numpy()))
    out = distinctive_terms(tx, labels, top_n=5)
    assert set(out.segment) == {0, 1, 2} and out.groupby("segment").size().max() == 5
    assert (out.score > 0).all() and not out.term.isin(["the", "of", "and"]).any()


def test_encoder_rejects_non_text():
    with pytest.raises(SchemaError, match=r"texts\[0\] is nan"):
        ItemTextEncoder(cache_dir=False).encode([float("nan")])


def test_lean_backend_matches_sentence_transformers(uci_descriptions):
    "The lean BERT backend gives the sentence-transformers vectors (float rounding), truncation included."
    texts = uci_descriptions[:300] + ["WOODEN GARDEN MARKER " * 200, "", "ÉTÉ 夏天 SUMMER"]
    lean = ItemTextEncoder(cache_dir=False, device="cpu", batch_size=64)
    st = ItemTextEncoder(cache_dir=False, device="cpu", batch_size=64, backend="sentence-transformers")
    assert type(lean._load_model()).__name__ == "_LeanBert"
    assert type(st._load_model()).__name__ == "SentenceTransformer"
    a, b = lean.encode(texts), st.encode(texts)
    np.testing.assert_allclose(a, b, atol=2e-6)
    assert lean.embedding_dim == st.embedding_dim == 384
    # normalize=False: the model folder has a Normalize module, so both stay unit length
    np.testing.assert_allclose(ItemTextEncoder(cache_dir=False, normalize=False).encode(texts[:5]), a[:5], atol=2e-6)


def test_lean_backend_never_imports_transformers(tmp_path):
    "Cold embedding with the default model loads neither transformers nor sentence_transformers."
    code = ("import sys\nfrom segment_lib.representation import ItemTextEncoder\n"
            "v = ItemTextEncoder(cache_dir=sys.argv[1]).encode(['RED CAKE STAND', 'MUG'])\n"
            "print(v.shape, 'transformers' in sys.modules, 'sentence_transformers' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "(2, 384) False False"


def test_lean_backend_vectors_do_not_depend_on_threads(uci_descriptions):
    import torch
    texts = uci_descriptions[:200]
    prev = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = ItemTextEncoder(cache_dir=False, batch_size=32).encode(texts)
        torch.set_num_threads(2)
        two = ItemTextEncoder(cache_dir=False, batch_size=32).encode(texts)
        assert torch.get_num_threads() == 2  # restored after the worker threads ran single-threaded
    finally:
        torch.set_num_threads(prev)
    np.testing.assert_array_equal(one, two)
