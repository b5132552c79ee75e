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


def _value(store, indicator: str, country: str, period: str) -> float:
    frame = query.indicator(store, indicator, countries=[country])
    return float(frame[frame["period"].astype(str) == period]["value"].item())


def test_monthly_panel_holds_each_driver_from_the_month_it_was_published(store) -> None:
    frame = panel.monthly_panel(store)
    assert set(frame["country"]) == {"GTM", "HND", "SLV"}
    hnd = frame[frame["country"] == "HND"].set_index("month")
    # UNODC publishes year Y from June of Y+2: in May 2016 the latest is 2013, in June 2014
    assert hnd.loc["2016-05-01", "homicide_rate"] == pytest.approx(
        _value(store, "homicide_rate", "HND", "2013-01-01")
    )
    assert hnd.loc["2016-06-01", "homicide_rate"] == pytest.approx(
        _value(store, "homicide_rate", "HND", "2014-01-01")
    )
    # WGI for 2015 is out in late September 2016: used from October 2016
    corruption_2015 = _value(store, "wgi_control_of_corruption", "HND", "2015-01-01")
    assert hnd.loc["2016-09-01", "wgi_corruption"] != pytest.approx(corruption_2015)
    assert hnd.loc["2016-10-01", "wgi_corruption"] == pytest.approx(corruption_2015)
    # US unemployment for month m is out early in m+1 (the first panel month has September 1999)
    september = _value(store, "us_unemployment_rate", "USA", "1999-09-01")
    assert hnd.loc["1999-10-01", "us_unemployment"] == pytest.approx(september)
    april = _value(store, "us_unemployment_rate", "USA", "2020-04-01")
    assert hnd.loc["2020-05-01", "us_unemployment"] == pytest.approx(april)
    assert hnd.loc["2020-04-01", "title_42"] == 1
    assert hnd.loc["2019-01-01", "title_42"] == 0
    # rates per 100,000 use the interpolated population
    row = hnd.loc["2019-06-01"]
    assert row["encounters_per_100k"] == pytest.approx(1e5 * row["encounters"] / row["population"])
    # a value is used until the next release is due plus 12 months, then it is missing, not zero
    # (Honduras' last EM-DAT year, 2014, is public from December 2015: missing from December 2017)
    assert hnd.loc["2017-11-01", "disaster_affected"] > 0
    assert hnd.loc["2017-12-01":, "disaster_affected"].isna().all()
    assert (frame["homicide_rate"].dropna() > 0).all()
    assert frame.attrs["rules"]["timing"] == "published"


def test_lived_timing_keeps_the_interpolated_lagged_rule(store) -> None:
    frame = panel.monthly_panel(store, rules=panel.LIVED, countries=["HND"])
    hnd = frame.set_index("month")
    # annual value of 2015 sits at 2015-07; lagged 12 months it shows in 2016-07
    assert hnd.loc["2016-07-01", "homicide_rate"] == pytest.approx(
        _value(store, "homicide_rate", "HND", "2015-01-01")
    )
    april = _value(store, "us_unemployment_rate", "USA", "2020-04-01")
    assert hnd.loc["2020-05-01", "us_unemployment"] == pytest.approx(april)  # 1-month lag
    # drivers with no data yet are NaN, never zero (WGI ends in 2022; +12 carry +12 lag)
    assert hnd.loc["2024-09-01":, "wgi_corruption"].isna().all()


SPIED = (
    "homicide_rate",
    "wgi_corruption",
    "wgi_rule_of_law",
    "log_gdp_pc",
    "gdp_growth",
    "remittances_pct_gdp",
    "rain_season_z",
    "precip_z",
    "hurricanes",
    "oni",
    "coffee_price",
    "us_unemployment",
)


