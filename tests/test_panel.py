from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rootcauses import panel
from rootcauses.store import query


def test_annual_values_interpolate_between_mid_years_and_carry_forward_a_year() -> None:
    months = pd.date_range("2010-01-01", "2013-12-01", freq="MS")
    out = panel.annual_to_monthly(pd.Series([2010, 2011]), pd.Series([10.0, 22.0]), months, 12)
    assert np.isnan(out["2010-06-01"])  # before the first observation: nothing
    assert out["2010-07-01"] == 10.0
    assert out["2011-01-01"] == pytest.approx(10 + 12 * 184 / 365)  # linear in days
    assert out["2011-07-01"] == 22.0
    assert out["2012-07-01"] == 22.0  # carried forward 12 months
    assert np.isnan(out["2012-08-01"])  # and no further: missing stays missing


def test_regime_share_counts_days_in_force() -> None:
    months = pd.date_range("2020-02-01", "2023-06-01", freq="MS")
    share = panel.regime_share(dt.date(2020, 3, 20), dt.date(2023, 5, 11), months)
    assert share["2020-02-01"] == 0
    assert share["2020-03-01"] == pytest.approx(12 / 31)
    assert share["2021-07-01"] == 1
    assert share["2023-05-01"] == pytest.approx(11 / 31)
    assert share["2023-06-01"] == 0
    open_ended = panel.regime_share(dt.date(2023, 1, 1), None, months)
    assert open_ended["2023-06-01"] == 1


def test_monthly_panel_applies_the_documented_lags(store) -> None:
    frame = panel.monthly_panel(store)
    assert set(frame["country"]) == {"GTM", "HND", "SLV"}
    hnd = frame[frame["country"] == "HND"].set_index("month")
    homicide = query.indicator(store, "homicide_rate", countries=["HND"])
    value_2015 = homicide[pd.to_datetime(homicide["period"]).dt.year == 2015]["value"].item()
    # annual value of 2015 sits at 2015-07; lagged 12 months it shows in 2016-07
    assert hnd.loc["2016-07-01", "homicide_rate"] == pytest.approx(value_2015)
    unemployment = query.indicator(store, "us_unemployment_rate", countries=["USA"])
    # the first panel month already has its lagged value (from before the panel starts)
    september = unemployment[unemployment["period"].astype(str) == "1999-09-01"]["value"].item()
    assert hnd.loc["1999-10-01", "us_unemployment"] == pytest.approx(september)
    may = unemployment[unemployment["period"].astype(str) == "2020-04-01"]["value"].item()
    assert hnd.loc["2020-05-01", "us_unemployment"] == pytest.approx(may)  # 1-month lag
    assert hnd.loc["2020-04-01", "title_42"] == 1
    assert hnd.loc["2019-01-01", "title_42"] == 0
    # rates per 100,000 use the interpolated population
    row = hnd.loc["2019-06-01"]
    assert row["encounters_per_100k"] == pytest.approx(1e5 * row["encounters"] / row["population"])
    # drivers with no data yet are NaN, never zero (WGI ends in 2022; +12 carry +12 lag)
    assert hnd.loc["2024-09-01":, "wgi_corruption"].isna().all()
    assert (frame["homicide_rate"].dropna() > 0).all()


def test_cbp_basis_has_children_and_families_by_country(store) -> None:
    frame = panel.monthly_panel(store, basis="cbp", countries=["GTM"])
    fy21 = frame[frame["fiscal_year"] == 2021]
    assert fy21["encounters"].sum() == 283_035
    assert fy21["uac"].sum() > 0 and fy21["fmua"].sum() > 0


def test_unknown_country_is_an_error(store) -> None:
    with pytest.raises(panel.PanelError, match="ATL"):
        panel.monthly_panel(store, countries=["GTM", "ATL"])


def test_annual_panel_pairs_fiscal_years_with_the_previous_calendar_year(store) -> None:
    annual = panel.annual_panel(store)
    row = annual[(annual["country"] == "HND") & (annual["fiscal_year"] == 2014)].iloc[0]
    assert row["uac"] == 18_244 and row["driver_year"] == 2013
    assert not annual.duplicated(["country", "fiscal_year"]).any()


def test_disasters_are_in_the_panel_but_in_no_theory(store) -> None:
    from rootcauses.analysis.drivers import THEORIES

    frame = panel.monthly_panel(store, countries=["HND"])
    hnd = frame.set_index("month")
    assert hnd.loc["2000-06-01", "disaster_affected"] > 0  # Mitch (1998) seen with the lag
    assert hnd.loc["2018-01-01":, "disaster_affected"].isna().all()  # EM-DAT public data end
    assert all("disaster_affected" not in drivers for drivers in THEORIES.values())
