"""Metric bindings: a commitment's target (or its metric) bound to a series of the store with an
aggregation rule (see rootcauses.tracker.bindings).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RULES = ("level", "cumulative", "change")


def upgrade() -> None:
    listed = ", ".join(f"'{v}'" for v in RULES)
    op.create_table(
        "metric_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("commitment_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(80), nullable=False),
        sa.Column("countries", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(12), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_metric_bindings"),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name="fk_metric_bindings_commitment_id_commitments",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("commitment_id", "position", name="uq_metric_bindings_commitment_id"),
        sa.CheckConstraint(f"rule IN ({listed})", name="ck_metric_bindings_rule"),
    )
    op.create_index("ix_metric_bindings_commitment_id", "metric_bindings", ["commitment_id"])


def downgrade() -> None:
    op.drop_table("metric_bindings")
