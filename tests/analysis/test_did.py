"""Difference-in-differences of US policy regimes across nationalities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rootcauses.analysis import did
from rootcauses.errors import ModelError

MONTHS = pd.date_range("2012-01-01", "2023-12-01", freq="MS")


def _regimes() -> pd.DataFrame:
    out = pd.DataFrame(0.0, index=MONTHS, columns=[*did.APPLIES, *did.NOT_IDENTIFIED])
    out.loc["2019-01-01":"2021-05-01", "mpp"] = 1.0
    out.loc["2019-06-01":"2020-02-01", "mexico_enforcement"] = 1.0
    out.loc["2020-03-01":"2023-04-01", "title_42"] = 1.0
    out.loc["2023-01-01":, "cbp_one"] = 1.0
    return out


def _encounters(effects: dict[str, float], seed: int = 0) -> pd.DataFrame:
    """Log encounters = group level + a common shock path + own noise + planted effects."""
    rng = np.random.default_rng(seed)
    common = np.cumsum(rng.normal(0, 0.1, len(MONTHS)))  # shared by every nationality
    regimes = _regimes()
    rows = []
    for level, group in zip((8.0, 8.5, 8.2, 10.0, 9.0), did.GROUPS, strict=True):
        y = level + common + rng.normal(0, 0.05, len(MONTHS))
        for regime, beta in effects.items():
            if group in did.APPLIES[regime]:
                y = y + beta * regimes[regime].to_numpy()
        rows.append(pd.DataFrame({"month": MONTHS, "citizenship": group, "count": np.exp(y)}))
    return pd.concat(rows, ignore_index=True)


def test_planted_regime_effects_are_recovered_and_the_leads_are_flat() -> None:
    planted = {"mpp": -0.4, "mexico_enforcement": -0.2, "title_42": 0.3}
    result = did.fit_did(did.did_frame(_encounters(planted), _regimes()), draws=199)
    table = result.table.set_index(["regime", "term"])
    for regime, beta in planted.items():
        row = table.loc[(regime, "in force")]
        assert row["lo95"] <= beta <= row["hi95"], regime
        assert row["coef"] == pytest.approx(beta, abs=0.05)
        lead = table.loc[(regime, "12 months before")]
        assert lead["lo95"] <= 0 <= lead["hi95"], regime
    assert table.loc[("mpp", "in force"), "control"] == "MEX"
    assert table.loc[("title_42", "in force"), "control"] == "OTHER"
    # a policy for every nationality is listed as not identified, with no number
    for regime in did.NOT_IDENTIFIED:
        row = table.loc[(regime, "in force")]
        assert np.isnan(row["coef"]) and "not identified" in row["note"]


def test_a_shock_common_to_every_nationality_is_not_a_policy_effect() -> None:
    result = did.fit_did(did.did_frame(_encounters({}, seed=3), _regimes()), draws=99)
    table = result.table.set_index(["regime", "term"])
    for regime in did.APPLIES:
        row = table.loc[(regime, "in force")]
        assert row["lo95"] <= 0 <= row["hi95"] and abs(row["coef"]) < 0.1


def test_a_pre_trend_is_flagged() -> None:
    encounters = _encounters({"mpp": -0.3}, seed=5)
    treated = encounters["citizenship"].isin(did.APPLIES["mpp"])
    before = (encounters["month"] >= "2018-01-01") & (encounters["month"] < "2019-01-01")
    encounters.loc[treated & before, "count"] *= np.exp(0.8)  # treated surge just before
    table = did.fit_did(did.did_frame(encounters, _regimes()), draws=99).table
    row = table[(table["regime"] == "mpp") & (table["term"] == "in force")].iloc[0]
    assert "parallel trends fail" in row["note"]


def test_missing_nationality_or_empty_month_is_an_error() -> None:
    encounters = _encounters({})
    with pytest.raises(ModelError, match="MEX"):
        did.did_frame(encounters[encounters["citizenship"] != "MEX"], _regimes())
    encounters.loc[0, "count"] = 0
    with pytest.raises(ModelError, match="GTM in 2012-01"):
        did.did_frame(encounters, _regimes())


def test_the_store_regimes_run(store) -> None:
    result = did.fit_did(did.read(store), draws=99)
    table = result.table.set_index(["regime", "term"])
    assert table.loc[("mpp", "in force"), "months_in_force"] == 29  # Jan 2019 - May 2021
    assert table.loc[("mexico_enforcement", "in force"), "months_in_force"] == 10
    assert result.bandwidth > 10  # persistent residuals, a long bandwidth
