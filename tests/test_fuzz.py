"""Property-based fuzz of the input contract (issue 16): malformed and odd transaction tables and files of every kind go
through read_transactions -> TransactionCleaner.clean -> SegmentPipeline.fit and end either in a valid result (audit
balances, timestamps are the intended instants, revenue is the intended revenue, labels cover every clean customer)
or in a SegmentLibError whose message names the column or value: never another exception, never a wrong result.

CI runs FUZZ_EXAMPLES (40) derandomized cases in well under 60 s. The long run:
`SEGMENT_LIB_FUZZ=1200 pytest tests/test_fuzz.py -s` (or SEGMENT_LIB_TEST_FLAGS="fuzz", 1200 cases) counts every
outcome, prints the counts and fails if any case gave a generic traceback or a wrong result."""
import collections
import os
import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import enabled_flags
from segment_lib.core import SegmentLibError, Col
from segment_lib.data import read_transactions
from segment_lib.pipeline import SegmentPipeline
from segment_lib.preprocessing import TransactionCleaner

FUZZ_EXAMPLES = 40
LONG = int(os.environ.get("SEGMENT_LIB_FUZZ") or (1200 if "fuzz" in enabled_flags() else 0))
COUNTS: collections.Counter = collections.Counter()
ERRORS: collections.Counter = collections.Counter()  # library error messages (their first words), for the long run's summary
T0 = datetime(2011, 1, 3, 9, 0)
TS_LAYOUTS = ("iso", "offset", "est", "new_york", "ampm", "day_first", "month_first", "typed", "aware", "mixed_objects")
KINDS = ("pandas", "pandas", "pandas", "csv", "parquet", "duckdb", "excel")


def _ts_text(t: datetime, layout: str, i: int):
    "Timestamp `t` (naive UTC) written in `layout`; the value a source would hold."
    if layout == "iso": return f"{t:%Y-%m-%d %H:%M:%S}"
    if layout == "offset":
        h = i % 11 - 5; return f"{t + timedelta(hours=h):%Y-%m-%dT%H:%M:%S}{'+' if h >= 0 else '-'}{abs(h):02d}:00"
    if layout == "est": return f"{t - timedelta(hours=5):%Y-%m-%d %H:%M:%S} EST"
    if layout == "new_york": return f"{t.replace(tzinfo=ZoneInfo('UTC')).astimezone(ZoneInfo('America/New_York')):%Y-%m-%d %H:%M:%S} America/New_York"
    if layout == "ampm": return f"{t:%Y-%m-%d %I:%M:%S %p}"
    if layout == "day_first": return f"{t:%d/%m/%Y %H:%M}"
    if layout == "month_first": return f"{t:%m/%d/%Y %H:%M}"
    if layout == "aware": return pd.Timestamp(t, tz="UTC").tz_convert("Europe/Berlin")
    if layout == "mixed_objects": return pd.Timestamp(t, tz="UTC").tz_convert("Asia/Tokyo") if i % 2 else f"{t:%Y-%m-%d %H:%M:%S}"
    return pd.Timestamp(t)


