"""Performance-class tables loaded by an administrator: write-once versions, one active per
battery category.

Triggers refuse an UPDATE of any column but ``is_active`` and DELETE (PostgreSQL: TRUNCATE too);
a partial unique index allows one active table per battery category.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "class_tables"
#: Every column but ``is_active``: fixed once the table is loaded.
FIXED = (
    "id", "created_at", "table_id", "version", "status", "battery_category", "legal_basis",
    "published", "classes_apply_from", "threshold_applies_from", "content", "content_digest",
    "file_name", "file_digest", "loaded_by", "loaded_by_user_id",
)  # fmt: skip
TRIGGERS = ("class_tables_fixed", "class_tables_no_delete")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("table_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("battery_category", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("classes_apply_from", sa.Date(), nullable=True),
        sa.Column("threshold_applies_from", sa.Date(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_digest", sa.String(length=64), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("loaded_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('official', 'fixture', 'not-yet-defined')",
            name=op.f("ck_class_tables_status"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["loaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_class_tables_loaded_by_user_id_users"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_tables")),
        sa.UniqueConstraint("table_id", "version", name=op.f("uq_class_tables_table_id")),
    )
    op.create_index(
        "uq_class_tables_one_active",
        TABLE,
        ["battery_category"],
        unique=True,
        sqlite_where=sa.text("is_active"),
        postgresql_where=sa.text("is_active"),
    )
    _create_triggers(op.get_bind().dialect.name)


def _create_triggers(dialect: str) -> None:
    fixed = ", ".join(FIXED)
    if dialect == "postgresql":
        # batterycarbon_refuse_change() comes from migration 0002.
        op.execute(
            f"CREATE TRIGGER class_tables_fixed BEFORE UPDATE OF {fixed} ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER class_tables_no_delete BEFORE DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER class_tables_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION batterycarbon_refuse_change()"
        )
    elif dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER class_tables_fixed BEFORE UPDATE OF {fixed} ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'class_tables: a loaded table is write-once'); END"
        )
        op.execute(
            f"CREATE TRIGGER class_tables_no_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'class_tables is write-once: DELETE refused'); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for trigger in (*TRIGGERS, "class_tables_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {TABLE}")
    elif dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_index("uq_class_tables_one_active", table_name=TABLE)
    op.drop_table(TABLE)
