"""Settings from the environment: a bad value is a clear error naming the variable."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rootcauses.cli import app
from rootcauses.config import get_settings
from rootcauses.errors import ConfigError


def test_a_bad_setting_names_the_variable_and_why(monkeypatch):
    monkeypatch.setenv("ROOTCAUSES_HTTP_TIMEOUT", "x")
    monkeypatch.setenv("ROOTCAUSES_HTTP_RETRIES", "-1")
    with pytest.raises(ConfigError) as caught:
        get_settings()
    message = str(caught.value)
    assert "ROOTCAUSES_HTTP_TIMEOUT='x'" in message and "valid number" in message
    assert "ROOTCAUSES_HTTP_RETRIES='-1'" in message


def test_a_list_setting_that_is_not_json_says_so(monkeypatch):
    monkeypatch.setenv("ROOTCAUSES_CORS_ORIGINS", "https://example.org")
    with pytest.raises(ConfigError, match=r"cors_origins.*a list is JSON"):
        get_settings()


def test_the_cli_prints_it_without_a_traceback(monkeypatch):
    monkeypatch.setenv("ROOTCAUSES_HTTP_TIMEOUT", "x")
    result = CliRunner().invoke(app, ["data", "indicators"])
    assert result.exit_code == 1
    assert "error: bad setting in the environment: ROOTCAUSES_HTTP_TIMEOUT" in result.output
    assert "Traceback" not in result.output