class SpyModel:
    """Records every driver value it is fitted on at each forecast origin."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, pd.Timestamp, float]] = set()

    def fit(self, train: pd.DataFrame, origin: pd.Timestamp) -> None:
        assert train["month"].max() <= origin
        for driver in SPIED:
            for row in train[["country", "month", driver]].dropna().itertuples(index=False):
                self.seen.add((driver, row[0], row[1], float(row[2])))


def _published_violations(store, seen) -> list[str]:
    """Values the spy saw in a month before any observation with that value was public (by the
    publication rules declared with the sources)."""
    from rootcauses.sources import publications

    by_column = {d.column: d for d in panel.DRIVERS}
    rules = publications()
    observations: dict[tuple[str, str], pd.DataFrame] = {}
    bad = []
    for driver, country, month, value in sorted(seen, key=str):
        key = (driver, country)
        if key not in observations:
            spec = by_column[driver]
            long = query.indicator(store, spec.indicator, countries=[spec.country or country])
            long = long[long["frequency"] == spec.frequency]
            values = long["value"].to_numpy(float)
            if spec.transform == "log":
                values = np.log(values)
            available = pd.concat(
                [
                    rules[source].available(part["period"], spec.frequency)
                    for source, part in long.groupby("source")
                ]
            )
            observations[key] = pd.DataFrame(
                {"value": values, "available": available.reindex(long.index).to_numpy()}
            )
        obs = observations[key]
        same = obs[np.isclose(obs["value"], value, rtol=1e-9, atol=1e-12)]
        if same.empty or same["available"].min() > month:
            bad.append(f"{driver} {country} {month:%Y-%m} = {value}")
    return bad


def test_a_spy_model_only_ever_sees_published_driver_values(store) -> None:
    origins = pd.date_range("2004-06-01", "2024-09-01", freq="7MS")  # every calendar month
    for rules, expect_leaks in ((panel.RULES, False), (panel.LIVED, True)):
        frame = panel.monthly_panel(store, rules=rules)
        spy = SpyModel()
        for origin in origins:
            spy.fit(frame[frame["month"] <= origin], origin)
        assert len(spy.seen) > 5_000
        violations = _published_violations(store, spy.seen)
        if expect_leaks:
            # the spy can fail: the old rule shows August-December values mixing in the
            # current year and values before their release
            assert any(v.startswith("homicide_rate") for v in violations)
        else:
            assert violations == [], violations[:10]


def test_regimes_start_and_end_with_their_events() -> None:
    def event(date: str, text: str, end: str | None = None) -> dict[str, object]:
        return {
            "date": pd.Timestamp(date),
            "end_date": pd.Timestamp(end) if end else pd.NaT,
            "event": text,
        }

    events = pd.DataFrame(
        [
            event("2019-01-01", "Migrant Protection Protocols in force", "2022-08-08"),
            event("2019-06-01", "US-Mexico migration agreement: National Guard"),
            event("2020-03-20", "Title 42 expulsions", "2023-05-11"),
            event("2021-06-01", "DHS memo terminates MPP"),
            event("2023-01-01", "CBP One app appointments", "2025-01-20"),
            event("2024-06-05", "'Securing the Border' proclamation"),
            event("2025-01-20", "Proclamation 10888 suspends entry at the southern border"),
        ]
    )
    spans = panel.regime_spans(events).set_index("regime")
    assert spans.loc["mpp", "end"] == pd.Timestamp("2021-05-31")  # not its formal end in 2022
    assert spans.loc["mexico_enforcement", "end"] == pd.Timestamp("2020-03-19")  # not open
    assert spans.loc["title_42", "start"] == pd.Timestamp("2020-03-20")
    assert spans.loc["title_42", "end"] == pd.Timestamp("2023-05-11")
    assert spans.loc["securing_the_border", "end"] == pd.Timestamp("2025-01-19")
    # with no end date and no ending event a regime is still in force: open, not an error
    open_ended = events[~events["event"].str.contains("suspends entry")]
    spans = panel.regime_spans(open_ended).set_index("regime")
    assert pd.isna(spans.loc["securing_the_border", "end"])
    months = pd.date_range("2024-05-01", "2026-01-01", freq="MS")
    share = panel.regime_share(spans.loc["securing_the_border", "start"].date(), None, months)
    assert share.iloc[0] == 0 and share.iloc[-1] == 1


def test_policy_regimes_in_the_store_follow_the_events(store) -> None:
    months = pd.date_range("2018-12-01", "2025-03-01", freq="MS")
    regimes = panel.policy_regimes(store, months)
    assert regimes.loc["2021-05-01", "mpp"] == 1 and regimes.loc["2021-06-01", "mpp"] == 0
    assert regimes.loc["2022-07-01", "mpp"] == 0
    assert regimes.loc["2019-07-01", "mexico_enforcement"] == 1
    assert regimes.loc["2020-03-01", "mexico_enforcement"] == pytest.approx(19 / 31)
    assert (regimes.loc["2020-04-01":, "mexico_enforcement"] == 0).all()
    assert regimes.loc["2023-06-01", "title_42"] == 0


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
    assert hnd.loc["2019-01-01":, "disaster_affected"].isna().all()  # EM-DAT public data end
    assert all("disaster_affected" not in drivers for drivers in THEORIES.values())
