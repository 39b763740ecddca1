"""Shared pytest fixtures: repository paths, the real UCI data from ../shared, test flags, and a fresh-machine
environment for every test (no SEGMENT_LIB_* setting of the user's, a temporary cache)."""
import os
from configparser import ConfigParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UCI_PATH = ROOT.parent / "shared" / "data" / "online_retail.parquet"


def enabled_flags() -> set[str]:
    "Notebook test flags switched on for this run: `SEGMENT_LIB_TEST_FLAGS='slow spark'`."
    return set(os.environ.get("SEGMENT_LIB_TEST_FLAGS", "").split())


def all_flags() -> set[str]:
    cfg = ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini")
    return set(cfg["DEFAULT"].get("tst_flags", "").split())


SUITE_VARS = ("SEGMENT_LIB_TEST_FLAGS",)  # the only SEGMENT_LIB_* variable the suite reads from the caller


@pytest.fixture(scope="session", autouse=True)
def fresh_machine(tmp_path_factory):
    """Every test runs as on a fresh machine: each SEGMENT_LIB_* variable of the caller (the UCI path, the cache,
    an LLM endpoint, a device, a reports folder) is unset and the cache is an empty temporary folder, for this process
    and the kernels and interpreters it starts. A test that needs a variable sets it itself."""
    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith("SEGMENT_LIB_") and v not in SUITE_VARS]: mp.delenv(var)
        mp.setenv("SEGMENT_LIB_CACHE", str(tmp_path_factory.mktemp("segment_lib_cache")))
        yield


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def uci_path() -> Path:
    if not UCI_PATH.exists():
        pytest.skip(f"the real UCI data is expected at {UCI_PATH} (../shared/data beside the checkout)")
    return UCI_PATH


@pytest.fixture(scope="session")
def out_dir() -> Path:
    "Where tests leave artefacts a person may want to look at (screenshots, rendered reports)."
    d = ROOT / "tests" / "out"; d.mkdir(parents=True, exist_ok=True)
    return d
