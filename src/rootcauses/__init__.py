"""rootcauses: data, tracker, models and a policy lab for Northern-Triangle migration."""

from rootcauses.errors import (
    BuildError,
    FetchError,
    ParseError,
    RootCausesError,
    SchemaDriftError,
    SourceError,
)

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "FetchError",
    "ParseError",
    "RootCausesError",
    "SchemaDriftError",
    "SourceError",
    "__version__",
]
