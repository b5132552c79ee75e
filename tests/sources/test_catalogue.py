"""Every indicator the store holds has a plain name, a theme and a description."""

from __future__ import annotations

import pytest

from rootcauses.config import Settings
from rootcauses.sources.catalogue import THEMES, describe
from rootcauses.store import query


@pytest.fixture(scope="module")
def indicators(built_store: Settings) -> list[tuple[str, list[str]]]:
    with query.connect(built_store) as con:
        rows = con.execute(
            "SELECT i.indicator, list(DISTINCT s.dataset) FROM indicators i "
            "JOIN sources s ON s.id = i.source GROUP BY 1 "
            "UNION ALL SELECT DISTINCT indicator, ['emigration_departments'] "
            "FROM department_emigration "
            "UNION ALL SELECT DISTINCT indicator, ['subnational'] FROM subnational_indicators"
        ).fetchall()
    return [(code, list(datasets)) for code, datasets in rows]


def test_every_indicator_in_the_store_is_described(indicators) -> None:
    assert len(indicators) > 200
    undocumented = [code for code, sources in indicators if not describe(code, sources).documented]
    assert undocumented == []
    for code, sources in indicators:
        info = describe(code, sources)
        assert info.theme in THEMES and info.description, code
        assert "_" not in info.name and "{" not in info.name + info.description, code


def test_only_the_error_series_are_hidden(indicators) -> None:
    hidden = {code for code, sources in indicators if describe(code, sources).hidden}
    assert hidden == {code for code, _ in indicators if code.endswith("_std_err")}
    assert "wgi_rule_of_law_std_err" in hidden


def test_families_read_in_words() -> None:
    assert describe("wgi_rule_of_law_pctrank", ["governance"]).name == (
        "Governance: rule of law (percentile rank)"
    )
    assert describe("disaster_deaths_storm", ["disasters"]).name == "Disasters (storm): deaths"
    assert describe("us_aid_disbursements_fy", ["strategy"]).name == "US aid disbursed"
    unknown = describe("brand_new_series", ["governance"])
    assert unknown.name == "Brand new series" and not unknown.documented


def test_each_source_keeps_the_entries_of_what_it_writes() -> None:
    from rootcauses.sources import get_source

    governance = get_source("governance").indicators
    assert any(pattern.startswith("wgi_") for pattern, _ in governance)
    assert describe("wgi_rule_of_law", ["governance"]).name == "Governance: rule of law"
    assert describe("homicide_rate", ["subnational"]).description.endswith("(Honduras, SEPOL)")
