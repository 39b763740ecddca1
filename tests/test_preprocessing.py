"""TransactionCleaner: the audit adds up on real, synthetic and adversarial inputs; counts match the synthetic shop's dirt."""
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

from segment_lib.core import Col, SchemaError
from segment_lib.data import TransactionSource
from segment_lib.preprocessing import REASONS, KEPT, TransactionCleaner
from segment_lib.synthetic import make_shop


def _revenue(df: pd.DataFrame) -> Decimal:
    "Independent exact revenue of a canonical frame: quantity*price rounded to 1e-6, 0 where not finite."
    rev = (pd.to_numeric(df[Col.QUANTITY], errors="coerce") * pd.to_numeric(df[Col.PRICE], errors="coerce"))
    rev = rev.where(np.isfinite(rev), 0.0)
    return sum((Decimal(repr(round(float(v), 6))).quantize(Decimal("0.000001")) for v in rev), Decimal(0))


def assert_balanced(res, n_rows: int, revenue: Decimal | None = None):
    a = res.audit.set_index("reason")
    assert list(a.index) == ["input", *REASONS, KEPT]
    assert a.rows["input"] == n_rows
    assert a.rows[a.step == "removed"].sum() + a.rows[KEPT] == a.rows["input"]
    assert sum(a.revenue[a.step == "removed"], Decimal(0)) + a.revenue[KEPT] == a.revenue["input"]
    if revenue is not None: assert a.revenue["input"] == revenue
    assert len(res.transactions) == a.rows[KEPT]
    assert res.customer_flags[Col.CUSTOMER].is_unique


def _frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {Col.CUSTOMER: ["c1"] * n, Col.ORDER: [str(i) for i in range(n)], Col.ITEM: ["A"] * n,
            Col.DESCRIPTION: ["a"] * n, Col.QUANTITY: [1.0] * n, Col.PRICE: [2.0] * n,
            Col.TIMESTAMP: pd.date_range("2011-01-01", periods=n, freq="D")}
    return pd.DataFrame(base | cols)


def test_every_row_dirty():
    df = pd.DataFrame({
        Col.CUSTOMER: ["a", "a", "a", None, "a", "a", "b", "a", "a"],
        Col.ORDER: ["1", "1", "2", "3", "4", "5", "C6", "7", None],
        Col.ITEM: ["X", "X", "POST", "X", "X", "X", "Y", "X", "X"],
        Col.DESCRIPTION: ["x"] * 9,
        Col.QUANTITY: [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, -1.0, 1.0, 1.0],
        Col.PRICE: [3.0, 3.0, 5.0, 3.0, 0.0, 3.0, 3.0, 3.0, 3.0],
        Col.TIMESTAMP: pd.to_datetime(["2030-01-01", "2030-01-01", "2011-01-02", "2011-01-03", "2011-01-04",
                                       "2009-01-01", "2011-01-05", "2031-01-01", "2011-01-06"])})
    res = TransactionCleaner(shop_start="2010-01-01", as_of="2012-01-01").clean(df)
    assert_balanced(res, 9, _revenue(df))
    a = res.audit.set_index("reason").rows
    assert a[KEPT] == 0
    assert a[["invalid_value", "duplicate", "non_product", "bad_price", "missing_customer", "before_start",
              "future_timestamp", "unmatched_return"]].tolist() == [1, 1, 1, 1, 1, 1, 2, 1]


def test_empty_frame():
    df = _frame(**{Col.QUANTITY: [1.0]}).iloc[:0]
    res = TransactionCleaner().clean(df)
    assert_balanced(res, 0, Decimal(0))
    assert res.transactions.empty and res.customer_flags.empty
    assert Col.CUSTOMER in res.transactions and "is_outlier_line" in res.transactions


def test_single_customer():
    df = _frame(**{Col.QUANTITY: [2.0, 1.0, -1.0], Col.ORDER: ["1", "2", "C3"]})
    res = TransactionCleaner().clean(df)
    assert_balanced(res, 3, _revenue(df))
    assert res.transactions[Col.QUANTITY].tolist() == [1.0, 1.0]  # FIFO: the return nets the first purchase
    assert len(res.customer_flags) == 1 and res.customer_flags.n_returns_netted.iloc[0] == 1


