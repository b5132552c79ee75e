"""The tracker's first schema: strategies, pillars, commitments, targets, milestones, progress,
users, API tokens and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _choice(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def upgrade() -> None:
    op.create_table(
        "strategies",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_strategies"),
        sa.UniqueConstraint("name", name="uq_strategies_name"),
    )
    op.create_table(
        "pillars",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("strategy_id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("line_of_effort", sa.String(300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pillars"),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name="fk_pillars_strategy_id_strategies"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["pillars.id"], name="fk_pillars_parent_id_pillars"),
    )
    op.create_index("ix_pillars_strategy_id", "pillars", ["strategy_id"])
    op.create_table(
        "commitments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("country", sa.String(5), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Text(), nullable=True),
        sa.Column("announced_date", sa.Date(), nullable=True),
        sa.Column("announced_precision", sa.String(5), nullable=True),
        sa.Column("deadline_text", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("amount_usd", sa.Double(), nullable=True),
        sa.Column("source_urls", JSON, nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("source_date_precision", sa.String(5), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("aggregate", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commitments"),
        _choice(
            "actor_type",
            ("us_gov", "private", "ngo", "partner_gov", "multilateral"),
            "ck_commitments_actor_type",
        ),
    )
    op.create_index("ix_commitments_actor_type", "commitments", ["actor_type"])
    op.create_index("ix_commitments_country", "commitments", ["country"])
    op.create_table(
        "commitment_pillars",
        sa.Column("commitment_id", sa.String(32), nullable=False),
        sa.Column("pillar_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commitment_id", "pillar_id", name="pk_commitment_pillars"),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name="fk_commitment_pillars_commitment_id_commitments",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pillar_id"], ["pillars.id"], name="fk_commitment_pillars_pillar_id_pillars"
        ),
    )
    op.create_index("ix_commitment_pillars_pillar_id", "commitment_pillars", ["pillar_id"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("commitment_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(300), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("relative", sa.Boolean(), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name="fk_targets_commitment_id_commitments",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("commitment_id", "position", name="uq_targets_commitment_id"),
    )
    op.create_index("ix_targets_commitment_id", "targets", ["commitment_id"])
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["targets.id"],
            name="fk_milestones_target_id_targets",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("target_id", "date", name="uq_milestones_target_id"),
    )
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("commitment_id", sa.String(32), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=True),
        sa.Column("report_date_precision", sa.String(5), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(300), nullable=True),
        sa.Column("reported", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_progress_reports"),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name="fk_progress_reports_commitment_id_commitments",
        ),
    )
    op.create_index("ix_progress_reports_commitment_id", "progress_reports", ["commitment_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("disabled_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        _choice("role", ("viewer", "editor", "admin"), "ck_users_role"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_tokens_user_id_users"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("commitment_id", sa.String(32), nullable=True),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_log_user_id_users"),
        _choice("action", ("create", "update", "delete"), "ck_audit_log_action"),
        _choice("entity", ("commitment", "progress", "pillar", "user"), "ck_audit_log_entity"),
    )
    op.create_index("ix_audit_log_commitment_id", "audit_log", ["commitment_id"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])
    _append_only_audit_log()


def _append_only_audit_log() -> None:
    """The audit log refuses UPDATE and DELETE in the database itself, not only in the ORM."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "api_tokens",
        "users",
        "progress_reports",
        "milestones",
        "targets",
        "commitment_pillars",
        "commitments",
        "pillars",
        "strategies",
    ):
        op.drop_table(table)
