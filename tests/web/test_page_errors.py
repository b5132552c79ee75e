"""A page that cannot read its data shows the API's generic message and an error id, never the
cause (paths, hosts, users): that goes to the server log under the same id."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.errors import RootCausesError
from rootcauses.web import policylab
from rootcauses.web.app import create_app

PAGES = ["/", "/drivers", "/forecasts", "/sources"]
ERROR_ID = re.compile(r"error id ([0-9a-f]{12})")


def _logged(caplog: pytest.LogCaptureFixture, error_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if error_id in r.getMessage()]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_store_shows_an_id_not_the_path(
    tmp_path: Path, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "secret-home"
    client = TestClient(create_app(Settings(home=home)))
    with caplog.at_level(logging.ERROR, logger="rootcauses.web"):
        page = client.get(path)
    assert page.status_code == 200 and "rootcauses data build" in page.text
    assert "secret-home" not in page.text and str(tmp_path) not in page.text
    error_id = ERROR_ID.search(page.text).group(1)
    logged = _logged(caplog, error_id)
    assert logged and "secret-home" in str(logged[0].exc_info[1])


def test_the_policy_lab_page_shows_an_id_not_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(limits):
        raise RootCausesError("cannot read /srv/private/parameters.yaml as user postgres")

    monkeypatch.setattr(policylab, "page_context", broken)
    client = TestClient(create_app(Settings(home=tmp_path / "home")))
    with caplog.at_level(logging.ERROR, logger="rootcauses.web"):
        page = client.get("/policy-lab")
    assert page.status_code == 200
    assert "/srv/private" not in page.text and "postgres" not in page.text
    error_id = ERROR_ID.search(page.text).group(1)
    assert "/srv/private" in str(_logged(caplog, error_id)[0].exc_info[1])