def test_unicode_and_numeric_looking_ids():
    ids = ["ü客户-1", "00123", "123", "1e3", "17850", "17850.5"]
    df = _frame(**{Col.CUSTOMER: ids, Col.ITEM: ["ÄÖ", "007", "7", "٣", "A", "A"]})
    res = TransactionCleaner().clean(df)
    assert_balanced(res, 6, _revenue(df))
    assert sorted(res.customer_flags[Col.CUSTOMER]) == sorted(ids)  # '00123' and '123' stay distinct
    floats = _frame(**{Col.CUSTOMER: [17850.0, 17850.0, np.nan]})
    assert res.transactions[Col.CUSTOMER].dtype == "str"
    assert TransactionCleaner().clean(floats).customer_flags[Col.CUSTOMER].tolist() == ["17850"]


def test_nan_in_every_column():
    df = _frame(**{Col.QUANTITY: [1.0] * 8})
    for i, c in enumerate([Col.CUSTOMER, Col.ORDER, Col.ITEM, Col.DESCRIPTION, Col.QUANTITY, Col.PRICE, Col.TIMESTAMP]):
        df.loc[i, c] = np.nan if c != Col.TIMESTAMP else pd.NaT
    df.loc[7, Col.PRICE], df.loc[6, Col.QUANTITY] = np.inf, np.nan
    res = TransactionCleaner().clean(df)
    assert_balanced(res, 8, _revenue(df))
    a = res.audit.set_index("reason").rows
    assert a["invalid_value"] == 6 and a["missing_customer"] == 1 and a[KEPT] == 1


def test_duplicated_headers():
    df = _frame(**{Col.QUANTITY: [1.0, 2.0]})
    df.insert(0, "dup", 1); df.columns = [Col.QUANTITY] + list(df.columns[1:])
    with pytest.raises(SchemaError, match="appears more than once"):
        TransactionCleaner().clean(df)


def test_relation_and_source_inputs_agree():
    df = make_shop(60, random_state=3).transactions
    with duckdb.connect() as con:
        rel = TransactionSource(df).relation(con)
        by_rel = TransactionCleaner().clean(rel)
    by_df, by_src = TransactionCleaner().clean(df), TransactionCleaner().clean(TransactionSource(df))
    pd.testing.assert_frame_equal(by_df.audit, by_rel.audit)
    pd.testing.assert_frame_equal(by_df.transactions, by_src.transactions)


def test_lazy_audit_equals_pandas_audit():
    df = make_shop(60, random_state=4).transactions
    with duckdb.connect() as con:
        r = TransactionCleaner().clean_relation(df, con)
        lazy = r.audit.fetchall()
        n_lines = r.transactions.aggregate("count(*)").fetchall()[0][0]
    res = TransactionCleaner().clean(df)
    assert [tuple(x) for x in res.audit.itertuples(index=False)] == lazy
    assert n_lines == len(res.transactions)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_match_synthetic_dirt(seed):
    shop = make_shop(300, random_state=seed)
    dirt = shop.dirt.set_index("kind").lines
    res = TransactionCleaner().clean(shop.transactions)
    assert_balanced(res, len(shop.transactions), _revenue(shop.transactions))
    a = res.audit.set_index("reason").rows
    assert a["non_product"] == dirt["non_product"]
    assert a["bad_price"] == dirt["zero_price"]
    # the generator also makes identical lines by chance (an item drawn twice in one order with the same
    # quantity); every exact copy counts, so: cleaner == pandas' own count >= injected copies
    assert a["duplicate"] == shop.transactions.duplicated().sum() >= dirt["duplicate"]
    # an injected return whose purchase later got a zero price (or was a chance duplicate) has nothing left
    # to net against: at most a couple of lines differ
    assert abs(a["unmatched_return"] - dirt["unmatched_return"]) <= 2
    assert abs(a["return_netted"] - dirt["return"]) <= 2


