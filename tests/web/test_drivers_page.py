"""The driver models in plain words: direction, size, interval, the verdict against the trend
when stored (and a plain 'not stored' when not), never a cause; the indicator picker by theme."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.store import import_build
from rootcauses.store.results import write_results
from rootcauses.web import drivers
from rootcauses.web.app import create_app


def _fit(**extra) -> pd.DataFrame:
    rows = [
        {"theory": "economic", "driver": "log_gdp_pc", "coef": -1.0, "lo95": -2.0, "hi95": -0.5},
        {"theory": "economic", "driver": "gdp_growth", "coef": 0.05, "lo95": -0.01, "hi95": 0.1},
        {"theory": "violence", "driver": "homicide_rate", "coef": 0.01, "lo95": 0.0, "hi95": 0.02},
    ]
    frame = pd.DataFrame(rows).assign(rows=69, years="2001-2023", section="theory", **extra)
    replication = {"theory": "replication_homicide_uac", "driver": "homicides", "section": None}
    return pd.concat([frame, pd.DataFrame([replication])], ignore_index=True)


def test_a_coefficient_in_words() -> None:
    words = drivers.driver_sentence(
        {"driver": "log_gdp_pc", "coef": -1.0, "lo95": -2, "hi95": -0.5}
    )
    size = (math.exp(-1.0 * math.log(1.1)) - 1) * 100  # a 10% higher GDP per capita
    assert f"about {abs(size):.0f}% fewer" in words and "10% higher" in words
    assert "cannot tell the direction" not in words and "cause" not in words
    growth = drivers.driver_sentence(
        {"driver": "gdp_growth", "coef": 0.05, "lo95": -0.01, "hi95": 0.1}
    )
    assert "higher by one unit (%)" in growth and "about 5% more" in growth
    assert "the interval includes zero, so the data cannot tell the direction" in growth
    assert "not estimated" in drivers.driver_sentence({"driver": "gdp_growth", "coef": None})
    regime = drivers.driver_sentence({"driver": "mpp", "coef": -0.14, "lo95": -1.05, "hi95": 0.79})
    assert regime.startswith("With Remain in Mexico (MPP) in force, encounters per 100,000 were")
    assert "than without" in regime and "(95% interval -65% to +120%)" in regime
    tiny = drivers.driver_sentence(
        {"driver": "gdp_growth", "coef": 0.04, "lo95": -0.001, "hi95": 1}
    )
    assert "(95% interval 0% to +172%)" in tiny  # no "-0%"


def test_the_verdict_against_the_trend_when_stored() -> None:
    frame = _fit(
        verdict="does not beat the trend out of sample", skill_vs_trend=-0.09, dm_p_value=0.73
    )
    summaries = drivers.models_in_words(frame)
    assert [s["theory"] for s in summaries] == ["economic", "violence"]  # not the replication
    economy = summaries[0]
    assert economy["name"] == "Economy" and not economy["beats_trend"]
    assert economy["record"] == (
        "It does not beat the trend out of sample (adds 9% of the trend baseline's error; "
        "test of equal error p = 0.73)."
    )
    assert len(economy["drivers"]) == 2


def test_older_results_without_the_trend_comparison_say_so() -> None:
    summaries = drivers.models_in_words(_fit())
    assert summaries[0]["record"].startswith("No comparison with a trend baseline is stored")
    assert drivers.models_in_words(pd.DataFrame()) == []


@pytest.fixture(scope="module")
def client(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    home = tmp_path_factory.mktemp("drivers-page")
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    frame = _fit(verdict="beats the trend out of sample", skill_vs_trend=0.2, dm_p_value=0.01)
    write_results(settings, "driver_models", frame, run_id="words1")
    return TestClient(create_app(settings))


def test_the_page_shows_themes_words_caveat_and_attribution(client: TestClient) -> None:
    page = client.get("/drivers").text
    assert '<optgroup label="Violence and crime">' in page and "_std_err" not in page
    assert ">Governance: rule of law<" in page
    assert "Association, not cause:" in page
    assert "It beats the trend out of sample (removes 20% of the trend baseline" in page
    assert 'class="theory beats"' in page
    assert "© OpenStreetMap contributors (ODbL); boundaries via geoBoundaries" in page
    assert ">Emigrants per 1,000 residents (Guatemala, El Salvador)<" in page
