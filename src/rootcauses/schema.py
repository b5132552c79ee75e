"""Canonical table schemas shared by the sources (which produce frames) and the store.

Column order here is the order in the store. ``KEYS`` are the columns that identify a published
cell: within one source id no two rows may share them (that is what "never double-counted" means).
"""

from __future__ import annotations

ENCOUNTERS = {
    "month": "DATE",  # first day of the calendar month; NULL for annual-only figures
    "fiscal_year": "INTEGER",  # US fiscal year (Oct-Sep), derived from month when monthly
    "frequency": "VARCHAR",  # monthly | annual
    "citizenship": "VARCHAR",  # ISO3, OTHER (the rest) or XXX (unknown); ALL for all citizenships
    "component": "VARCHAR",  # USBP | OFO | CBP (USBP+OFO, no split published)
    # Southwest Land Border | Northern Land Border | Coastal Border | Other | ALL (nationwide)
    "region": "VARCHAR",
    "area": "VARCHAR",  # US state (2 letters) or Border Patrol sector; NULL when not broken out
    "demographic": "VARCHAR",  # SINGLE_ADULT | FMUA | UAC | ACCOMPANIED_MINOR | ALL
    "authority": "VARCHAR",  # T8 | T42 | ALL
    "encounter_type": "VARCHAR",  # APPREHENSION | INADMISSIBLE | EXPULSION | ALL
    "count": "BIGINT",
    "source": "VARCHAR",
}
ENCOUNTER_KEYS = [c for c in ENCOUNTERS if c not in ("count", "source")]

INDICATORS = {
    "country": "VARCHAR",  # ISO3, WLD for global series
    "period": "DATE",  # first day of the month, quarter or year the value refers to
    "period_end": "DATE",  # last day covered for multi-year aggregates; NULL otherwise
    "frequency": "VARCHAR",  # monthly | quarterly | annual | multi-year | irregular
    "indicator": "VARCHAR",  # snake_case name, stable across releases
    "value": "DOUBLE",
    "unit": "VARCHAR",
    "source": "VARCHAR",
}
INDICATOR_KEYS = ["country", "period", "period_end", "frequency", "indicator"]

EVENTS = {
    "date": "DATE",
    "end_date": "DATE",
    "country": "VARCHAR",  # ISO3, or XNT for the Northern Triangle / region as a whole
    "category": "VARCHAR",  # policy | corruption | election | aid | disaster | strategy | security
    "event": "VARCHAR",
    "source_url": "VARCHAR",
    "source": "VARCHAR",
}
EVENT_KEYS = ["date", "country", "category", "event"]

CANONICAL = {"encounters": ENCOUNTERS, "indicators": INDICATORS, "events": EVENTS}
KEYS = {"encounters": ENCOUNTER_KEYS, "indicators": INDICATOR_KEYS, "events": EVENT_KEYS}

SOURCES = {
    "id": "VARCHAR",  # source id: one published table (a file, or a sheet of a workbook)
    "dataset": "VARCHAR",  # the module / dataset folder it comes from
    "title": "VARCHAR",
    "publisher": "VARCHAR",
    "url": "VARCHAR",  # official URL (landing page or file)
    "file": "VARCHAR",  # file name(s) read, '; '-separated
    "sha256": "VARCHAR",  # of the file, or of the sorted per-file hashes when several
    "status": "VARCHAR",  # official | derived | transcribed
    "table_name": "VARCHAR",
    "rows": "BIGINT",
    "period_start": "DATE",
    "period_end": "DATE",
    "fetched_at": "TIMESTAMP",
    "built_at": "TIMESTAMP",
    "licence": "VARCHAR",
    "notes": "VARCHAR",
}

SOURCE_FILES = {
    "dataset": "VARCHAR",
    "file": "VARCHAR",
    "url": "VARCHAR",
    "sha256": "VARCHAR",
    "bytes": "BIGINT",
    "fetched_at": "TIMESTAMP",
    "origin": "VARCHAR",  # snapshot | cache
}

DEMOGRAPHICS = ("SINGLE_ADULT", "FMUA", "UAC", "ACCOMPANIED_MINOR", "ALL")
COMPONENTS = ("USBP", "OFO", "CBP")
AUTHORITIES = ("T8", "T42", "ALL")
ENCOUNTER_TYPES = ("APPREHENSION", "INADMISSIBLE", "EXPULSION", "ALL")
REGIONS = ("Southwest Land Border", "Northern Land Border", "Coastal Border", "Other", "ALL")
FREQUENCIES = ("monthly", "quarterly", "annual", "multi-year", "irregular")