@st.composite
def cases(draw):
    "A transaction table, how it is stored and mapped, and what reading it should give."
    n_cust = draw(st.sampled_from([1, 2, 3, 5, 8, 12]))
    n = draw(st.integers(1, 40))
    cust = [f"c{draw(st.integers(0, n_cust - 1))}" for _ in range(n)]
    minutes = draw(st.lists(st.integers(0, 300 * 24 * 60), min_size=n, max_size=n))
    t = [T0 + timedelta(minutes=m) for m in minutes]
    q = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0, 6.0, 12.0, -1.0, 0.0, 24.0]), min_size=n, max_size=n))
    price = draw(st.lists(st.sampled_from([0.5, 1.25, 2.55, 9.99, 0.0, 120.0]), min_size=n, max_size=n))
    layout, kind = draw(st.sampled_from(TS_LAYOUTS)), draw(st.sampled_from(KINDS))
    df = pd.DataFrame({"Cust": cust, "Order": [f"o{m // 1000}" for m in minutes], "Item": [f"i{int(p * 100) % 7}" for p in price],
                       "Desc": [f"THING {int(p * 100) % 7}" for p in price], "Qty": q, "Price": price,
                       "When": [_ts_text(x, layout, i) for i, x in enumerate(t)]})
    if layout == "typed": df["When"] = pd.to_datetime(df["When"])
    if layout == "aware": df["When"] = pd.to_datetime(df["When"].tolist(), utc=True).tz_convert("Europe/Berlin")
    mapping = {"Cust": "customer_id", "Order": "order_id", "Item": "item_id", "Desc": "description", "Qty": "quantity",
               "Price": "unit_price", "When": "timestamp"}
    price_mode = draw(st.sampled_from(["unit", "amount", "both", "both_wrong", "totals_as_unit"]))
    if price_mode in ("amount", "both", "both_wrong"):
        df["Total"] = df.Qty * df.Price * (1 if price_mode != "both_wrong" else draw(st.sampled_from([1, 10])))
        mapping["Total"] = "amount"
        if price_mode == "amount": df = df.drop(columns="Price"); del mapping["Price"]
    if price_mode == "totals_as_unit": df["Price"] = df.Qty * df.Price
    for col in draw(st.sets(st.sampled_from(["Order", "Item", "Desc"]))):  # minimal logs
        df = df.drop(columns=col); del mapping[col]
    odd = draw(st.sampled_from(["none"] * 6 + ["categorical", "nullable", "mixed_ids", "huge", "dup_column", "dup_mapping",
                                                 "identical", "categories", "bool_qty", "complex", "nan_text", "no_columns", "list"]))
    if odd == "categorical": df["Cust"] = df["Cust"].astype("category")
    if odd == "nullable": df["Qty"] = df["Qty"].astype("Int64")
    if odd == "mixed_ids": df["Cust"] = [int(c[1:]) if i % 2 else c for i, c in enumerate(df.Cust)]
    if odd == "huge":
        col = "Price" if "Price" in df else "Total"
        df[col] = df[col].astype(float); df.loc[df.index[-1], col] = draw(st.sampled_from([1e32, 1e300, 1e16, float("inf")]))
    if odd == "dup_column": df = pd.concat([df, df[["Qty"]] * 10], axis=1)
    if odd == "dup_mapping": df["Qty2"] = df["Qty"]; mapping["Qty2"] = "quantity"
    if odd == "identical": df = pd.concat([df.head(1)] * n, ignore_index=True).assign(Cust=cust)
    if odd == "categories": df["Cat"] = np.where(np.arange(len(df)) % 2, "toys", "TOYS!"); mapping["Cat"] = "category"
    if odd == "bool_qty": df["Qty"] = df["Qty"] > 1
    if odd == "complex": df["Qty"] = df["Qty"].astype(complex)
    if odd == "nan_text": df["Qty"] = df["Qty"].astype(object); df.loc[df.index[0], "Qty"] = "n/a"
    if odd == "no_columns": df = df.iloc[:, :0]
    if odd == "identical": t = [t[0]] * n
    if odd == "list": df = df.to_dict("list")
    return {"df": df, "mapping": mapping, "kind": kind, "t": t, "layout": layout, "odd": odd, "price_mode": price_mode}


def _store(case, tmp) -> tuple:
    "The source and read keyword arguments for the case's storage kind (pandas: the frame itself)."
    df, kind = case["df"], case["kind"]
    if kind == "pandas" or not isinstance(df, pd.DataFrame) or df.shape[1] == 0 or case["odd"] in ("complex", "mixed_ids"):
        return df, {}
    df = df.copy()
    if kind == "excel" and isinstance(df.get("When", pd.Series()).dtype, pd.DatetimeTZDtype): df["When"] = df["When"].astype(str)
    if df["When"].dtype == object: df["When"] = df["When"].astype(str)
    path = tmp / f"{len(os.listdir(tmp))}.{ {'csv': 'csv', 'parquet': 'parquet', 'excel': 'xlsx', 'duckdb': 'duckdb'}[kind]}"
    try:
        if kind == "csv": df.to_csv(path, index=False)
        elif kind == "parquet":
            if not df.columns.is_unique: return case["df"], {}
            df.to_parquet(path, index=False)
        elif kind == "excel": df.to_excel(path, index=False)
        else:
            if not df.columns.is_unique: return case["df"], {}
            with duckdb.connect(str(path)) as c: c.register("df", df); c.sql("CREATE TABLE t AS SELECT * FROM df")
            return path, {"table": "t"}
    except (ValueError, TypeError, OverflowError):  # a frame this format cannot hold: read the frame itself
        return case["df"], {}
    return path, {}


