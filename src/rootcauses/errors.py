"""The project's error tree. Every message names the file, row/sheet and field at fault.

    RootCausesError
    ├── ConfigError            a bad setting or path
    ├── SourceError            raw data could not be used
    │   ├── FetchError         download failed (network, HTTP status, truncated body)
    │   ├── ParseError         a file is not in the official format (bad value, empty, truncated)
    │   │   └── SchemaDriftError   expected columns or sheets are missing or renamed
    │   └── CheckError         parsed data fail a content check (negative count, unknown country,
    │                          totals that disagree within a file)
    ├── BuildError             the store could not be built or read; the previous store is intact
    ├── QueryError             a query asks for something the store cannot answer
    ├── PeriodError            a date or month that cannot be read (also a ValueError)
    ├── ModelError             a model cannot run as asked
    │   ├── PanelError         the analysis panel cannot be built (no data for a country …)
    │   └── ForecastError      gaps in a series, a bad horizon, an unknown model …
    └── TrackerError           the commitment tracker could not do what was asked
        ├── TrackerInputError       a bad import row or API field (file/row/field named) → 422
        ├── TrackerNotFoundError    no such commitment, progress report or user → 404
        ├── TrackerConflictError    stale version, or an id/name taken; nothing changed → 409
        ├── TrackerAuthError        no valid API token → 401
        ├── TrackerPermissionError  the role may not do this → 403
        └── TrackerDatabaseError    database unreachable, migration or store write failed → 503

The CLI prints these without a traceback and exits 1.
"""

from __future__ import annotations


class RootCausesError(Exception):
    """Base of every error the project raises on purpose."""


class ConfigError(RootCausesError):
    pass


class SourceError(RootCausesError):
    pass


class FetchError(SourceError):
    pass


class ParseError(SourceError):
    pass


class SchemaDriftError(ParseError):
    pass


class CheckError(SourceError):
    pass


class BuildError(RootCausesError):
    pass


class QueryError(RootCausesError):
    pass


class PeriodError(RootCausesError, ValueError):
    """A date or month that cannot be read (:mod:`rootcauses.periods`). ``what`` names where it
    came from (an option, a parameter, a field); :attr:`detail` is the message without it, for
    callers that name the place themselves (a file row, a form field)."""

    def __init__(self, what: str, text: str, expected: str, reason: str | None = None) -> None:
        self.what, self.text, self.expected, self.reason = what, text, expected, reason
        why = f": {reason}" if reason else ""
        super().__init__(f"bad {what} {text!r}{why}; expected {expected}")

    def __reduce__(self) -> tuple[type[PeriodError], tuple[str, str, str, str | None]]:
        return type(self), (self.what, self.text, self.expected, self.reason)

    @property
    def detail(self) -> str:
        """``is '2025-13', not a real date (…); expected …``, without ``what``."""
        why = f", {self.reason}" if self.reason else ""
        return f"is {self.text!r}{why}; expected {self.expected}"


class ModelError(RootCausesError):
    pass


class PanelError(ModelError):
    pass


class ForecastError(ModelError):
    pass


class TrackerError(RootCausesError):
    """The commitment tracker could not do what was asked (see the subclasses)."""


class TrackerInputError(TrackerError):
    """Bad input: an import row or an API field. ``problems`` lists each one as
    ``(where, field, message)`` so the API can answer 422 with field messages."""

    def __init__(self, message: str, problems: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class TrackerNotFoundError(TrackerError):
    """No such commitment, progress report or user (or it was deleted)."""


class TrackerConflictError(TrackerError):
    """An edit based on a stale ``version``, or an id that is already taken; nothing changed."""


class TrackerAuthError(TrackerError):
    """No valid API token was given."""


class TrackerPermissionError(TrackerError):
    """The token's role may not do this (viewer < editor < admin)."""


class TrackerDatabaseError(TrackerError):
    """The tracker database cannot be reached, migrated or written."""
