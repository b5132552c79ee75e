"""The forecasts' track record over HTTP: every stored forecast, scored against the store."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rootcauses.analysis import forecast as fc
from rootcauses.analysis.runs import run_forecast
from rootcauses.cli import app
from rootcauses.config import Settings
from rootcauses.store import import_build, query
from rootcauses.web.app import create_app


def test_track_record_endpoints(built_store: Settings, tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    client = TestClient(create_app(settings))
    empty = client.get("/api/forecasts/track-record").json()
    assert empty["count"] == 0 and empty["data"] == []  # nothing made yet: an empty record
    config = fc.ForecastConfig(horizon=3, origins=2)
    for until in ("2024-03", "2024-06"):
        run_forecast(settings, config, models=["random_walk"], until=until, workers=1)
    body = client.get("/api/forecasts/track-record?series=HND").json()
    assert body["count"] == 6  # two runs x three months, the leaderboard's pick
    assert [r["origin"] for r in body["data"]] == ["2024-06"] * 3 + ["2024-03"] * 3  # newest first
    with query.connect(settings) as con:
        observed = query.southwest_by_nationality(con, basis="usbp")["HND"]
    observed.index = pd.to_datetime(observed.index)
    for row in body["data"]:
        month = pd.Timestamp(f"{row['month']}-01")
        assert row["scored"] and row["actual"] == observed[month]
        assert row["error"] == row["mean"] - row["actual"]
        assert row["in95"] == (row["lo95"] <= row["actual"] <= row["hi95"])
        assert row["retrospective"] is True  # the data ran to 2024-09
    summary = client.get("/api/forecasts/track-record/summary?series=HND").json()["data"]
    assert len(summary) == 1 and summary[0]["scored"] == 6 and summary[0]["origins"] == 2
    mape = sum(abs(r["error"]) / r["actual"] * 100 for r in body["data"]) / 6
    assert abs(summary[0]["mape"] - mape) < 1e-6
    paged = client.get("/api/forecasts/track-record?series=HND&limit=4")
    assert paged.headers["x-total-count"] == "6" and 'rel="next"' in paged.headers["link"]
    csv = client.get("/api/forecasts/track-record?format=csv&model=random_walk")
    assert len(csv.text.splitlines()) == 1 + 2 * 3 * 5  # five series
    assert client.get("/api/forecasts/track-record?model=oracle").status_code == 422
    assert client.get("/api/forecasts/track-record?series=XYZ").status_code == 422
    # the command line prints the same record
    env = {"ROOTCAUSES_HOME": str(settings.home), "ROOTCAUSES_DATA": str(settings.data)}
    result = CliRunner().invoke(
        app, ["forecast", "record", "--series", "HND", "--format", "csv"], env=env
    )
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(io.StringIO(result.output))
    assert printed["scored"].tolist() == [6] and abs(printed["mape"].iloc[0] - mape) < 1e-6
