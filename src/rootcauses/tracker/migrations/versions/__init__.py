"""Revisions, oldest first. Add one with ``alembic revision`` (see ``env.py``)."""
