"""Shared pytest fixtures: repository paths, the real UCI data from ../shared, test flags."""
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
