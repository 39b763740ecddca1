"""The input contract (issue 16): every source reads one way, odd input fails with a library error naming the column or value."""
import re
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from segment_lib.core import Col, SchemaError, DataSourceError, SegmentLibError, DataWarning
from segment_lib.data import read_transactions, TransactionSource
from segment_lib.preprocessing import TransactionCleaner
from segment_lib.synthetic import make_shop


def _log(ts, **extra) -> pd.DataFrame:
    "A tiny canonical log: one line per timestamp in `ts`."
    n = len(ts)
    return pd.DataFrame({"customer_id": [f"c{i % 3}" for i in range(n)], "order_id": [f"o{i}" for i in range(n)],
                         "item_id": ["i1"] * n, "description": ["A THING"] * n, "quantity": [1.0] * n,
                         "unit_price": [2.0] * n, "timestamp": ts} | extra)


def _write(df: pd.DataFrame, path, kind: str) -> dict:
    "Write `df` as `kind`; the read_transactions keyword arguments it needs."
    if kind == "csv": df.to_csv(path, index=False)
    elif kind == "parquet": df.to_parquet(path, index=False)
    elif kind == "excel": df.to_excel(path, index=False)
    elif kind == "duckdb":
        with duckdb.connect(str(path)) as c: c.register("df", df); c.sql("CREATE TABLE t AS SELECT * FROM df")
        return {"table": "t"}
    return {}


KINDS = {"csv": "s.csv", "parquet": "s.parquet", "excel": "s.xlsx", "duckdb": "s.duckdb"}
TEXT_TS = {  # text -> the intended instant in UTC
    "2011-01-05T10:00:00+02:00": "2011-01-05 08:00", "2011-01-05 10:00:00 EST": "2011-01-05 15:00",
    "2011-01-05 07:03 PM": "2011-01-05 19:03", "2011-01-05 07:03 AM": "2011-01-05 07:03",
    "2011-01-05 10:00:00Z": "2011-01-05 10:00", "2011-01-05 10:00": "2011-01-05 10:00",
    "2011-01-05 10:00:00 America/New_York": "2011-01-05 15:00", "2011-01-05": "2011-01-05 00:00"}


# ---- 1. timestamps: one rule for every source

@pytest.mark.parametrize("kind", ["pandas", *KINDS])
def test_text_timestamps_same_instant_every_source(kind, tmp_path):
    df = _log(list(TEXT_TS))
    src, kw = (df, {}) if kind == "pandas" else (tmp_path / KINDS[kind], _write(df, tmp_path / KINDS[kind], kind))
    got = read_transactions(src, **kw)[Col.TIMESTAMP].tolist()
    assert got == [pd.Timestamp(v) for v in TEXT_TS.values()]


def test_timestamps_converted_to_tz():
    df = _log(["2011-01-05T10:00:00+02:00", "2011-01-05 10:00"])
    got = read_transactions(df, tz="Europe/Berlin")[Col.TIMESTAMP].tolist()
    assert got == [pd.Timestamp("2011-01-05 09:00"), pd.Timestamp("2011-01-05 10:00")]  # naive text: already in tz
    aware = _log(pd.to_datetime(["2011-07-01 12:00"]).tz_localize("UTC"))
    assert read_transactions(aware, tz="Europe/Berlin")[Col.TIMESTAMP].iloc[0] == pd.Timestamp("2011-07-01 14:00")
    with pytest.raises(SchemaError, match="tz='Mars/Olympus'"): read_transactions(df, tz="Mars/Olympus")