def test_uci_audit_balances(uci_path):
    src = TransactionSource(str(uci_path), "uci")
    res = TransactionCleaner(shop_start="2010-12-01", as_of="2011-12-10").clean(src)
    raw = src.to_pandas()
    assert_balanced(res, len(raw), _revenue(raw))
    t = res.transactions
    assert (t[Col.QUANTITY] >= 0).all() and (t[Col.PRICE] > 0).all() and t[Col.CUSTOMER].notna().all()
    assert not t[Col.ITEM].isin(["POST", "DOT", "M", "BANK CHARGES"]).any()
    assert res.customer_flags.is_bulk_buyer.any() and res.transactions.is_outlier_line.any()


def test_line_stats_equal_duckdb_median_mad():
    "The histogram median/MAD behind the row-outlier flag are DuckDB's `median`/`mad`, to the last bit."
    from segment_lib.preprocessing import _line_stats
    rng = np.random.default_rng(0)
    with duckdb.connect() as con:
        for n in (1, 2, 7, 40, 301):
            q, p = np.round(rng.lognormal(1, 1, n)) + 1, np.round(rng.lognormal(0, 1, n), 2) + 0.01
            con.execute("CREATE OR REPLACE TABLE k AS SELECT unnest(?::DOUBLE[]) AS quantity, unnest(?::DOUBLE[]) AS unit_price",
                        [q.tolist(), p.tolist()])
            want = con.sql("SELECT median(ln(quantity)), mad(ln(quantity)), median(ln(unit_price)), mad(ln(unit_price)) FROM k").fetchall()[0]
            got = _line_stats(con, "k")
            assert (*got[Col.QUANTITY], *got[Col.PRICE]) == want


def _group_by_all_counts(df: pd.DataFrame) -> list[int]:
    "Reference de-duplication: copies per distinct canonical row, by a plain GROUP BY ALL."
    with duckdb.connect() as con:
        rel = TransactionSource(df).relation(con)
        return sorted(r[-1] for r in con.sql(f"SELECT *, count(*) AS _copies FROM ({rel.sql_query()}) GROUP BY ALL").fetchall())


def test_duplicates_exact_with_signed_zero_nan_and_nulls():
    df = _frame(**{Col.ORDER: ["1", "1", "1", "1", "2", "2", "3", "3"],
                   Col.PRICE: [0.0, -0.0, 2.0, 2.0, np.nan, np.nan, 2.0, 2.0],
                   Col.CUSTOMER: ["a", "a", "a", "a", None, None, "b", "b"],
                   Col.DESCRIPTION: ["x", "x", None, None, "y", "y", "z", "z "],
                   Col.TIMESTAMP: pd.to_datetime(["2011-01-01"] * 8)})
    with duckdb.connect() as con:
        st = TransactionCleaner().clean_relation(df, con).statuses
        got = sorted(r[0] for r in st.project("_n").fetchall())
    assert got == _group_by_all_counts(df) == [1, 1, 2, 2, 2]  # -0.0 = 0.0, NULL = NULL, NaN = NaN, 'z' != 'z '

    assert_balanced(TransactionCleaner().clean(df), len(df), _revenue(df))


def test_hash_collisions_cannot_change_the_result(monkeypatch):
    "Duplicates are found by hash, then checked exactly: a hash that collides everywhere gives the same cleaning."
    import segment_lib.preprocessing as prep
    df = make_shop(80, random_state=5).transactions
    want = TransactionCleaner(as_of="2011-12-10").clean(df)
    monkeypatch.setattr(prep, "_hash_sql", lambda cols: "(hash(customer_id) % 3)")
    got = TransactionCleaner(as_of="2011-12-10").clean(df)
    pd.testing.assert_frame_equal(want.audit, got.audit)
    pd.testing.assert_frame_equal(want.transactions, got.transactions)
    pd.testing.assert_frame_equal(want.customer_flags, got.customer_flags)
