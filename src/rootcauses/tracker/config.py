"""Tracker settings, read from the environment (one typed class, never ``os.environ`` ad hoc).

* ``DATABASE_URL`` — the tracker database. Unset: an embedded SQLite file,
  ``$ROOTCAUSES_HOME/tracker.sqlite``. ``postgresql://…`` URLs use the psycopg 3 driver.
* ``ROOTCAUSES_TRACKER_STATUS_FILE`` — a TOML file of status thresholds (default
  ``$ROOTCAUSES_HOME/tracker.toml`` when it exists), keys at the top level or under ``[status]``.
* ``ROOTCAUSES_TRACKER_ON_TRACK_TOLERANCE``, ``…_AT_RISK_TOLERANCE``, ``…_STALE_AFTER_DAYS``,
  ``…_UNREPORTED_AFTER_DEADLINE``, ``…_MONEY_UNITS`` (comma-separated) — override the file.
* ``ROOTCAUSES_TRACKER_READ_REQUIRES_TOKEN`` — when true, reading the API needs a token too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rootcauses.errors import ConfigError
from rootcauses.tracker.status import Thresholds

THRESHOLD_KEYS = (
    "on_track_tolerance",
    "at_risk_tolerance",
    "stale_after_days",
    "unreported_after_deadline",
    "money_units",
)


class TrackerSettings(BaseSettings):
    """Typed tracker settings; construct a fresh one per call so tests can change the env."""

    model_config = SettingsConfigDict(
        env_prefix="ROOTCAUSES_TRACKER_", extra="ignore", populate_by_name=True
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ROOTCAUSES_TRACKER_DATABASE_URL"),
        description="SQLAlchemy URL of the tracker database (default: SQLite under home)",
    )
    home: Path = Field(
        default=Path(".rootcauses"),
        validation_alias=AliasChoices("ROOTCAUSES_HOME"),
        description="where the default SQLite file and tracker.toml live",
    )
    status_file: Path | None = Field(default=None, description="TOML file of status thresholds")
    on_track_tolerance: float | None = None
    at_risk_tolerance: float | None = None
    stale_after_days: int | None = None
    unreported_after_deadline: str | None = None
    money_units: str | None = None
    read_requires_token: bool = False

    @property
    def url(self) -> str:
        """The database URL to use: ``DATABASE_URL`` (psycopg 3 for PostgreSQL) or SQLite."""
        if self.database_url:
            return normalise_url(self.database_url)
        return f"sqlite:///{(self.home / 'tracker.sqlite').resolve()}"

    def thresholds(self) -> Thresholds:
        """Defaults, then the TOML file, then environment overrides."""
        thresholds = Thresholds()
        path = self.status_file or (self.home / "tracker.toml")
        if self.status_file is not None or path.exists():
            thresholds = thresholds_from_toml(path, thresholds)
        overrides = {k: getattr(self, k) for k in THRESHOLD_KEYS if getattr(self, k) is not None}
        try:
            return Thresholds.from_mapping(overrides, base=thresholds)
        except ValueError as exc:
            raise ConfigError(f"environment ROOTCAUSES_TRACKER_*: {exc}") from None


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` → ``postgresql+psycopg://`` (the driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def thresholds_from_toml(path: Path, base: Thresholds | None = None) -> Thresholds:
    """Thresholds from a TOML file: keys at the top level or under ``[status]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: status thresholds file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("status", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [status] must be a table")
    try:
        return Thresholds.from_mapping(table, base=base)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def get_tracker_settings(**overrides: object) -> TrackerSettings:
    return TrackerSettings(**overrides)  # type: ignore[arg-type]
