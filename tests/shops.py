"""Shops unlike the synthetic gift shop the defaults were tuned on, built from `make_shop` for the report tests:
one product with mostly one-time buyers, ~90 categories with line totals, and a base that mostly lapsed a year ago."""
import numpy as np
import pandas as pd

from segment_lib.synthetic import make_shop


def one_product_shop(n: int = 400, seed: int = 0) -> pd.DataFrame:
    "A single product line (one item, no categories); 80 % of customers keep only their first order."
    tx = make_shop(n, random_state=seed).transactions.drop(columns=["category"])
    first = tx.groupby("customer_id").order_id.transform("min")
    rng = np.random.RandomState(seed)
    once = tx.customer_id.map(dict(zip(tx.customer_id.unique(), rng.uniform(size=tx.customer_id.nunique()) < 0.8)))
    tx = tx[~(once.fillna(False).astype(bool)) | (tx.order_id == first) | tx.customer_id.isna()]
    return tx.assign(item_id="SUB-1", description="Monthly coffee subscription").reset_index(drop=True)


def line_total_shop(n: int = 400, seed: int = 0, n_categories: int = 90) -> pd.DataFrame:
    "~90 departments; the log carries each line's total (`sales_value`) instead of a unit price."
    tx = make_shop(n, random_state=seed).transactions
    codes = pd.factorize(tx.item_id)[0] % n_categories
    tx = tx.assign(category=[f"department {c:02d}" for c in codes], sales_value=(tx.quantity * tx.unit_price).round(2))
    return tx.drop(columns=["unit_price"])


def lapsed_shop(n: int = 400, seed: int = 0, share: float = 0.8) -> pd.DataFrame:
    "Two years of log in which `share` of the customers last bought about a year before its end."
    tx = make_shop(n, random_state=seed).transactions
    rng = np.random.RandomState(seed)
    ids = tx.customer_id.dropna().unique()
    lapsed = set(ids[rng.uniform(size=len(ids)) < share])
    back = tx.customer_id.isin(lapsed)
    return tx.assign(timestamp=tx.timestamp.where(~back, tx.timestamp - pd.Timedelta(days=365)))