def test_day_month_order_decided_per_column_or_rejected(tmp_path):
    assert read_transactions(_log(["13/01/2011 10:00", "02/03/2011 10:00"]))[Col.TIMESTAMP].tolist() == [
        pd.Timestamp("2011-01-13 10:00"), pd.Timestamp("2011-03-02 10:00")]  # 13 cannot be a month: day first
    assert read_transactions(_log(["12/1/2010 8:26", "12/13/2010 8:26 PM"]))[Col.TIMESTAMP].tolist() == [
        pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-13 20:26")]
    with pytest.raises(SchemaError, match=r"ambiguous.*'01/02/2011 10:00'.*row 0.*timestamp_format="):
        read_transactions(_log(["01/02/2011 10:00", "03/04/2011 10:00"]))
    got = read_transactions(_log(["01/02/2011 10:00"]), timestamp_format="%d/%m/%Y %H:%M")[Col.TIMESTAMP].iloc[0]
    assert got == pd.Timestamp("2011-02-01 10:00")


@pytest.mark.parametrize("bad", ["2011-01-05 10:00 CEST", "2011-01-05 25:00", "yesterday", "2011-01-05 10:00 +02"])
def test_unparseable_timestamp_rejected_with_row_and_value(bad):
    with pytest.raises(SchemaError, match=rf"column 'timestamp'.*{re.escape(repr(bad))}.*row 1"):
        read_transactions(_log(["2011-01-05 10:00", bad]))


# ---- 2. duplicate column names

def test_duplicate_columns_rejected_every_source(tmp_path):
    df = _log(["2011-01-05 10:00"] * 2)
    dup = pd.concat([df, df[["unit_price"]].assign(unit_price=99.0)], axis=1)
    with pytest.raises(SchemaError, match="'unit_price' appears more than once"): read_transactions(dup)
    dup.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(SchemaError, match="'unit_price' appears more than once"): read_transactions(tmp_path / "d.csv")
    dup.to_excel(tmp_path / "d.xlsx", index=False)
    with pytest.raises(SchemaError, match="'unit_price' appears more than once"): read_transactions(tmp_path / "d.xlsx")
    import pyarrow as pa, pyarrow.parquet as pq
    pq.write_table(pa.Table.from_arrays([pa.array(dup.iloc[:, i]) for i in range(dup.shape[1])], names=list(dup.columns)),
                   tmp_path / "d.parquet")
    with pytest.raises(SchemaError, match="'unit_price' appears more than once"): read_transactions(tmp_path / "d.parquet")


def test_two_columns_mapped_onto_one():
    df = _log(["2011-01-05 10:00"]).rename(columns={"unit_price": "p1"}).assign(p2=99.0)
    with pytest.raises(SchemaError, match="'p1' and 'p2' are both mapped to 'unit_price'"):
        read_transactions(df, {"p1": "unit_price", "p2": "unit_price"})


# ---- 3. line totals

def test_amount_derives_unit_price_and_revenue_matches():
    df = _log(["2011-01-05 10:00"] * 4).drop(columns="unit_price").assign(quantity=[2.0, 3.0, -1.0, 0.0],
                                                                             amount=[5.0, 9.99, -2.5, 4.0])
    with pytest.warns(DataWarning, match="1 line.*quantity 0"):
        tx = read_transactions(df)
    assert "amount" not in tx
    np.testing.assert_allclose(tx.unit_price[:3], [2.5, 3.33, 2.5])
    assert pd.isna(tx.unit_price[3])
    np.testing.assert_allclose((tx.quantity * tx.unit_price)[:3], df.amount[:3])
    audit = TransactionCleaner().clean(df).audit.set_index("reason")
    assert float(audit.loc["input", "revenue"]) == pytest.approx(5.0 + 9.99 - 2.5)
    assert audit.loc["invalid_value", "rows"] == 1  # the quantity-0 line: counted, not priced


def test_amount_and_unit_price_checked_against_each_other():
    df = _log(["2011-01-05 10:00"] * 3).assign(quantity=[2.0, 3.0, 1.0], amount=[4.0, 6.004, 2.0])
    assert len(read_transactions(df)) == 3  # within half a cent
    with pytest.raises(SchemaError, match=r"quantity × unit_price.*amount.*row 1"):
        read_transactions(df.assign(amount=[4.0, 60.0, 2.0]))


def test_unit_price_that_looks_like_line_totals_warns():
    shop = make_shop(200, random_state=0).transactions
    totals = shop.assign(unit_price=shop.quantity * shop.unit_price)
    with pytest.warns(DataWarning, match="looks like line totals"):
        read_transactions(totals)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        read_transactions(shop)  # real unit prices: no warning


# ---- 4. minimal logs

def _minimal(n_customers=60, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        for k in range(int(rng.integers(1, 8))):
            q = float(rng.integers(1, 6))
            rows.append({"Client": f"K{c}", "Date": f"2011-{int(rng.integers(1, 12)):02d}-{int(rng.integers(1, 28)):02d}",
                         "Units": q, "Spend": round(q * float(rng.gamma(2, 5 + c % 7)), 2)})
    return pd.DataFrame(rows)


MINIMAL_MAPPING = {"Client": "customer_id", "Date": "timestamp", "Units": "quantity", "Spend": "amount"}


def test_minimal_log_reads_with_defaults():
    df = _minimal(5)
    tx = read_transactions(df, MINIMAL_MAPPING)
    assert set(tx.item_id) == {"item"} and set(tx.description) == {"item"}
    assert tx.order_id.iloc[0] == f"{tx.timestamp.iloc[0]} {tx.customer_id.iloc[0]}"


def test_minimal_log_segments_with_a_mapping_alone():
    from segment_lib.pipeline import SegmentPipeline
    pipe = SegmentPipeline(n_segments=3, random_state=0).fit(TransactionSource(_minimal(), MINIMAL_MAPPING))
    assert pipe.labels_.nunique() == 3
    audit = pipe.audit_.set_index("reason")
    assert audit.loc["input", "rows"] == len(_minimal())


def test_minimal_log_through_report_load_data(tmp_path):
    from segment_lib.report import load_data
    _minimal().to_csv(tmp_path / "m.csv", index=False)
    tx, _ = load_data(str(tmp_path / "m.csv"), mapping=MINIMAL_MAPPING)
    assert len(tx) == len(_minimal()) and tx.unit_price.notna().all()


# ---- 5. generic tracebacks become library errors

@pytest.mark.parametrize("source,match", [
    ({"a": [1]}, "pass a pandas DataFrame"), ([1, 2], "pass a pandas DataFrame"), (pd.DataFrame(), "no columns"),
    (pd.DataFrame(index=[0, 1]), "no columns")], ids=["dict", "list", "empty", "index-only"])
def test_not_a_table(source, match):
    with pytest.raises(SegmentLibError, match=match): read_transactions(source)


def test_mapping_must_be_a_dict():
    with pytest.raises(SchemaError, match=r"mapping=\['customer_id'\].*dict"):
        read_transactions(_log(["2011-01-05"]), mapping=["customer_id"])


def test_fake_excel(tmp_path):
    (tmp_path / "f.xlsx").write_text("not a workbook")
    with pytest.raises(DataSourceError, match="f.xlsx.*not.*Excel"): read_transactions(tmp_path / "f.xlsx")


def test_huge_line_revenue_rejected():
    df = _log(["2011-01-05 10:00"] * 2).assign(unit_price=[2.0, 1e32])
    with pytest.raises(SchemaError, match=r"unit_price.*1e\+32.*row 1"):
        read_transactions(df)
    with pytest.raises(SchemaError, match=r"unit_price.*1e\+32"):
        TransactionCleaner().clean(df)
    totals = df.drop(columns="unit_price").assign(Total=[2.0, 1e32])
    with pytest.raises(SchemaError, match=r"column 'Total' \(amount\).*row 1"):
        read_transactions(totals, {"Total": "amount"})


@pytest.mark.parametrize("col,values,ok", [
    ("customer_id", pd.Categorical(["a", "b", "a"]), True), ("quantity", pd.array([1, 2, None], dtype="Int64"), True),
    ("quantity", pd.Categorical([1.0, 2.0, 1.0]), True), ("customer_id", [1, "b", 2.5], True),
    ("item_id", [True, False, True], True), ("quantity", [True, False, True], False),
    ("unit_price", [1 + 2j, 3j, 1j], False), ("timestamp", pd.to_timedelta([1, 2, 3], unit="D"), False),
    ("unit_price", pd.array([1.0, None, 2.0], dtype="Float64"), True), ("quantity", [1, "x", 2], False),
    ("timestamp", [pd.Timestamp("2011-01-05 10:00", tz="Europe/Berlin"), "2011-01-05 10:00", pd.Timestamp("2011-01-05")], True),
    ("description", pd.array(["a", None, "c"], dtype="string"), True)])
def test_odd_pandas_dtypes(col, values, ok):
    df = _log(["2011-01-05 10:00", "2011-01-06 10:00", "2011-01-07 10:00"]).assign(**{col: values})
    if ok:
        tx = read_transactions(df)
        assert len(tx) == 3
        if col == "timestamp":
            assert tx.timestamp.tolist() == [pd.Timestamp(t) for t in ["2011-01-05 09:00", "2011-01-05 10:00", "2011-01-05"]]
    else:
        with pytest.raises(SchemaError, match=f"'{col}'"): read_transactions(df)


def test_one_customer_is_a_clear_error():
    from segment_lib.pipeline import SegmentPipeline
    tx = _log(["2011-01-05 10:00", "2011-02-05 10:00"]).assign(customer_id="only")
    with pytest.raises(SchemaError, match="customers"):
        SegmentPipeline(n_segments=2, random_state=0).fit(tx)


def test_identical_customers_is_a_clear_error():
    from segment_lib.pipeline import SegmentPipeline
    tx = _log(["2011-01-05 10:00"] * 4).assign(customer_id=["a", "b", "c", "d"])
    with pytest.raises(SchemaError, match="customers"):
        SegmentPipeline(n_segments=2, random_state=0).fit(tx)


def test_categories_equal_after_normalisation_are_kept_apart():
    from segment_lib.features import customer_features
    shop = make_shop(100, random_state=0).transactions.head(400)
    tx = shop.assign(category=np.where(np.arange(len(shop)) % 2, "toys", "TOYS!"))
    clean = TransactionCleaner().clean(tx)
    feats = customer_features(clean, clean.transactions.timestamp.max() + pd.Timedelta(days=1))
    cats = sorted(c for c in feats.columns if c.startswith("cat_share_"))
    assert len(cats) == 2 and len(set(cats)) == 2


# ---- 6. DuckDB database files

def test_duckdb_table_and_query(tmp_path):
    df = _log(["2011-01-05 10:00", "2011-01-06 10:00"])
    with duckdb.connect(str(tmp_path / "s.duckdb")) as c:
        c.register("df", df); c.sql("CREATE TABLE t AS SELECT * FROM df")
    assert len(read_transactions(tmp_path / "s.duckdb", table="t")) == 2
    assert len(read_transactions(tmp_path / "s.duckdb", query="SELECT * FROM t WHERE timestamp > '2011-01-05 12:00'")) == 1
    with pytest.raises(DataSourceError, match="'nope'"): read_transactions(tmp_path / "s.duckdb", table="nope")
