"""Model files (issue 16): load never runs code from the file; damage is one ModelFileError; every fitted pipeline round-trips."""
import json
import os
import pickle
import struct

import numpy as np
import pytest

from segment_lib.core import ModelFileError, ModelVersionError
from segment_lib.clustering import ALGORITHMS
from segment_lib.pipeline import SegmentPipeline
from segment_lib.synthetic import make_shop


@pytest.fixture(scope="module")
def shop():
    return make_shop(300, random_state=0).transactions


@pytest.fixture(scope="module")
def saved(shop, tmp_path_factory):
    p = SegmentPipeline(n_segments=3, random_state=0).fit(shop)
    return p, p.save(tmp_path_factory.mktemp("m") / "model.segmodel")


@pytest.mark.parametrize("kw", [dict(algorithm=a) for a in ALGORITHMS]
                         + [dict(representation=r) for r in ("encoder", "taste", "combined")]
                         + [dict(pca_components=3, skew="yeo-johnson", scaler="minmax"), dict(skew="quantile", scaler="standard"),
                            dict(n_segments="auto", ks=(2, 3))],
                         ids=lambda kw: "-".join(map(str, kw.values())))
def test_every_pipeline_round_trips(kw, shop, tmp_path):
    p = SegmentPipeline(**{"n_segments": 3, "random_state": 0} | kw).fit(shop)
    back = SegmentPipeline.load(p.save(tmp_path / "m.segmodel"))
    np.testing.assert_array_equal(back.predict(shop), p.predict(shop))
    if p.k_selection_ is not None: assert back.k_selection_.k == p.k_selection_.k


class _Evil:
    def __reduce__(self): return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("writer", ["pickle", "joblib"])
def test_crafted_pickle_is_refused_without_running(writer, tmp_path):
    target = tmp_path / "pwned"; evil = _Evil(); evil.target = target
    path = tmp_path / "model.joblib"
    if writer == "pickle": path.write_bytes(pickle.dumps(evil))
    else:
        import joblib; joblib.dump(evil, path)
    with pytest.raises(ModelFileError, match="pickle or joblib"): SegmentPipeline.load(path)
    assert not target.exists()


def test_damaged_files_raise_model_file_error(saved, tmp_path):
    data = saved[1].read_bytes()
    rng = np.random.default_rng(0)
    cases = {"empty": b"", "truncated": data[: len(data) // 2], "random": rng.bytes(2000), "magic-only": data[:30]}
    for i, pos in enumerate(rng.integers(0, len(data), 40)):  # single bit flips anywhere in the file
        cases[f"flip{i}"] = data[:pos] + bytes([data[pos] ^ (1 << int(rng.integers(8)))]) + data[pos + 1:]
    for name, bad in cases.items():
        p = tmp_path / name; p.write_bytes(bad)
        try: SegmentPipeline.load(p)
        except (ModelFileError, ModelVersionError): continue  # a flip inside the version text is an edited version
        except UserWarning: continue
        else:  # a flip that leaves a valid file can only be in header text that is not checked (e.g. the python version)
            assert name.startswith("flip"), name
    with pytest.raises(ModelFileError, match="not a file"): SegmentPipeline.load(tmp_path / "missing.segmodel")


@pytest.mark.parametrize("edit", [{"segment_lib": "9.0.0"}, {"segment_lib": "x.y"}, {"segment_lib": 3}, None])
def test_edited_version_metadata(edit, saved, tmp_path):
    data = saved[1].read_bytes(); n = struct.unpack_from("<I", data, 18)[0]
    header = json.loads(data[22:22 + n])
    header["meta"] = None if edit is None else header["meta"] | edit
    h = json.dumps(header).encode()
    (tmp_path / "m").write_bytes(data[:18] + struct.pack("<I", len(h)) + h + data[22 + n:])
    with pytest.raises(ModelVersionError): SegmentPipeline.load(tmp_path / "m")
