"""Publication lags: declared with each source's metadata, dated per period, listed by the CLI."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.errors import SourceError
from rootcauses.sources import all_sources, publications
from rootcauses.sources.base import Publication


def test_a_yearly_release_dates_every_period_of_the_year_from_december() -> None:
    wgi = Publication(10, "year", "late September of Y+1")
    annual = wgi.available(pd.Series(pd.to_datetime(["2021-01-01", "2022-01-01"])), "annual")
    assert list(annual) == [pd.Timestamp("2022-10-01"), pd.Timestamp("2023-10-01")]
    cru = Publication(6, "year", "one release a year")
    months = cru.available(pd.Series(pd.to_datetime(["2020-01-01", "2020-12-01"])), "monthly")
    assert list(months) == [pd.Timestamp("2021-06-01")] * 2


def test_a_monthly_release_dates_each_month_from_its_own_end() -> None:
    bls = Publication(1, "period", "first Friday of the next month")
    out = bls.available(
        pd.Series(pd.to_datetime(["2020-04-01", "2020-12-01"]), index=[7, 9]), "monthly"
    )
    assert list(out.index) == [7, 9]  # aligned with the periods given
    assert list(out) == [pd.Timestamp("2020-05-01"), pd.Timestamp("2021-01-01")]
    # an annual value's last month is December whatever the rule
    assert bls.available(pd.Series([pd.Timestamp("2020-01-01")]), "annual").item() == (
        pd.Timestamp("2021-01-01")
    )


def test_bad_rules_are_errors() -> None:
    with pytest.raises(SourceError, match="-1 months"):
        Publication(-1, "year", "")
    with pytest.raises(SourceError, match="'quarterly'"):
        Publication(1, "period", "").available(pd.Series([pd.Timestamp("2020-01-01")]), "quarterly")


def test_every_declared_rule_names_a_part_its_source_reads(source_parts) -> None:
    declared = {sid: spec for sid, spec in all_sources().items() if spec.publication}
    assert {"homicide", "governance", "economy_wdi", "us_labor", "drought"} <= set(declared)
    for source_id, spec in declared.items():
        parts = source_parts(source_id)
        unknown = set(spec.publication) - set(parts)
        assert not unknown, f"{source_id} declares lags for parts it does not read: {unknown}"
    assert publications()["wgi"].months == 10


def test_data_indicators_lists_when_each_indicator_is_published(built_store: Settings) -> None:
    env = {"ROOTCAUSES_HOME": str(built_store.home), "ROOTCAUSES_DATA": str(built_store.data)}
    result = CliRunner().invoke(app, ["data", "indicators", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output)).set_index("indicator")
    assert frame.loc["homicide_rate", "published"] == "18 months after the year"
    assert frame.loc["us_unemployment_rate", "published"] == "1 month after the period"