def _names_column_or_value(msg: str, case) -> bool:
    df = case["df"]
    cols = list(df.columns) if isinstance(df, pd.DataFrame) else list(df)
    words = [str(c) for c in cols] + list(case["mapping"].values()) + ["customers", "DataFrame", "columns", "time zone"]
    return any(w in msg for w in words)


def _check_valid(case, tx, clean, pipe) -> str | None:
    "Why the valid-looking result is wrong, or None."
    a = clean.audit.set_index("reason")
    if a.rows["input"] != a.rows.drop("input").sum() or a.revenue["input"] != a.revenue.drop("input").sum(): return "audit does not balance"
    if len(tx) != len(case["t"]): return f"{len(tx)} rows read of {len(case['t'])}"
    if tx[Col.TIMESTAMP].tolist() != [pd.Timestamp(x) for x in case["t"]]: return f"timestamps wrong ({case['layout']})"
    df = case["df"]
    want = (df.Total if "Total" in df else df.Qty.astype(float) * df.Price).to_numpy(float)
    got = (tx.quantity * tx.unit_price).fillna(0.0).to_numpy(float)
    ok_lines = df.Qty.astype(float).to_numpy() != 0
    if not np.allclose(got[ok_lines], want[ok_lines], rtol=1e-9, atol=1e-6): return "revenue differs from the source's"
    customers = set(clean.transactions[Col.CUSTOMER].dropna())
    if set(pipe.labels_.index) != customers: return "labels do not cover the clean customers"
    return None


def run_case(case, tmp) -> str:
    "'valid', 'library_error', 'generic:<type>' or 'wrong:<why>' for one case."
    src, kw = _store(case, tmp)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tx = read_transactions(src, case["mapping"], **kw)
            clean = TransactionCleaner().clean(tx)
            pipe = SegmentPipeline(n_segments=2, random_state=0).fit(tx)
    except SegmentLibError as e:
        ERRORS[f"{type(e).__name__}: {' '.join(str(e).split()[:7])} [{case['odd']}/{case['price_mode']}/{case['layout']}]"] += 1
        return "library_error" if _names_column_or_value(str(e), case) else f"wrong:unclear message {str(e)[:120]!r}"
    except Exception as e:  # noqa: BLE001 - the point of the fuzz
        return f"generic:{type(e).__name__}: {str(e)[:160]}"
    if case["price_mode"] == "both_wrong" and not np.allclose(case["df"].Total, case["df"].Qty * case["df"].Price):
        return "wrong:inconsistent amount accepted"
    why = _check_valid(case, tx, clean, pipe)
    return f"wrong:{why}" if why else "valid"


def _fuzz(n: int, strict: bool, tmp):
    @settings(max_examples=n, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(cases())
    def check(case):
        outcome = run_case(case, tmp)
        COUNTS[outcome.split(":")[0]] += 1
        if outcome != "valid" and outcome != "library_error": COUNTS[outcome] += 1
        if strict: assert outcome in ("valid", "library_error"), outcome
    check()


def test_fuzz_input_contract(tmp_path):
    COUNTS.clear()
    _fuzz(FUZZ_EXAMPLES, strict=True, tmp=tmp_path)
    assert COUNTS["valid"] > 0 and COUNTS["library_error"] > 0  # both branches exercised


@pytest.mark.skipif(not LONG, reason="the long fuzz run: SEGMENT_LIB_FUZZ=<cases> or SEGMENT_LIB_TEST_FLAGS='fuzz'")
def test_fuzz_long_run(tmp_path):
    COUNTS.clear()
    _fuzz(LONG, strict=False, tmp=tmp_path)
    print("\nfuzz outcomes:", dict(COUNTS))
    print("library errors (most common):", *ERRORS.most_common(40), sep="\n  ")
    bad = {k: v for k, v in COUNTS.items() if ":" in k}
    assert not bad, bad
