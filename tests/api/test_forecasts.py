from __future__ import annotations

import pandas as pd
from fastapi.testclient import TestClient

from rootcauses.analysis import forecast as fc
from rootcauses.analysis.runs import run_forecast
from rootcauses.config import Settings
from rootcauses.store import import_build
from rootcauses.web.app import create_app


def test_forecast_endpoints(built_store: Settings, tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    import_build(Settings(home=home), built_store.store_path)
    settings = Settings(home=home, data=built_store.data)
    client = TestClient(create_app(settings))
    assert client.get("/api/forecasts").status_code == 404  # nothing run yet: say how
    config = fc.ForecastConfig(horizon=2, origins=3)
    run_forecast(settings, config, models=["auto_theta"], until="2023-06", workers=1)
    body = client.get("/api/forecasts?series=GTM&model=best").json()
    assert body["count"] == 2 and {r["model"] for r in body["data"]} == {"best"}
    csv = client.get("/api/forecasts/leaderboard?format=csv")
    board = pd.read_csv(pd.io.common.StringIO(csv.text))
    assert {"series", "model", "h", "mase", "relative_mase", "cov80"} <= set(board.columns)
    # scored against a random walk: skill, WIS and the Diebold-Mariano test beside MASE
    assert {"skill", "wis", "relative_wis", "dm_p", "relative_mase_snaive"} <= set(board.columns)
    walk = board[board["model"] == "random_walk"]
    assert not walk.empty and (walk["relative_mase"] == 1).all()
    assert body["data"][0]["chosen"] in set(board["model"])
    assert client.get("/api/forecasts?series=XYZ").status_code == 422
    assert client.get("/api/forecasts?run=not-a-run").status_code == 422
