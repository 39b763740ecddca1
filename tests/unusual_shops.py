"""Three shops unlike the ones the library is tuned on (issue #15), built from `make_shop` variations.

- `one_product_shop`: a single product, mostly one-time buyers, no category column (a music retailer's log).
- `many_category_shop`: 90 departments and prices that vary over three orders of magnitude, as in a log
  that carries line totals (a grocery chain's log).
- `lapsed_shop`: two years of history where most customers stopped buying about a year before the end.
"""
import numpy as np
import pandas as pd

from segment_lib.core import Col
from segment_lib.synthetic import DEFAULT_PERSONAS, make_shop

_P = {p.name: p for p in DEFAULT_PERSONAS}


def _with_shares(**shares):
    "The default personas with new customer shares (personas not named are dropped)."
    from dataclasses import replace
    return tuple(replace(_P[name], share=s) for name, s in shares.items())


def one_product_shop(n: int = 1200, random_state: int = 0) -> pd.DataFrame:
    "Every line is the same product; ~80 % of customers order once; no category column."
    tx = make_shop(n, personas=_with_shares(one_time_buyer=0.8, loyal_high_spender=0.1, lapsed=0.1),
                   random_state=random_state).transactions
    tx = tx.drop(columns=[Col.CATEGORY])
    product = ~tx[Col.ITEM].astype(str).str.upper().isin(["POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE", "D", "CRUK"])
    tx.loc[product, Col.ITEM] = "ALBUM-1"
    tx.loc[product, Col.DESCRIPTION] = "DIGITAL ALBUM DOWNLOAD"
    tx.loc[product, Col.PRICE] = 9.99
    return tx


def many_category_shop(n: int = 1500, random_state: int = 0) -> pd.DataFrame:
    "90 departments (item -> department by a hash of its id); each item's price is a line total over 0.1-300."
    tx = make_shop(n, random_state=random_state).transactions
    codes = tx[Col.ITEM].astype(str)
    h = pd.util.hash_array(codes.to_numpy(dtype=object)) % np.uint64(90)
    tx[Col.CATEGORY] = [f"department {int(i) + 1:02d}" for i in h]
    factor = np.exp(np.random.default_rng(random_state).normal(0, 1.5, codes.nunique()))
    tx[Col.PRICE] = (tx[Col.PRICE] * tx[Col.QUANTITY].abs() * pd.Series(factor, index=codes.unique()).reindex(codes).to_numpy()).round(2)
    tx[Col.QUANTITY] = np.sign(tx[Col.QUANTITY]).replace(0, 1)  # a line is one total
    return tx


def lapsed_shop(n: int = 1500, random_state: int = 0) -> pd.DataFrame:
    "Two years of log; ~75 % of customers are active for a few months early on and then never return."
    from dataclasses import replace
    personas = _with_shares(lapsed=0.75, loyal_high_spender=0.08, one_time_buyer=0.12, bargain_hunter=0.05)
    personas = tuple(replace(p, lifetime_months=3.0) if p.name == "lapsed" else p for p in personas)
    return make_shop(n, start="2009-12-01", end="2011-12-09", personas=personas, random_state=random_state).transactions


def line_total_log(n: int = 400, random_state: int = 0, n_categories: int = 90) -> pd.DataFrame:
    "A grocery-style export: ~90 departments and each line's total (`sales_value`) instead of a unit price."
    tx = many_category_shop(n, random_state=random_state)
    tx["sales_value"] = (tx[Col.QUANTITY] * tx[Col.PRICE]).round(2)
    return tx.drop(columns=[Col.PRICE])
