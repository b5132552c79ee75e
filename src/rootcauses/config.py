"""Settings, read once from the environment (prefix ROOTCAUSES_) or defaults.

The data snapshot defaults to ``../shared/data`` next to the checkout; everything made from it
lives under ``$ROOTCAUSES_HOME`` (default ``./.rootcauses``): immutable store builds in ``builds/``,
results written later in ``results/`` (see :mod:`rootcauses.store.layout`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from rootcauses.errors import ConfigError

_CHECKOUT = Path(__file__).resolve().parents[2]


def _default_data() -> Path:
    return (_CHECKOUT.parent / "shared" / "data").resolve()


class Settings(BaseSettings):
    """Typed settings; construct a fresh one per call so tests can change the environment."""

    model_config = SettingsConfigDict(env_prefix="ROOTCAUSES_", extra="ignore")

    data: Path = Field(default_factory=_default_data, description="raw data snapshot folder")
    home: Path = Field(default=Path(".rootcauses"), description="store, cache and outputs")
    http_timeout: float = Field(default=60.0, gt=0)
    http_retries: int = Field(default=3, ge=0)
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the API (CORS); empty = closed",
    )
    max_request_bytes: int = Field(
        default=1024 * 1024, gt=0, description="largest request body accepted; larger gets 413"
    )

    @property
    def store_path(self) -> Path:
        """The current build's DuckDB file, read from the build pointer at each call (a build
        moves it); before any build, where the old single-file layout kept the store."""
        from rootcauses.store.layout import current_path

        return current_path(self)

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"

    @property
    def results_dir(self) -> Path:
        return self.home / "results"

    @property
    def legacy_store_path(self) -> Path:
        """The single store file of the layout before versioned builds (migrated by a build)."""
        return self.home / "rootcauses.duckdb"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"


def get_settings() -> Settings:
    """The settings, or a :class:`ConfigError` naming each bad variable and why (not a
    traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        prefix = Settings.model_config.get("env_prefix", "")
        problems = "; ".join(
            f"{prefix}{str(e['loc'][0]).upper() if e['loc'] else ''}={e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"bad setting in the environment: {problems}") from None
    except SettingsError as exc:  # a value that is not the JSON a list setting needs
        raise ConfigError(
            f"bad setting in the environment: {exc} (a list is JSON, e.g. "
            "'[\"https://example.org\"]')"
        ) from None
