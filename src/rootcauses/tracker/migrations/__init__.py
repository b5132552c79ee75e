"""Alembic migrations of the tracker database, run by :func:`rootcauses.tracker.db.migrate`."""
